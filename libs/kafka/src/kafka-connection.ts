import { Admin, ConfigResourceTypes, Kafka, logLevel, LogEntry, type SASLOptions } from 'kafkajs';
import { Logger } from '@wise/observability';
import { hasBrokerError } from './broker-error';
import { connectionHint, KafkaConnectFailed } from './connection-hint';
import { KafkajsLogMapper } from './kafkajs-log';
import type { KafkaSasl, KafkaTls } from './kafka-security';

export type { KafkaSasl, KafkaTls } from './kafka-security';

export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** Unset: plaintext (the dev stack). kafka-client-config.ts builds both from configuration. */
  tls?: KafkaTls;
  sasl?: KafkaSasl;
}

export interface GroupMember {
  memberId: string;
  clientId: string;
  clientHost: string;
}

export interface GroupState {
  state: string;
  members: number;
  /** Each member, as the group coordinator knows it. */
  list: GroupMember[];
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor: number;
  /** Topic-level settings (see record-limits.ts), set at creation and kept set on existing topics. */
  config?: Record<string, string>;
}

// kafkajs's ConfigSource for a setting made on the topic itself (not inherited from the broker).
const DYNAMIC_TOPIC_CONFIG = 1;
// What a broker answers about a topic created a moment ago that its metadata does not show yet.
const NOT_YET_KNOWN = ['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE'];
const LEADER_WAIT_MS = 30000;

/**
 * With the other modules of this folder, the only code that imports kafkajs, so that moving to
 * another KafkaJS-compatible client stays a change in this folder.
 */
export class KafkaConnection {
  readonly kafka: Kafka;

  constructor(readonly options: KafkaOptions) {
    const log = options.logger.child({ component: 'kafkajs' });
    const mapper = new KafkajsLogMapper();
    if (options.tls && !options.tls.rejectUnauthorized)
      options.logger.warn(
        "kafka TLS certificates are not verified (KAFKA_SSL_REJECT_UNAUTHORIZED=false): anyone between here and the brokers can read and change what is sent; set KAFKA_SSL_CA_FILE to the brokers' CA instead",
        { brokers: options.brokers },
      );
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      ssl: options.tls ? { ...options.tls } : undefined,
      // kafkajs types each mechanism apart; the union holds the same three.
      sasl: options.sasl ? ({ ...options.sasl } as SASLOptions) : undefined,
      connectionTimeout: 3000,
      requestTimeout: 10000,
      retry: { initialRetryTime: 100, retries: 5, maxRetryTime: 3000 },
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ level, log: entry }: LogEntry) => {
          const line = mapper.map(level, entry);
          if (line) log[line.level](line.msg, line.fields);
        },
    });
  }

  /**
   * Creates the topics that do not exist yet, with their settings. On an existing topic (created
   * before these settings, or by the projector racing with ingestion) the settings given here are
   * applied where they differ; the topic's other settings are kept as they are.
   */
  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    await this.withAdmin(async (admin) => {
      const existing = new Set(await admin.listTopics());
      const missing = specs.filter((s) => !existing.has(s.topic));
      if (missing.length > 0) {
        await admin
          .createTopics({
            waitForLeaders: true,
            topics: missing.map((s) => ({
              topic: s.topic,
              numPartitions: s.partitions,
              replicationFactor: s.replicationFactor,
              configEntries: Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
            })),
          })
          .catch(async (e: { type?: string }) => {
            // Two apps starting together race to create the same topic; the loser's error is harmless.
            if (e.type === 'TOPIC_ALREADY_EXISTS') return;
            // Created, but the broker answered kafkajs's leader wait before its own metadata had
            // the topic (KRaft applies it asynchronously), and kafkajs gives up on that answer.
            if (!hasBrokerError(e, NOT_YET_KNOWN)) throw e;
            const topics = missing.map((s) => s.topic);
            this.options.logger.info("kafka topics created; waiting for their leaders (the broker's metadata was behind)", { topics });
            await this.waitForLeaders(admin, topics);
          });
      }
      for (const s of specs) if (s.config) await this.reconcileConfig(admin, s.topic, s.config);
    });
  }

  /** Polls until every partition of `topics` has a leader, as createTopics' own wait should have. */
  private async waitForLeaders(admin: Admin, topics: string[]): Promise<void> {
    const deadline = Date.now() + LEADER_WAIT_MS;
    for (;;) {
      try {
        const { topics: meta } = await admin.fetchTopicMetadata({ topics });
        if (meta.length === topics.length && meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
      } catch (e) {
        if (!hasBrokerError(e, NOT_YET_KNOWN)) throw e;
      }
      if (Date.now() > deadline)
        throw new Error(
          `kafka topics ${topics.join(', ')} were created but have no leader after ${LEADER_WAIT_MS} ms; check the broker's log`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * A consumer group as the broker sees it. A stopped member leaves the group on shutdown (state
   * Empty, or Dead if it never committed); a crashed one stays a member until its session times out.
   */
  async groupState(groupId: string): Promise<GroupState> {
    const { groups } = await this.withAdmin((a) => a.describeGroups([groupId]));
    const group = groups.find((g) => g.groupId === groupId);
    const list = (group?.members ?? []).map(({ memberId, clientId, clientHost }) => ({ memberId, clientId, clientHost }));
    return { state: group?.state ?? 'Dead', members: list.length, list };
  }

  /** Reads a topic's own (non-default) settings, e.g. to check what ensureTopics set. */
  async topicSettings(topic: string): Promise<Record<string, string>> {
    return this.withAdmin(async (admin) => this.ownSettings(admin, topic));
  }

  private async ownSettings(admin: Admin, topic: string): Promise<Record<string, string>> {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
    });
    const own: Record<string, string> = {};
    for (const e of resources[0]?.configEntries ?? []) {
      if (e.configSource === DYNAMIC_TOPIC_CONFIG && !e.isSensitive) own[e.configName] = e.configValue;
    }
    return own;
  }

  private async reconcileConfig(admin: Admin, topic: string, wanted: Record<string, string>): Promise<void> {
    const own = await this.ownSettings(admin, topic);
    if (Object.entries(wanted).every(([k, v]) => own[k] === v)) return;
    // AlterConfigs replaces a topic's whole set of overrides, so the ones it already has are resent.
    const merged = { ...own, ...wanted };
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: topic, configEntries: Object.entries(merged).map(([name, value]) => ({ name, value })) },
      ],
    });
    this.options.logger.info('kafka topic settings applied', { topic, settings: wanted });
  }

  /**
   * A fresh admin connection for `fn`, closed afterwards. It hands out kafkajs's own Admin: apps
   * use the methods above instead, so that kafkajs types stay in this lib; tests and tooling may
   * use it directly.
   */
  async withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      return await fn(admin);
    } catch (e) {
      throw this.explained(e);
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * A failure to connect or authenticate, with the brokers and what to change (TLS, SASL, the
   * CA); any other error as it is. kafkajs's own words ("Closed connection") name neither.
   */
  explained(e: unknown): unknown {
    const hint = connectionHint(e, this.options);
    if (!hint) return e;
    return new KafkaConnectFailed(`kafka at ${this.options.brokers.join(',')}: ${(e as Error).message}: ${hint}`, e);
  }
}
