/*
 * What the rebuild tests share: damaging the analytics tables so that a rebuild that did nothing
 * cannot pass, listing rebuild leftovers, and running the CLI as a child whose output can be
 * awaited line by line (to act while a rebuild is half-way).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { ClickHouse } from '@wise/clickhouse';
import { waitFor } from '@wise/testing';
import { readAnalyticsSnapshot } from '../analytics/analytics-db';
import { expectScenarioNumbers } from '../analytics/scenario-numbers';
import { AppProcess } from '../helpers';

// Fact tables and the serving tables derived from them: a rebuild must restore both.
export const CORRUPTED = [
  'participant_events',
  'payment_events',
  'engagement_store',
  'attendance_store',
  'payments_store',
  'revenue_daily_store',
];

export async function leftoverTables(ch: ClickHouse): Promise<string[]> {
  const rows = await ch.query<{ name: string }>(
    'test',
    "SELECT name FROM system.tables WHERE database = currentDatabase() AND (name LIKE '%\\_\\_rebuild' OR name LIKE '%\\_\\_old') ORDER BY name",
  );
  return rows.map((r) => r.name);
}

/** Deletes every row of CORRUPTED and checks that `institute`'s week no longer gives its figures. */
export async function corrupt(ch: ClickHouse, institute: string): Promise<void> {
  for (const t of CORRUPTED) await ch.command('test', `ALTER TABLE ${t} DELETE WHERE 1`);
  await waitFor('the DELETE mutations to finish', async () => {
    const [r] = await ch.query<{ n: string }>(
      'test',
      'SELECT count() AS n FROM system.mutations WHERE database = currentDatabase() AND is_done = 0',
    );
    return r.n === '0';
  });
  const damaged = await readAnalyticsSnapshot(ch, institute);
  expect(() => expectScenarioNumbers(damaged)).toThrow();
}

/** The built CLI as a child process (`npm run cli -- ...`), its output kept line by line; `exit` resolves with its exit code. */
export function spawnCli(env: NodeJS.ProcessEnv, args: string[]): { proc: AppProcess; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [join(__dirname, '..', '..', 'dist', 'apps', 'cli', 'src', 'main.js'), ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { proc: new AppProcess('cli', child), exit };
}
