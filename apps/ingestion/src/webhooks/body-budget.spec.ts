import { BodyBudget } from './body-budget';

describe('BodyBudget', () => {
  it('holds what arrives, per institute and in total, and gives it all back on release', () => {
    const budget = new BodyBudget(100, 40);
    const a = budget.open('a');
    const b = budget.open('b');
    expect(a.take(10)).toBeNull();
    expect(a.take(15)).toBeNull();
    expect(b.take(30)).toBeNull();
    expect([...budget.held()]).toEqual([
      ['a', 25],
      ['b', 30],
    ]);
    expect(budget.totalBytes).toBe(55);
    a.release();
    a.release(); // once only: a client abort and the answer may both close the reply
    expect([...budget.held()]).toEqual([['b', 30]]);
    expect(budget.totalBytes).toBe(30);
    expect(a.take(10)).toBeNull(); // a late chunk of a released request holds nothing
    expect(budget.totalBytes).toBe(30);
  });

  it("refuses bytes past an institute's share, leaving the rest of the process to the others", () => {
    const budget = new BodyBudget(100, 40);
    const holds = [budget.open('greedy'), budget.open('greedy'), budget.open('greedy')];
    expect(holds[0].take(20)).toBeNull();
    expect(holds[1].take(20)).toBeNull();
    expect(holds[2].take(1)).toEqual({ limit: 'institute', heldBytes: 40, maxBytes: 40 });
    expect(holds[2].heldBytes).toBe(0);
    expect(budget.open('other').take(40)).toBeNull();
  });

  it('refuses bytes past the whole process, naming it when the institute still has room', () => {
    const budget = new BodyBudget(100, 40);
    for (const institute of ['a', 'b']) expect(budget.open(institute).take(40)).toBeNull();
    expect(budget.open('c').take(21)).toEqual({ limit: 'process', heldBytes: 80, maxBytes: 100 });
    expect(budget.check('c', 20)).toBeNull();
  });
});
