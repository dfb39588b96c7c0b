import type { ConsumerState } from '@wise/kafka';
import { projectorLiveness, projectorReadiness } from './projector.readiness';

describe('projectorReadiness', () => {
  it.each<[ConsumerState, string | null, boolean, RegExp | null]>([
    ['consuming', null, true, null],
    ['starting', null, false, /joining consumer group g1/],
    ['restarting', 'KafkaJSNumberOfRetriesExceeded: x', false, /crashed \(KafkaJSNumberOfRetriesExceeded: x\); kafkajs is restarting it/],
    ['crashed', 'KafkaJSProtocolError: bad', false, /will not restart \(KafkaJSProtocolError: bad\): restart the projector/],
    ['stopped', null, false, /stopped/],
  ])('%s (error %s): ready %s', (state, error, ready, problem) => {
    const r = projectorReadiness({ state, since: 1000, error }, 'g1', { paused: false }, [], 4000);
    expect(r.ready).toBe(ready);
    expect(r.body).toMatchObject({ status: ready ? 'ready' : 'not ready', consumer: state, sinceMs: 3000, group: 'g1' });
    if (problem) expect(r.body.problem).toMatch(problem);
    else expect(r.body.problem).toBeUndefined();
  });

  it("is not ready while Kafka's topics are not as configured, whatever the consumer does, and says what to fix", () => {
    const problem = 'topic t has replication factor 1 but KAFKA_REPLICATION_FACTOR is 3: raise it';
    const r = projectorReadiness({ state: 'consuming', since: 1000, error: null }, 'g1', { paused: false }, [problem], 4000);
    expect(r).toEqual({ ready: false, body: { status: 'not ready', consumer: 'consuming', sinceMs: 3000, group: 'g1', problem } });
  });

  it('is not ready while a rebuild fence holds a consuming projector, and says why', () => {
    const reason = 'rebuild in progress since 2026-12-02T10:00:00.000Z (pid 7 on h); run `npm run cli -- rebuild` again to finish it';
    const r = projectorReadiness({ state: 'consuming', since: 1000, error: null }, 'g1', { paused: true, reason }, [], 4000);
    expect(r.ready).toBe(false);
    expect(r.body).toMatchObject({ status: 'paused', consumer: 'consuming', problem: reason });
  });
});

describe('projectorLiveness', () => {
  it.each<[ConsumerState, string | null]>([
    ['starting', null],
    ['consuming', null],
    ['restarting', 'KafkaJSConnectionError: Connection error: ECONNREFUSED'],
    ['stopped', null],
  ])('stays alive while the consumer is %s (it heals in place, or the process is stopping)', (state, error) => {
    expect(projectorLiveness({ state, since: 1000, error }, 4000)).toEqual({ alive: true, body: { status: 'ok' } });
  });

  it('fails once the consumer crashed for good, naming the error and what to do', () => {
    const r = projectorLiveness({ state: 'crashed', since: 1000, error: 'KafkaJSProtocolError: bad' }, 4000);
    expect(r.alive).toBe(false);
    expect(r.body).toMatchObject({ status: 'dead', consumer: 'crashed', sinceMs: 3000 });
    expect(r.body.problem).toMatch(
      /crashed and will not restart \(KafkaJSProtocolError: bad\); this process can no longer consume: restart it/,
    );
  });
});
