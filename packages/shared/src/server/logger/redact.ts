/**
 * The secret fields every Gatehouse log line redacts, configured once for all apps. Callers
 * should not log secrets in the first place; this is the net under that rule.
 *
 * Only exact paths: pino's wildcard paths (`*.authorization`) cost ~25 µs per line per level
 * of depth here (measured on pino 10 / @pinojs/redact), against ~0 for exact ones, and the
 * proxy's access log writes a line per request. So a secret is redacted at the top level of a
 * line's fields or inside one of the containers below (headers, config, ...), by name.
 */
export const SECRET_FIELD_NAMES = [
  "authorization",
  "proxy-authorization",
  "x-api-key",
  "api-key",
  "x-goog-api-key",
  "apiKey",
  "api_key",
  "key",
  "secret",
  "secretKey",
  "clientSecret",
  "client_secret",
  "webhookSecret",
  "password",
  "passwd",
  "token",
  "accessToken",
  "access_token",
  "refreshToken",
  "refresh_token",
  "credential",
  "credentials",
  "encryptionKeys",
  "GATEHOUSE_ENCRYPTION_KEYS",
  "NEXTAUTH_SECRET",
  "cookie",
  "set-cookie",
] as const;

/** where secrets are looked for besides the top level */
const CONTAINERS = [
  "headers",
  "req.headers",
  "request.headers",
  "res.headers",
  "response.headers",
  "body",
  "config",
  "credential",
  "credentials",
  "env",
  "options",
  "provider",
] as const;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function join(prefix: string, name: string): string {
  if (IDENTIFIER.test(name)) return prefix ? `${prefix}.${name}` : name;
  return `${prefix}["${name}"]`;
}

/** pino `redact.paths` for SECRET_FIELD_NAMES at the top level and in every container */
export const REDACT_PATHS: readonly string[] = ["", ...CONTAINERS].flatMap((prefix) =>
  SECRET_FIELD_NAMES.map((name) => join(prefix, name)),
);

export const REDACTED = "[redacted]";
