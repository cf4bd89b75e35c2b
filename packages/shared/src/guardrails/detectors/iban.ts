import { electronicFormatIBAN, isValidIBAN } from "ibantools";
import type { RawHit } from "../types";
import { before, isAlnum } from "./chars";

/**
 * IBANs: a country code, two check digits and the BBAN, printed in groups of four or not;
 * ibantools checks the country's length and format and the mod-97 checksum, so upper-case
 * codes that happen to start with two letters and two digits are not reported.
 */

const CANDIDATE = /[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?/g;

export function findIbans(text: string, out: RawHit[]): void {
  CANDIDATE.lastIndex = 0;
  for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
    const start = m.index;
    if (isAlnum(before(text, start))) continue;
    let candidate = m[0];
    // the regex may have taken the start of the next word as a last group: give it back
    for (let tries = 0; tries < 2; tries++) {
      const end = start + candidate.length;
      if (!isAlnum(text.charCodeAt(end)) && isValidIBAN(electronicFormatIBAN(candidate) ?? "")) {
        out.push({ detector: "iban", label: "IBAN", start, end });
        break;
      }
      const space = candidate.lastIndexOf(" ");
      if (space === -1) break;
      candidate = candidate.slice(0, space);
    }
  }
}
