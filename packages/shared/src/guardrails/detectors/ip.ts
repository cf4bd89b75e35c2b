import type { RawHit } from "../types";
import { before, isDigit, isWord } from "./chars";

/**
 * IPv4 and IPv6 addresses. IPv4 look-alikes left alone: version strings (`v1.2.3.4`,
 * `version 10.0.0.1`, `==1.2.3.4`, `@1.2.3.4`), section numbers (`section 2.3.1.4`), OIDs and longer dotted numbers, octets above
 * 255 (`120.0.6099.109`). IPv6: a full eight-group address or a `::` compressed one with at
 * least two groups, one of three or more digits (`2001:db8::1`, `fe80::1`): times (`10:30:00`),
 * MAC addresses (six groups) and C++ scopes (`std::vector`) are not addresses.
 */

const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
/** four dotted groups of 1–3 digits; the octets' range is checked in code (cheaper) */
const IPV4 = /\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}/g;
/** words that make a dotted number a version or a section number, right before it */
const VERSION_CONTEXT =
  /(?:version|release|build|ver\.?|v|section|chapter|clause|figure|table|step|rule|§)\s*[:=]?\s*$/i;
const V4_PREFIX = "[vV@=~^<>]";

function isVersionContext(text: string, start: number): boolean {
  const prev = before(text, start);
  if (prev === prev && V4_PREFIX.includes(String.fromCharCode(prev))) return true;
  return VERSION_CONTEXT.test(text.slice(Math.max(0, start - 12), start));
}

export function findIps(text: string, out: RawHit[]): void {
  if (text.indexOf(".") !== -1) findIpv4(text, out);
  if (text.indexOf(":") !== -1) findIpv6(text, out);
}

function findIpv4(text: string, out: RawHit[]): void {
  IPV4.lastIndex = 0;
  for (let m = IPV4.exec(text); m !== null; m = IPV4.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    const prev = before(text, start);
    if (isWord(prev) || prev === 46) continue;
    const next = text.charCodeAt(end);
    if (isWord(next) || (next === 46 && isDigit(text.charCodeAt(end + 1)))) continue;
    if (!m[0].split(".").every(isOctet)) continue;
    if (isVersionContext(text, start)) continue;
    out.push({ detector: "ip", label: "IP", start, end });
  }
}

function isOctet(s: string): boolean {
  return (s.length === 1 || s[0] !== "0") && Number(s) <= 255;
}

function isHexOrColon(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 58;
}

/** Around each `:`: the run of hex digits, colons (and a trailing dotted IPv4) it sits in. */
function findIpv6(text: string, out: RawHit[]): void {
  let colon = text.indexOf(":");
  while (colon !== -1) {
    let start = colon;
    while (start > 0 && isHexOrColon(text.charCodeAt(start - 1)) && colon - start < 40) start--;
    let end = colon + 1;
    while (
      end < text.length &&
      (isHexOrColon(text.charCodeAt(end)) ||
        (text.charCodeAt(end) === 46 && isDigit(text.charCodeAt(end + 1)))) &&
      end - start < 46
    )
      end++;
    const candidate = text.slice(start, end);
    if (
      candidate.length >= 6 &&
      !isWord(before(text, start)) &&
      !isWord(text.charCodeAt(end)) &&
      !(text.charCodeAt(end) === 46 && isDigit(text.charCodeAt(end + 1))) &&
      isIpv6Address(candidate)
    ) {
      out.push({ detector: "ip", label: "IP", start, end });
    }
    colon = text.indexOf(":", end + 1);
  }
}

const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;
const DOTTED = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

export function isIpv6Address(s: string): boolean {
  const halves = s.split("::");
  if (halves.length > 2) return false;
  const groups: string[] = [];
  for (const half of halves) if (half !== "") groups.push(...half.split(":"));
  let count = groups.length;
  const last = groups[groups.length - 1];
  if (last !== undefined && last.includes(".")) {
    if (!DOTTED.test(last)) return false;
    groups.pop();
    count += 1; // an embedded IPv4 address takes two groups
  }
  for (const g of groups) if (!HEX_GROUP.test(g)) return false;
  if (halves.length === 1) return count === 8;
  if (count > 7 || groups.length < 2) return false;
  return groups.some((g) => g.length >= 3);
}
