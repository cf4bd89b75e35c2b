import { z } from "zod";
import { isShownInErrors } from "./fields";

/**
 * One way for every app to read its environment: a zod shape per app (in that app's one
 * env.ts), validated at boot, every problem reported at once, no secret value echoed.
 *
 * Empty and blank values count as unset (`FOO=` in a .env file falls back to the default) and
 * values are trimmed. Only variables the shape names are read.
 */

/** The environment is invalid. `problems` holds one "NAME: what is wrong" line per problem. */
export class EnvError extends Error {
  override readonly name = "EnvError";
  constructor(
    readonly problems: string[],
    options: { app: string; docs?: string },
  ) {
    super(
      `Invalid ${options.app} configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}` +
        (options.docs ? `\nSee ${options.docs}.` : ""),
    );
  }
}

export interface EnvOptions {
  /** names the app in the message: "Invalid proxy configuration" */
  app: string;
  /** where the variables are documented, named at the end of the message */
  docs?: string;
  /** Rules across variables, on the raw (trimmed, non-empty) values, so they are reported
   * together with the per-variable problems (a zod refinement of the object would be skipped
   * as soon as one field fails). Return one "NAME: what is wrong" line per problem. */
  check?: (raw: Readonly<Record<string, string>>) => string[];
}

type Source = Readonly<Record<string, string | undefined>>;

export type EnvParseResult<T> =
  | { success: true; data: T; error?: undefined }
  | { success: false; error: EnvError; data?: undefined };

export interface EnvDefinition<Shape extends z.ZodRawShape> {
  readonly schema: z.ZodObject<Shape>;
  /** Validates `source`; throws an EnvError listing every problem. */
  parse(source: Source): z.output<z.ZodObject<Shape>>;
  /** Validates `source` without throwing (shaped like zod's safeParse). */
  safeParse(source: Source): EnvParseResult<z.output<z.ZodObject<Shape>>>;
  /** For boot: parse, or print every problem to stderr and exit 1 (no stack trace). */
  load(source?: Source): z.output<z.ZodObject<Shape>>;
}

export function defineEnv<Shape extends z.ZodRawShape>(
  shape: Shape,
  options: EnvOptions,
): EnvDefinition<Shape> {
  const schema = z.object(shape);
  const names = Object.keys(shape);

  const safeParse = (source: Source) => {
    const raw: Record<string, string> = {};
    for (const name of names) {
      const value = source[name]?.trim();
      if (value) raw[name] = value;
    }
    const result = schema.safeParse(raw);
    const problems = result.success
      ? []
      : result.error.issues.map((issue) => {
          const name = String(issue.path[0] ?? "(environment)");
          if (!(name in raw)) return `${name}: required`;
          const shown = isShownInErrors(shape[name]) ? ` (got ${JSON.stringify(raw[name])})` : "";
          return `${name}: ${issue.message}${shown}`;
        });
    problems.push(...(options.check?.(raw) ?? []));
    if (!result.success || problems.length > 0) {
      return { success: false as const, error: new EnvError([...new Set(problems)], options) };
    }
    return { success: true as const, data: result.data };
  };

  return {
    schema,
    safeParse,
    parse(source) {
      const result = safeParse(source);
      if (!result.success) throw result.error;
      return result.data;
    },
    load(source = process.env) {
      const result = safeParse(source);
      if (result.success) return result.data;
      process.stderr.write(`${result.error.message}\n`);
      process.exit(1);
    },
  };
}
