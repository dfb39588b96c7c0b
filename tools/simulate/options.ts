import { strictArgs, UsageError } from '../strict-args';
import type { WorldOptions } from './world';

export { UsageError };

export interface SimulateOptions extends WorldOptions {
  mode: { kind: 'send'; url: string } | { kind: 'out'; dir: string };
  rate: number;
  concurrency: number;
  /** Wise's retry delays are multiplied by this (1/600 by default: its 4 h become 25 s). */
  retryScale: number;
  timeoutMs: number;
  /** Stop after this many events (0 = all). */
  limit: number;
}

export const USAGE = `Usage: npm run simulate -- (--send <ingestion url> | --out <dir>) [options]

Realistic Wise webhook traffic for N institutes, identical for the same options and seed.

  --send <url>         POST every body to <url>/webhooks/wise/<institute> (registers the
                       institutes in PostgreSQL first: DATABASE_URL, the owner's, as the CLI reads it)
  --out <dir>          write <dir>/<institute>.jsonl (one body per line) and institutes.json
  --institutes <n>     institutes (default 3)
  --weeks <n>          simulated weeks (default 4)
  --classrooms <n>     classrooms per institute (default 4)
  --students <n>       students per classroom (default 25)
  --seed <text>        same seed, same bodies, same keys (default 1)
  --start <date>       first Monday of the period, YYYY-MM-DD (default 2024-06-03)
  --prefix <text>      institute slug prefix: <prefix>-<seed>-<n> (default sim)
  --rate <n>           deliveries per second with --send, 0 = unlimited (default 200)
  --concurrency <n>    parallel keep-alive connections with --send (default 16)
  --retry-scale <f>    Wise's retry delays (60 s … 4 h) times f (default 0.001667 = 1/600)
  --timeout-ms <n>     give up on an answer after n ms, as Wise does after 5 s (default 5000)
  --limit <n>          stop after n deliveries (default 0 = all)
  --help               this text
`;

const FLAGS = {
  send: { type: 'string' },
  out: { type: 'string' },
  institutes: { type: 'string' },
  weeks: { type: 'string' },
  classrooms: { type: 'string' },
  students: { type: 'string' },
  seed: { type: 'string' },
  start: { type: 'string' },
  prefix: { type: 'string' },
  rate: { type: 'string' },
  concurrency: { type: 'string' },
  'retry-scale': { type: 'string' },
  'timeout-ms': { type: 'string' },
  limit: { type: 'string' },
} as const;

const INT = /^\d+$/;

/** Reads the options (node:util parseArgs, strict); throws UsageError naming every problem. */
export function parseOptions(argv: string[]): SimulateOptions {
  const raw = strictArgs(argv, FLAGS);
  const problems: string[] = [];
  const int = (name: keyof typeof FLAGS, def: number, min: number, max: number): number => {
    const v = raw[name];
    if (v === undefined) return def;
    if (!INT.test(v) || Number(v) < min || Number(v) > max) {
      problems.push(`--${name}: expected a whole number from ${min} to ${max}, got "${v}"`);
      return def;
    }
    return Number(v);
  };
  const seed = raw.seed ?? '1';
  if (seed === '') problems.push('--seed must not be empty');
  const prefix = raw.prefix ?? 'sim';
  if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(prefix))
    problems.push(`--prefix: expected lower-case letters, digits and dashes (up to 31), got "${prefix}"`);
  const start = raw.start ?? '2024-06-03';
  const startMs = /^\d{4}-\d{2}-\d{2}$/.test(start) ? Date.parse(`${start}T00:00:00Z`) : NaN;
  if (Number.isNaN(startMs)) problems.push(`--start: expected a date YYYY-MM-DD, got "${start}"`);
  const retryScale = Number(raw['retry-scale'] ?? 1 / 600);
  if (!(retryScale >= 0 && retryScale <= 1)) problems.push(`--retry-scale: expected a number from 0 to 1, got "${raw['retry-scale']}"`);

  const send = raw.send;
  const out = raw.out;
  let mode: SimulateOptions['mode'] = { kind: 'out', dir: '' };
  if ((send === undefined) === (out === undefined)) problems.push('give exactly one of --send <url> and --out <dir>');
  else if (send !== undefined) {
    if (!URL.canParse(send) || !/^http:$/.test(new URL(send).protocol)) problems.push(`--send: expected an http:// URL, got "${send}"`);
    mode = { kind: 'send', url: send };
  } else mode = { kind: 'out', dir: out! };

  const options: SimulateOptions = {
    mode,
    seed,
    prefix,
    startMs,
    institutes: int('institutes', 3, 1, 100_000),
    weeks: int('weeks', 4, 1, 520),
    classrooms: int('classrooms', 4, 1, 1_000),
    students: int('students', 25, 1, 5_000),
    rate: int('rate', 200, 0, 1_000_000),
    concurrency: int('concurrency', 16, 1, 4_096),
    retryScale,
    timeoutMs: int('timeout-ms', 5000, 100, 600_000),
    limit: int('limit', 0, 0, Number.MAX_SAFE_INTEGER),
  };
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return options;
}
