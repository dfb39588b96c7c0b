import { counterRates, kernelShare } from './clickhouse-counters';

describe('ClickHouse counters', () => {
  it('turns two readings into rates, and splits query CPU into user and kernel', () => {
    const r = counterRates(
      { InsertQuery: 100, SystemTimeMicroseconds: 1_000 },
      { InsertQuery: 150, SystemTimeMicroseconds: 10_000, UserTimeMicroseconds: 3_000 },
      5,
    );
    expect(r).toEqual({ InsertQuery: 10, SystemTimeMicroseconds: 1_800, UserTimeMicroseconds: 600 });
    expect(kernelShare(r)).toBeCloseTo(0.75);
    expect(kernelShare({})).toBeNaN();
  });
});
