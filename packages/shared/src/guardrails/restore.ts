import { PLACEHOLDER_PATTERN } from "./labels";

/**
 * Restoring masked values in an answer. Placeholders are plain ASCII (`[EMAIL_1]`), so they
 * can be replaced in decoded text, in raw JSON text and across stream events alike.
 * `escape`: the text is JSON (tool-call arguments, a raw JSON body), so a value goes in
 * JSON-string-escaped.
 */

export type Originals = ReadonlyMap<string, string>;

export function restoreText(text: string, originals: Originals, escape = false): string {
  if (originals.size === 0 || text.indexOf("[") === -1) return text;
  return text.replace(PLACEHOLDER_PATTERN, (placeholder) => {
    const value = originals.get(placeholder);
    if (value === undefined) return placeholder;
    return escape ? JSON.stringify(value).slice(1, -1) : value;
  });
}

/** Every value is the same JSON-escaped (no quote, backslash or control character). */
export function valuesAreJsonSafe(originals: Originals): boolean {
  for (const value of originals.values())
    if (JSON.stringify(value).length !== value.length + 2) return false;
  return true;
}

/** All proper prefixes of the placeholders (`[`, `[E`, … `[EMAIL_1`): what a stream holds back. */
export function placeholderPrefixes(originals: Originals): ReadonlySet<string> {
  const prefixes = new Set<string>();
  for (const placeholder of originals.keys()) {
    for (let i = 1; i < placeholder.length; i++) prefixes.add(placeholder.slice(0, i));
  }
  return prefixes;
}

/**
 * Restores one stream of text fragments (an answer's text, or one tool call's arguments).
 * A placeholder may arrive split across fragments: only a suffix that could still become a
 * placeholder (from the last `[`, when it is a prefix of one this request issued) is held
 * back, never more; `flush()` releases it (before a finish, done or error event).
 */
export class StreamRestorer {
  private held = "";

  constructor(
    private readonly originals: Originals,
    private readonly prefixes: ReadonlySet<string>,
    private readonly escape: boolean,
  ) {}

  push(fragment: string): string {
    const text = this.held === "" ? fragment : this.held + fragment;
    const bracket = text.lastIndexOf("[");
    if (bracket === -1) {
      this.held = "";
      return text;
    }
    let release = text;
    const tail = text.slice(bracket);
    if (this.prefixes.has(tail)) {
      this.held = tail;
      release = text.slice(0, bracket);
    } else {
      this.held = "";
    }
    return restoreText(release, this.originals, this.escape);
  }

  /** Nothing is held back right now. */
  get idle(): boolean {
    return this.held === "";
  }

  flush(): string {
    const held = this.held;
    this.held = "";
    return held;
  }
}
