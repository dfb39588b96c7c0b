import type { TableRows } from '@wise/projections';
import { GroupWriter } from './projector-sink';
import type { WriteContext } from '@wise/projection-writer';

const ctx = (source: string, active = () => true): WriteContext => ({ isActive: active, heartbeat: async () => undefined, source });
const rows = (table: string, ...ids: string[]): TableRows => new Map([[table, ids.map((id) => ({ id }))]]);

describe('GroupWriter', () => {
  it('merges the batches handed in while a write runs into one write, one entry per table, and settles each with it', async () => {
    const writes: Array<{ tables: Record<string, string[]>; source: string }> = [];
    let release: () => void = () => undefined;
    const writer = {
      write: (tables: TableRows, c: WriteContext) => {
        writes.push({ tables: Object.fromEntries([...tables].map(([t, r]) => [t, r.map((x) => String(x.id))])), source: c.source });
        return writes.length === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve();
      },
    };
    const g = new GroupWriter(writer);
    const settled: string[] = [];
    const a = g.write(rows('events', 'a1'), ctx('p0')).then(() => settled.push('a'));
    const b = g.write(rows('events', 'b1', 'b2'), ctx('p1')).then(() => settled.push('b'));
    const c = g.write(new Map([...rows('events', 'c1'), ...rows('session_events', 'c2')]), ctx('p2')).then(() => settled.push('c'));
    await new Promise((r) => setImmediate(r));
    expect(settled).toEqual([]);
    release();
    await Promise.all([a, b, c]);
    expect(writes).toEqual([
      { tables: { events: ['a1'] }, source: 'p0' },
      { tables: { events: ['b1', 'b2', 'c1'], session_events: ['c2'] }, source: 'p1 p2' },
    ]);
    expect(settled).toEqual(['a', 'b', 'c']);
  });

  it('fails every batch of a failed write, and gives the merged write up when any batch in it is no longer ours', async () => {
    const seen: boolean[] = [];
    let block: () => void = () => undefined;
    let n = 0;
    const writer = {
      write: async (_: TableRows, c: WriteContext) => {
        if (++n === 1) return new Promise<void>((r) => (block = r));
        seen.push(c.isActive());
        throw new Error('ClickHouse refused');
      },
    };
    const g = new GroupWriter(writer);
    const first = g.write(rows('events', 'x'), ctx('p0'));
    const b = g.write(rows('events', 'b'), ctx('p1'));
    const c = g.write(
      rows('events', 'c'),
      ctx('p2', () => false),
    );
    block();
    await first;
    await expect(b).rejects.toThrow('ClickHouse refused');
    await expect(c).rejects.toThrow('ClickHouse refused');
    expect(seen).toEqual([false]);
  });
});
