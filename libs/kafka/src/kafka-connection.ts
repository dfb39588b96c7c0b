import { Admin, Kafka, logLevel, LogEntry } from 'kafkajs';
import { Logger } from '@wise/observability';

export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
}

export interface GroupState {
  state: string;
  members: number;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor: number;
}

const LEVEL: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * The only code that imports kafkajs (with batch-publisher.ts and batch-consumer.ts beside it), so
 * that moving to another KafkaJS-compatible client stays a change in this folder.
 */
export class KafkaConnection {
  readonly kafka: Kafka;

  constructor(readonly options: KafkaOptions) {
    const log = options.logger.child({ component: 'kafkajs' });
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      connectionTimeout: 3000,
      requestTimeout: 10000,
      retry: { initialRetryTime: 100, retries: 5, maxRetryTime: 3000 },
      logLevel: logLevel.WARN,
      logCreator: () => ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        // kafkajs logs its default-partitioner notice on every producer; it is not actionable here.
        if (message?.includes('switched default partitioner')) return;
        log[LEVEL[level] ?? 'info'](message, rest);
      },
    });
  }

  /** Creates the topics that do not exist yet; existing ones are left exactly as they are. */
  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = specs.filter((s) => !existing.has(s.topic));
      if (missing.length === 0) return;
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({ topic: s.topic, numPartitions: s.partitions, replicationFactor: s.replicationFactor })),
      });
    } catch (e) {
      // Two apps starting together race to create the same topic; the loser's error is harmless.
      if ((e as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw e;
    } finally {
      await admin.disconnect();
    }
  }

  /** Resolves once a broker answered a metadata request (readiness); rejects with why it could not. */
  async ping(): Promise<void> {
    await this.withAdmin((a) => a.describeCluster());
  }

  /**
   * A consumer group as the broker sees it. A stopped member leaves the group on shutdown (state
   * Empty, or Dead if it never committed); a crashed one stays a member until its session times out.
   */
  async groupState(groupId: string): Promise<GroupState> {
    const { groups } = await this.withAdmin((a) => a.describeGroups([groupId]));
    const group = groups.find((g) => g.groupId === groupId);
    return { state: group?.state ?? 'Dead', members: group?.members.length ?? 0 };
  }

  /**
   * A fresh admin connection for `fn`, closed afterwards. It hands out kafkajs's own Admin: apps
   * use the methods above instead, so that kafkajs types stay in this lib; tests and tooling may
   * use it directly.
   */
  async withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await fn(admin);
    } finally {
      await admin.disconnect();
    }
  }
}
