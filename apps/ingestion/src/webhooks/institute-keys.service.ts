import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { keyMatches } from '@wise/contracts';
import { IngestionConfig } from '@wise/config';
import { Logger } from '@wise/observability';
import { InstituteRecord, InstitutesRepository } from '@wise/postgres';

export type KeyCheck = { ok: true } | { ok: false; why: 'unknown-institute' | 'missing-key' | 'wrong-key' };

/**
 * Authenticates webhooks from memory. Institutes and key hashes are reloaded from PostgreSQL every
 * INSTITUTES_REFRESH_MS, so a new, rotated or disabled key takes effect within seconds without a
 * restart, and no request waits for the database.
 */
@Injectable()
export class InstituteKeysService implements OnApplicationShutdown {
  private institutes = new Map<string, InstituteRecord>();
  private loadedAt: number | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly repository: InstitutesRepository,
    private readonly config: IngestionConfig,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.config.INSTITUTES_REFRESH_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  get loaded(): boolean {
    return this.loadedAt !== null;
  }

  get count(): number {
    return this.institutes.size;
  }

  async refresh(): Promise<void> {
    try {
      const list = await this.repository.loadEnabledWithKeys();
      this.institutes = new Map(list.map((i) => [i.slug, i]));
      this.loadedAt = Date.now();
    } catch (e) {
      // Keep serving the last known institutes; this warning repeats on every failed reload (readiness
      // only reports whether institutes were ever loaded, not how old they are).
      this.logger.warn('could not reload institutes from PostgreSQL; keeping the last loaded set', { error: e as Error });
    }
  }

  check(slug: string, headers: Record<string, string | string[] | undefined>): KeyCheck {
    const institute = this.institutes.get(slug);
    if (!institute) return { ok: false, why: 'unknown-institute' };
    const header = headers[institute.keyHeader];
    const presented = Array.isArray(header) ? header[0] : header;
    if (!presented) return { ok: false, why: 'missing-key' };
    // Every active key is tried, so the time taken does not tell which one matched.
    let ok = false;
    for (const k of institute.keys) ok = keyMatches(presented, k.salt, k.keyHash) || ok;
    return ok ? { ok: true } : { ok: false, why: 'wrong-key' };
  }
}
