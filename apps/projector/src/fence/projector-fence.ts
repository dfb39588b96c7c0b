import { FENCE_LEASE_MS, FENCE_POLL_MS, fenceReason, type OpenFence, type RebuildFence } from '@wise/rebuild';
import { WriteAbandoned } from '@wise/projection-writer';
import { BatchAbandoned, type BatchConsumer } from '@wise/kafka';
import { Logger } from '@wise/observability';
import { hostname } from 'node:os';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How often the reason for a pause is said again while it lasts. */
const REMIND_EVERY_MS = 60_000;

/** What admit needs of the batch it is asked about. */
export interface BatchInHand {
  isActive: () => boolean;
  heartbeat: () => Promise<void>;
}

export type FenceStatus = { paused: false } | { paused: true; reason: string };

/**
 * The projector's side of the rebuild fence (libs/rebuild/src/rebuild-fence.ts). It reads the
 * fence every FENCE_POLL_MS; a batch is written only if admitted, and admission needs a read begun
 * less than FENCE_LEASE_MS ago that found no fence. While a fence is open the consumer is paused,
 * batches in hand are given up uncommitted (they are fetched again after), and once no admitted
 * write is left this projector acknowledges the fence under its group member id, which is what the
 * rebuild waits for. When the fence is cleared the consumer resumes where it stopped fetching; a
 * batch given up meanwhile is consumed again from its first offset (BatchConsumer).
 */
export class ProjectorFence {
  private fence: OpenFence | null = null;
  /** When the latest successful read began (monotonic ms). */
  private readFrom = -Infinity;
  private reading: Promise<'ok' | 'failed'> | null = null;
  private inFlight = 0;
  private acknowledged = '';
  private saidAt = 0;
  private readFailing = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Pick<RebuildFence, 'current' | 'paused'>,
    private readonly consumer: Pick<BatchConsumer, 'pause' | 'resume' | 'memberId'>,
    private readonly logger: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Reads the fence once (a projector started under a fence starts paused), then keeps reading. */
  async start(): Promise<void> {
    await this.read();
    this.timer = setInterval(() => void this.read(), FENCE_POLL_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  status(): FenceStatus {
    return this.fence ? { paused: true, reason: fenceReason(this.fence) } : { paused: false };
  }

  /**
   * Resolves with a release function once the batch may be written; call it when the write is
   * over, whatever its outcome. Throws BatchAbandoned while a fence is open, or if the batch stops
   * being ours while the fence is being read.
   *
   * When the fence cannot be read because ClickHouse fails (refused, unreachable), the batch is let
   * through: its inserts fail too and are retried by the writer, which is what an outage should
   * look like (its logs, projector_write_retries_total), and every retry first re-reads the fence
   * through `heartbeat` below. What is left open: an insert that succeeds a moment after the fence
   * read failed, in a projector that joined the group after a rebuild counted its members.
   */
  async admit(batch: BatchInHand): Promise<() => void> {
    for (;;) {
      if (this.fence) throw new BatchAbandoned(`not written: ${fenceReason(this.fence)}`);
      if (this.fresh()) break;
      if (!batch.isActive()) throw new BatchAbandoned('the batch is no longer ours while the rebuild fence is read');
      try {
        await batch.heartbeat();
      } catch (e) {
        throw new BatchAbandoned(`heartbeat failed while the rebuild fence is read: ${(e as Error).message}`);
      }
      // The last read is too old to rule out a fence: read it now (a slow answer is waited for).
      const read = await Promise.race([this.read(), sleep(FENCE_POLL_MS).then(() => 'slow' as const)]);
      if (read === 'failed') break;
    }
    this.inFlight++;
    return () => this.release();
  }

  /** The batch's heartbeat, which also re-reads the fence when the last read is old: the writer calls it before each retry. */
  heartbeat(batch: BatchInHand): () => Promise<void> {
    return async () => {
      await batch.heartbeat();
      if (!this.fresh()) await Promise.race([this.read(), sleep(FENCE_POLL_MS)]);
      // WriteAbandoned: the writer and the serving step give the batch up uncommitted.
      if (this.fence) throw new WriteAbandoned(`not written: ${fenceReason(this.fence)}`);
    };
  }

  private fresh(): boolean {
    return this.now() - this.readFrom < FENCE_LEASE_MS;
  }

  private release(): void {
    this.inFlight--;
    if (this.inFlight === 0 && this.fence) void this.acknowledge();
  }

  private read(): Promise<'ok' | 'failed'> {
    this.reading ??= this.readOnce().finally(() => (this.reading = null));
    return this.reading;
  }

  private async readOnce(): Promise<'ok' | 'failed'> {
    const began = this.now();
    let fence: OpenFence | null;
    try {
      fence = await this.store.current();
    } catch (error) {
      // Once per outage: the writer's own retries say the rest.
      if (!this.readFailing) this.logger.warn('could not read the rebuild fence; writes wait until it is read', { error });
      this.readFailing = true;
      return 'failed';
    }
    if (this.readFailing) this.logger.info('rebuild fence read again');
    this.readFailing = false;
    const was = this.fence;
    this.fence = fence;
    this.readFrom = began;
    if (!fence) {
      if (was) {
        this.consumer.resume();
        this.logger.info('rebuild fence cleared; consuming again', { fence: was.id });
      }
      return 'ok';
    }
    // Again on every read: kafkajs forgets a pause when it restarts its consumer.
    this.consumer.pause();
    if (was?.id !== fence.id || Date.now() - this.saidAt >= REMIND_EVERY_MS) {
      this.saidAt = Date.now();
      this.logger.warn(`projector paused: ${fenceReason(fence)}`, { fence: fence.id });
    }
    await this.acknowledge();
    return 'ok';
  }

  /** Tells the rebuild this member writes nothing, once per fence and member id. */
  private async acknowledge(): Promise<void> {
    const fence = this.fence;
    const member = this.consumer.memberId();
    if (!fence || this.inFlight > 0 || member === null || this.acknowledged === `${fence.id} ${member}`) return;
    try {
      await this.store.paused(fence.id, member, `pid ${process.pid} on ${hostname()}`);
      this.acknowledged = `${fence.id} ${member}`;
      this.logger.info('paused for the rebuild, acknowledged', { fence: fence.id, member });
    } catch (error) {
      this.logger.warn('could not acknowledge the rebuild fence; trying again at the next read', { error });
    }
  }
}
