import type { GuardrailKeyOverride, GuardrailPolicy } from "@gatehouse/shared";
import { GuardrailScanner } from "@gatehouse/shared/guardrails";

/**
 * One compiled scanner per (workspace policy, key override) snapshot pair, not per request:
 * compiling builds the deny-list and custom-pattern regexes. Snapshot objects live as long as
 * their config version, so weak maps keyed by them drop old versions by themselves.
 */
const byPolicy = new WeakMap<GuardrailPolicy, GuardrailScanner>();
const byOverride = new WeakMap<GuardrailPolicy, WeakMap<GuardrailKeyOverride, GuardrailScanner>>();

export function scannerFor(
  policy: GuardrailPolicy,
  override: GuardrailKeyOverride | null,
  onRejectedPatterns: (names: readonly string[]) => void,
): GuardrailScanner {
  if (override === null) {
    let scanner = byPolicy.get(policy);
    if (scanner === undefined) {
      scanner = compile(policy, null, onRejectedPatterns);
      byPolicy.set(policy, scanner);
    }
    return scanner;
  }
  let perKey = byOverride.get(policy);
  if (perKey === undefined) {
    perKey = new WeakMap();
    byOverride.set(policy, perKey);
  }
  let scanner = perKey.get(override);
  if (scanner === undefined) {
    scanner = compile(policy, override, onRejectedPatterns);
    perKey.set(override, scanner);
  }
  return scanner;
}

function compile(
  policy: GuardrailPolicy,
  override: GuardrailKeyOverride | null,
  onRejectedPatterns: (names: readonly string[]) => void,
): GuardrailScanner {
  const scanner = new GuardrailScanner(policy, override);
  if (scanner.rejectedPatterns.length > 0) onRejectedPatterns(scanner.rejectedPatterns);
  return scanner;
}
