import type { RawHit } from "../types";
import { before, isDigit, isWord } from "./chars";

/**
 * Payment card numbers: 13–19 digits (optionally grouped by single spaces or dashes, the way
 * cards are printed), a card network's number prefix, and a valid Luhn check digit. The
 * prefix check keeps out most Luhn-valid look-alikes: millisecond timestamps (start with 1),
 * order and tracking numbers outside the networks' ranges.
 */

/** 13+ characters of digits, spaces and dashes from a digit to a digit (one greedy class run:
 * the cheapest search); split at double separators afterwards */
const RUN = /\d[\d -]{11,}\d/g;
const SEPARATORS = /[ -]{2,}/g;

export function findCards(text: string, out: RawHit[]): void {
  RUN.lastIndex = 0;
  for (let m = RUN.exec(text); m !== null; m = RUN.exec(text)) {
    const match = m[0];
    let from = 0;
    SEPARATORS.lastIndex = 0;
    for (let sep = SEPARATORS.exec(match); ; sep = SEPARATORS.exec(match)) {
      const to = sep === null ? match.length : sep.index;
      if (to - from >= 13) findInRun(text, m.index + from, match.slice(from, to), out);
      if (sep === null) break;
      from = sep.index + sep[0].length;
    }
  }
}

/** One run of digit groups joined by single separators (it starts and ends with a digit). */
function findInRun(text: string, at: number, run: string, out: RawHit[]): void {
  if (run.length <= 19 && !/[ -]/.test(run)) {
    // one undivided number: a card only as a whole
    if (isWord(before(text, at)) || isWord(text.charCodeAt(at + run.length))) return;
    if (!decimalAfter(text, at + run.length) && isCardNumber(run))
      out.push({ detector: "card", label: "CARD", start: at, end: at + run.length });
    return;
  }
  findInGroups(text, at, run, out);
}

/** Cards as consecutive groups of a longer run (two cards in a row, a card then a year). */
function findInGroups(text: string, at: number, run: string, out: RawHit[]): void {
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < run.length; i++) {
    if (i === 0 || !isDigit(run.charCodeAt(i - 1))) starts.push(at + i);
    if (i === run.length - 1 || !isDigit(run.charCodeAt(i + 1))) ends.push(at + i + 1);
  }
  const n = starts.length;
  for (let i = 0; i < n; i++) {
    if (i === 0 && isWord(before(text, starts[0]!))) continue;
    let digits = "";
    for (let j = i; j < n; j++) {
      digits += text.slice(starts[j]!, ends[j]!);
      if (digits.length > 19) break;
      const end = ends[j]!;
      if (digits.length < 13) continue;
      if (j === n - 1 && (isWord(text.charCodeAt(end)) || decimalAfter(text, end))) continue;
      // the cheap checks on the digits first, the grouping last
      if (
        networkLength(digits) &&
        luhn(digits) &&
        groupedLikeACard(text.slice(starts[i]!, end), digits.length)
      ) {
        out.push({ detector: "card", label: "CARD", start: starts[i]!, end });
        i = j;
        break;
      }
    }
  }
}

function decimalAfter(text: string, end: number): boolean {
  return text.charCodeAt(end) === 46 && isDigit(text.charCodeAt(end + 1));
}

export function isCardNumber(candidate: string): boolean {
  const digits = candidate.replace(/[ -]/g, "");
  if (digits.length < 13 || digits.length > 19) return false;
  if (!groupedLikeACard(candidate, digits.length)) return false;
  return networkLength(digits) && luhn(digits);
}

/** No separators, or one kind of separator between 4-digit groups (Amex/Diners: 4-6-5, 4-6-4). */
function groupedLikeACard(candidate: string, length: number): boolean {
  if (candidate.length === length) return true;
  const separator = candidate.includes(" ") ? " " : "-";
  if (candidate.includes(separator === " " ? "-" : " ")) return false;
  const groups = candidate.split(separator).map((g) => g.length);
  if (groups.length === 3 && groups[0] === 4 && groups[1] === 6)
    return groups[2] === 5 || groups[2] === 4;
  for (let i = 0; i < groups.length - 1; i++) if (groups[i] !== 4) return false;
  const last = groups[groups.length - 1]!;
  return last >= 1 && last <= 4;
}

/** The issuer prefixes (IIN ranges) and lengths of the major networks. */
function networkLength(d: string): boolean {
  const n = d.length;
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  const p6 = Number(d.slice(0, 6));
  switch (d[0]) {
    case "4": // Visa
      return n === 13 || n === 16 || n === 19;
    case "5": // Mastercard 51–55; Maestro 50, 56–59
      return p2 >= 51 && p2 <= 55 ? n === 16 : n >= 12 && n <= 19;
    case "2": // Mastercard 2221–2720; Mir 2200–2204
      return ((p4 >= 2221 && p4 <= 2720) || (p4 >= 2200 && p4 <= 2204)) && n === 16;
    case "3":
      if (p2 === 34 || p2 === 37) return n === 15; // Amex
      if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39)
        return n >= 14 && n <= 19; // Diners
      return p4 >= 3528 && p4 <= 3589 && n >= 16 && n <= 19; // JCB
    case "6": // Discover, UnionPay, Maestro, RuPay
      if (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925))
        return n >= 16 && n <= 19;
      return n >= 12 && n <= 19;
    default:
      return false;
  }
}

export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let v = digits.charCodeAt(i) - 48;
    if (double) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
    double = !double;
  }
  return sum % 10 === 0;
}
