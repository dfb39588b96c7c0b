import { PassThrough } from 'node:stream';
import { BodyBudget } from './body-budget';
import { CountedBody } from './counted-body';

/** Reads `body` as Fastify's body reader does: data, end and error listeners, then resume(). */
function read(body: CountedBody): Promise<{ bytes: number; error?: Error }> {
  return new Promise((resolve) => {
    let bytes = 0;
    const onData = (c: Buffer) => (bytes += c.length);
    const stop = (error?: Error) => {
      body.removeListener('data', onData);
      resolve({ bytes, error });
    };
    body.on('data', onData);
    body.on('end', () => stop());
    body.on('error', stop);
    body.resume();
  });
}

describe('CountedBody', () => {
  it('passes every chunk on, held in the budget', async () => {
    const budget = new BodyBudget(1000, 1000);
    const source = new PassThrough();
    const reading = read(new CountedBody(source, budget.open('a'), () => new Error('no room')));
    source.write(Buffer.alloc(300));
    source.end(Buffer.alloc(200));
    expect(await reading).toEqual({ bytes: 500, error: undefined });
    expect(budget.totalBytes).toBe(500);
  });

  it('ends the read with the refusal at the chunk that does not fit, and drops the rest unheld', async () => {
    const budget = new BodyBudget(1000, 400);
    const source = new PassThrough();
    const reading = read(new CountedBody(source, budget.open('a'), (r) => new Error(`no room: ${r.limit} ${r.heldBytes}/${r.maxBytes}`)));
    source.write(Buffer.alloc(300));
    source.write(Buffer.alloc(200));
    const { bytes, error } = await reading;
    expect(bytes).toBe(300);
    expect(error?.message).toBe('no room: institute 300/400');
    source.end(Buffer.alloc(5000));
    await new Promise((r) => source.once('end', r));
    expect(budget.totalBytes).toBe(300);
  });

  it('ends the read when the client goes away', async () => {
    const budget = new BodyBudget(1000, 1000);
    const source = new PassThrough();
    const reading = read(new CountedBody(source, budget.open('a'), () => new Error('no room')));
    source.write(Buffer.alloc(10));
    source.destroy(new Error('aborted'));
    expect(await reading).toEqual({ bytes: 10, error: new Error('aborted') });
  });

  it('throws nothing when no reader listens for errors any more (Fastify answered already)', async () => {
    const budget = new BodyBudget(1000, 100);
    const source = new PassThrough();
    const body = new CountedBody(source, budget.open('a'), () => new Error('no room'));
    body.on('data', () => undefined);
    body.resume();
    source.write(Buffer.alloc(500));
    source.destroy(new Error('aborted'));
    await new Promise((r) => source.once('close', r));
    expect(budget.totalBytes).toBe(0);
  });

  it('holds nothing more once its reader stops listening (Fastify at its own body limit): the rest is dropped unheld', async () => {
    const budget = new BodyBudget(1000, 400);
    const source = new PassThrough();
    const body = new CountedBody(source, budget.open('a'), () => new Error('no room'));
    const errors: Error[] = [];
    body.on('error', (e: Error) => errors.push(e));
    const onData = () => body.removeListener('data', onData);
    body.on('data', onData);
    body.resume();
    source.write(Buffer.alloc(100));
    await new Promise((r) => setImmediate(r));
    source.end(Buffer.alloc(5000));
    await new Promise((r) => source.once('end', r));
    expect(budget.totalBytes).toBe(100);
    expect(errors).toEqual([]);
  });
});
