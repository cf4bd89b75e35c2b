/**
 * Refuses custom patterns that can backtrack catastrophically: JavaScript's regex engine
 * backtracks, and one pattern like `(a+)+$` on a 32 KB prompt would hold a proxy's event
 * loop for minutes. Conservative static rules, checked on the pattern's source:
 *  - no unbounded quantifier (`*`, `+`, `{n,}`) on a group that itself contains one
 *    (`(a+)+`, `(\w*\s?)*`: nested quantifiers);
 *  - no unbounded quantifier on a group with alternatives that can start alike (`(a|ab)*`);
 *    alternatives that start with different literal characters are fine (`(?:foo|bar)+`);
 *  - no back-references (`\1`, `\k<name>`);
 *  - the pattern compiles.
 * Returns null when the pattern is accepted, else the reason (for the dashboard to show).
 */

interface Group {
  unboundedInside: boolean;
  alternatives: string[];
  current: string;
}

export function checkPatternSafety(pattern: string): string | null {
  try {
    new RegExp(pattern);
  } catch (error) {
    return `not a valid regular expression: ${(error as Error).message}`;
  }
  if (/\\[1-9]|\\k</.test(pattern)) return "back-references are not allowed";
  const stack: Group[] = [{ unboundedInside: false, alternatives: [], current: "" }];
  let lastGroup: Group | null = null; // the group that just closed (a quantifier may follow)
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const top = stack[stack.length - 1]!;
    if (c === "\\") {
      top.current += pattern.slice(i, i + 2);
      i++;
      lastGroup = null;
      continue;
    }
    if (c === "[") {
      // a character class: skip to its end
      let j = i + 1;
      if (pattern[j] === "^") j++;
      if (pattern[j] === "]") j++;
      while (j < pattern.length && pattern[j] !== "]") j += pattern[j] === "\\" ? 2 : 1;
      top.current += pattern.slice(i, j + 1);
      i = j;
      lastGroup = null;
      continue;
    }
    if (c === "(") {
      stack.push({ unboundedInside: false, alternatives: [], current: "" });
      if (pattern[i + 1] === "?") {
        // (?: (?= (?! (?<= (?<! (?<name>
        const close =
          pattern[i + 2] === "<" && /[A-Za-z]/.test(pattern[i + 3] ?? "")
            ? pattern.indexOf(">", i)
            : i + (pattern[i + 2] === "<" ? 3 : 2);
        i = close;
      }
      lastGroup = null;
      continue;
    }
    if (c === ")") {
      const closed = stack.pop()!;
      closed.alternatives.push(closed.current);
      const parent = stack[stack.length - 1]!;
      parent.current += "(…)";
      if (closed.unboundedInside) parent.unboundedInside = true;
      lastGroup = closed;
      continue;
    }
    if (c === "|") {
      top.alternatives.push(top.current);
      top.current = "";
      lastGroup = null;
      continue;
    }
    const quantifier = readQuantifier(pattern, i);
    if (quantifier !== null) {
      if (quantifier.unbounded) {
        if (lastGroup !== null) {
          if (lastGroup.unboundedInside)
            return "nested quantifiers (like (a+)+) can backtrack catastrophically";
          if (lastGroup.alternatives.length > 1 && !distinctStarts(lastGroup.alternatives))
            return "a repeated group with alternatives that can start alike (like (a|ab)*) can backtrack catastrophically";
        }
        top.unboundedInside = true;
      }
      i += quantifier.length - 1;
      if (pattern[i + 1] === "?") i++; // lazy
      lastGroup = null;
      continue;
    }
    top.current += c;
    lastGroup = null;
  }
  return null;
}

function readQuantifier(p: string, i: number): { unbounded: boolean; length: number } | null {
  const c = p[i];
  if (c === "*" || c === "+") return { unbounded: true, length: 1 };
  if (c === "?") return { unbounded: false, length: 1 };
  if (c === "{") {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
    if (m === null) return null;
    const unbounded = m[2] !== undefined && (m[3] === "" || Number(m[3]) > 100);
    return { unbounded, length: m[0].length };
  }
  return null;
}

/** Every alternative starts with a literal character, and no two with the same one. */
function distinctStarts(alternatives: readonly string[]): boolean {
  const seen = new Set<string>();
  for (const alt of alternatives) {
    const first = alt[0];
    if (first === undefined || !/[A-Za-z0-9 _\-:@#%&=,;'"!~`<>/]/.test(first)) return false;
    const key = first.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
  }
  return true;
}
