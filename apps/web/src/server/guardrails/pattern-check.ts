import { checkPatternSafety } from "@gatehouse/shared/guardrails";
import { check } from "recheck";
import { CUSTOM_PATTERN_FLAGS, patternSyntaxProblem } from "~/lib/guardrail-schemas";

/**
 * A custom pattern runs over every prompt (up to megabytes) on the proxy's hot path, so only
 * patterns whose matching time grows linearly with the text are accepted. recheck
 * (makenowjust-labs/recheck) decides that by automata theory or, for patterns it cannot model,
 * by fuzzing for an attack string; it also finds the quadratic cases (`[a-z]+@corp\.com` takes
 * about a second on 32 KB of letters in V8), not only the exponential ones. A pattern it cannot
 * settle within the time limit is refused too: "unknown" is not "safe".
 *
 * First, the detector library's own static rule (checkPatternSafety: no nested quantifiers,
 * no alike-starting repeated alternatives, no back-references): the proxy skips a pattern that
 * fails it, so saving one would silently scan for nothing.
 */

const CHECK_TIMEOUT_MS = 3_000;
/** bounded repeats ({1,64}) up to this total are modelled exactly instead of fuzzed (recheck's
 * default, 30, sends common patterns like `[A-Z0-9]{10,30}` to a slow fuzzing run) */
const MAX_REPEAT_COUNT = 100;

export type PatternVerdict =
  { ok: true } | { ok: false; reason: "syntax" | "backtracking" | "unverified"; message: string };

const HINT =
  "anchor repetitions with \\b or a literal prefix, bound them ({1,64}), and avoid nested or overlapping repeats like (a+)+ or (a|aa)+";

export async function checkCustomPattern(pattern: string): Promise<PatternVerdict> {
  const syntax = patternSyntaxProblem(pattern);
  if (syntax) return { ok: false, reason: "syntax", message: syntax };
  const rule = checkPatternSafety(pattern);
  if (rule) return { ok: false, reason: "backtracking", message: `${rule}: ${HINT}` };
  const diagnostics = await check(pattern, CUSTOM_PATTERN_FLAGS, {
    timeout: CHECK_TIMEOUT_MS,
    maxRepeatCount: MAX_REPEAT_COUNT,
  });
  if (diagnostics.status === "safe") return { ok: true };
  if (diagnostics.status === "vulnerable") {
    const complexity =
      diagnostics.complexity.type === "exponential"
        ? "exponential"
        : `${ordinal(diagnostics.complexity.degree)}-degree polynomial`;
    return {
      ok: false,
      reason: "backtracking",
      message: `can backtrack catastrophically (${complexity} time on a crafted text): ${HINT}`,
    };
  }
  return {
    ok: false,
    reason: "unverified",
    message: `could not be proven safe from catastrophic backtracking: simplify it (${HINT})`,
  };
}

function ordinal(n: number): string {
  if (n === 2) return "2nd";
  if (n === 3) return "3rd";
  return `${n}th`;
}
