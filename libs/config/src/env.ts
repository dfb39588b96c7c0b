import { z } from 'zod';

/** Raised when the environment does not describe a runnable app; names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `invalid configuration:\n  - ${problems.join('\n  - ')}\nFix these environment variables (see docs/configuration.md) and start again.`,
    );
    this.name = 'ConfigError';
  }
}

// Env values are strings; these turn them into typed values with a readable complaint.
export const envInt = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .default(String(def))
    .transform((s, ctx) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `expected a whole number from ${min} to ${max}, got "${s}"` });
        return z.NEVER;
      }
      return n;
    });

/** A whole number with no fixed default: undefined when unset, for a default derived from other variables. */
export const envOptionalInt = (min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s === '') return undefined;
      const n = Number(s);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `expected a whole number from ${min} to ${max}, got "${s}"` });
        return z.NEVER;
      }
      return n;
    });

/** A comma-separated variable as its entries, blanks dropped. */
const commaList = (def: string) =>
  z
    .string()
    .default(def)
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    );

export const envList = (def: string) =>
  commaList(def).refine((a) => a.length > 0, 'expected a comma-separated list with at least one entry');

/** Comma-separated URLs, none by default. */
export const envUrls = () =>
  commaList('').refine((a) => a.every((u) => URL.canParse(u)), { message: 'expected comma-separated URLs such as http://ch-1a:8123' });

export const envUrl = (def: string) =>
  z
    .string()
    .default(def)
    .refine((s) => URL.canParse(s), { message: 'expected a URL such as http://host:port' });

/** `true` or `false`, spelled out: a typo such as `ture` is refused rather than read as false. */
export const envBool = (def: boolean) =>
  z
    .string()
    .default(String(def))
    .transform((s, ctx) => {
      if (s === 'true' || s === 'false') return s === 'true';
      ctx.addIssue({ code: 'custom', message: `expected true or false, got "${s}"` });
      return z.NEVER;
    });

/** A string that may be left out; empty counts as unset (a ConfigMap or compose file lists every variable). */
export const envOptional = () =>
  z
    .string()
    .optional()
    .transform((s) => (s === undefined || s === '' ? undefined : s));

/** One of `values`, or unset (undefined) when missing or empty. */
export const envOptionalEnum = <const T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .optional()
    .transform((s, ctx): T[number] | undefined => {
      if (s === undefined || s === '') return undefined;
      if ((values as readonly string[]).includes(s)) return s as T[number];
      ctx.addIssue({ code: 'custom', message: `expected one of ${values.join(', ')} (or empty for none), got "${s}"` });
      return z.NEVER;
    });

export const envEnum = <const T extends readonly [string, ...string[]]>(values: T, def: T[number]) =>
  z.enum(values).default(def as never) as unknown as z.ZodType<T[number], string | undefined>;

/** Parses `env` with `shape`; on failure throws one ConfigError listing every problem. */
export function parseEnv<S extends z.ZodRawShape>(shape: S, env: NodeJS.ProcessEnv): z.infer<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
}
