import { buildRequest, HttpConnection, HttpTimeoutError } from './http-connection';

/** One webhook to deliver: the institute's URL segment, its key header, the body bytes. */
export interface Delivery {
  slug: string;
  keyHeader: string;
  key: string;
  body: string;
}

export interface SendOptions {
  baseUrl: string;
  /** Deliveries started per second; 0 = as fast as `concurrency` allows. */
  rate: number;
  concurrency: number;
  /** Wise gives up on an answer after 5 s. */
  timeoutMs: number;
  /** Waits before each retry of a failed delivery; its length bounds the retries. */
  retryDelaysMs: number[];
  /** Called once per delivery attempt, with the HTTP status or the failure's name. */
  onAttempt?: (d: Delivery, outcome: string, startedMs: number, endedMs: number) => void;
}

/** Wise's retry schedule: seconds after the event (docs: 8 retries, the last about 4 h 15 min later). */
export const WISE_RETRY_SCHEDULE_S = [60, 180, 420, 900, 1860, 3780, 7620, 15300];

/** The waits between attempts of Wise's schedule, scaled (1/600 turns 4 h into 25 s). */
export function scaledRetryDelays(scale: number): number[] {
  return WISE_RETRY_SCHEDULE_S.map((s, i) => Math.round((s - (i === 0 ? 0 : WISE_RETRY_SCHEDULE_S[i - 1])) * 1000 * scale));
}

export class SendStats {
  started = 0;
  retries = 0;
  gaveUp = 0;
  inFlight = 0;
  readonly outcomes = new Map<string, number>();

  count(outcome: string): void {
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
  }

  get ok(): number {
    return this.outcomes.get('200') ?? 0;
  }
}

/** What Wise would retry that can still succeed: 5xx, no answer in time, a broken connection. */
export function isRetryable(outcome: string): boolean {
  return outcome === 'timeout' || outcome === 'network' || /^5\d\d$/.test(outcome);
}

interface Retry {
  d: Delivery;
  attempt: number;
  due: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Delivers every webhook of `source` like Wise: one POST each, `concurrency` at a time over
 * keep-alive connections, paced at `rate` per second, and a failed delivery retried after the
 * (scaled) Wise delays while other deliveries go on; after the last retry it is dropped, as Wise does.
 */
export async function sendAll(source: Iterator<Delivery>, o: SendOptions, stats = new SendStats()): Promise<SendStats> {
  const url = new URL(o.baseUrl);
  const base = url.pathname.replace(/\/$/, '');
  const retries: Retry[] = [];
  const interval = o.rate > 0 ? 1000 / o.rate : 0;
  let nextSlot = performance.now();
  let exhausted = false;

  const pace = async () => {
    if (interval === 0) return;
    const now = performance.now();
    const slot = Math.max(now, nextSlot);
    nextSlot = slot + interval;
    if (slot - now >= 1) await sleep(slot - now);
  };

  const nextWork = (): Retry | 'wait' | null => {
    const now = Date.now();
    const due = retries.findIndex((r) => r.due <= now);
    if (due >= 0) return retries.splice(due, 1)[0];
    if (!exhausted) {
      const n = source.next();
      if (!n.done) return { d: n.value, attempt: 0, due: now };
      exhausted = true;
    }
    return retries.length > 0 || stats.inFlight > 0 ? 'wait' : null;
  };

  const worker = async () => {
    const conn = new HttpConnection(url);
    try {
      for (;;) {
        const work = nextWork();
        if (work === null) return;
        if (work === 'wait') {
          await sleep(20);
          continue;
        }
        await pace();
        const { d } = work;
        const raw = buildRequest(
          url,
          'POST',
          `${base}/webhooks/wise/${encodeURIComponent(d.slug)}`,
          { 'content-type': 'application/json', [d.keyHeader]: d.key },
          d.body,
        );
        stats.inFlight++;
        if (work.attempt === 0) stats.started++;
        const started = Date.now();
        let outcome: string;
        try {
          outcome = String((await conn.request(raw, o.timeoutMs)).status);
        } catch (e) {
          outcome = e instanceof HttpTimeoutError ? 'timeout' : 'network';
        }
        stats.inFlight--;
        stats.count(outcome);
        o.onAttempt?.(d, outcome, started, Date.now());
        if (outcome === '200' || !isRetryable(outcome)) continue;
        if (work.attempt < o.retryDelaysMs.length) {
          stats.retries++;
          retries.push({ d, attempt: work.attempt + 1, due: Date.now() + o.retryDelaysMs[work.attempt] });
        } else {
          stats.gaveUp++;
        }
      }
    } finally {
      conn.close();
    }
  };

  await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker));
  return stats;
}
