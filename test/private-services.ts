/*
 * A Kafka broker and a ClickHouse server of a test's own (own data folder and ports, started by the
 * project's stack script), so a test can stop or SIGKILL them without touching the shared services
 * the other tests and people use.
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitFor } from '@wise/testing';

const run = promisify(execFile);
const STACK_SH = join(__dirname, '..', 'scripts', 'stack', 'stack.sh');

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

abstract class PrivateService {
  protected readonly dir: string;

  constructor(private readonly kind: 'kafka' | 'clickhouse') {
    this.dir = mkdtempSync(join(tmpdir(), `wise-faults-${kind}-`));
  }

  protected abstract stackEnv(): Record<string, string>;
  protected abstract pidFile(): string;
  protected abstract answers(): Promise<boolean>;

  /**
   * Runs stack.sh and waits for it to exit. Output goes to a file, not a pipe: the shell that
   * launches the server lives as long as the server and would hold a pipe open.
   */
  protected async stack(command: string): Promise<void> {
    const log = openSync(join(this.dir, 'stack.log'), 'a');
    try {
      const code = await new Promise<number | null>((resolve, reject) => {
        spawn('bash', [STACK_SH, command], {
          env: { ...process.env, STACK_DIR: this.dir, ...this.stackEnv() },
          stdio: ['ignore', log, log],
        })
          .once('error', reject)
          .once('exit', resolve);
      });
      if (code !== 0) throw new Error(`stack.sh ${command} exited with ${code}; see ${join(this.dir, 'stack.log')}`);
    } finally {
      closeSync(log);
    }
  }

  /** The server's pid and its children's (a wrapper may have been recorded instead of the server). */
  private async pids(): Promise<number[]> {
    let pid: number;
    try {
      pid = Number(readFileSync(this.pidFile(), 'utf8').trim());
    } catch {
      return [];
    }
    const out = await run('pgrep', ['-P', String(pid)]).then(
      (r) => r.stdout,
      () => '',
    );
    return [pid, ...out.split('\n').filter(Boolean).map(Number)];
  }

  /** A crash: SIGKILL, no chance to flush or deregister; resolves once it no longer answers. */
  async kill(): Promise<void> {
    const pids = await this.pids();
    if (pids.length === 0) throw new Error(`no pid recorded for the private ${this.kind} in ${this.pidFile()}`);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await waitFor(`private ${this.kind} to die`, async () => !pids.some(alive) && !(await this.answers()), 30000, 100);
  }

  /**
   * A clean stop (stack.sh `<kind>-down`), then SIGTERM to the recorded pid and its children (the
   * script may have recorded the subshell that launched the server); resolves once it is gone.
   */
  async stop(): Promise<void> {
    const pids = await this.pids();
    await this.stack(`${this.kind}-down`);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
    await waitFor(`private ${this.kind} to stop`, async () => !pids.some(alive) && !(await this.answers()), 60000, 200);
  }

  async destroy(): Promise<void> {
    const pids = await this.pids();
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await waitFor(`private ${this.kind} to exit`, async () => !pids.some(alive), 30000, 100).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The SASL_SSL listener of a private broker: its port, the throwaway CA that verifies it, its user. */
export interface SaslSslListener {
  brokers: string;
  caFile: string;
  user: string;
  password: string;
}

export class PrivateKafka extends PrivateService {
  private constructor(
    readonly port: number,
    private readonly controllerPort: number,
    private readonly saslSslPort: number | null,
  ) {
    super('kafka');
  }

  /** The plaintext listener. */
  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Set when created with `saslSsl`: a listener as managed Kafka services run them (stack.sh, KAFKA_SASL_SSL_PORT). */
  get saslSsl(): SaslSslListener | null {
    if (this.saslSslPort === null) return null;
    return {
      brokers: `127.0.0.1:${this.saslSslPort}`,
      caFile: join(this.dir, 'kafka', 'tls', 'ca.pem'),
      user: 'wise-test',
      password: 'scram-test-secret',
    };
  }

  static async create(options: { saslSsl?: boolean } = {}): Promise<PrivateKafka> {
    const k = new PrivateKafka(await freePort(), await freePort(), options.saslSsl ? await freePort() : null);
    await k.start().catch(async (e) => {
      await k.destroy();
      throw e;
    });
    return k;
  }

  protected stackEnv() {
    const secure = this.saslSsl;
    return {
      KAFKA_PORT: String(this.port),
      KAFKA_CONTROLLER_PORT: String(this.controllerPort),
      KAFKA_HEAP: '384m',
      ...(secure
        ? { KAFKA_SASL_SSL_PORT: String(this.saslSslPort), KAFKA_SCRAM_USER: secure.user, KAFKA_SCRAM_PASSWORD: secure.password }
        : {}),
    };
  }

  protected pidFile() {
    return join(this.dir, 'kafka', 'kafka.pid');
  }

  protected answers() {
    return portOpen(this.port);
  }

  /** Starts (or restarts on its existing log folder); stack.sh waits for "Kafka Server started". */
  async start(): Promise<void> {
    await this.stack('kafka-up');
  }
}

export class PrivateClickHouse extends PrivateService {
  private constructor(
    private readonly httpPort: number,
    private readonly tcpPort: number,
  ) {
    super('clickhouse');
  }

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  static async create(): Promise<PrivateClickHouse> {
    const c = new PrivateClickHouse(await freePort(), await freePort());
    await c.start().catch(async (e) => {
      await c.destroy();
      throw e;
    });
    return c;
  }

  protected stackEnv() {
    // A throwaway server keeps its data in its folder, which destroy() removes (no image to unmount).
    return { CH_HTTP_PORT: String(this.httpPort), CH_TCP_PORT: String(this.tcpPort), STACK_CH_VOLUME: '0' };
  }

  protected pidFile() {
    return join(this.dir, 'clickhouse', 'clickhouse.pid');
  }

  protected answers() {
    return fetch(`${this.url}/ping`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
  }

  async start(): Promise<void> {
    await this.stack('clickhouse-up');
    await waitFor(`private ClickHouse on ${this.url}`, () => this.answers());
  }
}
