/** Character-class checks by char code: cheaper than a regex test per character. */

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

export function isAlnum(c: number): boolean {
  return isDigit(c) || isAsciiLetter(c);
}

/** letters, digits and _ (what \w means) */
export function isWord(c: number): boolean {
  return isAlnum(c) || c === 95;
}

/** The char code before `i` (NaN at the start: every check on it is false). */
export function before(text: string, i: number): number {
  return i > 0 ? text.charCodeAt(i - 1) : NaN;
}
