import { topicFindings, type TopicFacts } from './topic-health';

const want = { topics: ['ev', 'q'], replicationFactor: 3, partitions: 6 };
const fine: TopicFacts = { topic: 'ev', exists: true, partitions: 6, replicas: 3, minInsyncReplicas: 2 };

describe('topicFindings', () => {
  it('finds nothing wrong with topics as configured, or with more replicas or partitions than asked for', () => {
    expect(topicFindings([fine, { ...fine, topic: 'q', partitions: 12, replicas: 5 }], want)).toEqual({ problems: [], warnings: [] });
  });

  it('names a missing topic, how to recreate it, and that a running app does not', () => {
    const { problems } = topicFindings([fine, { topic: 'q', exists: false, partitions: 0, replicas: 0, minInsyncReplicas: null }], want);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^topic q does not exist \(deleted while running\?\): restart ingestion/);
    expect(problems[0]).toContain('kafka-topics.sh --create --topic q --partitions 6 --replication-factor 3');
    expect(problems[0]).toContain('a running app does not recreate it');
  });

  it('refuses fewer replicas than KAFKA_REPLICATION_FACTOR, naming both and both ways out', () => {
    const { problems } = topicFindings([{ ...fine, replicas: 1, minInsyncReplicas: 1 }], want);
    expect(problems).toEqual([
      'topic ev has replication factor 1 but KAFKA_REPLICATION_FACTOR is 3: raise it with kafka-reassign-partitions.sh, or set KAFKA_REPLICATION_FACTOR=1 if that is what this cluster can hold (1 for a single-broker dev stack)',
    ]);
  });

  it('refuses min.insync.replicas 1 on three replicas, and one above the replica count', () => {
    expect(topicFindings([{ ...fine, minInsyncReplicas: 1 }], want).problems[0]).toMatch(
      /^topic ev has min.insync.replicas=1 with 3 replicas: .* --add-config min.insync.replicas=2/,
    );
    const single = { topics: ['ev'], replicationFactor: 1, partitions: 6 };
    expect(topicFindings([{ ...fine, replicas: 1, minInsyncReplicas: 2 }], single).problems).toEqual([
      expect.stringMatching(/^topic ev has min.insync.replicas=2 but only 1 replicas: the brokers refuse every write/),
    ]);
    expect(topicFindings([{ ...fine, replicas: 1, minInsyncReplicas: 1 }], single).problems).toEqual([]);
  });

  it('only warns about fewer partitions than KAFKA_TOPIC_PARTITIONS (idle projector replicas lose nothing)', () => {
    const f = topicFindings([{ ...fine, partitions: 2 }], want);
    expect(f.problems).toEqual([]);
    expect(f.warnings).toEqual([expect.stringMatching(/^topic ev has 2 partitions, fewer than KAFKA_TOPIC_PARTITIONS \(6\)/)]);
  });
});
