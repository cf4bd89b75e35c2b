import type { Detector } from "../../guardrail-policy";
import type { RawHit } from "../types";
import { before, isAlnum } from "./chars";

/**
 * Provider credentials by their documented formats, in one pass: one alternation whose
 * branches each start with the provider's fixed prefix, so most positions fail on the first
 * character. (secretlint's recommended preset covers the same providers but is asynchronous
 * and pulls in a rule engine; these stay synchronous and cost one regex pass per text.)
 *
 * - AWS: access key ids `AKIA`/`ASIA`/… + 16 of [A-Z0-9]; a secret access key (40 base64
 *   characters) only next to its name (`aws_secret_access_key = …`), as it has no prefix
 * - OpenAI: `sk-proj-…`, `sk-svcacct-…`, `sk-admin-…`, legacy `sk-` + 48 (with `T3BlbkFJ`)
 * - Anthropic: `sk-ant-api03-…`, `sk-ant-admin01-…`
 * - Google: `AIza` + 35
 * - GitHub: `ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_` + 36, fine-grained `github_pat_` 22 `_` 59
 * - GitLab: `glpat-` (and the deploy, runner, trigger, feed, OAuth prefixes) + 20 or more
 * - Slack: `xoxb-`/`xoxp-`/`xoxa-`/`xoxr-`/`xoxs-`/`xoxe-` tokens, `xapp-` app tokens,
 *   incoming-webhook URLs
 * - Stripe: secret and restricted keys `sk_live_`/`sk_test_`/`rk_live_`/`rk_test_`, webhook
 *   signing secrets `whsec_` (publishable `pk_` keys are public by design)
 * - JWT: three base64url parts, the first `eyJ` (a JSON header)
 */

const BRANCHES: readonly [Detector, string, string][] = [
  [
    "aws_key",
    "AWS_KEY",
    "(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16}",
  ],
  ["anthropic_key", "ANTHROPIC_KEY", "sk-ant-(?:api|admin|oat|sid)\\d{2}-[A-Za-z0-9_-]{32,}"],
  ["openai_key", "OPENAI_KEY", "sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,}"],
  ["openai_key", "OPENAI_KEY", "sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}"],
  ["openai_key", "OPENAI_KEY", "sk-[A-Za-z0-9]{48}"],
  ["google_key", "GOOGLE_KEY", "AIza[0-9A-Za-z_-]{35}"],
  ["github_token", "GITHUB_TOKEN", "gh[pousr]_[A-Za-z0-9]{36,255}"],
  ["github_token", "GITHUB_TOKEN", "github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}"],
  [
    "gitlab_token",
    "GITLAB_TOKEN",
    "gl(?:pat|dt|rt|ptt|ft|oas|soat|cbt|imt|agent)-[A-Za-z0-9_.-]{20,}",
  ],
  ["slack_token", "SLACK_TOKEN", "xox[abeoprs]-(?:[0-9]+-)?[A-Za-z0-9-]{10,}"],
  ["slack_token", "SLACK_TOKEN", "xapp-\\d-[A-Z0-9]+-\\d+-[a-z0-9]+"],
  [
    "slack_token",
    "SLACK_TOKEN",
    "https://hooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]{20,}",
  ],
  ["stripe_key", "STRIPE_KEY", "(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}"],
  ["stripe_key", "STRIPE_KEY", "whsec_[A-Za-z0-9+/=]{32,}"],
  ["jwt", "JWT", "eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}"],
];

const COMBINED = new RegExp(BRANCHES.map(([, , source]) => `(${source})`).join("|"), "g");
const AWS_SECRET =
  /aws_?secret(?:_?access)?_?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi;

/**
 * Where a secret can start, for a stream that scans an answer as it arrives: text ending in
 * (a prefix of) one of these may still grow into a secret, so it is held back a little.
 */
export const SECRET_MARKERS: readonly string[] = [
  "AKIA",
  "ASIA",
  "ABIA",
  "ACCA",
  "AGPA",
  "AIDA",
  "AIPA",
  "ANPA",
  "ANVA",
  "APKA",
  "AROA",
  "ASCA",
  "sk-",
  "sk_",
  "rk_",
  "whsec_",
  "AIza",
  "ghp_",
  "gho_",
  "ghu_",
  "ghs_",
  "ghr_",
  "github_pat_",
  "glpat-",
  "gldt-",
  "glrt-",
  "glptt-",
  "glft-",
  "gloas-",
  "glsoat-",
  "glcbt-",
  "glimt-",
  "glagent-",
  "xox",
  "xapp-",
  "eyJ",
  "://",
  "-----BEGIN",
  "aws_secret",
  "AWS_SECRET",
  "awssecret",
];

export function findSecrets(text: string, out: RawHit[]): void {
  COMBINED.lastIndex = 0;
  for (let m = COMBINED.exec(text); m !== null; m = COMBINED.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    // inside a longer identifier: not a key (keys start at a boundary and end at one)
    if (isAlnum(before(text, start))) continue;
    if (isAlnum(text.charCodeAt(end))) continue;
    let branch = 1;
    while (m[branch] === undefined) branch++;
    const [detector, label] = BRANCHES[branch - 1]!;
    out.push({ detector, label, start, end });
  }
  if (text.indexOf("ecret") !== -1 || text.indexOf("ECRET") !== -1) {
    AWS_SECRET.lastIndex = 0;
    for (let m = AWS_SECRET.exec(text); m !== null; m = AWS_SECRET.exec(text)) {
      const end = m.index + m[0].length;
      out.push({ detector: "aws_key", label: "AWS_KEY", start: end - 40, end });
    }
  }
}
