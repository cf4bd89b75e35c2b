import type { CustomPattern } from "../../guardrail-policy";
import type { RawHit } from "../types";
import { checkPatternSafety } from "../safe-regex";

/**
 * A workspace's own patterns (reported as `custom`, labelled with the pattern's name) and
 * deny-list terms (exact, case-insensitive, whole words where a term starts or ends with a
 * letter or digit; reported as `deny_list`).
 */

export interface CompiledPattern {
  readonly name: string;
  readonly regex: RegExp;
}

/**
 * Compiles the patterns the proxy may run. A pattern that does not compile, or that could
 * backtrack catastrophically (safe-regex.ts; the dashboard refuses these when saving), is
 * left out and reported in `rejected` so the caller can log its name (never the text).
 */
export function compilePatterns(patterns: readonly CustomPattern[]): {
  compiled: CompiledPattern[];
  rejected: string[];
} {
  const compiled: CompiledPattern[] = [];
  const rejected: string[] = [];
  for (const p of patterns) {
    if (checkPatternSafety(p.pattern) !== null) {
      rejected.push(p.name);
      continue;
    }
    try {
      compiled.push({ name: p.name, regex: new RegExp(p.pattern, "g") });
    } catch {
      rejected.push(p.name);
    }
  }
  return { compiled, rejected };
}

export function findCustom(
  text: string,
  patterns: readonly CompiledPattern[],
  out: RawHit[],
): void {
  for (const { name, regex } of patterns) {
    regex.lastIndex = 0;
    for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
      if (m[0] === "") {
        regex.lastIndex++;
        continue;
      }
      out.push({ detector: "custom", label: name, start: m.index, end: m.index + m[0].length });
    }
  }
}

const ESCAPE = /[.*+?^${}()|[\]\\/]/g;

/** One case-insensitive alternation of the terms, longest first (so "acme corp" beats "acme"). */
export function compileDenyList(terms: readonly string[]): RegExp | null {
  const cleaned = [...new Set(terms.map((t) => t.trim()).filter((t) => t !== ""))];
  if (cleaned.length === 0) return null;
  cleaned.sort((a, b) => b.length - a.length);
  const source = cleaned
    .map((term) => {
      const escaped = term.replace(ESCAPE, "\\$&");
      const head = /^[\p{L}\p{N}]/u.test(term) ? "(?<![\\p{L}\\p{N}])" : "";
      const tail = /[\p{L}\p{N}]$/u.test(term) ? "(?![\\p{L}\\p{N}])" : "";
      return head + escaped + tail;
    })
    .join("|");
  return new RegExp(source, "giu");
}

export function findDenied(text: string, regex: RegExp, out: RawHit[]): void {
  regex.lastIndex = 0;
  for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
    out.push({
      detector: "deny_list",
      label: "DENIED",
      start: m.index,
      end: m.index + m[0].length,
    });
  }
}
