/** Durations as OpenAI writes them in x-ratelimit-reset-*: "850ms", "1.5s", "6m0s". */
export function formatResetDuration(ms: number): string {
  const value = Math.max(0, Math.ceil(ms));
  if (value < 1000) return `${value}ms`;
  const seconds = value / 1000;
  if (seconds < 60) return `${Math.round(seconds * 1000) / 1000}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${Math.round(seconds - minutes * 60)}s`;
}

/** Retry-After is whole seconds (at least 1); retry-after-ms is read first by the OpenAI SDK. */
export function retryAfterHeaders(ms: number): Record<string, string> {
  const value = Math.max(1, Math.ceil(ms));
  return { "retry-after": String(Math.ceil(value / 1000)), "retry-after-ms": String(value) };
}
