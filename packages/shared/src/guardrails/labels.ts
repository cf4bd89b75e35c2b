/** Placeholders: `[EMAIL_1]` (mask), `[REDACTED_EMAIL]` (redact); each detector names its
 * own label (a database URL's is DB_PASSWORD: only the password is replaced, the model still
 * sees scheme, host and database). */
export function maskPlaceholder(label: string, n: number): string {
  return `[${label}_${n}]`;
}

export function redactPlaceholder(label: string): string {
  return `[REDACTED_${label}]`;
}

/** A mask placeholder anywhere in a text (labels: upper-case letters, digits and _). */
export const PLACEHOLDER_PATTERN = /\[[A-Z][A-Z0-9_]*_[1-9][0-9]*\]/g;
