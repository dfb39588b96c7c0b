/*
 * Simulated Wise traffic for a fault scenario: the simulator's bodies, paced and retried as Wise
 * does (503, time-outs and broken connections retried, 200 final), every attempt recorded.
 */
import { deriveEventId } from '@wise/contracts';
import { generateTraffic } from '../../tools/simulate/generate';
import { registerInstitutes } from '../../tools/simulate/register';
import { scaledRetryDelays, sendAll, SendStats, type Delivery } from '../../tools/simulate/sender';
import { instituteCredentials, type WorldOptions } from '../../tools/simulate/world';
import { KafkaConnection } from '@wise/kafka';
import { Logger } from '@wise/observability';
import { classroomWeek } from '../analytics/scenario';
import { messageOf } from '../projector/harness';
import { addInstitute } from '../helpers';
import { LOAD } from './knobs';

export { LOAD };

/** Everything the sender saw: per attempt outcome and duration, and the bodies answered 200. */
export class LoadRecord {
  readonly stats = new SendStats();
  readonly durationsMs: number[] = [];
  /**
   * Event ids (derived as ingestion derives them) of bodies answered 200: the body's own id, as no
   * body is sent again past its copy window (4 h 16 min) within a scenario.
   */
  readonly acceptedIds = new Set<string>();

  onAttempt = (d: Delivery, outcome: string, started: number, ended: number): void => {
    this.durationsMs.push(ended - started);
    if (outcome === '200') this.acceptedIds.add(deriveEventId(d.slug, Buffer.from(d.body)));
  };
}

export interface Traffic {
  /** Registers the institutes (simulated ones and the hand-computed scenario's) in PostgreSQL. */
  register(env: NodeJS.ProcessEnv): Promise<void>;
  /** The simulated load: `LOAD.rate` per second for `LOAD.seconds`. */
  simulate(url: string): Promise<LoadRecord>;
  /**
   * "A classroom week", every envelope of it, published to the events topic slowly while the fault
   * is on, each retried until the broker acknowledges it (acks=all). Straight to Kafka because its
   * figures depend on the receive times it carries (events without their own time are placed at
   * them): through HTTP they would be today's.
   */
  scenario(env: NodeJS.ProcessEnv): Promise<void>;
  /** The institute the hand-computed scenario is posted as. */
  scenarioInstitute: string;
}

// The broker is down on purpose during the week's publishing; the loop below retries and says nothing.
const QUIET = new Logger('faults', 'error', {}, () => undefined);

export function traffic(run: string): Traffic {
  const world: WorldOptions = {
    seed: run,
    prefix: 'faults',
    institutes: 3,
    weeks: 8,
    classrooms: 4,
    students: 25,
    startMs: Date.parse('2024-06-03T00:00:00Z'),
  };
  const creds = instituteCredentials(world);
  const scenarioInstitute = `acme-${run}`;
  const scenarioKey = `faults-${run}-0123456789abcdef`;
  const retryDelaysMs = scaledRetryDelays(LOAD.retryScale);
  const limit = Math.round(LOAD.rate * LOAD.seconds);

  return {
    scenarioInstitute,
    async register(env) {
      await registerInstitutes(env.DATABASE_URL!, creds);
      await addInstitute(env, scenarioInstitute, scenarioKey);
    },
    async simulate(url) {
      const rec = new LoadRecord();
      const deliveries = (function* (): Generator<Delivery> {
        let n = 0;
        for (const e of generateTraffic(world)) {
          if (n++ >= limit) return;
          const c = creds[e.institute];
          yield { slug: c.slug, keyHeader: c.keyHeader, key: c.key, body: e.body };
        }
      })();
      await sendAll(
        deliveries,
        { baseUrl: url, rate: LOAD.rate, concurrency: LOAD.concurrency, timeoutMs: 5000, retryDelaysMs, onAttempt: rec.onAttempt },
        rec.stats,
      );
      return rec;
    },
    async scenario(env) {
      const kafka = new KafkaConnection({ brokers: env.KAFKA_BROKERS!.split(','), clientId: 'faults-week', logger: QUIET });
      const producer = kafka.kafka.producer({ allowAutoTopicCreation: false });
      let connected = false;
      for (const m of classroomWeek()
        .map((e) => ({
          ...e,
          instituteId: scenarioInstitute,
          eventId: deriveEventId(scenarioInstitute, Buffer.from(JSON.stringify(e.body))),
        }))
        .map(messageOf)) {
        for (;;) {
          try {
            if (!connected) await producer.connect();
            connected = true;
            await producer.send({ topic: env.KAFKA_EVENTS_TOPIC!, acks: -1, timeout: 5000, messages: [m] });
            break;
          } catch {
            await new Promise((r) => setTimeout(r, 500));
          }
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      await producer.disconnect().catch(() => undefined);
    },
  };
}
