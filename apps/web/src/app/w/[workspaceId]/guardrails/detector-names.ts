import {
  defaultAction,
  GuardrailActionSchema,
  HEURISTIC_DETECTORS,
  PII_DETECTORS,
  SECRET_DETECTORS,
  type Detector,
  type GuardrailAction,
} from "@gatehouse/shared";

/** How the policy pages name detectors and actions, and how they group the table. */

export const DETECTOR_NAMES: Record<Detector, string> = {
  email: "E-mail addresses",
  phone: "Phone numbers (international formats)",
  card: "Payment card numbers (Luhn-checked)",
  iban: "IBANs (checksum-checked)",
  ssn: "US Social Security numbers",
  ip: "IP addresses (IPv4 and IPv6)",
  aws_key: "AWS access keys",
  openai_key: "OpenAI API keys",
  anthropic_key: "Anthropic API keys",
  google_key: "Google API keys",
  github_token: "GitHub tokens",
  gitlab_token: "GitLab tokens",
  slack_token: "Slack tokens",
  stripe_key: "Stripe keys",
  jwt: "JSON Web Tokens",
  private_key: "PEM private keys",
  database_url: "Database URLs with a password",
  prompt_injection: "Prompt injection",
  custom: "Custom patterns (all of them)",
  deny_list: "Deny-list terms",
};

export const DETECTOR_GROUPS: ReadonlyArray<{
  id: string;
  title: string;
  detectors: readonly Detector[];
}> = [
  { id: "pii", title: "Personal data", detectors: PII_DETECTORS },
  { id: "secrets", title: "Secrets", detectors: SECRET_DETECTORS },
  { id: "heuristic", title: "Heuristics", detectors: HEURISTIC_DETECTORS },
  // `custom` replaces every pattern's own action (e.g. off for one key)
  { id: "workspace", title: "Your own terms", detectors: ["custom", "deny_list"] },
];

export const ACTIONS = GuardrailActionSchema.options;

export const ACTION_NAMES: Record<GuardrailAction, string> = {
  off: "Off",
  log: "Log",
  mask: "Mask",
  redact: "Redact",
  block: "Block",
};

export const ACTION_HINTS: Record<GuardrailAction, string> = {
  off: "not scanned",
  log: "allowed; the finding is recorded",
  mask: "replaced by a placeholder like [EMAIL_1]; the original is restored in the answer",
  redact: "replaced for good, like [REDACTED_EMAIL]",
  block: "refused before any provider call, naming the detector (never the value)",
};

export function detectorName(detector: string): string {
  return (DETECTOR_NAMES as Record<string, string>)[detector] ?? detector;
}

/** What a detector does without an action of its own in the workspace's policy. */
export function workspaceDefaultLabel(detector: Detector): string {
  return detector === "custom" ? "Per pattern" : ACTION_NAMES[defaultAction(detector)];
}

/** What a detector does for a key without an override: the workspace's choice. */
export function workspaceActionLabel(
  actions: Partial<Record<Detector, GuardrailAction>>,
  detector: Detector,
): string {
  const chosen = actions[detector];
  return chosen ? ACTION_NAMES[chosen] : workspaceDefaultLabel(detector);
}
