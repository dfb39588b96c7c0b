import { Logger } from '@wise/observability';
import { BatchConsumer, type HandledBatch, type IncomingBatch } from './batch-consumer';
import type { KafkaConnection } from './kafka-connection';

// The commit chain's rules, driven through kafkajs's eachBatch by hand (test/batch-consumer.test.ts
// runs the same against the broker): which batches are taken on, committed, and sought back to.
type EachBatch = (payload: {
  batch: { topic: string; partition: number; messages: Array<{ offset: string; key: null; value: Buffer }> };
  heartbeat: () => Promise<void>;
  isRunning: () => boolean;
  isStale: () => boolean;
  resolveOffset: (offset: string) => void;
}) => Promise<void>;

function harness(options: { seekThrows?: boolean } = {}) {
  let eachBatch: EachBatch | undefined;
  const listeners = new Map<string, (e: { payload: any }) => void>();
  const committed: string[] = [];
  const sought: string[] = [];
  const resolved: string[] = [];
  const consumer = {
    events: { GROUP_JOIN: 'join', CRASH: 'crash', STOP: 'stop' },
    on: (event: string, cb: (e: { payload: any }) => void) => listeners.set(event, cb),
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (config: { eachBatch: EachBatch }) => {
      eachBatch = config.eachBatch;
    },
    commitOffsets: async (offsets: Array<{ offset: string }>) => {
      committed.push(offsets[0].offset);
    },
    seek: ({ offset }: { offset: string }) => {
      if (options.seekThrows) throw new Error('Consumer group was not initialized');
      sought.push(offset);
    },
    pause: () => undefined,
    resume: () => undefined,
    disconnect: async () => undefined,
  };
  const connection = { kafka: { consumer: () => consumer }, explained: (e: unknown) => e } as unknown as KafkaConnection;
  const bc = new BatchConsumer(
    connection,
    { groupId: 'g', topics: ['t'], maxBytesPerPartition: 1, minBytes: 1, maxWaitMs: 1, partitionsConsumedConcurrently: 1 },
    new Logger('test', 'error'),
  );
  const join = () => listeners.get('join')!({ payload: { memberId: 'm' } });
  const handed: string[] = [];
  let next: (b: IncomingBatch) => HandledBatch = () => ({ committable: Promise.resolve() });
  const deliver = (first: number, { stale = false } = {}) =>
    eachBatch!({
      batch: {
        topic: 't',
        partition: 0,
        messages: Array.from({ length: 10 }, (_, i) => ({ offset: String(first + i), key: null, value: Buffer.from('x') })),
      },
      heartbeat: async () => undefined,
      isRunning: () => true,
      isStale: () => stale,
      resolveOffset: (o) => resolved.push(o),
    });
  const start = async () => {
    await bc.start(async (b) => {
      handed.push(b.messages[0].offset);
      return next(b);
    });
    join();
  };
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return {
    bc,
    start,
    join,
    deliver,
    handed,
    committed,
    sought,
    resolved,
    settle,
    answer: (f: (b: IncomingBatch) => HandledBatch) => (next = f),
  };
}

const failing = () => {
  let reject: (e: Error) => void = () => undefined;
  const committable = new Promise<void>((_, r) => (reject = r));
  return { committable, fail: () => reject(new Error('write given up')) };
};

describe('BatchConsumer', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  it('commits batches in offset order once each is done, without waiting for them before the next batch', async () => {
    const h = harness();
    await h.start();
    let release: () => void = () => undefined;
    h.answer(() => ({ committable: new Promise<void>((r) => (release = r)) }));
    await h.deliver(0);
    h.answer(() => ({ committable: Promise.resolve() }));
    await h.deliver(10);
    await jest.advanceTimersByTimeAsync(0);
    // The second batch is done, but the first is not: nothing is committed yet.
    expect(h.resolved).toEqual(['9', '19']);
    expect(h.committed).toEqual([]);
    release();
    await jest.advanceTimersByTimeAsync(0);
    expect(h.committed).toEqual(['10', '20']);
  });

  it('seeks a partition back to a batch that failed, never commits the batches taken on after it, and commits its replay', async () => {
    const h = harness();
    await h.start();
    const first = failing();
    h.answer(() => first);
    await h.deliver(0);
    h.answer(() => ({ committable: Promise.resolve() }));
    await h.deliver(10);
    first.fail();
    await jest.advanceTimersByTimeAsync(0);
    // Before the seek (a short wait), a batch handed over joins the broken chain.
    await h.deliver(20);
    await jest.advanceTimersByTimeAsync(100);
    expect(h.sought).toEqual(['0']);
    // Fetched before the seek and handed over while it is pending: not taken on.
    await h.deliver(30, { stale: true });
    expect(h.handed).toEqual(['0', '10', '20']);
    await h.deliver(0);
    await h.deliver(10);
    await jest.advanceTimersByTimeAsync(0);
    expect(h.committed).toEqual(['10', '20']);
  });

  it('waits longer before each seek while the same partition keeps failing', async () => {
    const h = harness();
    await h.start();
    const at: number[] = [];
    const started = Date.now();
    for (let i = 0; i < 3; i++) {
      const f = failing();
      h.answer(() => f);
      await h.deliver(0);
      f.fail();
      const before = h.sought.length;
      while (h.sought.length === before) await jest.advanceTimersByTimeAsync(10);
      at.push(Date.now() - started);
    }
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(200);
    expect(at[2] - at[1]).toBeGreaterThanOrEqual(400);
  });

  it('when the seek cannot be made, commits nothing more of the partition until the consumer joins its group again', async () => {
    const h = harness({ seekThrows: true });
    await h.start();
    const first = failing();
    h.answer(() => first);
    await h.deliver(0);
    first.fail();
    await jest.advanceTimersByTimeAsync(200);
    h.answer(() => ({ committable: Promise.resolve() }));
    await h.deliver(10);
    await jest.advanceTimersByTimeAsync(0);
    expect(h.committed).toEqual([]);
    // kafkajs restarted its consumer: a new generation replays from the last commit.
    h.join();
    await h.deliver(0);
    await jest.advanceTimersByTimeAsync(0);
    expect(h.committed).toEqual(['10']);
  });
});
