import { isObject, missing, ShapeIssue, wrongType, type Json, type Segment } from "./issue";

/**
 * Field checks shared by the endpoint checkers. Optional fields accept null as well as absent:
 * the SDKs type many of them `T | null`, and refusing a null the provider would take is worse
 * than forwarding one it refuses.
 */

/** Longest messages / input items / content-part array accepted (Anthropic documents 100,000 messages). */
export const MAX_ITEMS = 100_000;

export function requiredString(obj: Json, key: string): ShapeIssue | null {
  const value = obj[key];
  if (typeof value === "string") return null;
  return value === undefined ? missing(key) : wrongType(key, "a string", value);
}

export function optionalString(obj: Json, key: string): ShapeIssue | null {
  const value = obj[key];
  if (value === undefined || value === null || typeof value === "string") return null;
  return wrongType(key, "a string", value);
}

export function requiredObject(obj: Json, key: string): ShapeIssue | null {
  const value = obj[key];
  if (isObject(value)) return null;
  return value === undefined ? missing(key) : wrongType(key, "an object", value);
}

export function optionalObject(obj: Json, key: string): ShapeIssue | null {
  const value = obj[key];
  if (value === undefined || value === null || isObject(value)) return null;
  return wrongType(key, "an object", value);
}

export function optionalBoolean(obj: Json, key: string): ShapeIssue | null {
  const value = obj[key];
  if (value === undefined || value === null || typeof value === "boolean") return null;
  return wrongType(key, "a boolean", value);
}

/** An array whose items are each checked (the issue names the item's index). */
export function eachItem(
  items: readonly unknown[],
  check: (item: unknown) => ShapeIssue | null,
): ShapeIssue | null {
  if (items.length > MAX_ITEMS) {
    return new ShapeIssue(null, `at most ${MAX_ITEMS} items are accepted`, "limit");
  }
  for (let i = 0; i < items.length; i++) {
    const issue = check(items[i]);
    if (issue !== null) return issue.at(i);
  }
  return null;
}

/** An optional array of objects (tools, tool_calls, ...), each checked by `check` if given. */
export function optionalObjects(
  obj: Json,
  key: string,
  check: ((item: Json) => ShapeIssue | null) | null = null,
): ShapeIssue | null {
  const value = obj[key];
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) return wrongType(key, "an array", value);
  return eachItem(value, (item) => objectThen(item, check))?.at(key) ?? null;
}

/** The item must be an object; then `check` (if any) looks inside. */
export function objectThen(
  item: unknown,
  check: ((item: Json) => ShapeIssue | null) | null,
): ShapeIssue | null {
  if (!isObject(item)) return wrongType(null, "an object", item);
  return check === null ? null : check(item);
}

/** Prepends `segment` to an issue found under it. */
export function under(segment: Segment, issue: ShapeIssue | null): ShapeIssue | null {
  return issue === null ? null : issue.at(segment);
}

/** An optional object field checked inside when present (the caller prepends the field name). */
export function objectOrAbsent(
  value: unknown,
  check: (item: Json) => ShapeIssue | null,
): ShapeIssue | null {
  if (value === undefined || value === null) return null;
  return objectThen(value, check);
}
