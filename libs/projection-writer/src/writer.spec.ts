import type { Logger } from '@wise/observability';
import type { Row, TableRows } from '@wise/projections';
import type { ClickHouse } from '@wise/clickhouse';
import { BatchSink, ClickHouseWriter, WriteAbandoned, type WriteContext } from './writer';

// A stand-in for the server (the real one is exercised by test/projector/resilience.test.ts):
// `refuse` says which rows it refuses as malformed, `down` how many inserts fail as if it were away.
class FakeServer {
  readonly stored: Array<[string, Row[]]> = [];
  inserts = 0;
  down = 0;
  constructor(private readonly refuse: (table: string, row: Row) => boolean = () => false) {}
  async insert(table: string, rows: readonly Row[]): Promise<void> {
    this.inserts++;
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

  it.each([
    [20_000, [13_337]],
    [20_000, [0]],
    [20_000, [19_999]],
    [1_000, [3, 500, 998]],
  ])('isolates bad rows by bisection: %i rows with bad ones at %j take a logarithmic number of INSERTs', async (n, bad) => {
    const server = new FakeServer((table, row) => table === 'session_events' && bad.includes(row.i as number));
    const rows = Array.from({ length: n }, (_, i) => ({ event_id: `e${i}`, institute_id: i % 2 ? 'acme' : 'other', i }));
    await writerOn(server).write(batch({ session_events: rows }), ctx());
    const stored = server.rows('session_events').map((r) => r.i as number);
    expect(stored).toHaveLength(n - bad.length);
    expect(new Set(stored).size).toBe(n - bad.length);
    expect(server.rows('quarantine').map((q) => q.quarantine_id)).toEqual(bad.map((i) => `e${i}`));
    const factInserts = server.inserts - 1; // the last one is the quarantine table's
    // Per bad row: at most two INSERTs per halving, plus one of it alone; one row per INSERT would be n.
    expect(factInserts).toBeLessThanOrEqual(1 + bad.length * (2 * Math.ceil(Math.log2(n)) + 1));
  });

  it('heartbeats while isolating, and gives the batch up once it is no longer ours', async () => {
    const server = new FakeServer((_, row) => row.i === 7);
    let beats = 0;
    const rows = Array.from({ length: 64 }, (_, i) => ({ event_id: `e${i}`, i }));
    await writerOn(server).write(batch({ session_events: rows }), ctx({ heartbeat: async () => void beats++ }));
    expect(beats).toBeGreaterThan(0);
    const writing = writerOn(new FakeServer((_, row) => row.i === 7)).write(
      batch({ session_events: rows }),
      ctx({ isActive: () => false }),
    );
    await expect(writing).rejects.toThrow(WriteAbandoned);
    // Says why it gave up: the rebuild's deadline is not a revoked partition.
    const late = writerOn(new FakeServer((_, row) => row.i === 7)).write(
      batch({ session_events: rows }),
      ctx({ isActive: () => false, source: 'rebuild', inactiveBecause: 'the page took too long' }),
    );
    await expect(late).rejects.toThrow('stopped writing session_events for rebuild: the page took too long');
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

describe('BatchSink', () => {
  it('starts afterWrite once the rows are written, with the batch, and hands back its outcome', async () => {
    const log: string[] = [];
    const server = { insert: async (table: string, rows: readonly Row[]) => void log.push(`insert ${table} ${rows.length}`) };
    const tables: TableRows = new Map([
      ['session_events', [{ session_id: 's1' }]],
      ['events', [{ event_id: 'e1' }]],
    ]);
    let fail = false;
    const sink = new BatchSink(new ClickHouseWriter(server, quiet, 1), async (written) => {
      log.push(`afterWrite ${[...written.keys()].join(',')}`);
      if (fail) throw new Error('refresh failed');
    });
    await (
      await sink.write(tables, ctx())
    ).derived;
    expect(log).toEqual(['insert session_events 1', 'insert events 1', 'afterWrite session_events,events']);
    fail = true;
    const written = await sink.write(tables, ctx());
    await expect(written.derived).rejects.toThrow('refresh failed');
  });

  it('writes the tables set beside with their own writer, and settles the batch only once they are stored', async () => {
    const log: string[] = [];
    let storeEvents: () => void = () => undefined;
    let eventsFail = false;
    const facts = { write: async (t: TableRows) => void log.push(`facts ${[...t.keys()].join(',')}`) };
    const events = {
      write: (t: TableRows) =>
        new Promise<void>((resolve, reject) => {
          log.push(`events ${[...t.keys()].join(',')}`);
          storeEvents = () => (eventsFail ? reject(new Error('events refused')) : resolve());
        }),
    };
    const sink = new BatchSink(facts, async (written) => void log.push(`afterWrite ${[...written.keys()].join(',')}`), {
      tables: new Set(['events']),
      writer: events,
    });
    const tables: TableRows = new Map([
      ['session_events', [{ session_id: 's1' }]],
      ['events', [{ event_id: 'e1' }]],
    ]);
    const { derived } = await sink.write(tables, ctx());
    let settled = false;
    void derived.then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    // The refresh ran on the facts alone while the event store's write was still going.
    expect(log).toEqual(['events events', 'facts session_events', 'afterWrite session_events']);
    expect(settled).toBe(false);
    storeEvents();
    await derived;
    eventsFail = true;
    const second = await sink.write(tables, ctx());
    storeEvents();
    await expect(second.derived).rejects.toThrow('events refused');
  });

  it('waits for the rows written beside when the after-write step throws at once', async () => {
    let eventsDone = false;
    const sink = new BatchSink(
      { write: async () => undefined },
      () => {
        throw new Error('refresh refused');
      },
      { tables: new Set(['events']), writer: { write: () => new Promise<void>((r) => setTimeout(() => r(void (eventsDone = true)), 20)) } },
    );
    const { derived } = await sink.write(new Map([['events', [{ event_id: 'e1' }]]]), ctx());
    await expect(derived).rejects.toThrow('refresh refused');
    expect(eventsDone).toBe(true);
  });

  it('waits for the rows written beside before giving up a batch whose other rows failed', async () => {
    let eventsDone = false;
    const sink = new BatchSink(
      {
        write: async () => {
          throw new Error('facts refused');
        },
      },
      async () => undefined,
      { tables: new Set(['events']), writer: { write: () => new Promise<void>((r) => setTimeout(() => r(void (eventsDone = true)), 20)) } },
    );
    await expect(sink.write(new Map([['events', [{ event_id: 'e1' }]]]), ctx())).rejects.toThrow('facts refused');
    expect(eventsDone).toBe(true);
  });
});
