import type { RawHit, TextKind } from "../types";

/**
 * The prompt-injection flag: a HEURISTIC, not a classifier. It reports
 *  - known jailbreak and instruction-override phrasings ("ignore all previous instructions",
 *    "you are now DAN", "reveal your system prompt", chat-template role tokens);
 *  - hidden text: zero-width characters, bidi overrides/isolates and Unicode tag characters
 *    (invisible "ASCII smuggling"); zero-width joiners inside emoji sequences and between
 *    letters (Persian, Indic scripts) are ordinary text and left alone;
 *  - in tool results only (text the model reads but the user did not write): instructions
 *    addressed to the model ("note to the AI", "do not tell the user", role markers at a
 *    line start).
 * A user may legitimately write "ignore the previous instructions" about their own earlier
 * message, so the default action is `log`; the measured false-positive rate on the
 * look-alike corpus is exported (injection-figures.ts) for the dashboard to show.
 *
 * Speed: a phrase is found by its rarest part (`anchor`, a regex that starts with a literal,
 * which the regex engine searches for quickly); the common words before it ("show me your …")
 * are checked only there (`before`, matched against the text just before the anchor).
 */

interface Rule {
  readonly anchor: RegExp;
  readonly before?: RegExp;
}

const W = "\\s+";
const rule = (anchor: string, before?: string, flags = "gi"): Rule => ({
  anchor: new RegExp(anchor, flags),
  ...(before === undefined ? {} : { before: new RegExp(`${before}$`, "i") }),
});

const RULES: readonly Rule[] = [
  rule(
    `(?:ignore|disregard|forget|override)${W}(?:(?:all|any|the|your|my|these|those)${W})*(?:previous|prior|above|earlier|preceding|former|original|system)${W}(?:instructions|prompts?|rules|directions|directives|guidelines|messages|context)`,
  ),
  rule(
    `forget${W}(?:everything|all)${W}(?:you${W}(?:were|have${W}been)${W}told|(?:that${W})?came${W}before)`,
  ),
  rule(
    `you${W}are${W}now${W}(?:DAN\\b|in${W}(?:developer|god|jailbreak|unrestricted)${W}mode|(?:an?${W})?(?:unrestricted|unfiltered|uncensored|jailbroken)\\b)`,
  ),
  rule(`mode${W}(?:enabled|activated)`, `(?:DAN|developer|god|jailbreak)${W}`),
  rule(`anything${W}now\\b`, `\\bdo${W}`),
  ...[`un(?:restricted|filtered|censored)\\b`, `jailbroken\\b`].map((anchor) =>
    rule(
      anchor,
      `\\b(?:pretend|act)${W}(?:to${W}be|as${W}if${W}you${W}(?:are|were)|as)${W}(?:an?${W})?`,
    ),
  ),
  rule(
    `from${W}now${W}on`,
    `\\b(?:without|ignoring)${W}(?:(?:any|all|your)${W})*(?:(?:safety|content|ethical)${W})?(?:restrictions|filters|guidelines|guardrails|limitations|censorship)[\\s,]*`,
  ),
  // one rule per anchor word: an alternation of words starting with different letters is
  // several times slower to search for than each word on its own
  ...[
    `system${W}prompt`,
    `initial${W}(?:instructions|prompt)`,
    `hidden${W}instructions`,
    `developer${W}message`,
  ].map((anchor) =>
    rule(
      anchor,
      `\\b(?:reveal|print|show|output|repeat|display|leak)${W}(?:me${W})?(?:your|the)${W}(?:(?:full|entire|original|hidden|secret)${W})*`,
    ),
  ),
  rule(
    `(?:safety|content)${W}(?:filters?|restrictions|guidelines|policies|guardrails)`,
    `\\b(?:bypass|disable|turn${W}off|ignore)${W}(?:(?:all|any|your|the|of)${W})*`,
  ),
  rule(`instructions${W}?:`, `\\bnew${W}(?:system${W})?`),
  rule(`<(?:\\|(?:im_start|im_end|system|endoftext)\\||<SYS)>`),
  rule(`\\[/?INST\\]`),
];

/** only in tool results: text addressed to the model inside data it reads */
const TOOL_RULES: readonly Rule[] = [
  rule(`^[ \\t]*(?:system|assistant|developer)[ \\t]*:`, undefined, "gim"),
  rule(
    `(?:attention|note|important|message)${W}(?:to|for)${W}(?:the${W})?(?:AI|assistant|model|LLM|agent|chatbot)\\b`,
  ),
  rule(`(?:AI|assistant|model|LLM|agent)${W}(?:reading|processing|summari[sz]ing)${W}this`),
  rule(
    `(?:do${W}not|don't|never)${W}(?:tell|inform|mention|alert)${W}(?:this${W}to${W})?(?:the${W})?(?:user|human)`,
  ),
  rule(
    `you${W}(?:must|should|will)${W}(?:now${W})?(?:ignore|call|execute|run|send|forward|email|exfiltrate|delete)\\b`,
  ),
  rule(`<\\/?(?:system|instructions?|admin)>`),
];

const BEFORE_WINDOW = 120;
const HIGH = /[\u180E-\uDB40\uFEFF]/g;
/** letters, marks and emoji (with the variation selector): a joiner between them is text */
const JOINS = /[\p{L}\p{M}\p{Extended_Pictographic}\uFE0F]/u;

export function findInjections(text: string, out: RawHit[], kind: TextKind): void {
  runRules(RULES, text, out);
  if (kind === "tool_result") runRules(TOOL_RULES, text, out);
  // hidden characters are all at U+180E or above: a one-range search finds each candidate
  // (curly quotes and emoji are up there too, and skipped one by one)
  HIGH.lastIndex = 0;
  for (let m = HIGH.exec(text); m !== null; m = HIGH.exec(text)) {
    const start = m.index;
    if (!isHidden(text, start)) continue;
    let end = start + (text.charCodeAt(start) === 0xdb40 ? 2 : 1);
    while (end < text.length && isHidden(text, end)) end += text.charCodeAt(end) === 0xdb40 ? 2 : 1;
    HIGH.lastIndex = end;
    const run = text.slice(start, end);
    if (start === 0 && run === "\uFEFF") continue; // a byte-order mark at the start
    if (isOrdinaryJoiner(text, run, start, end)) continue;
    out.push({ detector: "prompt_injection", label: "PROMPT_INJECTION", start, end });
  }
}

/** zero-width space/joiners, word joiner, invisible operators, Mongolian vowel separator, BOM,
 * bidi embeddings/overrides/isolates, tag characters (U+E0000–E007F: \uDB40 + \uDC00–\uDC7F) */
function isHidden(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c === 0xdb40) {
    const low = text.charCodeAt(i + 1);
    return low >= 0xdc00 && low <= 0xdc7f;
  }
  return (
    c === 0x180e ||
    (c >= 0x200b && c <= 0x200d) ||
    (c >= 0x2060 && c <= 0x2064) ||
    (c >= 0x202a && c <= 0x202e) ||
    (c >= 0x2066 && c <= 0x2069) ||
    c === 0xfeff
  );
}

function runRules(rules: readonly Rule[], text: string, out: RawHit[]): void {
  for (const { anchor, before } of rules) {
    anchor.lastIndex = 0;
    for (let m = anchor.exec(text); m !== null; m = anchor.exec(text)) {
      if (m[0] === "") {
        anchor.lastIndex++;
        continue;
      }
      let start = m.index;
      if (before !== undefined) {
        const from = Math.max(0, start - BEFORE_WINDOW);
        const lead = before.exec(text.slice(from, start));
        if (lead === null) continue;
        start = from + lead.index;
      }
      out.push({
        detector: "prompt_injection",
        label: "PROMPT_INJECTION",
        start,
        end: m.index + m[0].length,
      });
    }
  }
}

function isOrdinaryJoiner(text: string, run: string, start: number, end: number): boolean {
  if (run !== "\u200D" && run !== "\u200C") return false;
  const prev = text.codePointAt(
    start - 1 >= 0 && isLowSurrogate(text, start - 1) ? start - 2 : start - 1,
  );
  const next = text.codePointAt(end);
  return (
    prev !== undefined &&
    next !== undefined &&
    JOINS.test(String.fromCodePoint(prev)) &&
    JOINS.test(String.fromCodePoint(next))
  );
}

function isLowSurrogate(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c >= 0xdc00 && c <= 0xdfff;
}
