import { HttpConnection, HttpTimeoutError } from '../tools/simulate/http-connection';
import { latencySummary, Samples, type LatencySummary } from './stats';

export interface LoadResult {
  concurrency: number;
  seconds: number;
  /** 200 answers per second. */
  okPerSecond: number;
  /** Latency of 200 answers, ms. */
  latency: LatencySummary;
  /** Answers other than 200, by status (or timeout / network). */
  errors: Record<string, number>;
  /** Cores used during the run, by process (see CpuMeter), when measured. */
  cpu?: Record<string, number>;
}

/** A server and the prepared requests for it (bytes from buildRequest, cycled in order). */
export interface LoadTarget {
  url: URL;
  requests: Buffer[];
}

/**
 * Closed-loop load: `concurrency` keep-alive connections, each sending the next prepared request as
 * soon as the previous one is answered, for `durationMs`. Latency runs from the write to the last
 * byte of the answer. Connections are spread over the targets (replicas of one server) in turn.
 */
export async function closedLoop(targets: LoadTarget[], concurrency: number, durationMs: number, timeoutMs = 5000): Promise<LoadResult> {
  const latencies = new Samples();
  const errors: Record<string, number> = {};
  let next = 0;
  let ok = 0;
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  const worker = async (i: number) => {
    const { url, requests } = targets[i % targets.length];
    const conn = new HttpConnection(url);
    try {
      while (performance.now() < deadline) {
        const raw = requests[next++ % requests.length];
        const started = performance.now();
        try {
          const res = await conn.request(raw, timeoutMs);
          if (res.status === 200) {
            ok++;
            latencies.push(performance.now() - started);
          } else errors[res.status] = (errors[res.status] ?? 0) + 1;
        } catch (e) {
          const k = e instanceof HttpTimeoutError ? 'timeout' : 'network';
          errors[k] = (errors[k] ?? 0) + 1;
        }
      }
    } finally {
      conn.close();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i)));
  const seconds = (performance.now() - t0) / 1000;
  return { concurrency, seconds, okPerSecond: ok / seconds, latency: latencySummary(latencies.values()), errors };
}
