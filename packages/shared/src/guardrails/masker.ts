import type { Detector, GuardrailAction, GuardrailFinding } from "../guardrail-policy";
import { maskPlaceholder, redactPlaceholder } from "./labels";
import type { Hit } from "./types";

/**
 * One request's placeholders. `mask` gives each distinct value a stable placeholder
 * (`[EMAIL_1]`; the same value → the same placeholder, anywhere in the request), kept here so
 * the answer can be restored; `redact` replaces with `[REDACTED_EMAIL]` and keeps nothing.
 * A placeholder that already occurs in the request's own text is skipped, so restoring never
 * turns the user's literal "[EMAIL_1]" into someone's address.
 */
export class Masker {
  /** placeholder → original value (what restoring puts back) */
  readonly originals = new Map<string, string>();
  private readonly byValue = new Map<string, string>();
  private readonly counters = new Map<string, number>();

  /** `taken(placeholder)`: the request already contains this text */
  constructor(private readonly taken: (placeholder: string) => boolean = () => false) {}

  get masked(): boolean {
    return this.originals.size > 0;
  }

  /** The text with every mask/redact hit replaced (log and block hits stay as they are). */
  apply(text: string, hits: readonly Hit[]): string {
    let out = "";
    let at = 0;
    for (const hit of hits) {
      if (hit.action !== "mask" && hit.action !== "redact") continue;
      out += text.slice(at, hit.start);
      const value = text.slice(hit.start, hit.end);
      out +=
        hit.action === "mask"
          ? this.placeholderFor(hit.label, value)
          : redactPlaceholder(hit.label);
      at = hit.end;
    }
    return at === 0 ? text : out + text.slice(at);
  }

  placeholderFor(label: string, value: string): string {
    const key = `${label}\u0000${value}`;
    const known = this.byValue.get(key);
    if (known !== undefined) return known;
    let n = this.counters.get(label) ?? 0;
    let placeholder: string;
    do placeholder = maskPlaceholder(label, ++n);
    while (this.taken(placeholder));
    this.counters.set(label, n);
    this.byValue.set(key, placeholder);
    this.originals.set(placeholder, value);
    return placeholder;
  }

  /**
   * Puts the placeholders back in place of the originals: for what is stored (a payload log of
   * the restored answer holds the masked text, never the user's values). Raw and JSON-escaped
   * forms of each value are replaced.
   */
  remask(text: string): string {
    if (!this.masked) return text;
    let out = text;
    // longest first: a value inside another value must not break the longer one's replacement
    const entries = [...this.originals].sort((a, b) => b[1].length - a[1].length);
    for (const [placeholder, value] of entries) {
      out = out.split(value).join(placeholder);
      const escaped = JSON.stringify(value).slice(1, -1);
      if (escaped !== value) out = out.split(escaped).join(placeholder);
      const twice = JSON.stringify(escaped).slice(1, -1);
      if (twice !== escaped) out = out.split(twice).join(placeholder);
    }
    return out;
  }
}

/** Findings of one request, counted per detector, action and side (never a value). */
export class FindingTally {
  private readonly counts = new Map<string, number>();

  add(hits: readonly Hit[], side: "request" | "response"): void {
    for (const hit of hits) this.addOne(hit.detector, hit.action, side, 1);
  }

  addOne(
    detector: Detector,
    action: GuardrailAction,
    side: "request" | "response",
    n: number,
  ): void {
    const key = `${detector}|${action}|${side}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }

  toFindings(): GuardrailFinding[] {
    const out: GuardrailFinding[] = [];
    for (const [key, count] of this.counts) {
      const [detector, action, side] = key.split("|") as [
        Detector,
        GuardrailAction,
        "request" | "response",
      ];
      out.push({ detector, action, count, in: side });
    }
    return out;
  }
}
