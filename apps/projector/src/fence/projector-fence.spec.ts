import { FENCE_LEASE_MS, type OpenFence } from '@wise/rebuild';
import { BatchAbandoned } from '@wise/kafka';
import { Logger } from '@wise/observability';
import { ProjectorFence } from './projector-fence';

// The fence store and the consumer are stand-ins here (a pure unit test of the admission rule);
// test/projector/rebuild-fence.test.ts runs the real projector against ClickHouse and Kafka.
const FENCE: OpenFence = {
  id: 'f1',
  startedAt: Date.parse('2026-12-02T09:00:00Z'),
  by: 'pid 1 on h',
  aliveAt: 0,
  abandoned: false,
  swap: null,
};

function setup() {
  let now = 0;
  const store = { open: null as OpenFence | null, failing: false, reads: 0, acks: [] as Array<[string, string]> };
  const consumer = { paused: false, member: 'm-1' as string | null };
  const fence = new ProjectorFence(
    {
      current: async () => {
        store.reads++;
        if (store.failing) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        return store.open;
      },
      paused: async (id, member) => void store.acks.push([id, member]),
    },
    {
      pause: () => void (consumer.paused = true),
      resume: () => void (consumer.paused = false),
      memberId: () => consumer.member,
    },
    new Logger('test', 'error'),
    () => now,
  );
  const batch = { isActive: () => true, heartbeat: async () => undefined };
  // Private, but it is the step the timer takes; the spec drives it by hand.
  const read = () => (fence as unknown as { read(): Promise<void> }).read();
  return { fence, store, consumer, batch, read, advance: (ms: number) => (now += ms) };
}

describe('ProjectorFence', () => {
  it('admits a batch while a recent read found no fence', async () => {
    const { fence, batch, read } = setup();
    await read();
    const release = await fence.admit(batch);
    release();
    expect(fence.status()).toEqual({ paused: false });
  });

  it('reads again before admitting once the last read is older than the lease', async () => {
    const { fence, store, batch, read, advance } = setup();
    await read();
    advance(FENCE_LEASE_MS);
    store.open = FENCE;
    await expect(fence.admit(batch)).rejects.toThrow(BatchAbandoned);
    expect(store.reads).toBe(2);
  });

  it('pauses, refuses batches, and acknowledges only once the admitted write is over', async () => {
    const { fence, store, consumer, batch, read } = setup();
    await read();
    const release = await fence.admit(batch);
    store.open = FENCE;
    await read();
    expect(consumer.paused).toBe(true);
    expect(fence.status()).toEqual({
      paused: true,
      reason: expect.stringMatching(
        /^rebuild in progress since 2026-12-02T09:00:00.000Z \(pid 1 on h\); run `npm run cli -- rebuild` again/,
      ),
    });
    await expect(fence.admit(batch)).rejects.toThrow(/not written: rebuild in progress/);
    expect(store.acks).toEqual([]);
    release();
    await new Promise((r) => setImmediate(r));
    expect(store.acks).toEqual([['f1', 'm-1']]);
    await read();
    expect(store.acks).toHaveLength(1);
  });

  it('acknowledges again under a new member id (the consumer rejoined the group)', async () => {
    const { store, consumer, read } = setup();
    store.open = FENCE;
    consumer.member = null;
    await read();
    expect(store.acks).toEqual([]);
    consumer.member = 'm-1';
    await read();
    consumer.member = 'm-2';
    await read();
    expect(store.acks).toEqual([
      ['f1', 'm-1'],
      ['f1', 'm-2'],
    ]);
  });

  it('resumes when the fence is cleared', async () => {
    const { fence, store, consumer, batch, read } = setup();
    store.open = FENCE;
    await read();
    store.open = null;
    await read();
    expect(consumer.paused).toBe(false);
    (await fence.admit(batch))();
  });

  it('lets a batch through to the writer while the fence cannot be read, and its retries stop once a fence is read', async () => {
    const { fence, store, batch, read, advance } = setup();
    await read();
    advance(FENCE_LEASE_MS);
    store.failing = true;
    const release = await fence.admit(batch);
    const heartbeat = fence.heartbeat(batch);
    await heartbeat();
    store.failing = false;
    store.open = FENCE;
    await expect(heartbeat()).rejects.toThrow(/not written: rebuild in progress/);
    release();
  });

  it('gives the batch up when it stops being ours while the fence is read', async () => {
    const { fence, batch } = setup();
    await expect(fence.admit({ ...batch, isActive: () => false })).rejects.toThrow(/no longer ours/);
  });
});
