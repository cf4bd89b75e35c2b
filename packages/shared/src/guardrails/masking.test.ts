import { describe, expect, it } from "vitest";
import { GuardrailPolicySchema } from "../guardrail-policy";
import { FindingTally, Masker } from "./masker";
import { placeholderPrefixes, restoreText, StreamRestorer } from "./restore";
import { GuardrailScanner } from "./scanner";
import { checkPatternSafety } from "./safe-regex";
import { StreamScanner } from "./stream-scan";
import type { Hit } from "./types";

const policy = GuardrailPolicySchema.parse({ enabled: true, actions: { phone: "redact" } });
const scanner = new GuardrailScanner(policy);

describe("masking", () => {
  it("gives each value one placeholder per request and redacts irreversibly", () => {
    const masker = new Masker();
    const a = masker.apply(
      "mail a@example.com, call +44 20 7946 0958",
      scanner.scan("mail a@example.com, call +44 20 7946 0958"),
    );
    const b = masker.apply(
      "again a@example.com and b@example.com",
      scanner.scan("again a@example.com and b@example.com"),
    );
    expect(a).toBe("mail [EMAIL_1], call [REDACTED_PHONE]");
    expect(b).toBe("again [EMAIL_1] and [EMAIL_2]");
    expect([...masker.originals]).toEqual([
      ["[EMAIL_1]", "a@example.com"],
      ["[EMAIL_2]", "b@example.com"],
    ]);
  });

  it("skips a placeholder the request already contains", () => {
    const text = "literal [EMAIL_1] and a@example.com";
    const masker = new Masker((p) => text.includes(p));
    expect(masker.apply(text, scanner.scan(text))).toBe("literal [EMAIL_1] and [EMAIL_2]");
  });

  it("remask puts placeholders back for storage, raw and JSON-escaped", () => {
    const masker = new Masker();
    masker.placeholderFor("SECRET", 'pa"ss');
    expect(masker.remask('{"text":"x pa\\"ss y"} pa"ss')).toBe(
      '{"text":"x [SECRET_1] y"} [SECRET_1]',
    );
  });

  it("counts findings per detector, action and side", () => {
    const tally = new FindingTally();
    tally.add(scanner.scan("a@example.com b@example.com"), "request");
    expect(tally.toFindings()).toEqual([
      { detector: "email", action: "mask", count: 2, in: "request" },
    ]);
  });
});

describe("restoring a stream", () => {
  const originals = new Map([
    ["[EMAIL_1]", "jane@example.com"],
    ["[EMAIL_12]", 'x"y@example.com'],
  ]);
  const prefixes = placeholderPrefixes(originals);
  const answer = "To [EMAIL_1], cc [EMAIL_12]; not [EMAIL_3] nor [X] nor [EMAIL_1";

  it("restores placeholders split at every possible boundary, holding back only a placeholder prefix", () => {
    const expected = restoreText(answer, originals);
    for (let i = 0; i <= answer.length; i++) {
      for (let j = i; j <= answer.length; j++) {
        const restorer = new StreamRestorer(originals, prefixes, false);
        const parts = [answer.slice(0, i), answer.slice(i, j), answer.slice(j)];
        let out = "";
        let raw = "";
        for (const part of parts) {
          out += restorer.push(part);
          raw += part;
          // what is held back is nothing, or a prefix of a placeholder this request issued
          const all = restoreText(raw, originals);
          expect(all.startsWith(out)).toBe(true);
          const held = all.slice(out.length);
          expect(held === "" || prefixes.has(held)).toBe(true);
        }
        out += restorer.flush();
        expect(out).toBe(expected);
      }
    }
    expect(expected).toBe(
      'To jane@example.com, cc x"y@example.com; not [EMAIL_3] nor [X] nor [EMAIL_1',
    );
  });

  it("releases text without a bracket at once", () => {
    const restorer = new StreamRestorer(originals, prefixes, false);
    expect(restorer.push("Hello ")).toBe("Hello ");
    expect(restorer.push("[EMA")).toBe("");
    expect(restorer.push("IL_1] ok [Z")).toBe("jane@example.com ok [Z");
  });

  it("escapes values inside JSON text (tool-call arguments)", () => {
    const restorer = new StreamRestorer(originals, prefixes, true);
    expect(restorer.push('{"to":"[EMAIL_12]"}')).toBe('{"to":"x\\"y@example.com"}');
  });
});

describe("scanning an answer stream", () => {
  const secrets = new GuardrailScanner(
    GuardrailPolicySchema.parse({
      enabled: true,
      actions: { aws_key: "redact", github_token: "block" },
    }),
  );
  const key = "AKIAIOSFODNN7EXAMPLE";

  it("redacts a secret split at every boundary and holds back at most the token it may grow from", () => {
    const answer = `Your key is ${key}, keep it safe.`;
    for (let i = 0; i <= answer.length; i++) {
      const hits: Hit[] = [];
      const stream = new StreamScanner(secrets, (h) => hits.push(...h));
      const out = stream.push(answer.slice(0, i)) + stream.push(answer.slice(i)) + stream.flush();
      expect(out).toBe("Your key is [REDACTED_AWS_KEY], keep it safe.");
      expect(hits).toHaveLength(1);
    }
  });

  it("passes plain words on at once", () => {
    const stream = new StreamScanner(secrets, () => undefined);
    expect(stream.push("Hello there, how")).toBe("Hello there, how");
  });

  it("stops at a blocked secret and releases nothing after it", () => {
    const stream = new StreamScanner(secrets, () => undefined);
    const out =
      stream.push("token ghp_" + "a".repeat(36) + " and more") +
      stream.push(" text") +
      stream.flush();
    expect(out).toBe("token ");
    expect(stream.blocked).toBe("github_token");
  });
});

describe("scanning an answer stream for custom patterns and deny-list terms", () => {
  const freeform = new GuardrailScanner(
    GuardrailPolicySchema.parse({
      enabled: true,
      actions: { deny_list: "redact", custom: "redact" },
      customPatterns: [{ name: "TICKET", pattern: "TCK-\\d{6}", action: "redact" }],
      denyList: ["Project Nightingale"],
      scanResponses: true,
    }),
  );
  const answer = "We shipped Project Nightingale, see TCK-204811 for it. Project Nightingales too.";
  const expected =
    "We shipped [REDACTED_DENIED], see [REDACTED_TICKET] for it. Project Nightingales too.";

  it("a term or match across whitespace and events is found whole, at every split, once", () => {
    for (let i = 0; i <= answer.length; i++) {
      for (let j = i; j <= answer.length; j += 7) {
        const hits: Hit[] = [];
        const stream = new StreamScanner(freeform, (h) => hits.push(...h));
        const out =
          stream.push(answer.slice(0, i)) +
          stream.push(answer.slice(i, j)) +
          stream.push(answer.slice(j)) +
          stream.flush();
        expect(out, `split at ${i} and ${j}`).toBe(expected);
        expect(hits.map((h) => h.label)).toEqual(["DENIED", "TICKET"]);
      }
    }
  });

  it("holds back no more than the window a match could still span", () => {
    const stream = new StreamScanner(freeform, () => undefined);
    const long = "word ".repeat(40);
    const out = stream.push(long);
    expect(long.length - out.length).toBeLessThanOrEqual(freeform.answerFreeformWindow + 5);
    expect(out + stream.flush()).toBe(long);
  });
});

describe("custom pattern safety", () => {
  it.each(["(a+)+$", "(\\w*\\s?)*x", "(a|ab)*c", "(.*)*", "(x+){2,}", "(a)\\1"])(
    "refuses %s",
    (p) => {
      expect(checkPatternSafety(p)).not.toBeNull();
    },
  );
  it.each([
    "TCK-\\d{6}",
    "(?:foo|bar)+",
    "[A-Z]{2}-\\d+",
    "(?:[A-Z]{2}-)+\\d",
    "\\bproj-[a-z]+\\b",
  ])("accepts %s", (p) => {
    expect(checkPatternSafety(p)).toBeNull();
  });
  it("refuses what does not compile", () => {
    expect(checkPatternSafety("(unclosed")).toMatch(/not a valid regular expression/);
  });
});
