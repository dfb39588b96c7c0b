import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { hashInstituteKey } from '@wise/contracts';
import { appRoleUrl, ensurePostgresDatabase, InstitutesRepository, migratePostgres, Postgres } from '@wise/postgres';
import { freePort, waitFor } from '@wise/testing';

export { freePort };

const ROOT = join(__dirname, '..');

/** A built app running as its own process, as `npm start` runs it. */
export class AppProcess {
  readonly lines: string[] = [];
  private exited: Promise<number | null>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    let buffer = '';
    const take = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        this.lines.push(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
      }
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  /**
   * `env` is the operator's (its DATABASE_URL the owner's, as the test's helpers and the CLI use
   * it); the app gets the same server and database as its own role, as `npm start` runs it.
   */
  static start(name: 'ingestion' | 'projector', env: NodeJS.ProcessEnv): AppProcess {
    const databaseUrl = env.DATABASE_URL === undefined ? {} : { DATABASE_URL: appRoleUrl(env.DATABASE_URL, name) };
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'apps', name, 'src', 'main.js')], {
      env: { PATH: process.env.PATH, ...env, ...databaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new AppProcess(name, child);
  }

  async waitForLine(pattern: RegExp, timeoutMs = 30000): Promise<string> {
    return waitFor(
      `${this.name} to log ${pattern}\n--- its output:\n${this.lines.slice(-20).join('\n')}`,
      async () => {
        if (this.child.exitCode !== null)
          throw new Error(`${this.name} exited with ${this.child.exitCode}:\n${this.lines.slice(-20).join('\n')}`);
        return this.lines.find((l) => pattern.test(l));
      },
      timeoutMs,
    );
  }

  /** SIGTERM (graceful) or SIGKILL (crash); resolves with the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

export interface RunningIngestion {
  proc: AppProcess;
  url: string;
  /** The operations port: /metrics, /docs, /health, /ready. */
  opsUrl: string;
  stop: () => Promise<number | null>;
}

export async function startIngestion(env: NodeJS.ProcessEnv, startTimeoutMs = 30000): Promise<RunningIngestion> {
  const port = await freePort();
  const opsPort = await freePort();
  const proc = AppProcess.start('ingestion', { ...env, PORT: String(port), OPS_PORT: String(opsPort) });
  const url = `http://127.0.0.1:${port}`;
  const opsUrl = `http://127.0.0.1:${opsPort}`;
  try {
    await proc.waitForLine(/ingestion listening/, startTimeoutMs);
    await waitFor('ingestion /ready', async () => (await fetch(`${url}/ready`)).status === 200);
  } catch (e) {
    await proc.stop('SIGKILL');
    throw e;
  }
  return { proc, url, opsUrl, stop: () => proc.stop() };
}

/** `startTimeoutMs`: a projector migrates ClickHouse first, which ON CLUSTER takes about a minute for a new database. */
export async function startProjector(env: NodeJS.ProcessEnv, startTimeoutMs = 30000): Promise<AppProcess> {
  const proc = AppProcess.start('projector', env);
  try {
    await proc.waitForLine(/projector consuming/, startTimeoutMs);
  } catch (e) {
    await proc.stop('SIGKILL');
    throw e;
  }
  return proc;
}

export async function withRepository<T>(env: NodeJS.ProcessEnv, fn: (repo: InstitutesRepository) => Promise<T>): Promise<T> {
  await ensurePostgresDatabase(env.DATABASE_URL!);
  const pg = new Postgres(env.DATABASE_URL!, 1);
  try {
    await migratePostgres(pg);
    return await fn(new InstitutesRepository(pg));
  } finally {
    await pg.close();
  }
}

/** Registers an institute in PostgreSQL, as `npm run cli -- institutes add` does. */
export async function addInstitute(env: NodeJS.ProcessEnv, slug: string, key: string, header = 'x-wise-key'): Promise<void> {
  await withRepository(env, (repo) => repo.add(slug, slug, header, hashInstituteKey(key)));
}

export interface HttpAnswer {
  status: number;
  json: any;
  headers: Headers;
}

export async function post(url: string, body: Buffer | string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, json, headers: res.headers };
}
