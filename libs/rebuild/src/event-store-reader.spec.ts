import { planEventPages } from './event-store-reader';

const store = (counts: Record<string, number>) => ({
  database: 'wise',
  query: async <T>(): Promise<T[]> => Object.entries(counts).map(([institute_id, n]) => ({ institute_id, n: String(n) })) as T[],
});

describe('planEventPages', () => {
  it('packs runs of institutes into pages, and slices an institute larger than a page by event id', async () => {
    const plan = await planEventPages(store({ a: 3, b: 4, c: 20, d: 1, e: 7 }), 7);
    expect(plan.total).toBe(35);
    expect(plan.pages).toEqual([
      { first: 'a', last: 'b', parts: 1, part: 0, events: 7 },
      { first: 'c', last: 'c', parts: 3, part: 0, events: 7 },
      { first: 'c', last: 'c', parts: 3, part: 1, events: 7 },
      { first: 'c', last: 'c', parts: 3, part: 2, events: 7 },
      { first: 'd', last: 'd', parts: 1, part: 0, events: 1 },
      { first: 'e', last: 'e', parts: 1, part: 0, events: 7 },
    ]);
  });

  it('plans no page for an empty store', async () => {
    expect(await planEventPages(store({}), 5000)).toEqual({ total: 0, pages: [] });
  });
});
