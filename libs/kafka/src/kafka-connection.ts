import { Admin, Kafka, logLevel, LogEntry } from 'kafkajs';
import { Logger } from '@wise/observability';
import { KafkajsLogMapper } from './kafkajs-log';

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

/**
 * The only code that imports kafkajs (with batch-publisher.ts and batch-consumer.ts beside it), so
 * that moving to another KafkaJS-compatible client stays a change in this folder.
 */
export class KafkaConnection {
  readonly kafka: Kafka;

  constructor(readonly options: KafkaOptions) {
    const log = options.logger.child({ component: 'kafkajs' });
    const mapper = new KafkajsLogMapper();
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      connectionTimeout: 3000,
      requestTimeout: 10000,
      retry: { initialRetryTime: 100, retries: 5, maxRetryTime: 3000 },
      logLevel: logLevel.WARN,
      logCreator: () => ({ level, log: entry }: LogEntry) => {
        const line = mapper.map(level, entry);
        if (line) log[line.level](line.msg, line.fields);
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
