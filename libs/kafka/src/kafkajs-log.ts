import { logLevel } from 'kafkajs';

export type MappedLevel = 'error' | 'warn' | 'info' | 'debug';

export interface MappedLine {
  level: MappedLevel;
  msg: string;
  fields: Record<string, unknown>;
}

const LEVEL: Record<number, MappedLevel> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * Broker states that kafkajs reports at level error although it retries through them, and that a
 * fresh broker or a consumer-group change always goes through. Matched on kafkajs's own message
 * (its protocol errors' texts, see kafkajs/src/protocol/error.js) or the `error` it logs beside it.
 */
const TRANSIENT: { state: string; test: RegExp; says: string }[] = [
  {
    state: 'coordinator-loading',
    test: /coordinator is loading/i,
    says: 'the consumer group coordinator is loading (normal while the broker starts); kafkajs retries',
  },
  {
    state: 'coordinator-not-available',
    test: /group coordinator is not available|not the correct coordinator for this group/i,
    says: 'the consumer group coordinator is not available yet (normal while the broker starts); kafkajs retries',
  },
  {
    state: 'leader-election',
    test: /no leader for this topic-partition|not the leader for that topic-partition/i,
    says: 'a partition leader is being elected (normal while the broker starts or topics are created); kafkajs retries',
  },
  {
    state: 'topic-not-ready',
    test: /does not host this topic-partition/i,
    says: 'a topic is not ready on the broker yet (normal just after it was created); kafkajs retries',
  },
  {
    state: 'group-rebalancing',
    test: /group is rebalancing/i,
    says: 'the consumer group is rebalancing (a member joined or left); kafkajs rejoins',
  },
];

interface Episode {
  first: number;
  lastSaid: number;
  lastSeen: number;
}

/**
 * Maps kafkajs log entries to our levels: each transient start-up state becomes ONE info line (its
 * repeats go to debug), so that a normal start reads as normal; errors stay errors. A transient
 * state that lasts is not hidden: it is said again at warn once per `quietMs` while it goes on.
 */
export class KafkajsLogMapper {
  private readonly episodes = new Map<string, Episode>();
  /** The consumer crashed on a transient state: its "Restarting the consumer" line is part of it. */
  private restartIsTransient = false;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly quietMs = 60_000,
  ) {}

  map(level: number, entry: { message?: string } & Record<string, unknown>): MappedLine | null {
    // kafkajs's own timestamp and logger name repeat the line's time and component.
    const { message = '', timestamp: _t, logger: _l, ...fields } = entry;
    // kafkajs logs its default-partitioner notice on every producer; it is not actionable here.
    if (message.includes('switched default partitioner')) return null;
    // The producer's bounded retries are deliberate (see batch-publisher.ts); not a warning each start.
    if (message.startsWith('Limiting retries for the idempotent producer')) return { level: 'debug', msg: message, fields };
    const mapped = LEVEL[level] ?? 'info';
    if (mapped !== 'error' && mapped !== 'warn') return { level: mapped, msg: message, fields };

    if (message.startsWith('Restarting the consumer') && this.restartIsTransient) {
      this.restartIsTransient = false;
      return { level: 'debug', msg: message, fields };
    }
    const text = `${message} ${typeof fields.error === 'string' ? fields.error : ''}`;
    const transient = TRANSIENT.find((t) => t.test.test(text));
    if (!transient) return { level: mapped, msg: message, fields };
    if (message.startsWith('Crash:')) this.restartIsTransient = true;
    const { stack: _stack, ...quiet } = fields;
    return this.episode(transient, message, quiet);
  }

  private episode(t: (typeof TRANSIENT)[number], kafkajsMessage: string, fields: Record<string, unknown>): MappedLine {
    const now = this.now();
    const e = this.episodes.get(t.state);
    const detail = { ...fields, state: t.state, kafkajs: kafkajsMessage };
    if (!e || now - e.lastSeen > this.quietMs) {
      this.episodes.set(t.state, { first: now, lastSaid: now, lastSeen: now });
      return { level: 'info', msg: `kafka: ${t.says}`, fields: detail };
    }
    e.lastSeen = now;
    if (now - e.lastSaid >= this.quietMs) {
      e.lastSaid = now;
      return { level: 'warn', msg: `kafka: still, after ${Math.round((now - e.first) / 1000)} s: ${t.says}`, fields: detail };
    }
    return { level: 'debug', msg: kafkajsMessage, fields: detail };
  }
}
