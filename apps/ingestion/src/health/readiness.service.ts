import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { IngestionConfig } from '@wise/config';
import { KafkaHealth } from '@wise/kafka';
import { PostgresSchemaNotReady } from '@wise/postgres';
import { InstituteKeysService } from '../webhooks/institute-keys.service';

/** Where DATABASE_URL points, without its credentials. */
function postgresAt(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(DATABASE_URL)';
  }
}

/** /ready from memory: Kafka and its topics as last checked in the background, and the institutes. */
@Injectable()
export class ReadinessService implements OnApplicationShutdown {
  constructor(
    private readonly kafka: KafkaHealth,
    private readonly keys: InstituteKeysService,
    private readonly config: IngestionConfig,
  ) {}

  async start(): Promise<void> {
    await this.kafka.start();
  }

  onApplicationShutdown(): void {
    this.kafka.stop();
  }

  state(): { ready: boolean; problems: string[]; institutes: number; institutesAgeMs: number | null; institutesMaxStalenessMs: number } {
    const problems: string[] = [];
    const max = this.config.INSTITUTES_MAX_STALENESS_MS;
    problems.push(...this.kafka.problems);
    if (!this.keys.loaded && this.keys.failure instanceof PostgresSchemaNotReady)
      problems.push(`institutes not loaded: ${this.keys.problem}. Webhooks get 503 until then; ingestion checks again every few seconds`);
    else if (!this.keys.loaded)
      problems.push(
        `institutes not loaded from PostgreSQL yet${this.keys.problem ? ` (${this.keys.problem})` : ''}: webhooks get 503 until they are. ` +
          `Check that PostgreSQL at ${postgresAt(this.config.DATABASE_URL)} is running and DATABASE_URL is right; ingestion keeps retrying`,
      );
    else if (this.keys.stale)
      problems.push(
        `institutes and keys last loaded ${Math.round(this.keys.ageMs! / 1000)} s ago, past INSTITUTES_MAX_STALENESS_MS (${max} ms): PostgreSQL unreachable? Webhooks get 503 until a reload succeeds`,
      );
    return {
      ready: problems.length === 0,
      problems,
      institutes: this.keys.count,
      institutesAgeMs: this.keys.ageMs,
      institutesMaxStalenessMs: max,
    };
  }
}
