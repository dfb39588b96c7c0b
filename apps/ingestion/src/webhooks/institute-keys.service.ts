import type { OnApplicationShutdown } from '@nestjs/common';
import { hashInstituteKey, keyMatches, MIN_KEY_LENGTH } from '@wise/contracts';
import type { IngestionConfig } from '@wise/config';
import { Logger } from '@wise/observability';
import { InstituteRecord, InstitutesRepository } from '@wise/postgres';

export type KeyCheck =
  | { ok: true; header: string }
  | { ok: false; why: 'unknown-institute' | 'missing-key' | 'wrong-key' }
  | { ok: false; why: 'stale'; ageMs: number }
  | { ok: false; why: 'not-loaded' };

export type Headers = Record<string, string | string[] | undefined>;

/** Learning mode compares at most this many header values, so a request cannot buy unbounded hashing. */
export const MAX_CANDIDATE_HEADERS = 32;

// Headers every HTTP client sends, which can never carry the key: not worth a hash each.
const NEVER_A_KEY = new Set([
  'host',
  'content-length',
  'content-type',
  'content-encoding',
  'transfer-encoding',
  'connection',
  'accept',
  'accept-encoding',
  'accept-language',
  'user-agent',
  'keep-alive',
  'te',
  'expect',
  'cache-control',
  'pragma',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-real-ip',
  'forwarded',
  'via',
  'traceparent',
  'tracestate',
  'x-request-id',
  'sentry-trace',
  'baggage',
  'origin',
  'referer',
  'date',
]);

/** What a header value may carry the key as: the value itself, or the token of `Bearer <token>`. */
function keyIn(value: string): string {
  const bearer = /^bearer\s+(\S+)\s*$/i.exec(value);
  return bearer ? bearer[1] : value.trim();
}

/**
 * The headers that may carry a key, in a fixed order (header names sorted), capped. A header that
 * appears twice contributes its first value, as a pinned header always did.
 */
export function candidateHeaders(headers: Headers): Array<[name: string, key: string]> {
  const out: Array<[string, string]> = [];
  for (const name of Object.keys(headers).sort()) {
    if (out.length >= MAX_CANDIDATE_HEADERS) break;
    if (NEVER_A_KEY.has(name)) continue;
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (typeof value !== 'string') continue;
    const key = keyIn(value);
    if (key.length >= MIN_KEY_LENGTH) out.push([name, key]);
  }
  return out;
}

// Until the first load succeeds PostgreSQL is retried from this delay, doubling up to the cap: a
// database that returns is noticed within seconds, one that stays away is not hammered.
export const FIRST_LOAD_RETRY_MS = 250;
export const FIRST_LOAD_RETRY_MAX_MS = 10_000;

// An unknown institute is checked against this, so that it costs what a wrong key costs.
const DUMMY: InstituteRecord = {
  slug: '(unknown)',
  name: '',
  keyHeader: null,
  learnedHeader: null,
  enabled: true,
  keys: [{ id: 0, ...hashInstituteKey('dummy key never issued to anyone') }],
};

/**
 * Authenticates webhooks from memory. Institutes and key hashes are reloaded from PostgreSQL every
 * INSTITUTES_REFRESH_MS, so a new, rotated or disabled key takes effect within seconds without a
 * restart, and no request waits for the database. If PostgreSQL stays unreachable for longer than
 * INSTITUTES_MAX_STALENESS_MS, every webhook gets 503: a key revoked meanwhile must not stay valid.
 *
 * An institute without a pinned header is in learning mode (Wise does not document which header
 * carries its key): the key is looked for in every header, and the header that carried it is
 * recorded for the operator to see and pin (`institutes pin-header`).
 *
 * Started while PostgreSQL is unreachable, it knows no institute: every webhook gets 503 (Wise
 * retries), `/ready` says why, and PostgreSQL is retried with backoff (FIRST_LOAD_RETRY_MS doubling
 * up to FIRST_LOAD_RETRY_MAX_MS). `beforeFirstLoad` (the schema check) must pass before the first load.
 *
 * Built by a factory in IngestionModule (no Nest import here, so unit specs load it directly).
 */
export class InstituteKeysService implements OnApplicationShutdown {
  private institutes = new Map<string, InstituteRecord>();
  private loadedAt: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private hashes = 0;
  private prepared = false;
  private failures = 0;
  private lastError: unknown = null;

  constructor(
    private readonly repository: InstitutesRepository,
    private readonly config: Pick<IngestionConfig, 'INSTITUTES_REFRESH_MS' | 'INSTITUTES_MAX_STALENESS_MS'>,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly beforeFirstLoad: () => Promise<void> = async () => undefined,
  ) {}

  /** Tries a first load, then keeps loading in the background; resolves even if PostgreSQL is away. */
  async start(): Promise<void> {
    await this.refresh();
    this.schedule();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** The next reload: every INSTITUTES_REFRESH_MS once loaded, with backoff until then. */
  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.refresh().then(() => this.schedule()), this.nextDelayMs());
    this.timer.unref();
  }

  private nextDelayMs(): number {
    if (this.loaded) return this.config.INSTITUTES_REFRESH_MS;
    return Math.min(FIRST_LOAD_RETRY_MS * 2 ** Math.max(0, this.failures - 1), FIRST_LOAD_RETRY_MAX_MS);
  }

  /** Why the last load failed (null after a successful one). */
  get problem(): string | null {
    const e = this.lastError;
    if (e === null) return null;
    // Node reports a refused connection to a name with two addresses as an AggregateError without a message.
    return (e as Error).message || (e as { code?: string }).code || String(e);
  }

  /** The error of the last failed load (null after a successful one), for readiness to advise on. */
  get failure(): unknown {
    return this.lastError;
  }

  get loaded(): boolean {
    return this.loadedAt !== null;
  }

  get count(): number {
    return this.institutes.size;
  }

  /** Milliseconds since institutes and keys were last loaded (null before the first load). */
  get ageMs(): number | null {
    return this.loadedAt === null ? null : this.now() - this.loadedAt;
  }

  /** Key hashes computed so far: what the time of a check depends on (see check). */
  get hashesComputed(): number {
    return this.hashes;
  }

  get stale(): boolean {
    const age = this.ageMs;
    return age !== null && age > this.config.INSTITUTES_MAX_STALENESS_MS;
  }

  async refresh(): Promise<void> {
    try {
      if (!this.prepared) {
        await this.beforeFirstLoad();
        this.prepared = true;
      }
      const list = await this.repository.loadEnabledWithKeys();
      const first = this.loadedAt === null;
      this.institutes = new Map(list.map((i) => [i.slug, i]));
      this.loadedAt = this.now();
      if (first && this.failures > 0) this.logger.info('institutes loaded from PostgreSQL; ready', { institutes: list.length });
      this.failures = 0;
      this.lastError = null;
    } catch (e) {
      this.failures++;
      this.lastError = e;
      if (!this.loaded) {
        this.logger.warn(
          'could not load institutes from PostgreSQL: not ready, webhooks get 503 until they are loaded; the error says what to check or run',
          { error: e as Error, attempt: this.failures, retryInMs: this.nextDelayMs() },
        );
        return;
      }
      // Keep serving the last known institutes up to the staleness bound; readiness reports the age.
      this.logger.warn('could not reload institutes from PostgreSQL; keeping the last loaded set', {
        error: e as Error,
        ageMs: this.ageMs,
        maxStalenessMs: this.config.INSTITUTES_MAX_STALENESS_MS,
      });
    }
  }

  check(slug: string, headers: Headers): KeyCheck {
    // Knowing no institute, a 401 would tell Wise the key is wrong: 503 makes it retry.
    if (this.loadedAt === null) return { ok: false, why: 'not-loaded' };
    const age = this.ageMs;
    if (age !== null && age > this.config.INSTITUTES_MAX_STALENESS_MS) return { ok: false, why: 'stale', ageMs: age };
    const known = this.institutes.get(slug);
    const institute = known ?? DUMMY;
    // Every candidate header is hashed against every active key whatever the mode, and an unknown
    // institute against a dummy key: the time taken depends on the request's own headers only,
    // never on whether the institute exists, which header is pinned, or which key matched.
    let matched: string | null = null;
    let anyCandidate = false;
    for (const [name, presented] of candidateHeaders(headers)) {
      const counts = institute.keyHeader === null || institute.keyHeader === name;
      anyCandidate ||= counts;
      let ok = false;
      for (const k of institute.keys) ok = keyMatches(presented, k.salt, k.keyHash) || ok;
      this.hashes += institute.keys.length;
      if (ok && counts && matched === null) matched = name;
    }
    if (!known) return { ok: false, why: 'unknown-institute' };
    if (matched === null) return { ok: false, why: anyCandidate ? 'wrong-key' : 'missing-key' };
    if (known.keyHeader === null && known.learnedHeader !== matched) this.learn(known, matched);
    return { ok: true, header: matched };
  }

  /** Records which header carried the key; written once per change, never on the request's path. */
  private learn(institute: InstituteRecord, header: string): void {
    institute.learnedHeader = header;
    this.logger.info('learned which header carries the key', {
      institute: institute.slug,
      header,
      pin: `npm run cli -- institutes pin-header ${institute.slug}`,
    });
    this.repository.recordLearnedHeader(institute.slug, header).catch((e: Error) => {
      this.logger.warn('could not record the learned key header; it is learned again on the next delivery', {
        institute: institute.slug,
        error: e,
      });
      institute.learnedHeader = null;
    });
  }
}
