import { ReplicaCurrency, ReplicasBehind } from './replica-currency';

type Status = { replica: string; uptime: number; table?: string; is_readonly?: number; absolute_delay?: number };
type Fetch = { replica: string; table: string; parts: number };

/** A connection answering the two looks from scripted rows, one script per look. */
function scripted(looks: Array<{ status: Status[]; fetches?: Fetch[] }>) {
  let i = 0;
  const asked: string[] = [];
  return {
    asked,
    ch: {
      database: 'wise',
      query: async <T>(purpose: string, sql: string): Promise<T[]> => {
        asked.push(sql);
        const look = looks[Math.min(Math.floor(i++ / 2), looks.length - 1)];
        if (purpose === 'replicas:status')
          return look.status.map((s) => ({
            table: 'wise.events_local',
            is_readonly: 0,
            is_session_expired: 0,
            absolute_delay: 0,
            ...s,
          })) as T[];
        return (look.fetches ?? []) as T[];
      },
    },
  };
}

const CURRENT = [
  { replica: 'ch-1a', uptime: 100 },
  { replica: 'ch-2a', uptime: 100 },
];
const noWait = { pollMs: 0, waitMs: 0, sleep: async () => undefined };

describe('ReplicaCurrency', () => {
  it('asks the replicas the reads go to, of both databases, through the cluster', async () => {
    const { ch, asked } = scripted([{ status: CURRENT }]);
    await new ReplicaCurrency(ch, 'wise_cluster', noWait).current();
    expect(asked[0]).toMatch(/FROM cluster\('wise_cluster', system\.replicas\) WHERE database IN \('wise', 'wise_raw'\)/);
    expect(asked[1]).toMatch(/system\.replication_queue[\s\S]*type = 'GET_PART' AND source_replica != replica_name/);
  });

  it.each([
    ['read-only', { is_readonly: 1 }, [], /ch-1a: wise\.events_local read-only/],
    [
      'queue not pulled since its start (18.16 reports the Unix time)',
      { absolute_delay: 1796546899 },
      [],
      /ch-1a: wise\.events_local has not pulled/,
    ],
    [
      'parts of its shard-mate to fetch',
      {},
      [{ replica: 'ch-1a', table: 'wise.events_local', parts: 2 }],
      /ch-1a: wise\.events_local has 2 parts to fetch/,
    ],
  ])('is behind when %s, and says so after the wait', async (_, status, fetches, message) => {
    const { ch } = scripted([{ status: [{ ...CURRENT[0], ...status }, CURRENT[1]], fetches }]);
    const look = new ReplicaCurrency(ch, 'wise_cluster', noWait);
    await expect(look.current()).rejects.toThrow(ReplicasBehind);
    await expect(look.current()).rejects.toThrow(message);
  });

  it('waits until the replicas catch up', async () => {
    const { ch } = scripted([{ status: CURRENT, fetches: [{ replica: 'ch-2a', table: 'wise.x_local', parts: 1 }] }, { status: CURRENT }]);
    const seen = await new ReplicaCurrency(ch, 'wise_cluster', { ...noWait, waitMs: 60_000 }).current();
    expect([...seen.keys()]).toEqual(['ch-1a', 'ch-2a']);
  });

  it('tells a round that its reads may have gone elsewhere: another replica, a restart, or a replica fallen behind', async () => {
    const before = new Map([
      ['ch-1a', { uptime: 100, behind: [] }],
      ['ch-2a', { uptime: 100, behind: [] }],
    ]);
    const after = async (status: Status[], fetches: Fetch[] = []) =>
      new ReplicaCurrency(scripted([{ status, fetches }]).ch, 'wise_cluster', noWait).changedSince(before);
    expect(await after([{ replica: 'ch-1a', uptime: 101 }, CURRENT[1]])).toBeNull();
    expect(await after([{ replica: 'ch-1b', uptime: 500 }, CURRENT[1]])).toBe("the reads of ch-1a's shard went to ch-1b");
    expect(await after([{ replica: 'ch-1a', uptime: 3 }, CURRENT[1]])).toBe('ch-1a restarted');
    expect(await after(CURRENT, [{ replica: 'ch-2a', table: 'wise.x_local', parts: 1 }])).toBe(
      'ch-2a: wise.x_local has 1 part to fetch from its shard-mate',
    );
  });
});
