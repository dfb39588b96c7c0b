import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { BodyHold, BudgetRefusal } from './body-budget';

/**
 * The request body as Fastify reads it, each chunk held in the budget as it arrives. A chunk that
 * does not fit ends the read with `refused(...)` (Fastify answers with that error); the rest of
 * the body is then read and dropped, not held, and the connection kept while it arrives, so that
 * the sender gets the answer instead of a connection reset while it is still writing
 * (early-answer.ts). So is the rest of a body Fastify stopped reading at its own limit.
 *
 * Not a stream: only what Fastify's body reader uses of one (`on` and `removeListener` for data,
 * end and error, and `resume`; content-type-parser.js, `rawBody`, which serves the catch-all
 * `parseAs: 'buffer'` parser of main.ts). A Transform stream in between cost about 8 µs per
 * webhook, 3 % of ingestion's CPU per webhook (docs/scaling.md); this costs under 0.5 µs.
 */
export class CountedBody extends EventEmitter {
  private reading = false;

  constructor(
    private readonly source: Readable,
    private readonly hold: BodyHold,
    private readonly refused: (refusal: BudgetRefusal) => Error,
  ) {
    super();
    // Always listened to: a client that goes away must end the read, and must not throw.
    source.once('error', this.onError);
  }

  resume(): this {
    if (!this.reading) {
      this.reading = true;
      this.source.on('data', this.onData);
      this.source.once('end', this.onEnd);
    }
    this.source.resume();
    return this;
  }

  private readonly onData = (chunk: Buffer): void => {
    const refusal = this.hold.take(chunk.length);
    if (refusal === null) {
      this.emit('data', chunk);
      return;
    }
    this.stopCounting();
    this.fail(this.refused(refusal));
  };

  /** Fastify stops reading at the end, at an error, or at its own limit (a chunked body over it). */
  override removeListener(...args: Parameters<EventEmitter['removeListener']>): this {
    super.removeListener(...args);
    if (args[0] === 'data' && this.reading && this.listenerCount('data') === 0) this.stopCounting();
    return this;
  }

  /** Flowing with no data listener: what still comes is dropped, and not held in the budget. */
  private stopCounting(): void {
    this.source.removeListener('data', this.onData);
    this.source.removeListener('end', this.onEnd);
  }

  private readonly onEnd = (): void => {
    this.emit('end');
  };

  private readonly onError = (error: Error): void => {
    this.stopCounting();
    this.fail(error);
  };

  /** Fastify stops listening once it has its answer; an error after that is nobody's to hear. */
  private fail(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }
}
