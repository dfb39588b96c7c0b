import { execFile, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@wise/testing';
import { freePort } from '../helpers';

const run = promisify(execFile);
const STACK_SH = join(__dirname, '..', '..', 'scripts', 'stack', 'stack.sh');

/**
 * A ClickHouse server of the test's own (own data folder and ports, started by the project's
 * stack script), so the test can stop it under a running projector without touching the shared one.
 */
export class PrivateClickHouse {
  private constructor(
    private readonly dir: string,
    private readonly httpPort: number,
    private readonly tcpPort: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  static async create(): Promise<PrivateClickHouse> {
    const server = new PrivateClickHouse(mkdtempSync(join(tmpdir(), 'wise-test-ch-')), await freePort(), await freePort());
    try {
      await server.start();
    } catch (e) {
      await server.destroy();
      throw e;
    }
    return server;
  }

  /**
   * Runs stack.sh and waits for it to exit. Its output goes to a file, not a pipe: the shell that
   * launches the server lives as long as the server and would hold a pipe open.
   */
  private async stack(command: string): Promise<void> {
    const log = openSync(join(this.dir, 'stack.log'), 'a');
    const env = { ...process.env, STACK_DIR: this.dir, CH_HTTP_PORT: String(this.httpPort), CH_TCP_PORT: String(this.tcpPort) };
    try {
      const code = await new Promise<number | null>((resolve, reject) => {
        spawn('bash', [STACK_SH, command], { env, stdio: ['ignore', log, log] })
          .once('error', reject)
          .once('exit', resolve);
      });
      if (code !== 0) throw new Error(`stack.sh ${command} exited with ${code}; see ${join(this.dir, 'stack.log')}`);
    } finally {
      closeSync(log);
    }
  }

  private async answers(): Promise<boolean> {
    return fetch(`${this.url}/ping`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
  }

  async start(): Promise<void> {
    await this.stack('clickhouse-up');
    await waitFor(`private ClickHouse on ${this.url}`, () => this.answers());
  }

  async stop(): Promise<void> {
    // stack.sh records the pid of the subshell that launched clickhouse-server, not the server's,
    // so `clickhouse-down` alone leaves the server running. Its children are found first and
    // stopped by pid after it (a no-op once the script records the right pid).
    const children = await this.serverChildren();
    await this.stack('clickhouse-down');
    for (const pid of children) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await waitFor(`private ClickHouse on ${this.url} to stop`, async () => !children.some(alive) && !(await this.answers()), 60000, 200);
  }

  private async serverChildren(): Promise<number[]> {
    let pid: string;
    try {
      pid = readFileSync(join(this.dir, 'clickhouse', 'clickhouse.pid'), 'utf8').trim();
    } catch {
      return [];
    }
    const out = await run('pgrep', ['-P', pid]).then(
      (r) => r.stdout,
      () => '',
    );
    return out.split('\n').filter(Boolean).map(Number);
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
