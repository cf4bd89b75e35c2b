import { modelsTarget, type ResolvedCredential } from "@gatehouse/shared/providers";

/**
 * "Test connection" for a saved provider credential: the cheap `GET models` call, built by
 * the same adapter code the proxy uses (so a wrong base URL, header or api-version shows up
 * here exactly as it would in traffic). The result is safe to show in the browser: it never
 * contains the secret, even when the provider echoes (part of) it in an error message.
 */

export const CONNECTION_TIMEOUT_MS = 10_000;
const MAX_MESSAGE_CHARS = 300;
/** a run this long of the secret's characters, found in a provider message, is redacted */
const MIN_REDACTED_RUN = 6;

export interface ConnectionResult {
  ok: boolean;
  /** the provider's HTTP status, or null when no answer came */
  status: number | null;
  latencyMs: number;
  /** one line for the user */
  message: string;
  /** how many models the provider listed (when it answered with a list) */
  modelCount?: number;
}

export async function testConnection(
  credential: ResolvedCredential,
  opts: { timeoutMs?: number } = {},
): Promise<ConnectionResult> {
  const timeoutMs = opts.timeoutMs ?? CONNECTION_TIMEOUT_MS;
  const target = modelsTarget(credential);
  const { host } = new URL(target.url);
  const startedAt = performance.now();
  const elapsed = () => Math.round(performance.now() - startedAt);
  let response: Response;
  let body: string;
  try {
    response = await fetch(target.url, {
      method: "GET",
      headers: target.headers,
      // a redirect would carry the key (in provider-specific headers) to another address
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    body = await response.text();
  } catch (error) {
    return {
      ok: false,
      status: null,
      latencyMs: elapsed(),
      message: redact(unreachableMessage(error, host, timeoutMs), credential.apiKey),
    };
  }
  const latencyMs = elapsed();
  const status = response.status;

  if (status >= 200 && status < 300) {
    const modelCount = countModels(body);
    return {
      ok: true,
      status,
      latencyMs,
      message:
        modelCount === undefined
          ? `Connected to ${host}.`
          : `Connected to ${host}: ${modelCount} model${modelCount === 1 ? "" : "s"} available.`,
      ...(modelCount === undefined ? {} : { modelCount }),
    };
  }

  const detail = providerMessage(body);
  let summary: string;
  if (status >= 300 && status < 400) {
    summary = `${host} redirected the request (${status}); use the final address as the base URL`;
  } else if (status === 401 || status === 403) {
    summary = `${host} refused the API key (${status})`;
  } else if (status === 404) {
    summary = `${host} has no models endpoint there (404); check the base URL`;
  } else if (status === 429) {
    summary = `${host} is rate limiting this key (429); the key itself was accepted`;
  } else {
    summary = `${host} answered ${status}`;
  }
  return {
    ok: false,
    status,
    latencyMs,
    message: redact(detail ? `${summary}: ${detail}` : `${summary}.`, credential.apiKey),
  };
}

function unreachableMessage(error: unknown, host: string, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return `No answer from ${host} within ${Math.round(timeoutMs / 1000)} s.`;
  }
  const code = errorCode(error);
  switch (code) {
    case "ECONNREFUSED":
      return `Could not reach ${host}: connection refused.`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `Could not reach ${host}: the host name does not resolve.`;
    case "ECONNRESET":
      return `Could not reach ${host}: the connection was reset.`;
    default:
      return code
        ? `Could not reach ${host} (${code}).`
        : `Could not reach ${host}: the connection failed.`;
  }
}

/** fetch wraps network errors: TypeError("fetch failed", { cause: { code } }). */
function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[A-Z_]+$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** `data` of an OpenAI- or Anthropic-style model list. */
function countModels(body: string): number | undefined {
  try {
    const parsed = JSON.parse(body) as { data?: unknown; models?: unknown };
    if (Array.isArray(parsed.data)) return parsed.data.length;
    if (Array.isArray(parsed.models)) return parsed.models.length;
  } catch {
    // not JSON: connected, but the count is unknown
  }
  return undefined;
}

/** The provider's own error message (OpenAI `error.message`, Anthropic, Gemini), shortened. */
function providerMessage(body: string): string {
  let text = body;
  try {
    const parsed = JSON.parse(body) as unknown;
    const candidates = [
      (parsed as { error?: { message?: unknown } }).error?.message,
      (parsed as { error?: unknown }).error,
      (parsed as { message?: unknown }).message,
      (parsed as Array<{ error?: { message?: unknown } }>)[0]?.error?.message,
    ];
    const found = candidates.find((c): c is string => typeof c === "string");
    if (found !== undefined) text = found;
    else return "";
  } catch {
    // an HTML error page says nothing useful
    if (/^\s*</.test(body)) return "";
  }
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > MAX_MESSAGE_CHARS ? `${oneLine.slice(0, MAX_MESSAGE_CHARS)}…` : oneLine;
}

/**
 * Removes the secret from a message: the whole secret, and any run of at least
 * MIN_REDACTED_RUN characters that also occurs in it (providers echo masked forms such as
 * "sk-abc1***********wxyz").
 */
export function redact(message: string, secret: string): string {
  if (secret.length === 0) return message;
  const whole = message.split(secret).join("[redacted]");
  if (secret.length < MIN_REDACTED_RUN) return whole;
  let result = "";
  let i = 0;
  while (i < whole.length) {
    let end = i + MIN_REDACTED_RUN;
    if (end <= whole.length && secret.includes(whole.slice(i, end))) {
      while (end < whole.length && secret.includes(whole.slice(i, end + 1))) end++;
      result += "[redacted]";
      i = end;
    } else {
      result += whole[i];
      i++;
    }
  }
  return result;
}

/** Provider options are string-valued; numbers and booleans are stringified (as compile does). */
export function stringOptions(json: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (json === null || typeof json !== "object" || Array.isArray(json)) return out;
  for (const [name, value] of Object.entries(json)) {
    if (typeof value === "string") out[name] = value;
    else if (typeof value === "number" || typeof value === "boolean") out[name] = String(value);
  }
  return out;
}
