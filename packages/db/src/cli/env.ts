export const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/gatehouse";
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
export const DEFAULT_FAKE_PROVIDER_URL = "http://127.0.0.1:8789";

/** A one-line message for the CLIs: no stack trace, and a hint when a service is down. */
export function describeError(error: unknown): string {
  const code =
    typeof error === "object" && error !== null && "code" in error
      ? String((error as { code: unknown }).code)
      : "";
  const message = error instanceof Error ? error.message : String(error);
  if (code === "ECONNREFUSED") {
    return `${message}: is the service running? (PostgreSQL is read from DATABASE_URL, Redis from REDIS_URL)`;
  }
  return message;
}
