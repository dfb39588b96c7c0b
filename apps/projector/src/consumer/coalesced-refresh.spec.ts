import { CoalescedRefresh } from './projector-sink';
import { Touched } from '@wise/serving';

const touching = (...sessions: string[]) =>
  Touched.byRows([['session_events', sessions.map((s) => ({ institute_id: 'i', session_id: s }))]]);

describe('CoalescedRefresh', () => {
  it('runs the keys handed in while a refresh runs as one next round, and settles each caller with its round', async () => {
    const rounds: string[][] = [];
    let release: () => void = () => undefined;
    const serving = {
      refresh: (t: Touched) => {
        rounds.push(t.sessions.list().map((k) => k[1]));
        return rounds.length === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve();
      },
    };
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
    const serving = {
      refresh: async () => {
        if (fail) throw new Error('ClickHouse away');
      },
    };
    const c = new CoalescedRefresh(serving);
    await expect(Promise.all([c.refresh(touching('a')), c.refresh(touching('b'))])).rejects.toThrow('ClickHouse away');
    fail = false;
    await expect(c.refresh(touching('c'))).resolves.toBeUndefined();
  });

  it('does not call the refresh for a batch that touched nothing', async () => {
    const serving = { refresh: jest.fn(async () => undefined) };
    await new CoalescedRefresh(serving).refresh(new Touched());
    expect(serving.refresh).not.toHaveBeenCalled();
  });

  it('runs a fee round while a session round still runs, and settles a batch touching both when both rounds have', async () => {
    const rounds: string[] = [];
    let release: () => void = () => undefined;
    const serving = {
      refresh: (t: Touched) => {
        const kind = t.sessions.size > 0 ? 'sessions' : 'fees';
        rounds.push(kind);
        return kind === 'sessions' ? new Promise<void>((r) => (release = r)) : Promise.resolve();
      },
    };
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
    const serving = {
      refresh: async (t: Touched) => {
        starts.push(Date.now());
        rounds.push(t.sessions.list().map((k) => k[1]));
      },
    };
    const c = new CoalescedRefresh(serving, 200);
    await c.refresh(touching('s1'));
    await Promise.all([c.refresh(touching('s2')), c.refresh(touching('s3'))]);
    expect(rounds).toEqual([['s1'], ['s2', 's3']]);
    expect(starts[1] - starts[0]).toBeGreaterThanOrEqual(195);
  });
});
