import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { KafkaConnection } from '@wise/kafka';
import { InstituteKeysService } from '../webhooks/institute-keys.service';

const KAFKA_CHECK_MS = 5000;

/** Probes Kafka in the background so that /ready answers from memory. */
@Injectable()
export class ReadinessService implements OnApplicationShutdown {
  private kafkaOk = false;
  private kafkaProblem = 'not checked yet';
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly kafka: KafkaConnection, private readonly keys: InstituteKeysService) {}

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

  state(): { ready: boolean; problems: string[]; institutes: number } {
    const problems: string[] = [];
    if (!this.kafkaOk) problems.push(`kafka unreachable: ${this.kafkaProblem}`);
    if (!this.keys.loaded) problems.push('institutes not loaded from PostgreSQL yet');
    return { ready: problems.length === 0, problems, institutes: this.keys.count };
  }
}
