import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics';

/** What an operations endpoint answers. */
export interface OpsAnswer {
  status: number;
  contentType: string;
  body: Buffer;
}

export const jsonAnswer = (status: number, value: unknown): OpsAnswer => ({
  status,
  contentType: 'application/json; charset=utf-8',
  body: Buffer.from(JSON.stringify(value)),
});

/** The Prometheus text of a registry; 503 naming the cause when a collector failed. */
export async function metricsAnswer(metrics: Pick<Metrics, 'render' | 'contentType'>): Promise<OpsAnswer> {
  try {
    return { status: 200, contentType: metrics.contentType, body: Buffer.from(await metrics.render()) };
  } catch (e) {
    return jsonAnswer(503, { status: 'unavailable', problems: [`metrics could not be collected: ${(e as Error).message}`] });
  }
}

type Answerer = () => OpsAnswer | Promise<OpsAnswer>;

/**
 * What every app serves on its operations port. Liveness and readiness mean the same in every app:
 * `/health` fails only in a state a restart of the process cures (a supervisor acts on it), `/ready`
 * whenever the process should not be given work or counted as caught up, with the reasons.
 */
export interface OperationsRoutes {
  health: Answerer;
  ready: Answerer;
  metrics: Answerer;
  /** Any other GET path (ingestion's API docs); undefined is a 404. */
  other?: (path: string) => OpsAnswer | undefined | Promise<OpsAnswer | undefined>;
}

/**
 * The one operations server of the apps (ingestion, its worker primary, the projector): plain
 * node:http, GET only, off the public port. A route that throws answers 500 with its message,
 * so a probe never hangs on a bug.
 */
export class OperationsServer {
  private constructor(
    private readonly server: Server,
    readonly host: string,
  ) {}

  static listen(routes: OperationsRoutes, port: number, host: string): Promise<OperationsServer> {
    const fixed: Record<string, Answerer> = { '/health': routes.health, '/ready': routes.ready, '/metrics': routes.metrics };
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const answer = async (): Promise<OpsAnswer> => {
        if (req.method !== 'GET' && req.method !== 'HEAD') return jsonAnswer(405, { error: `${req.method} is not served here; GET only` });
        const route = fixed[path];
        if (route) return route();
        return (await routes.other?.(path)) ?? jsonAnswer(404, { error: `no operations endpoint ${path}: /health, /ready, /metrics` });
      };
      answer()
        .catch((e: Error) => jsonAnswer(500, { error: `${path} failed: ${e.message}` }))
        .then(
          (a) => {
            res.writeHead(a.status, { 'content-type': a.contentType, 'content-length': a.body.length });
            res.end(req.method === 'HEAD' ? undefined : a.body);
          },
          () => res.destroy(),
        );
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve(new OperationsServer(server, host));
      });
    });
  }

  /** The port it listens on (the real one when asked for 0). */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** e.g. http://127.0.0.1:9463 */
  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
