import { parsePhoneNumberFromString } from "libphonenumber-js/min";
import type { RawHit } from "../types";
import { before, isDigit, isWord } from "./chars";

/**
 * Phone numbers: candidates by shape, then checked against libphonenumber's per-country
 * numbering plans (length and prefixes), so dates, version strings, order numbers and
 * timestamps that merely look numeric are not reported.
 *  - international: `+` and a country code (`+44 20 7946 0958`, `+1 (415) 555-2671`);
 *  - national numbers without a country code are read as North American (`(415) 555-2671`,
 *    `415-555-2671`, `415.555.2671`): another country's national format is ambiguous
 *    without knowing the country, and a bare digit run is an order number as often as not.
 */

const INTERNATIONAL = /\+[1-9]\d{0,3}(?:[ .-]?\(?\d{1,5}\)?){1,6}/g;
const NANP = /(?:1[ .-])?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[.-]\d{4}/g;
/** a group of digits at the end of a candidate (given back when the whole is not a number) */
const LAST_GROUP = /[ .-]?\(?\d{1,5}\)?$/;

/** `+44 20 7946 0958)` in "(call +44 20 7946 0958)": the `)` closes the sentence's bracket,
 * not an area code's, and stays out of the number (and of its placeholder). */
function withoutUnopenedParen(candidate: string): string {
  let open = 0;
  for (let i = 0; i < candidate.length; i++) {
    const c = candidate.charCodeAt(i);
    if (c === 40 /* ( */) open++;
    else if (c === 41 /* ) */ && --open < 0) return candidate.slice(0, i);
  }
  return candidate;
}

function isSeparatorDigit(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return (c === 45 || c === 46) && isDigit(text.charCodeAt(i + 1));
}

export function findPhones(text: string, out: RawHit[]): void {
  if (text.indexOf("+") !== -1) {
    INTERNATIONAL.lastIndex = 0;
    for (let m = INTERNATIONAL.exec(text); m !== null; m = INTERNATIONAL.exec(text)) {
      const start = m.index;
      const prev = before(text, start);
      if (isWord(prev) || prev === 43) continue;
      let candidate = withoutUnopenedParen(m[0]);
      // the following digit groups may belong to the next number (a date, a year): give them back
      for (let tries = 0; tries < 6 && candidate.length >= 8; tries++) {
        const end = start + candidate.length;
        if (!isDigit(text.charCodeAt(end)) && valid(candidate)) {
          out.push({ detector: "phone", label: "PHONE", start, end });
          break;
        }
        candidate = withoutUnopenedParen(candidate.replace(LAST_GROUP, ""));
      }
    }
  }
  NANP.lastIndex = 0;
  for (let m = NANP.exec(text); m !== null; m = NANP.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    const prev = before(text, start);
    if (isWord(prev) || prev === 43 || prev === 45 || prev === 46 || prev === 47) {
      // "…1111 (415) 555-2671": the optional leading 1 took a digit of the number before
      NANP.lastIndex = start + 1;
      continue;
    }
    if (isWord(text.charCodeAt(end)) || isSeparatorDigit(text, end)) continue;
    if (valid(m[0], "US")) out.push({ detector: "phone", label: "PHONE", start, end });
  }
}

/**
 * The numbering plans' cheap rules first (libphonenumber's parse costs tens of µs):
 * E.164 has 8–15 digits with the country code; a North American number's area code and
 * exchange start with 2–9.
 */
function plausible(candidate: string, country?: "US"): boolean {
  const digits = candidate.replace(/\D/g, "");
  if (country === undefined) return digits.length >= 8 && digits.length <= 15;
  const national = digits.length === 11 ? digits.slice(1) : digits;
  return national.length === 10 && national[0]! >= "2" && national[3]! >= "2";
}

/**
 * libphonenumber's verdicts by digits, bounded: a conversation re-sends its history on every
 * turn, so the same numbers come back request after request.
 */
const verdicts = new Map<string, boolean>();
const MAX_VERDICTS = 1024;

function valid(candidate: string, country?: "US"): boolean {
  if (!plausible(candidate, country)) return false;
  const key = (country ?? "+") + candidate.replace(/\D/g, "");
  let verdict = verdicts.get(key);
  if (verdict === undefined) {
    verdict = validate(candidate, country);
    if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
    verdicts.set(key, verdict);
  }
  return verdict;
}

function validate(candidate: string, country?: "US"): boolean {
  const parsed =
    country === undefined
      ? parsePhoneNumberFromString(candidate)
      : parsePhoneNumberFromString(candidate, country);
  return parsed !== undefined && parsed.isValid();
}
