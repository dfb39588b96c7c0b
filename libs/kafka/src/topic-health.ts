import { ConfigResourceTypes, type Admin } from 'kafkajs';
import type { Logger } from '@wise/observability';
import type { KafkaConnection } from './kafka-connection';

/** What the apps need of their topics, from KAFKA_REPLICATION_FACTOR and KAFKA_TOPIC_PARTITIONS. */
export interface TopicExpectation {
  topics: string[];
  replicationFactor: number;
  partitions: number;
}

/** What one topic is, as the brokers describe it. */
export interface TopicFacts {
  topic: string;
  exists: boolean;
  partitions: number;
  /** The fewest replicas of any of its partitions. */
  replicas: number;
  /** The topic's effective min.insync.replicas (its own, or the broker's default). */
  minInsyncReplicas: number | null;
}

export interface TopicFindings {
  /** Each makes the app not ready (/ready 503) until it is fixed. */
  problems: string[];
  /** Logged, not a reason for 503. */
  warnings: string[];
}

/**
 * The rules, pure: what is wrong with `facts` for `want`.
 *
 * - Missing topic: a problem. The apps create their topics at start only; one deleted while they
 *   run is not recreated behind the operator's back (it held Kafka's copy of every event, and the
 *   projector's committed offsets point into it), so readiness says so until someone recreates it.
 * - Fewer replicas than KAFKA_REPLICATION_FACTOR: a problem (the durability the operator asked for
 *   is not there). More is fine.
 * - min.insync.replicas below 2 with 3 or more replicas: a problem (an event acknowledged by one
 *   broker dies with it, though acks=all was asked for); above the replica count: a problem (every
 *   write is refused).
 * - Fewer partitions than KAFKA_TOPIC_PARTITIONS: a warning (projector replicas past the partition
 *   count idle; nothing is lost). More is fine (partitions are only ever added).
 */
export function topicFindings(facts: TopicFacts[], want: TopicExpectation): TopicFindings {
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const t of facts) {
    if (!t.exists) {
      problems.push(
        `topic ${t.topic} does not exist (deleted while running?): restart ingestion, which creates it with KAFKA_TOPIC_PARTITIONS (${want.partitions}) partitions and KAFKA_REPLICATION_FACTOR (${want.replicationFactor}) replicas, or create it with kafka-topics.sh --create --topic ${t.topic} --partitions ${want.partitions} --replication-factor ${want.replicationFactor}; a running app does not recreate it`,
      );
      continue;
    }
    if (t.replicas < want.replicationFactor)
      problems.push(
        `topic ${t.topic} has replication factor ${t.replicas} but KAFKA_REPLICATION_FACTOR is ${want.replicationFactor}: raise it with kafka-reassign-partitions.sh, or set KAFKA_REPLICATION_FACTOR=${t.replicas} if that is what this cluster can hold (1 for a single-broker dev stack)`,
      );
    const minIsr = t.minInsyncReplicas;
    if (minIsr !== null && t.replicas >= 3 && minIsr < 2)
      problems.push(
        `topic ${t.topic} has min.insync.replicas=${minIsr} with ${t.replicas} replicas: an event acknowledged by one broker is lost with that broker; set it to 2 (kafka-configs.sh --alter --entity-type topics --entity-name ${t.topic} --add-config min.insync.replicas=2; ingestion sets it at start)`,
      );
    if (minIsr !== null && minIsr > t.replicas)
      problems.push(
        `topic ${t.topic} has min.insync.replicas=${minIsr} but only ${t.replicas} replicas: the brokers refuse every write; lower it to at most ${t.replicas} (kafka-configs.sh --alter --entity-type topics --entity-name ${t.topic} --add-config min.insync.replicas=${Math.min(2, t.replicas)})`,
      );
    if (t.partitions < want.partitions)
      warnings.push(
        `topic ${t.topic} has ${t.partitions} partitions, fewer than KAFKA_TOPIC_PARTITIONS (${want.partitions}): projector replicas past ${t.partitions} idle; add partitions with kafka-topics.sh --alter --partitions ${want.partitions}, or lower KAFKA_TOPIC_PARTITIONS`,
      );
  }
  return { problems, warnings };
}

/** Reads the facts of `topics` in one admin session: metadata of those that exist, then their settings. */
export async function readTopicFacts(admin: Admin, topics: string[]): Promise<TopicFacts[]> {
  const existing = new Set(await admin.listTopics());
  const present = topics.filter((t) => existing.has(t));
  const meta = present.length > 0 ? (await admin.fetchTopicMetadata({ topics: present })).topics : [];
  const configs =
    present.length > 0
      ? (
          await admin.describeConfigs({
            includeSynonyms: false,
            resources: present.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['min.insync.replicas'] })),
          })
        ).resources
      : [];
  return topics.map((topic) => {
    const m = meta.find((x) => x.name === topic);
    if (!existing.has(topic) || !m) return { topic, exists: false, partitions: 0, replicas: 0, minInsyncReplicas: null };
    const value = configs
      .find((r) => r.resourceName === topic)
      ?.configEntries.find((e) => e.configName === 'min.insync.replicas')?.configValue;
    return {
      topic,
      exists: true,
      partitions: m.partitions.length,
      replicas: Math.min(...m.partitions.map((p) => p.replicas.length)),
      minInsyncReplicas: value === undefined ? null : Number(value),
    };
  });
}

const CHECK_EVERY_MS = 5000;

/**
 * Kafka as readiness sees it, checked in the background every few seconds (one admin session:
 * brokers reachable, the topics there with their replicas and settings), so that /ready answers
 * from memory however often it is polled.
 */
export class KafkaHealth {
  private current: string[] = ['kafka not checked yet'];
  private lastWarnings = '';
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly connection: KafkaConnection,
    private readonly want: TopicExpectation,
    private readonly logger: Logger,
    private readonly everyMs = CHECK_EVERY_MS,
  ) {}

  /** Why the app is not ready because of Kafka; empty when it is. */
  get problems(): string[] {
    return this.current;
  }

  async start(): Promise<void> {
    await this.check();
    this.timer ??= setInterval(() => void this.check(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async check(): Promise<void> {
    let findings: TopicFindings;
    try {
      findings = topicFindings(await this.connection.withAdmin((a) => readTopicFacts(a, this.want.topics)), this.want);
    } catch (e) {
      this.current = [`kafka unreachable: ${(e as Error).message}`];
      return;
    }
    const before = this.current.join('\n');
    this.current = findings.problems;
    if (findings.problems.length > 0 && findings.problems.join('\n') !== before)
      this.logger.warn('kafka topics not as configured: not ready until fixed', { problems: findings.problems });
    const warnings = findings.warnings.join('\n');
    if (warnings && warnings !== this.lastWarnings)
      this.logger.warn('kafka topics differ from the configuration', { warnings: findings.warnings });
    this.lastWarnings = warnings;
  }
}
