const FIRST_RETRY_MS = 200;

export interface WriteContext {
  /** False once the batch is no longer ours (partition revoked, app stopping, rebuild out of time): give up. */
  isActive: () => boolean;
  /**
   * Keeps the batch ours during long retries (the consumer's heartbeat). A failure means the
   * partition may be someone else's now, so the batch is given up uncommitted and consumed again
   * by its new owner.
   */
  heartbeat: () => Promise<void>;
  /** Names the batch in logs and in quarantine rows (topic/partition/first-last, or `rebuild`). */
  source: string;
  /** Why isActive turned false, for the error; a partition's batch by default. */
  inactiveBecause?: string;
}

/** The writer gave the batch up before it was written: nothing may be committed for it. */
export class WriteAbandoned extends Error {}

export const inactiveReason = (ctx: WriteContext): string => ctx.inactiveBecause ?? 'partition revoked or shutting down';

/** Keeps the batch ours (the consumer's heartbeat), or gives it up: the partition may have moved. */
export async function stillOurs(ctx: WriteContext, what: string): Promise<void> {
  try {
    await ctx.heartbeat();
  } catch (e) {
    throw new WriteAbandoned(`stopped ${what} for ${ctx.source}: heartbeat failed (${(e as Error).message}); the partition may have moved`);
  }
  if (!ctx.isActive()) throw new WriteAbandoned(`stopped ${what} for ${ctx.source}: ${inactiveReason(ctx)}`);
}

export interface RetryPolicy {
  /** What is being done, for the abandonment's message ("writing sessions", "refreshing serving rows"). */
  what: string;
  /** After a failure: `throw` ends the retries with that error; `retry` waits and tries again. */
  decide: (error: unknown, attempt: number) => 'retry' | 'throw';
  /** Told before each wait (the caller logs and counts). */
  onRetry: (error: unknown, attempt: number, retryInMs: number) => void;
  /** The cap of the doubling wait. */
  maxDelayMs: number;
}

/**
 * The projector's one way of waiting out a failure without giving its batch up: the same work is
 * tried again after a doubling, capped wait, for as long as the batch is ours (heartbeats keep it
 * so; a revoked partition or a shutdown ends it with WriteAbandoned, and the batch, uncommitted,
 * is consumed again by whoever owns it). Used by the fact writer and by the serving step.
 */
export async function retryInPlace<T>(ctx: WriteContext, policy: RetryPolicy, work: () => Promise<T>): Promise<T> {
  let delay = FIRST_RETRY_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (e) {
      if (policy.decide(e, attempt) === 'throw') throw e;
      if (!ctx.isActive()) throw new WriteAbandoned(`stopped ${policy.what} for ${ctx.source}: ${inactiveReason(ctx)}`);
      policy.onRetry(e, attempt, delay);
      await new Promise((r) => setTimeout(r, delay));
      await stillOurs(ctx, policy.what);
      delay = Math.min(delay * 2, policy.maxDelayMs);
    }
  }
}
