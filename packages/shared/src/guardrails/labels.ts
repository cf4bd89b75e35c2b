import type { Detector } from "../guardrail-policy";

/** Placeholder labels per detector: `[EMAIL_1]` (mask), `[REDACTED_EMAIL]` (redact). */
export const DETECTOR_LABELS: Readonly<Record<Detector, string>> = {
  email: "EMAIL",
  phone: "PHONE",
  card: "CARD",
  iban: "IBAN",
  ssn: "SSN",
  ip: "IP",
  aws_key: "AWS_KEY",
  openai_key: "OPENAI_KEY",
  anthropic_key: "ANTHROPIC_KEY",
  google_key: "GOOGLE_KEY",
  github_token: "GITHUB_TOKEN",
  gitlab_token: "GITLAB_TOKEN",
  slack_token: "SLACK_TOKEN",
  stripe_key: "STRIPE_KEY",
  jwt: "JWT",
  private_key: "PRIVATE_KEY",
  // only the password of the URL is replaced: the model still sees scheme, host and database
  database_url: "DB_PASSWORD",
  prompt_injection: "PROMPT_INJECTION",
  custom: "CUSTOM",
  deny_list: "DENIED",
};

export function maskPlaceholder(label: string, n: number): string {
  return `[${label}_${n}]`;
}

export function redactPlaceholder(label: string): string {
  return `[REDACTED_${label}]`;
}

/** A mask placeholder anywhere in a text (labels: upper-case letters, digits and _). */
export const PLACEHOLDER_PATTERN = /\[[A-Z][A-Z0-9_]*_[1-9][0-9]*\]/g;
