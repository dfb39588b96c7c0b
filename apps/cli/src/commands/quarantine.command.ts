import { CliContext, CliError, Flags } from '../cli-context';
import { latestQuarantine } from '../quarantine-store';

export const QUARANTINE_USAGE = 'usage: quarantine list [--institute <slug>] [--limit N]';

// C0 and C1 controls, DEL, line and paragraph separators and bidirectional overrides: a quarantined
// body is attacker-written, and such characters could rewrite what the operator's terminal shows.
const UNSAFE_FOR_TERMINAL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** The text with every character that could steer a terminal shown as a visible escape. */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE_FOR_TERMINAL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** `quarantine list [--institute <slug>] [--limit N]`: what was refused, and why. */
export async function quarantineCommand(ctx: CliContext, args: string[], flags: Flags): Promise<void> {
  if (args[0] !== 'list' || args.length > 1) throw new CliError(`${QUARANTINE_USAGE}\nor: quarantine replay …  (quarantine replay --help)`);
  const limit = Number(flags.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw new CliError('--limit must be a whole number from 1 to 10000');
  const institute = typeof flags.institute === 'string' ? flags.institute : undefined;
  const rows = await latestQuarantine(await ctx.clickhouse(), institute, limit);
  if (rows.length === 0) return ctx.print('quarantine is empty');
  ctx.table(rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, escapeControl(String(v))]))));
}
