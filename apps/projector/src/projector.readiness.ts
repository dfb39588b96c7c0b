import type { ConsumerStatus } from '@wise/kafka';
import type { FenceStatus } from './fence/projector-fence';

export interface ProjectorReadiness {
  ready: boolean;
  body: Record<string, unknown>;
}

/**
 * `/ready` of the projector: ready while its consumer is in the group, no rebuild fence holds it
 * and Kafka's last check found its topics as configured (`kafkaProblems`, KafkaHealth); otherwise
 * why, and what to do.
 */
export function projectorReadiness(
  status: ConsumerStatus,
  groupId: string,
  fence: FenceStatus,
  kafkaProblems: string[] = [],
  now = Date.now(),
): ProjectorReadiness {
  const base = { consumer: status.state, sinceMs: now - status.since, group: groupId };
  // Before the consumer's state: a missing topic or too few replicas is what the operator must fix.
  if (kafkaProblems.length > 0) return { ready: false, body: { status: 'not ready', ...base, problem: kafkaProblems.join('; ') } };
  if (fence.paused && status.state === 'consuming') return { ready: false, body: { status: 'paused', ...base, problem: fence.reason } };
  switch (status.state) {
    case 'consuming':
      return { ready: true, body: { status: 'ready', ...base } };
    case 'starting':
      return { ready: false, body: { status: 'not ready', ...base, problem: `joining consumer group ${groupId}` } };
    case 'restarting':
      return {
        ready: false,
        body: { status: 'not ready', ...base, problem: `the Kafka consumer crashed (${status.error}); kafkajs is restarting it` },
      };
    case 'crashed':
      return {
        ready: false,
        body: {
          status: 'not ready',
          ...base,
          problem: `the Kafka consumer crashed and will not restart (${status.error}): restart the projector; nothing is lost, offsets are committed only after the writes`,
        },
      };
    case 'stopped':
      return {
        ready: false,
        body: { status: 'not ready', ...base, problem: 'the Kafka consumer is stopped (the projector is shutting down?)' },
      };
  }
}

export interface ProjectorLiveness {
  alive: boolean;
  body: Record<string, unknown>;
}

/**
 * `/health` (liveness) of the projector: fails only when its Kafka consumer crashed for good, the
 * one state a restart of the process cures (kafkajs will not rejoin the group by itself). Every
 * other state heals in place or is shutdown: ClickHouse away (the writer retries while the consumer
 * stays in its group), a rebalance or a crash kafkajs restarts (`restarting`), a rebuild fence.
 * Restarting then would only replay the uncommitted batches and lose the retry's progress.
 */
export function projectorLiveness(status: ConsumerStatus, now = Date.now()): ProjectorLiveness {
  if (status.state !== 'crashed') return { alive: true, body: { status: 'ok' } };
  return {
    alive: false,
    body: {
      status: 'dead',
      consumer: status.state,
      sinceMs: now - status.since,
      problem: `the Kafka consumer crashed and will not restart (${status.error}); this process can no longer consume: restart it (nothing is lost, offsets are committed only after the writes)`,
    },
  };
}
