/**
 * What a shape check found wrong, and where. Checkers return null (the common case, nothing
 * allocated) or an issue; callers prepend their own segment on the way out, so a path such as
 * `messages[3].content[0].text` is only built when there is something to report.
 */
export type Segment = string | number;

export class ShapeIssue {
  readonly path: Segment[];
  constructor(
    segment: Segment | null,
    /** the sentence after the field name, e.g. "expected a string, but got an object instead" */
    readonly problem: string,
    readonly kind: "missing" | "type" | "limit",
  ) {
    this.path = segment === null ? [] : [segment];
  }

  /** Prepends a segment (the caller's field name or index). */
  at(segment: Segment): this {
    this.path.unshift(segment);
    return this;
  }

  get field(): string {
    return formatPath(this.path);
  }

  get message(): string {
    const field = this.field;
    switch (this.kind) {
      case "missing":
        return `Missing required parameter: '${field}'.`;
      case "type":
        return `Invalid type for '${field}': ${this.problem}.`;
      case "limit":
        return `Invalid value for '${field}': ${this.problem}.`;
    }
  }
}

/** `["messages", 3, "content", 0, "text"]` → `messages[3].content[0].text` */
export function formatPath(path: readonly Segment[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? segment : `.${segment}`;
  }
  return out;
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "boolean":
      return "a boolean";
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}

export function wrongType(segment: Segment | null, expected: string, got: unknown): ShapeIssue {
  return new ShapeIssue(segment, `expected ${expected}, but got ${describe(got)} instead`, "type");
}

export function missing(segment: Segment | null): ShapeIssue {
  return new ShapeIssue(segment, "", "missing");
}

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
