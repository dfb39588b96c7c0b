import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { IngestionConfig } from '@wise/config';
import { KafkaConnection } from '@wise/kafka';
import { PostgresSchemaNotReady } from '@wise/postgres';
import { InstituteKeysService } from '../webhooks/institute-keys.service';

const KAFKA_CHECK_MS = 5000;

/** Where DATABASE_URL points, without its credentials. */
function postgresAt(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(DATABASE_URL)';
  }
}

/** Probes Kafka in the background so that /ready answers from memory. */
@Injectable()
export class ReadinessService implements OnApplicationShutdown {
  private kafkaOk = false;
  private kafkaProblem = 'not checked yet';
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly kafka: KafkaConnection,
    private readonly keys: InstituteKeysService,
    private readonly config: IngestionConfig,
  ) {}

  async start(): Promise<void> {
    await this.probe();
    this.timer = setInterval(() => void this.probe(), KAFKA_CHECK_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async probe(): Promise<void> {
    try {
      await this.kafka.ping();
      this.kafkaOk = true;
    } catch (e) {
      this.kafkaOk = false;
      this.kafkaProblem = (e as Error).message;
    }
  }

  state(): { ready: boolean; problems: string[]; institutes: number; institutesAgeMs: number | null; institutesMaxStalenessMs: number } {
    const problems: string[] = [];
    const max = this.config.INSTITUTES_MAX_STALENESS_MS;
    if (!this.kafkaOk) problems.push(`kafka unreachable: ${this.kafkaProblem}`);
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
