import type { Detector } from "../guardrail-policy";
import { SECRET_MARKERS } from "./detectors/secrets";
import { redactPlaceholder } from "./labels";
import type { GuardrailScanner } from "./scanner";
import type { Hit } from "./types";

/**
 * Scanning an answer while it streams. A secret can arrive split across events, so the end of
 * the text seen so far is held back while it could still grow into one, and released once it
 * cannot:
 *  - the last token (after the last space, quote, bracket, …) when it contains a secret's
 *    prefix (`sk-`, `AKIA`, `eyJ`, `://`, …) or ends with the start of one (`sk`, `AK`, `:/`);
 *  - from an unterminated `-----BEGIN … PRIVATE KEY-----` up to its END line (at most 16 KB);
 *  - with custom patterns or a deny-list in the answer policy, the last words that a match
 *    could still span: the longest deny-list term's length (`Project Nightingale` split as
 *    `Project` | ` Nightingale`), at least 64 characters with custom patterns
 *    (GuardrailScanner.answerFreeformWindow), from a token's start.
 * Each push scans the held text with the new one, so a finding across events is seen whole;
 * one that reaches the end of the text so far (it may still grow: `TCK-2048` of `TCK-204811`)
 * stays held with it. Found secrets are replaced by `[REDACTED_<LABEL>]` (mask and redact
 * alike: restoring an answer's own secret would defeat the point), `block` stops the stream
 * (`blocked`), `log` only reports. Every finding is reported once.
 */

const MAX_PEM_HOLD = 16 * 1024;
/** a match touching the end is held whole only up to this length (a pattern like `\w+` would
 * otherwise hold the answer back without end) */
const MAX_MATCH_HOLD = 1024;
/** characters that end a token: whitespace, quotes, brackets, commas, semicolons */
const TOKEN_BREAK = /[\s"'`<>(){}[\],;]/;
/** proper prefixes of the markers that start with a letter or digit (`s`, `sk`, `AK`, `ey`) */
const WORD_PREFIXES: ReadonlySet<string> = prefixesOf(SECRET_MARKERS.filter((m) => /^\w/.test(m)));
/** proper prefixes of the others (`:`, `:/`, `-`, `-----BEGI`): text may end with one */
const SYMBOL_PREFIXES: readonly string[] = [
  ...prefixesOf(SECRET_MARKERS.filter((m) => !/^\w/.test(m))),
];
const LAST_WORD = /\w*$/;

function prefixesOf(markers: readonly string[]): Set<string> {
  const set = new Set<string>();
  for (const m of markers) for (let i = 1; i < m.length; i++) set.add(m.slice(0, i));
  return set;
}

export class StreamScanner {
  private held = "";
  /** the detector whose `block` action stopped the answer */
  blocked: Detector | null = null;

  constructor(
    private readonly scanner: GuardrailScanner,
    /** every hit, with the text its offsets refer to */
    private readonly onHits: (hits: readonly Hit[], text: string) => void,
  ) {}

  push(fragment: string): string {
    if (this.blocked !== null) return "";
    const text = this.held + fragment;
    return this.release(text, this.holdFrom(text));
  }

  flush(): string {
    const text = this.held;
    this.held = "";
    return this.blocked !== null ? "" : this.release(text, text.length);
  }

  /** Nothing is held back right now. */
  get idle(): boolean {
    return this.held === "";
  }

  /**
   * `text` up to `cut` out, scanned (the rest is held). The whole text is scanned: a finding
   * that starts before the cut is acted on whole (the cut moves past it), unless it reaches the
   * end of the text and may still grow (then the cut moves before it); one after the cut is
   * left for a later push. At a `block` finding, only what comes before it, never anything after.
   */
  private release(text: string, cut: number): string {
    this.held = "";
    if (text === "") return text;
    const hits = this.scanner.scanAnswer(text);
    if (hits.length === 0) {
      this.held = text.slice(cut);
      return text.slice(0, cut);
    }
    const acted: Hit[] = [];
    let out = "";
    let at = 0;
    for (const hit of hits) {
      if (hit.start >= cut) break;
      if (
        hit.end > cut &&
        hit.end === text.length &&
        cut < text.length &&
        hit.end - hit.start <= MAX_MATCH_HOLD
      ) {
        cut = hit.start;
        break;
      }
      acted.push(hit);
      if (hit.action === "block") {
        this.blocked = hit.detector;
        this.onHits(acted, text);
        return out + text.slice(at, hit.start);
      }
      if (hit.action === "mask" || hit.action === "redact") {
        out += text.slice(at, hit.start) + redactPlaceholder(hit.label);
        at = hit.end;
      }
      if (hit.end > cut) cut = hit.end;
    }
    if (acted.length > 0) this.onHits(acted, text);
    this.held = text.slice(cut);
    return out + text.slice(at, cut);
  }

  /** Where the part that may still grow into a finding starts (text.length: nothing held). */
  private holdFrom(text: string): number {
    const pem = text.lastIndexOf("-----BEGIN");
    if (pem !== -1 && text.length - pem < MAX_PEM_HOLD && text.indexOf("-----END", pem) === -1)
      return pem;
    let start = text.length;
    while (start > 0 && !TOKEN_BREAK.test(text[start - 1]!)) start--;
    const window = this.scanner.answerFreeformWindow;
    if (window > 0) {
      // the last `window` characters, from the start of the token they begin in
      let from = Math.max(0, text.length - window);
      while (from > 0 && !TOKEN_BREAK.test(text[from - 1]!)) from--;
      return Math.min(from, start);
    }
    if (start === text.length) return start;
    const token = text.slice(start);
    for (const marker of SECRET_MARKERS) if (token.includes(marker)) return start;
    // a secret starts after a non-word character: only a last word that is the start of a
    // marker (`sk`, `AKI`, `ey`) can still become one; ordinary words go out at once
    const word = LAST_WORD.exec(token)![0];
    if (word !== "" && WORD_PREFIXES.has(word)) return start;
    for (const prefix of SYMBOL_PREFIXES) if (token.endsWith(prefix)) return start;
    return text.length;
  }
}
