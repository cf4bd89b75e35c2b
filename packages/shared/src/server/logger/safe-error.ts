/**
 * What of an Error reaches a log line: name, message, a string code, the stack and the same of
 * its cause. Never its other enumerable properties: an undici error can carry the request it
 * failed on, headers included (pino's own error serializer copies them all).
 */
export interface SafeError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
  cause?: SafeError;
}

export function safeError(error: Error, depth = 0): SafeError {
  const code = (error as { code?: unknown }).code;
  const cause = error.cause;
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === "string" ? { code } : {}),
    ...(error.stack === undefined ? {} : { stack: error.stack }),
    ...(cause instanceof Error && depth < 3 ? { cause: safeError(cause, depth + 1) } : {}),
  };
}

/** Errors among a line's fields (top level or one object down) become SafeErrors; the
 * caller's object is copied only when there is one to replace. */
export function withSafeErrors(
  fields: Record<string, unknown>,
  depth = 0,
): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key in fields) {
    const value = fields[key];
    let replaced: unknown = value;
    if (value instanceof Error) replaced = safeError(value);
    else if (depth === 0 && isPlainObject(value)) replaced = withSafeErrors(value, 1);
    if (replaced !== value) (out ??= { ...fields })[key] = replaced;
  }
  return out ?? fields;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
