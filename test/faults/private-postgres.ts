import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@wise/testing';

const run = promisify(execFile);

const CLI = join(__dirname, '..', '..', 'dist', 'apps', 'cli', 'src', 'main.js');

/**
 * A PostgreSQL cluster of the scenario's own (Debian's binaries, a temporary data folder, its own
 * port), so the scenario can stop it without touching the shared one. Runs as the postgres user.
 * Migrated as an operator does it (`migrate`), since the apps no longer migrate.
 */
export class PrivatePostgres {
  private constructor(
    private readonly dir: string,
    readonly port: number,
    private readonly bin: string,
  ) {}

  /** The superuser over TCP: only while host connections are trusted (the default). */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/wise_faults`;
  }

  /** The superuser over the cluster's own Unix socket, trusted whatever `hostAuth` says. */
  get socketUrl(): string {
    return `postgres://postgres@localhost:${this.port}/wise_faults?host=${encodeURIComponent(this.dir)}`;
  }

  /**
   * `hostAuth`: how TCP connections authenticate (scram-sha-256: passwords are checked, as on a
   * deployed server; the socket stays trusted for the operator). `migrateEnv`: more environment
   * for the `migrate` that sets the cluster up (e.g. INGESTION_DATABASE_URL with a password).
   */
  static async create(
    options: { hostAuth?: 'trust' | 'scram-sha-256'; migrateEnv?: Record<string, string> } = {},
  ): Promise<PrivatePostgres> {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b));
    if (versions.length === 0) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql (apt-get install postgresql)');
    const dir = mkdtempSync(join(tmpdir(), 'wise-faults-pg-'));
    chownSync(
      dir,
      Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
      Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
    );
    const pg = new PrivatePostgres(dir, await freePort(), `/usr/lib/postgresql/${versions.at(-1)}/bin`);
    await pg.as('initdb', '-D', join(dir, 'data'), '--auth-local=trust', `--auth-host=${options.hostAuth ?? 'trust'}`, '-U', 'postgres');
    await pg.start();
    await run(process.execPath, [CLI, 'migrate', '--postgres-only'], {
      env: { PATH: process.env.PATH, DATABASE_URL: pg.socketUrl, ...options.migrateEnv },
    });
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
