/*
 * One row per scenario: written as a JSON file by the scenario, gathered into one table (printed)
 * and <suite folder>/latest.json by the suite's global teardown. Two suites: the single node's
 * (`npm run test:faults`, faults-results/) and the cluster's (`npm run test:cluster`,
 * faults-results/cluster/).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Verdict } from './checks';
import { LOAD } from './knobs';
import type { LoadRecord } from './load';

export const RESULTS_DIR = join(__dirname, '..', '..', 'faults-results');

export interface Suite {
  /** Where its rows and latest.json go. */
  dir: string;
  /** What the printed table is headed with. */
  title: string;
}

export const SINGLE_NODE: Suite = { dir: RESULTS_DIR, title: 'Faults under load' };
export const CLUSTER: Suite = { dir: join(RESULTS_DIR, 'cluster'), title: 'Faults on the cluster (2 ingestion, 2 projectors)' };

const rowsDir = (suite: Suite) => join(suite.dir, 'rows');

export interface ScenarioRow {
  scenario: string;
  /** Deliveries (distinct bodies) of the simulated load started. */
  requests: number;
  /** Attempts by outcome: HTTP status, `timeout` (no answer in 5 s) or `network` (refused, reset). */
  answers: Record<string, number>;
  retries: number;
  /** Deliveries dropped after Wise's last retry. */
  dropped: number;
  p99Ms: number;
  maxMs: number;
  /** From the end of the load to the projector having committed everything. */
  drainMs: number;
  /** null: the checks could not run (the row's problems say why). */
  lost: number | null;
  duplicated: number | null;
  copies: number | null;
  scenarioExact: boolean;
  passed: boolean;
  problems: string[];
}

export function rowOf(scenario: string, rec: LoadRecord, drainMs: number, v: Verdict): ScenarioRow {
  const sorted = [...rec.durationsMs].sort((a, b) => a - b);
  const p99 = sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)];
  const problems = [...v.problems];
  if (rec.stats.gaveUp > 0) problems.push(`${rec.stats.gaveUp} deliveries were dropped after Wise's last retry`);
  return {
    scenario,
    requests: rec.stats.started,
    answers: Object.fromEntries([...rec.stats.outcomes].sort()),
    retries: rec.stats.retries,
    dropped: rec.stats.gaveUp,
    p99Ms: p99,
    maxMs: sorted.at(-1) ?? 0,
    drainMs,
    lost: v.lost,
    duplicated: v.duplicated,
    copies: v.copies,
    scenarioExact: v.scenarioExact,
    passed: problems.length === 0,
    problems,
  };
}

export function saveRow(suite: Suite, order: number, row: ScenarioRow): void {
  mkdirSync(rowsDir(suite), { recursive: true });
  writeFileSync(join(rowsDir(suite), `${String(order).padStart(2, '0')}.json`), JSON.stringify(row, null, 2));
}

export function clearRows(suite: Suite): void {
  rmSync(rowsDir(suite), { recursive: true, force: true });
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function table(rows: ScenarioRow[]): string {
  const head = ['scenario', 'requests', 'answers', 'p99', 'max', 'drain', 'lost', 'duplicated', 'week exact', 'result'];
  const body = rows.map((r) => [
    r.scenario,
    String(r.requests),
    Object.entries(r.answers)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', '),
    `${r.p99Ms} ms`,
    `${r.maxMs} ms`,
    secs(r.drainMs),
    r.lost === null ? 'not checked' : String(r.lost),
    r.duplicated === null ? 'not checked' : String(r.duplicated),
    r.scenarioExact ? 'yes' : 'NO',
    r.passed ? 'pass' : 'FAIL',
  ]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n');
}

/** Gathers the suite's rows, prints the table and writes its latest.json. */
export function publishResults(suite: Suite): void {
  let files: string[] = [];
  try {
    files = readdirSync(rowsDir(suite))
      .filter((f) => f.endsWith('.json'))
      .sort();
  } catch {
    /* no scenario ran */
  }
  if (files.length === 0) return;
  const rows = files.map((f) => JSON.parse(readFileSync(join(rowsDir(suite), f), 'utf8')) as ScenarioRow);
  const load = { rate: LOAD.rate, seconds: LOAD.seconds, concurrency: LOAD.concurrency, retryScale: LOAD.retryScale };
  writeFileSync(join(suite.dir, 'latest.json'), JSON.stringify({ finishedAt: new Date().toISOString(), load, rows }, null, 2));
  process.stdout.write(
    `\n${suite.title} (${load.rate}/s for ${load.seconds} s per scenario, Wise's retries × ${load.retryScale.toFixed(4)}):\n\n${table(rows)}\n\n`,
  );
  for (const r of rows.filter((x) => !x.passed)) process.stdout.write(`${r.scenario} FAILED:\n  - ${r.problems.join('\n  - ')}\n`);
  process.stdout.write(`(written to ${join(suite.dir, 'latest.json')})\n`);
}
