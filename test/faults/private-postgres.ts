import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@wise/testing';

const run = promisify(execFile);

/**
 * A PostgreSQL cluster of the scenario's own (Debian's binaries, a temporary data folder, its own
 * port), so the scenario can stop it without touching the shared one. Runs as the postgres user.
 */
export class PrivatePostgres {
  private constructor(
    private readonly dir: string,
    readonly port: number,
    private readonly bin: string,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/wise_faults`;
  }

  static async create(): Promise<PrivatePostgres> {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b));
    if (versions.length === 0) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql (apt-get install postgresql)');
    const dir = mkdtempSync(join(tmpdir(), 'wise-faults-pg-'));
    chownSync(
      dir,
      Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
      Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
    );
    const pg = new PrivatePostgres(dir, await freePort(), `/usr/lib/postgresql/${versions.at(-1)}/bin`);
    await pg.as('initdb', '-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres');
    await pg.start();
    return pg;
  }

  private as(tool: string, ...args: string[]) {
    return run('runuser', ['-u', 'postgres', '--', join(this.bin, tool), ...args], { timeout: 60000 });
  }

  async start(): Promise<void> {
    await this.as(
      'pg_ctl',
      '-D',
      join(this.dir, 'data'),
      '-l',
      join(this.dir, 'log'),
      '-w',
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`,
      'start',
    );
  }

  /** A fast shutdown: connections are closed, the server is gone until `start`. */
  async stop(): Promise<void> {
    await this.as('pg_ctl', '-D', join(this.dir, 'data'), '-m', 'fast', '-w', 'stop');
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
