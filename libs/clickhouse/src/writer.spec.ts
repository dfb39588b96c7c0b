import type { Logger } from '@wise/observability';
import type { Row, TableRows } from '@wise/projections';
import type { ClickHouse } from './clickhouse.service';
import { ClickHouseWriter, WriteAbandoned, type WriteContext } from './writer';

// A stand-in for the server (the real one is exercised by test/projector/resilience.test.ts):
// `refuse` says which rows it refuses as malformed, `down` how many inserts fail as if it were away.
class FakeServer {
  readonly stored: Array<[string, Row[]]> = [];
  down = 0;
  constructor(private readonly refuse: (table: string, row: Row) => boolean = () => false) {}
  async insert(table: string, rows: readonly Row[]): Promise<void> {
    if (this.down > 0) {
      this.down--;
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
    }
    if (rows.some((r) => this.refuse(table, r))) throw new Error('Code: 25, e.displayText() = DB::Exception: Cannot parse escape sequence');
    this.stored.push([table, [...rows]]);
  }
  rows(table: string): Row[] {
    return this.stored.filter(([t]) => t === table).flatMap(([, r]) => r);
  }
}

const ctx = (over: Partial<WriteContext> = {}): WriteContext => ({
  isActive: () => true,
  heartbeat: async () => undefined,
  source: 'events/0/1-9',
  ...over,
});
// The retries' log lines are expected here; the spec checks outcomes, not lines.
const quiet = { warn: () => undefined, error: () => undefined } as unknown as Logger;
const writerOn = (server: FakeServer) => new ClickHouseWriter(server as unknown as ClickHouse, quiet, 1);
const batch = (entries: Record<string, Row[]>): TableRows => new Map(Object.entries(entries));

describe('ClickHouseWriter', () => {
  it('writes one INSERT per table, quarantine last', async () => {
    const server = new FakeServer();
    await writerOn(server).write(
      batch({ quarantine: [{ quarantine_id: 'q' }], events: [{ event_id: 'a' }, { event_id: 'b' }], session_events: [{ event_id: 'a' }] }),
      ctx(),
    );
    expect(server.stored.map(([t, rows]) => [t, rows.length])).toEqual([
      ['events', 2],
      ['session_events', 1],
      ['quarantine', 1],
    ]);
  });

  it('isolates the rows the server refuses, quarantines them with its reason, and writes the rest', async () => {
    const server = new FakeServer((table, row) => table === 'participant_events' && row.event_id === 'bad');
    const rows = [
      { event_id: 'ok1', institute_id: 'acme' },
      { event_id: 'bad', institute_id: 'acme' },
      { event_id: 'ok2', institute_id: 'acme' },
    ];
    await writerOn(server).write(batch({ participant_events: rows }), ctx());
    expect(server.rows('participant_events').map((r) => r.event_id)).toEqual(['ok1', 'ok2']);
    const [q] = server.rows('quarantine');
    expect(q).toMatchObject({
      institute_id: 'acme',
      quarantine_id: 'bad',
      stage: 'projector',
      source: 'events/0/1-9',
      raw: JSON.stringify(rows[1]),
    });
    expect(q.reason).toMatch(/^ClickHouse refused a row of participant_events: Code: 25/);
  });

  it('keeps a quarantine row the server refuses, made well-formed and base64', async () => {
    const server = new FakeServer((table, row) => table === 'quarantine' && row.raw_encoding === 'utf8');
    await writerOn(server).write(
      batch({ quarantine: [{ quarantine_id: 'q', reason: 'bad \ud800', raw: 'x', raw_encoding: 'utf8' }] }),
      ctx(),
    );
    expect(server.rows('quarantine')).toEqual([
      { quarantine_id: 'q', reason: 'bad \ufffd', raw: Buffer.from('x').toString('base64'), raw_encoding: 'base64' },
    ]);
  });

  it('retries while the server is away and writes everything once it is back', async () => {
    const server = new FakeServer();
    server.down = 3;
    await writerOn(server).write(batch({ events: [{ event_id: 'a' }] }), ctx());
    expect(server.rows('events')).toEqual([{ event_id: 'a' }]);
  });

  it('gives the batch up, writing nothing, once it is no longer ours', async () => {
    const server = new FakeServer();
    server.down = 1000;
    let active = true;
    const writing = writerOn(server).write(batch({ events: [{ event_id: 'a' }] }), ctx({ isActive: () => active }));
    active = false;
    await expect(writing).rejects.toThrow(WriteAbandoned);
    expect(server.stored).toEqual([]);
  });

  it('gives the batch up when a heartbeat fails during retries (the partition may have moved)', async () => {
    const server = new FakeServer();
    server.down = 1000;
    const writing = writerOn(server).write(
      batch({ events: [{ event_id: 'a' }] }),
      ctx({
        heartbeat: async () => {
          throw new Error('rebalance in progress');
        },
      }),
    );
    await expect(writing).rejects.toThrow(/heartbeat failed \(rebalance in progress\)/);
  });
});
