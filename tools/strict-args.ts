import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A command line the tool cannot run; an empty message means `--help` was asked for. */
export class UsageError extends Error {}

/**
 * `--name value` / `--name=value` options read by node:util parseArgs in strict mode: an unknown
 * option, a missing value or a positional argument is a UsageError naming it. `--help` (or `-h`)
 * anywhere wins over every other problem, so that help is always one flag away.
 */
export function strictArgs<const O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  if (argv.includes('--help') || argv.includes('-h')) throw new UsageError('');
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    if (String((e as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) throw new UsageError((e as Error).message);
    throw e;
  }
}
