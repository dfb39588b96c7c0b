import type { Logger } from '@wise/observability';
import type { Row, TableRows } from '@wise/projections';
import { BatchSink } from './batch-sink';
import { ClickHouseWriter, type WriteContext } from './writer';

const quiet = { warn: () => undefined, error: () => undefined } as unknown as Logger;
const ctx: WriteContext = { isActive: () => true, heartbeat: async () => undefined, source: 'events/0/0-1' };

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
      await sink.write(tables, ctx)
    ).derived;
    expect(log).toEqual(['insert session_events 1', 'insert events 1', 'afterWrite session_events,events']);
    fail = true;
    const written = await sink.write(tables, ctx);
    await expect(written.derived).rejects.toThrow('refresh failed');
  });
});
