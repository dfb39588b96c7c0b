import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from '@wise/testing';
import { join } from 'node:path';
import { processMemoryMb } from './machine';

export { freePort };

export const ROOT = join(__dirname, '..', '..');

/** The compiled entry points the bench starts, as `npm start` runs them. */
export const ENTRY = {
  ingestion: join(ROOT, 'dist', 'apps', 'ingestion', 'src', 'main.js'),
  projector: join(ROOT, 'dist', 'apps', 'projector', 'src', 'main.js'),
  cli: join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js'),
  baseline: join(ROOT, 'dist', 'bench', 'baseline-server.js'),
  profiler: join(ROOT, 'dist', 'bench', 'cpu-profile-preload.js'),
};

/**
 * Node flags ingestion runs with, as docker-compose and `npm start` run it: the heap cap makes V8
 * collect before RSS grows (docs/configuration.md, `NODE_OPTIONS`), and the workers of INGEST_WORKERS inherit it.
 */
export const INGESTION_NODE_ARGS = ['--max-old-space-size=160'];

/** Node flags and env that make an app profilable with BenchProcess.profile (see cpu-profile-preload.ts). */
export function profiling(file: string | null): { nodeArgs: string[]; env: Record<string, string> } {
  return file ? { nodeArgs: ['-r', ENTRY.profiler], env: { BENCH_CPU_PROFILE: file } } : { nodeArgs: [], env: {} };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A child process under measurement: its output kept for error messages, its memory readable. */
export class BenchProcess {
  /** Every child still running, so that an interrupted bench can stop them all before cleaning up. */
  static readonly running = new Set<BenchProcess>();
  readonly lines: string[] = [];
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line) this.lines.push(line);
      if (this.lines.length > 200) this.lines.splice(0, this.lines.length - 200);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    BenchProcess.running.add(this);
    void this.exited.then(() => BenchProcess.running.delete(this));
  }

  static stopAll(): Promise<unknown> {
    return Promise.all([...BenchProcess.running].map((p) => p.stop('SIGTERM', 5000)));
  }

  /**
   * Starts `node [nodeArgs] <script> [args]` with `env` (nodeArgs: e.g. --cpu-prof) and waits until
   * `readyUrl` answers 200.
   */
  static async start(
    name: string,
    script: string[],
    env: NodeJS.ProcessEnv,
    readyUrl: string,
    nodeArgs: string[] = [],
    timeoutMs = 60_000,
  ): Promise<BenchProcess> {
    const child = spawn(process.execPath, [...nodeArgs, ...script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const p = new BenchProcess(name, child);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${p.tail()}`);
      try {
        if ((await fetch(readyUrl, { signal: AbortSignal.timeout(1000) })).status === 200) return p;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) {
        await p.stop('SIGKILL');
        throw new Error(`${name} not ready at ${readyUrl} after ${timeoutMs} ms:\n${p.tail()}`);
      }
      await sleep(100);
    }
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Peak resident memory so far (VmHWM), MB. */
  peakRssMb(): number | null {
    return processMemoryMb(this.pid)?.peak ?? null;
  }

  /** Starts the in-process CPU profiler, or stops it and waits for `file` (see cpu-profile-preload.ts). */
  async profile(action: 'start' | 'stop', file: string | null): Promise<void> {
    if (!file) return;
    writeFileSync(`${file}.${action}`, '');
    if (action === 'start') {
      await sleep(300);
      return;
    }
    for (let i = 0; i < 150 && !existsSync(file); i++) await sleep(100);
    for (const f of [`${file}.start`, `${file}.stop`]) rmSync(f, { force: true });
  }

  tail(n = 20): string {
    return this.lines.slice(-n).join('\n');
  }

  /** SIGTERM (graceful: apps finish their batch), SIGKILL if still running after `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
