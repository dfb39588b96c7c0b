import { sqlNumber, sqlString } from '@wise/clickhouse';
import { CliContext, CliError, Flags } from '../cli-context';

/** `quarantine list [--institute <slug>] [--limit N]`: what was refused, and why. */
export async function quarantineCommand(ctx: CliContext, args: string[], flags: Flags): Promise<void> {
  if (args[0] !== 'list') throw new CliError('usage: quarantine list [--institute <slug>] [--limit N]');
  const limit = Number(flags.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw new CliError('--limit must be a whole number from 1 to 10000');
  const where = typeof flags.institute === 'string' ? `WHERE institute_id = ${sqlString(flags.institute)}` : '';
  const ch = await ctx.clickhouse();
  const rows = await ch.query<Record<string, unknown>>(
    'cli:quarantine',
    `SELECT institute_id, stage, event_name, toString(received_at) AS received_at, quarantine_id, substring(reason, 1, 120) AS reason
       FROM quarantine FINAL ${where} ORDER BY received_at DESC LIMIT ${sqlNumber(limit)}`,
  );
  if (rows.length === 0) return ctx.print('quarantine is empty');
  ctx.table(rows);
}
