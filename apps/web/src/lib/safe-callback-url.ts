const DEFAULT_DESTINATION = "/dashboard";

/**
 * Where to go after signing in: only a path on this site ("/dashboard?x=1"), never another
 * origin ("https://evil.example", "//evil.example", "/\\evil.example"), else the dashboard.
 */
export function safeCallbackUrl(value: string | string[] | undefined): string {
  const candidate = Array.isArray(value) ? value[0] : value;
  if (!candidate || !candidate.startsWith("/") || candidate.startsWith("//")) {
    return DEFAULT_DESTINATION;
  }
  // Browsers treat "\\" like "/" and drop tabs/newlines, so "/\\evil.example" or "/\t/evil"
  // would leave the site.
  const hasControlChar = [...candidate].some((ch) => ch.charCodeAt(0) < 0x20);
  if (candidate.includes("\\") || hasControlChar) return DEFAULT_DESTINATION;
  return candidate;
}
