import type { RawHit } from "../types";
import { before, isAlnum, isAsciiLetter } from "./chars";

/**
 * E-mail addresses, found around each `@` (a regex with a leading character class would
 * backtrack over every word of the text). Look-alikes left alone: `@scope/pkg`, `user@host`
 * without a dot, `icon@2x.png` (file extensions are not TLDs here), `pkg@1.2.3`,
 * `git@github.com:org/repo` (an SSH remote, not a mailbox), `https://user:pw@host` (URL credentials).
 */

const FILE_EXTENSIONS = new Set([
  "png",
  "jpg",
  "jpeg",
  "gif",
  "svg",
  "webp",
  "ico",
  "bmp",
  "tif",
  "tiff",
  "pdf",
  "js",
  "mjs",
  "cjs",
  "ts",
  "tsx",
  "jsx",
  "css",
  "scss",
  "json",
  "yaml",
  "yml",
  "md",
  "txt",
  "html",
  "lock",
  "py",
  "rb",
  "go",
  "rs",
  "java",
  "zip",
  "gz",
  "tar",
]);

function isLocal(c: number): boolean {
  // letters, digits and . _ % + -
  return isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
}

function isDomainChar(c: number): boolean {
  return isAlnum(c) || c === 46 || c === 45;
}

export function findEmails(text: string, out: RawHit[]): void {
  let at = text.indexOf("@");
  while (at !== -1) {
    let start = at;
    while (start > 0 && at - start < 64) {
      const c = text.charCodeAt(start - 1);
      // an apostrophe only between letters (o'neil@…): a quote before an address is not part of it
      if (
        !isLocal(c) &&
        !(
          c === 39 &&
          isAsciiLetter(before(text, start - 1)) &&
          isAsciiLetter(text.charCodeAt(start))
        )
      )
        break;
      start--;
    }
    while (start < at && text.charCodeAt(start) === 46) start++;
    let end = at + 1;
    while (end < text.length && isDomainChar(text.charCodeAt(end)) && end - at < 255) end++;
    // a sentence's full stop or a dash after the address is not part of it
    while (end > at + 1 && (text.charCodeAt(end - 1) === 46 || text.charCodeAt(end - 1) === 45))
      end--;
    // `https://user:pass@host`: the user part of a URL, not a mailbox
    const prev = start > 0 ? text.charCodeAt(start - 1) : 0;
    const inUrl = prev === 58 || prev === 47;
    if (start < at && !inUrl && text.charCodeAt(end) !== 58 && validDomain(text, at + 1, end)) {
      out.push({ detector: "email", label: "EMAIL", start, end });
    }
    at = text.indexOf("@", Math.max(end, at + 1));
  }
}

function validDomain(text: string, start: number, end: number): boolean {
  const lastDot = text.lastIndexOf(".", end - 1);
  if (lastDot <= start || lastDot >= end - 2) return false;
  const tld = text.slice(lastDot + 1, end);
  if (tld.length > 24) return false;
  for (let i = 0; i < tld.length; i++) if (!isAsciiLetter(tld.charCodeAt(i))) return false;
  if (FILE_EXTENSIONS.has(tld.toLowerCase())) return false;
  // no empty label (a..b) and no label starting with a dash
  const domain = text.slice(start, end);
  return !domain.includes("..") && !domain.startsWith("-") && !domain.includes(".-");
}
