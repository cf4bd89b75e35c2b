import type { RawHit } from "../types";
import { before, isDigit, isWord } from "./chars";

/**
 * US Social Security numbers written as SSNs are (`123-45-6789`, `123 45 6789`), within the
 * SSA's rules: area not 000, 666 or 900–999, group not 00, serial not 0000. A bare run of
 * nine digits is as often an order or account number: not reported.
 */

const CANDIDATE = /(\d{3})([ -])(\d{2})\2(\d{4})/g;

export function findSsns(text: string, out: RawHit[]): void {
  CANDIDATE.lastIndex = 0;
  for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    const prev = before(text, start);
    if (isWord(prev) || prev === 45 || prev === 46 || prev === 43) continue;
    const next = text.charCodeAt(end);
    if (isWord(next) || ((next === 45 || next === 46) && isDigit(text.charCodeAt(end + 1))))
      continue;
    const area = Number(m[1]);
    if (area === 0 || area === 666 || area >= 900) continue;
    if (m[3] === "00" || m[4] === "0000") continue;
    out.push({ detector: "ssn", label: "SSN", start, end });
  }
}
