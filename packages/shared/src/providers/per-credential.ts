import type { ResolvedCredential } from "./types";

/** Strips trailing slashes so adapters can append paths without producing `//`. */
export function normaliseBaseUrl(baseUrl: string): string {
  let end = baseUrl.length;
  while (end > 0 && baseUrl.charCodeAt(end - 1) === 47 /* / */) end--;
  return end === baseUrl.length ? baseUrl : baseUrl.slice(0, end);
}

/**
 * Memoises what an adapter derives from a credential (normalised base URL, header template,
 * URLs). The proxy keeps resolved credentials for the life of a config snapshot, so this runs
 * once per credential instead of once per request; a WeakMap lets a replaced snapshot's
 * credentials be collected.
 */
export function perCredential<T>(
  build: (credential: ResolvedCredential) => T,
): (credential: ResolvedCredential) => T {
  const cache = new WeakMap<ResolvedCredential, T>();
  return (credential) => {
    let value = cache.get(credential);
    if (value === undefined) {
      value = build(credential);
      cache.set(credential, value);
    }
    return value;
  };
}

export const JSON_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "application/json",
  accept: "application/json",
};
