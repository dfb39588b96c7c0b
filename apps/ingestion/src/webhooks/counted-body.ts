import { Transform, type Readable } from 'node:stream';
import type { BodyHold, BudgetRefusal } from './body-budget';

/**
 * The request body as Fastify reads it, each chunk held in the budget as it arrives. A chunk that
 * does not fit fails the stream with `refused(...)` (Fastify answers with that error); the rest of
 * the body is then read and dropped, not held, so that the sender gets the answer instead of a
 * connection reset while it is still writing.
 */
export function countedBody(source: Readable, hold: BodyHold, refused: (refusal: BudgetRefusal) => Error): Readable {
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const refusal = hold.take(chunk.length);
      if (refusal === null) return done(null, chunk);
      source.unpipe(counted);
      source.resume();
      done(refused(refusal));
    },
  });
  // pipe() does not pass errors on: a client that went away must end Fastify's read too.
  source.once('error', (e) => counted.destroy(e));
  return source.pipe(counted);
}
