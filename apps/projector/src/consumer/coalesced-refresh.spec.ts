import { CoalescedRefresh } from './projector-sink';
import { KeySet, Touched } from '@wise/serving';

const noDays = () => new KeySet(['institute_id', 'classroom_id', 'day']);

/** A serving refresh whose fee rounds go through `refresh` too, due no month unless `fees` says. */
const fake = (
  refresh: (t: Touched) => Promise<void>,
  more: { fees?: (t: Touched) => Promise<KeySet>; months?: (days: KeySet) => Promise<void> } = {},
) => ({
  refresh,
  refreshDeferringMonths: more.fees ?? (async (t: Touched) => (await refresh(t), noDays())),
  refreshMonths: more.months ?? (async () => undefined),
});

const touching = (...sessions: string[]) =>
  Touched.byRows([['session_events', sessions.map((s) => ({ institute_id: 'i', session_id: s }))]]);

describe('CoalescedRefresh', () => {
  it('runs the keys handed in while a refresh runs as one next round, and settles each caller with its round', async () => {
    const rounds: string[][] = [];
    let release: () => void = () => undefined;
    const serving = fake((t: Touched) => {
      rounds.push(t.sessions.list().map((k) => k[1]));
      return rounds.length === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve();
    });
    const c = new CoalescedRefresh(serving);
    const settled: string[] = [];
    const first = c.refresh(touching('s1')).then(() => settled.push('first'));
    const second = c.refresh(touching('s2')).then(() => settled.push('second'));
    const third = c.refresh(touching('s3', 's2')).then(() => settled.push('third'));
    await new Promise((r) => setImmediate(r));
    expect(rounds).toEqual([['s1']]);
    expect(settled).toEqual([]);
    release();
    await Promise.all([first, second, third]);
    expect(rounds).toEqual([['s1'], ['s2', 's3']]);
    expect(settled).toEqual(['first', 'second', 'third']);
  });

  it('fails every caller of a failed round, and the next round runs afresh', async () => {
    let fail = true;
    const serving = fake(async () => {
      if (fail) throw new Error('ClickHouse away');
    });
    const c = new CoalescedRefresh(serving);
    await expect(Promise.all([c.refresh(touching('a')), c.refresh(touching('b'))])).rejects.toThrow('ClickHouse away');
    fail = false;
    await expect(c.refresh(touching('c'))).resolves.toBeUndefined();
  });

  it('does not call the refresh for a batch that touched nothing', async () => {
    const refresh = jest.fn(async () => undefined);
    await new CoalescedRefresh(fake(refresh)).refresh(new Touched());
    expect(refresh).not.toHaveBeenCalled();
  });

  it('runs a fee round while a session round still runs, and settles a batch touching both when both rounds have', async () => {
    const rounds: string[] = [];
    let release: () => void = () => undefined;
    const serving = fake((t: Touched) => {
      const kind = t.sessions.size > 0 ? 'sessions' : 'fees';
      rounds.push(kind);
      return kind === 'sessions' ? new Promise<void>((r) => (release = r)) : Promise.resolve();
    });
    const c = new CoalescedRefresh(serving);
    const both = touching('s1');
    both.payments.add('i', 'tx1');
    let bothSettled = false;
    const first = c.refresh(both).then(() => (bothSettled = true));
    const fee = new Touched();
    fee.payments.add('i', 'tx2');
    await c.refresh(fee);
    expect(rounds).toEqual(['sessions', 'fees', 'fees']);
    expect(bothSettled).toBe(false);
    release();
    await first;
    expect(bothSettled).toBe(true);
  });

  it('starts rounds at least minIntervalMs apart, gathering what came meanwhile into one round', async () => {
    const starts: number[] = [];
    const rounds: string[][] = [];
    const serving = fake(async (t: Touched) => {
      starts.push(Date.now());
      rounds.push(t.sessions.list().map((k) => k[1]));
    });
    const c = new CoalescedRefresh(serving, 200);
    await c.refresh(touching('s1'));
    await Promise.all([c.refresh(touching('s2')), c.refresh(touching('s3'))]);
    expect(rounds).toEqual([['s1'], ['s2', 's3']]);
    expect(starts[1] - starts[0]).toBeGreaterThanOrEqual(195);
  });

  it("ends a fee round before its months' rollup: the next fee round runs meanwhile, and a batch settles once its months are rolled up", async () => {
    const events: string[] = [];
    let releaseMonths: () => void = () => undefined;
    const serving = fake(async () => undefined, {
      fees: async (t) => {
        const tx = t.payments.list().map((k) => k[1]);
        events.push(`fees ${tx.join(',')}`);
        const days = noDays();
        for (const id of tx) days.add('i', 'c1', id === 'tx1' ? '2026-11-30' : '2026-12-01');
        return days;
      },
      months: (days) => {
        events.push(
          `months ${days
            .list()
            .map((d) => d[2])
            .join(',')}`,
        );
        return events.filter((e) => e.startsWith('months')).length === 1
          ? new Promise<void>((r) => (releaseMonths = r))
          : Promise.resolve();
      },
    });
    const c = new CoalescedRefresh(serving);
    const paying = (tx: string) => {
      const t = new Touched();
      t.payments.add('i', tx);
      return t;
    };
    let firstSettled = false;
    const first = c.refresh(paying('tx1')).then(() => (firstSettled = true));
    await new Promise((r) => setImmediate(r));
    const second = c.refresh(paying('tx2'));
    // The second fee round ran while the first one's months were still being rolled up.
    await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual(['fees tx1', 'months 2026-11-30', 'fees tx2']);
    expect(firstSettled).toBe(false);
    releaseMonths();
    await Promise.all([first, second]);
    expect(events).toEqual(['fees tx1', 'months 2026-11-30', 'fees tx2', 'months 2026-12-01']);
  });

  it("fails a fee batch whose months' rollup failed", async () => {
    const serving = fake(async () => undefined, {
      fees: async () => {
        const days = noDays();
        days.add('i', 'c1', '2026-12-01');
        return days;
      },
      months: async () => {
        throw new Error('rollup refused');
      },
    });
    const t = new Touched();
    t.payments.add('i', 'tx1');
    await expect(new CoalescedRefresh(serving).refresh(t)).rejects.toThrow('rollup refused');
  });
});
