/**
 * The prompt-injection detector is a heuristic, and says so wherever it is offered: what it
 * looks for and how often it fires on harmless text (measured by the detector library on its
 * look-alike corpus).
 */
export function HeuristicNote({ falsePositiveRate }: { falsePositiveRate: number | null }) {
  const rate =
    falsePositiveRate === null
      ? "false-positive rate not measured yet"
      : `${formatRate(falsePositiveRate)} false positives on the look-alike corpus`;
  return (
    <span className="mt-0.5 block text-xs text-slate-500" data-testid="heuristic-note">
      <span className="mr-1.5 rounded bg-amber-100 px-1.5 py-0.5 font-semibold text-amber-800">
        Heuristic
      </span>
      Known jailbreak and instruction-override phrasings, hidden characters (zero-width, bidi) and
      instructions inside tool results; {rate}. Logging is the safe default.
    </span>
  );
}

/** 0.012 → "1.2%"; small rates keep two significant digits. */
function formatRate(rate: number): string {
  const percent = rate * 100;
  if (percent === 0) return "0%";
  return `${percent < 1 ? percent.toPrecision(2) : percent.toFixed(1)}%`;
}
