/**
 * Errors by their full path ("customPatterns.0.pattern"), from a zod error's issues or from a
 * tRPC input error (whose message is the issue list as JSON), so each lands at its field.
 */
export function errorsByPath(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of issues) {
    const key = issue.path.map(String).join(".") || "form";
    errors[key] ??= issue.message;
  }
  return errors;
}

export function serverErrorsByPath(error: unknown): Record<string, string> | null {
  if (!error || typeof error !== "object" || !("message" in error)) return null;
  const message = String((error as { message: unknown }).message);
  if (!message.startsWith("[")) return null;
  try {
    const issues = JSON.parse(message) as Array<{ path?: PropertyKey[]; message?: string }>;
    return errorsByPath(issues.map((i) => ({ path: i.path ?? [], message: i.message ?? "" })));
  } catch {
    return null;
  }
}
