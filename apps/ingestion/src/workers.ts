import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry, type RegistryContentType } from 'prom-client';
import type { IngestionConfig } from '@wise/config';
import { jsonAnswer, Logger, OperationsServer, type OperationsRoutes, type OpsAnswer } from '@wise/observability';

/*
 * INGEST_WORKERS > 1: one primary process and N ingestion workers (node:cluster). The workers
 * share the webhook port (the primary accepts connections and hands them out round-robin), so one
 * host uses N cores behind one address. Each worker is a whole ingestion (its own Kafka producer,
 * keys, queue of INGEST_QUEUE_MAX_BYTES). The primary holds no webhook state: it serves the
 * operations port for all of them (metrics summed over workers; ready only when every worker is)
 * and replaces a worker that dies.
 */

/** Worker → primary: its operations app listens here (127.0.0.1, a free port). */
interface OpsAnnouncement {
  type: 'wise-ingestion-ops';
  port: number;
}

const isAnnouncement = (m: unknown): m is OpsAnnouncement =>
  typeof m === 'object' && m !== null && (m as OpsAnnouncement).type === 'wise-ingestion-ops';

/** A worker that dies after it served is replaced after this pause (a crash loop stays slow). */
const RESPAWN_DELAY_MS = 1000;
const OPS_FETCH_TIMEOUT_MS = 2000;

/** In a worker: lets the primary sum this registry into its /metrics and tells it where the ops app listens. */
export function joinPrimary(registry: Registry, opsPort: number): void {
  new AggregatorRegistry(); // installs the listener that answers the primary's metrics requests
  AggregatorRegistry.setRegistries([registry]);
  process.send!({ type: 'wise-ingestion-ops', port: opsPort } satisfies OpsAnnouncement);
}

export const isIngestionWorker = (): boolean => cluster.isWorker;

/** In the primary: forks the workers, serves OPS_PORT for them, and stops them on SIGTERM/SIGINT. */
export async function runPrimary(config: IngestionConfig): Promise<void> {
  const logger = new Logger('ingestion', config.LOG_LEVEL, { role: 'primary' });
  const aggregator = new AggregatorRegistry();
  const opsPorts = new Map<number, number>(); // worker id → its ops port
  let stopping = false;

  const fork = (): Worker => {
    const w = cluster.fork();
    w.on('message', (m: unknown) => {
      if (isAnnouncement(m)) opsPorts.set(w.id, m.port);
    });
    return w;
  };
  cluster.on('exit', (w, code, signal) => {
    const served = opsPorts.delete(w.id);
    if (stopping) return;
    if (!served) {
      // It never started (configuration, Kafka or PostgreSQL unreachable): as a single process
      // would, exit, and let the supervisor restart the whole thing.
      logger.error('ingestion worker exited before it started; stopping (see its error above)', { worker: w.id, code, signal });
      void stop(1);
      return;
    }
    logger.error('ingestion worker died; starting another', { worker: w.id, code, signal, inMs: RESPAWN_DELAY_MS });
    setTimeout(() => !stopping && fork(), RESPAWN_DELAY_MS).unref();
  });

  let ops: OperationsServer | null = null;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    void ops?.close();
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    await Promise.all(workers.map((w) => new Promise((r) => (w.isDead() ? r(null) : (w.once('exit', r), w.process.kill('SIGTERM'))))));
    process.exit(code);
  };
  process.once('SIGTERM', () => void stop(0));
  process.once('SIGINT', () => void stop(0));

  for (let i = 0; i < config.INGEST_WORKERS; i++) fork();
  ops = await OperationsServer.listen(primaryOperations(config.INGEST_WORKERS, opsPorts, aggregator), config.OPS_PORT, config.OPS_HOST);
  logger.info('ingestion primary started its workers', {
    workers: config.INGEST_WORKERS,
    url: `http://${config.HOST}:${config.PORT}`,
    operations: ops.url,
  });
}

async function fromWorker(port: number, path: string): Promise<OpsAnswer> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(OPS_FETCH_TIMEOUT_MS) });
    return { status: r.status, contentType: r.headers.get('content-type') ?? 'application/json', body: Buffer.from(await r.arrayBuffer()) };
  } catch (e) {
    return jsonAnswer(503, {
      status: 'not ready',
      problems: [`ingestion worker on ops port ${port} did not answer: ${(e as Error).message}`],
    });
  }
}

/**
 * /metrics: every worker's registry summed (counters and histograms add up). /ready: asked of
 * every worker, and the first that is not 200 answers for all (ready means every worker is).
 * /health: the primary is alive. Anything else (/docs): the first worker's answer.
 */
function primaryOperations(
  expected: number,
  opsPorts: Map<number, number>,
  aggregator: AggregatorRegistry<RegistryContentType>,
): OperationsRoutes {
  const missing = (): OpsAnswer | undefined => {
    const started = opsPorts.size;
    return started < expected
      ? jsonAnswer(503, { status: 'not ready', problems: [`${started} of ${expected} ingestion workers started`] })
      : undefined;
  };
  return {
    // Liveness of the primary itself: a worker being replaced must not get the whole host killed.
    health: () => jsonAnswer(200, { status: 'ok' }),
    ready: async () => {
      const gap = missing();
      if (gap) return gap;
      const all = await Promise.all([...opsPorts.values()].map((p) => fromWorker(p, '/ready')));
      return all.find((x) => x.status !== 200) ?? all[0];
    },
    metrics: async () => {
      try {
        return { status: 200, contentType: aggregator.contentType, body: Buffer.from(await aggregator.clusterMetrics()) };
      } catch (e) {
        return jsonAnswer(503, {
          status: 'unavailable',
          problems: [`metrics of the workers could not be collected: ${(e as Error).message}`],
        });
      }
    },
    other: (path) => missing() ?? fromWorker([...opsPorts.values()][0], path),
  };
}
