/**
 * The top-level `usage` object of a large JSON answer without parsing the whole body: finds
 * the last `"usage":{...}` and parses only that slice. Only for response shapes in which no
 * object with caller- or model-chosen keys can follow the top-level usage (OpenAI chat,
 * completions and embeddings). Returns undefined whenever the text does not look as expected,
 * so the caller falls back to a full JSON.parse.
 */
const NEEDLE = Buffer.from('"usage"');

export function sliceUsage(body: Buffer): unknown {
  const at = body.lastIndexOf(NEEDLE);
  if (at < 0) return null;
  // a usage object is small and ASCII: decode only the tail that holds it
  const text = body.toString("latin1", at, Math.min(body.length, at + 2048));
  let i = skipSpace(text, 7);
  if (text.charCodeAt(i) !== 58 /* : */) return undefined;
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) !== 123 /* { */) return text.startsWith("null", i) ? null : undefined;
  const start = i;
  let depth = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 123) depth++;
    else if (c === 125 /* } */) {
      if (--depth === 0) {
        try {
          return JSON.parse(text.slice(start, i + 1));
        } catch {
          return undefined;
        }
      }
    } else if (c === 34 /* " */) {
      // skip a string (keys inside usage), honouring escapes
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i++;
        else if (d === 34) break;
      }
    }
  }
  return undefined;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
    i++;
  }
  return i;
}
