import { ShapeIssue, type Segment } from "./issue";

/**
 * Deepest nesting of objects and arrays accepted anywhere in a request body (the body itself is
 * level 1). Real requests stay far below it — OpenAI caps structured-output schemas at 10 object
 * levels, a tool schema inside `tools[0].function.parameters` adds a handful — while a
 * 50,000-level body would overflow the recursion of whatever serialises it next (ours, a
 * translator's, the provider's).
 */
export const MAX_NESTING_DEPTH = 100;

/** Path segments shown for a too-deep value; the rest is elided. */
const SHOWN_SEGMENTS = 8;

/**
 * Walks the whole parsed body without recursion (an explicit stack), so that the check itself
 * survives any depth. Strings and numbers are never looked into; the cost is one step per
 * object or array element.
 */
export function checkNesting(root: unknown, maxDepth = MAX_NESTING_DEPTH): ShapeIssue | null {
  if (typeof root !== "object" || root === null) return null;
  const values: object[] = [root];
  const depths: number[] = [1];
  while (values.length > 0) {
    const value = values.pop()!;
    const depth = depths.pop()!;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const child: unknown = value[i];
        if (typeof child === "object" && child !== null) {
          if (depth >= maxDepth) return tooDeep(root, maxDepth);
          values.push(child);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const key in value) {
        const child: unknown = (value as Record<string, unknown>)[key];
        if (typeof child === "object" && child !== null) {
          if (depth >= maxDepth) return tooDeep(root, maxDepth);
          values.push(child);
          depths.push(depth + 1);
        }
      }
    }
  }
  return null;
}

/** Only on failure: finds the path to the first too-deep value (recursion bounded by maxDepth). */
function tooDeep(root: object, maxDepth: number): ShapeIssue {
  const path: Segment[] = [];
  find(root, 1, maxDepth, path);
  const shown = path.length > SHOWN_SEGMENTS ? path.slice(0, SHOWN_SEGMENTS) : path;
  const issue = new ShapeIssue(
    null,
    `objects and arrays are nested more than ${maxDepth} levels deep`,
    "limit",
  );
  for (let i = shown.length - 1; i >= 0; i--) issue.at(shown[i]!);
  if (path.length > SHOWN_SEGMENTS) issue.path.push("…");
  return issue;
}

function find(value: object, depth: number, maxDepth: number, path: Segment[]): boolean {
  if (depth > maxDepth) return true;
  const entries: [Segment, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  for (const [segment, child] of entries) {
    if (typeof child !== "object" || child === null) continue;
    path.push(segment);
    if (find(child, depth + 1, maxDepth, path)) return true;
    path.pop();
  }
  return false;
}
