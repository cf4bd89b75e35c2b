#!/usr/bin/env node
// What scanning a prompt costs (issue 15 budget: a 32 KB prompt in ≤ 1 ms median, every
// detector on): @gatehouse/shared/guardrails' GuardrailScanner.scan over a 32 KB prompt of
// prose and code with one line in four a look-alike (ids, order numbers, dates, versions,
// hashes) and values planted in it, then the masking pass; and the worst case, every line a
// look-alike. Each iteration scans a prompt with phone numbers of
// its own ("cold": libphonenumber's verdict cache cannot help, as for a new conversation);
// "warm" rescans one prompt (a conversation re-sending its history). Medians after a warm-up.
//
//   npm run bench:guardrails -- [--kb=32] [--iterations=2000] [--planted=24]
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { GuardrailPolicySchema } from "../packages/shared/src/guardrail-policy.ts";
import { GuardrailScanner, LOOK_ALIKES, Masker } from "../packages/shared/src/guardrails/index.ts";

const { values: args } = parseArgs({
  options: { kb: { type: "string" }, iterations: { type: "string" }, planted: { type: "string" } },
});
const KB = Number(args.kb ?? 32);
const ITERATIONS = Number(args.iterations ?? 2000);
const PLANTED = Number(args.planted ?? 24);

const PLANTS = [
  "jane.doe@example.com",
  "+44 20 7946 0958",
  "(415) 555-2671",
  "4111 1111 1111 1111",
  "DE89 3704 0044 0532 0130 00",
  "123-45-6789",
  "192.168.10.24",
  "AKIAIOSFODNN7EXAMPLE",
  "ghp_" + "x1Y2z3".repeat(6),
  "postgres://app:hunter2@db.internal:5432/app",
  "sk-proj-" + "Ab3_dE".repeat(8),
];
/** ordinary prose and code, as most of a long prompt is */
const PROSE = [
  "The quarterly review covered revenue, churn and the roadmap for the next two releases.",
  "Please summarise the attached notes and list the open questions for the team.",
  "for (let i = 0; i < items.length; i++) { total += items[i].price * items[i].qty; }",
  "Customers asked for a clearer export flow; support tickets about it doubled since March.",
  "We agreed to keep the public API stable and to deprecate the old endpoints next year.",
  "The migration ran overnight and finished without errors; the dashboards look normal.",
  "Write the reply in a friendly tone, keep it under two hundred words, and avoid jargon.",
  "def handler(event, context):\n    return {'statusCode': 200, 'body': json.dumps(event)}",
];
/** look-alikes (ids, numbers, dates, versions, hashes): what makes scanning work hard */
const LOOKS = LOOK_ALIKES.filter((l) => l.imitates !== "injection").map((l) => l.text);

/** `dense`: every line a look-alike (the worst case); else one line in four */
function lineAt(i, dense) {
  if (dense) return LOOKS[i % LOOKS.length];
  return i % 4 === 3 ? LOOKS[(i >> 2) % LOOKS.length] : PROSE[i % PROSE.length];
}

export function buildPrompt(kb = KB, planted = PLANTED, variant = 0, dense = false) {
  const parts = [];
  let size = 0;
  let i = 0;
  const every = Math.max(1, Math.floor((kb * 1024) / 90 / Math.max(1, planted)));
  while (size < kb * 1024) {
    const line = lineAt(i, dense);
    parts.push(line);
    size += line.length + 1;
    if (planted > 0 && i % every === every - 1) {
      let value = PLANTS[((i / every) % PLANTS.length) | 0];
      // every variant its own phone numbers
      value = value
        .replace("7946 0958", `7946 0${String((variant * 7 + i) % 1000).padStart(3, "0")}`)
        .replace("555-2671", `555-${String(2000 + ((variant * 13 + i) % 7000))}`);
      const sentence = `Contact: ${value} (from the ticket).`;
      parts.push(sentence);
      size += sentence.length + 1;
    }
    i++;
  }
  return parts.join("\n").slice(0, kb * 1024);
}

const policy = GuardrailPolicySchema.parse({
  enabled: true,
  // every detector on, with the defaults: PII masked, secrets blocked (the scan still finds
  // every value: the refusal happens after it), IPs masked, the injection heuristic logged
  actions: { ip: "mask", prompt_injection: "log" },
  customPatterns: [{ name: "TICKET", pattern: "TCK-\\d{6}", action: "mask" }],
  denyList: ["Project Nightingale", "acme-internal"],
});
const scanner = new GuardrailScanner(policy);
const prompt = buildPrompt();

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function measure(fn) {
  for (let i = 0; i < 200; i++) fn(i); // warm-up (JIT)
  const times = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const t = performance.now();
    fn(i);
    times.push(performance.now() - t);
  }
  return {
    median: median(times),
    p99: [...times].sort((a, b) => a - b)[Math.floor(times.length * 0.99)],
  };
}

// run as a script (bench/guardrails-scan.mjs); imported, only buildPrompt is wanted
if (import.meta.url === new URL(`file://${process.argv[1]}`).href) main();

function main() {
  const hits = scanner.scan(prompt);
  const variants = Array.from({ length: ITERATIONS + 200 }, (_, i) =>
    buildPrompt(KB, PLANTED, i + 1),
  );
  const scan = measure((i) => scanner.scan(variants[i]));
  const scanMask = measure((i) => {
    const text = variants[(i + 100) % variants.length];
    return new Masker().apply(text, scanner.scan(text));
  });
  const warm = measure(() => scanner.scan(prompt));
  const clean = buildPrompt(KB, 0);
  const scanClean = measure(() => scanner.scan(clean));
  const denseVariants = Array.from({ length: ITERATIONS + 200 }, (_, i) =>
    buildPrompt(KB, PLANTED, i + 1, true),
  );
  const dense = measure((i) => scanner.scan(denseVariants[i]));
  const fmt = (ms) => `${(ms * 1000).toFixed(0)} µs`;
  console.log(
    `prompt: ${(prompt.length / 1024).toFixed(1)} KB, ${hits.length} findings (${PLANTED} planted)`,
  );
  console.log(
    `scan (all detectors), cold:  median ${fmt(scan.median)}  p99 ${fmt(scan.p99)}  (budget ≤ 1 ms median)`,
  );
  console.log(
    `scan + mask, cold:           median ${fmt(scanMask.median)}  p99 ${fmt(scanMask.p99)}`,
  );
  console.log(`scan, warm (same prompt):    median ${fmt(warm.median)}  p99 ${fmt(warm.p99)}`);
  console.log(
    `scan, nothing planted:       median ${fmt(scanClean.median)}  p99 ${fmt(scanClean.p99)}`,
  );
  console.log(
    `scan, every line a look-alike (worst case), cold: median ${fmt(dense.median)}  p99 ${fmt(dense.p99)}`,
  );
}
