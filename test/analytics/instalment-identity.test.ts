/*
 * One invoice per instalment, whether or not Wise sent its installmentId the first time. Wise
 * re-sends every instalment of a student whenever one is added, and leaves installmentId empty
 * in some versions: an instalment is (student, classroom, metadata.index).
 *
 * Mia, Physics (INR):
 *   1 June   instalment 0 charged, no installmentId,          5000, chargedAt 1 June 08:00
 *   3 June   instalment 1 added: Wise re-sends instalment 0, now with its id 'inst-m0', 5500
 *            (the fee was corrected), chargedAt 3 June 08:00, and sends instalment 1 'inst-m1',
 *            7000, chargedAt 3 June 08:00
 * Noah, Physics (USD):
 *   2 June   instalment 0 with its id 'inst-n0', 3000, chargedAt 2 June 09:00
 *   4 June   the same instalment again, without its id, chargedAt 4 June 09:00
 *   4 June   instalment 1, never with an id, 4000, chargedAt 4 June 09:00
 * Lea, Physics (INR):
 *   5 June   instalment 0 'inst-l0', 2000, chargedAt 1 June 10:00: a round for Lea's owner alone
 *            recomputes 1 June, where Mia's instalment 0 counts although that day's version of
 *            it is the one without its id
 *
 * By hand:
 *   invoices   Mia 0: key 'inst-m0', 5500 (the latest version), charged 1 June 08:00 (the first)
 *              Mia 1: key 'inst-m1', 7000, charged 3 June
 *              Noah 0: key 'inst-n0' (an id once sent stays), 3000, charged 2 June 09:00
 *              Noah 1: key 'index:1', no id, 4000, charged 4 June
 *              Lea 0: key 'inst-l0', 2000, charged 1 June 10:00
 *   revenue_daily  1 June INR 5500 + 2000 = 7500 (2 invoices); 2 June USD 3000 (1); 3 June INR
 *                  7000 (1); 4 June USD 4000 (1). Counting the two forms apart gave 3 June INR
 *                  12 500 and 4 June USD 7000, 7 invoices instead of 5; and finding the
 *                  instalments of 1 June by the key of that day's version gave Mia's 5000.
 *   revenue_monthly  June INR 14 500 (3 invoices), June USD 7000 (2).
 *
 * Delivered in order, in reverse (so the id comes first for Mia and last for Noah), and each body
 * three times shuffled, one event per batch (so every version is a round of its own, and the day
 * an instalment counts on moves between rounds) or several per batch; checked before and after
 * every merge, on 18.16 and on chDB. And the migration that introduced the index key (0014) turns
 * a store holding both forms of one instalment into one row.
 */
import { ClickHouse, loadMigrations, migrateClickHouse, type ClickHouseConnection } from '@wise/clickhouse';
import type { Envelope } from '@wise/contracts';
import { ANALYTICS_TABLES } from '@wise/projections';
import { SERVING_STORES } from '@wise/serving';
import { ChdbConnection, uniqueName } from '@wise/testing';
import { CLICKHOUSE_URL, dropTestDatabase, ENGINES, loadEnvelopes } from './analytics-db';
import { cols } from './scenario-numbers';
import { envelopeOf, invoice, redelivered } from './scenario';

const I = 'instalment-academy';
const PHYSICS = { _id: 'class-physics', name: 'Physics' };
const MIA = { _id: 'student-mia', name: 'Mia Moss' };
const NOAH = { _id: 'student-noah', name: 'Noah North' };
const LEA = { _id: 'student-lea', name: 'Lea Lang' };

const deliveries: Envelope[] = [
  envelopeOf(invoice(MIA, PHYSICS, '', 0, 5000, 'INR', '2024-06-01T08:00:00.000Z'), '2024-06-01T08:00:05Z', I),
  envelopeOf(invoice(NOAH, PHYSICS, 'inst-n0', 0, 3000, 'USD', '2024-06-02T09:00:00.000Z'), '2024-06-02T09:00:05Z', I),
  envelopeOf(invoice(MIA, PHYSICS, 'inst-m0', 0, 5500, 'INR', '2024-06-03T08:00:00.000Z'), '2024-06-03T08:00:05Z', I),
  envelopeOf(invoice(MIA, PHYSICS, 'inst-m1', 1, 7000, 'INR', '2024-06-03T08:00:00.000Z'), '2024-06-03T08:00:05Z', I),
  envelopeOf(invoice(NOAH, PHYSICS, '', 0, 3000, 'USD', '2024-06-04T09:00:00.000Z'), '2024-06-04T09:00:05Z', I),
  envelopeOf(invoice(NOAH, PHYSICS, '', 1, 4000, 'USD', '2024-06-04T09:00:00.000Z'), '2024-06-04T09:00:05Z', I),
  envelopeOf(invoice(LEA, PHYSICS, 'inst-l0', 0, 2000, 'INR', '2024-06-01T10:00:00.000Z'), '2024-06-05T10:00:00Z', I),
];

/** invoices: [student, instalment_index, instalment_key, installment_id, amount_minor, currency, charged_at] */
const INVOICES = [
  [LEA._id, 0, 'inst-l0', 'inst-l0', 2000, 'INR', '2024-06-01 10:00:00'],
  [MIA._id, 0, 'inst-m0', 'inst-m0', 5500, 'INR', '2024-06-01 08:00:00'],
  [MIA._id, 1, 'inst-m1', 'inst-m1', 7000, 'INR', '2024-06-03 08:00:00'],
  [NOAH._id, 0, 'inst-n0', 'inst-n0', 3000, 'USD', '2024-06-02 09:00:00'],
  [NOAH._id, 1, 'index:1', '', 4000, 'USD', '2024-06-04 09:00:00'],
];
/** revenue_daily: [day, currency, invoiced_minor, invoices] */
const REVENUE_DAILY = [
  ['2024-06-01', 'INR', 7500, 2],
  ['2024-06-02', 'USD', 3000, 1],
  ['2024-06-03', 'INR', 7000, 1],
  ['2024-06-04', 'USD', 4000, 1],
];
/** revenue_monthly: [month, currency, invoiced_minor, invoices] */
const REVENUE_MONTHLY = [
  ['2024-06-01', 'INR', 14500, 3],
  ['2024-06-01', 'USD', 7000, 2],
];

const VARIANTS: Array<[string, Envelope[], number]> = [
  ['in order, one event per batch', deliveries, 1],
  ['reversed, one event per batch', [...deliveries].reverse(), 1],
  ['each three times, shuffled, three per batch', redelivered(deliveries, 3, 18), 3],
];

type Db = ClickHouseConnection & { close(): Promise<void> };

async function money(ch: ClickHouseConnection) {
  const q = (sql: string) => ch.query<Record<string, unknown>>('test', sql);
  return {
    invoices: cols(await q(`SELECT * FROM invoices WHERE institute_id = '${I}' ORDER BY student_id, instalment_index`), [
      'student_id',
      'instalment_index',
      'instalment_key',
      'installment_id',
      'amount_minor',
      'currency',
      'charged_at',
    ]),
    daily: cols(await q(`SELECT * FROM revenue_daily WHERE institute_id = '${I}' ORDER BY day, currency`), [
      'day',
      'currency',
      'invoiced_minor',
      'invoices',
    ]),
    monthly: cols(await q(`SELECT * FROM revenue_monthly WHERE institute_id = '${I}' ORDER BY month, currency`), [
      'month',
      'currency',
      'invoiced_minor',
      'invoices',
    ]),
  };
}

describe.each(ENGINES)('one invoice per instalment, with or without its installmentId, on %s', (_engine, createDatabase) => {
  describe.each(VARIANTS)('%s', (_name, envelopes, batchSize) => {
    let ch: Db;
    beforeAll(async () => {
      ch = await createDatabase();
      await loadEnvelopes(ch, envelopes, batchSize);
    });
    afterAll(async () => {
      await dropTestDatabase(ch);
    });

    it('invoices, revenue_daily and revenue_monthly equal the hand-computed rows, before and after every merge', async () => {
      const want = { invoices: INVOICES, daily: REVENUE_DAILY, monthly: REVENUE_MONTHLY };
      expect(await money(ch)).toEqual(want);
      for (const table of [...ANALYTICS_TABLES, ...SERVING_STORES]) await ch.command('test-merge', `OPTIMIZE TABLE ${table} FINAL`);
      expect(await money(ch)).toEqual(want);
    });
  });
});

const MIGRATION = 14;
// Opened unmigrated (createTestDatabase applies every migration): the schema as it was before 0014.
const BEFORE: Array<[string, (database: string) => Promise<Db>]> = [
  [
    'ClickHouse 18.16 server',
    async (database) => new ClickHouse({ url: CLICKHOUSE_URL, user: 'default', password: '', database, app: 'test' }),
  ],
  ['ClickHouse 26.x in-process (chDB)', (database) => ChdbConnection.open(database)],
];

// What the stores held under the installmentId key: Mia's instalment 0 as two invoices.
describe.each(BEFORE)('migration 0014 on a store keyed by installmentId, on %s', (_engine, open) => {
  let ch: Db;
  beforeAll(async () => {
    ch = await open(uniqueName('wise_test_pre14'));
    await migrateClickHouse(
      ch,
      loadMigrations().filter((m) => m.version < MIGRATION),
    );
    await ch.insert('invoices_store', [
      old(MIA._id, 'index:0', 0, 5000, '2024-06-01 08:00:00', 10),
      old(MIA._id, 'inst-m0', 0, 5500, '2024-06-03 08:00:00', 12),
      old(MIA._id, 'inst-m1', 1, 7000, '2024-06-03 08:00:00', 12),
      old(NOAH._id, 'index:1', 1, 4000, '2024-06-04 09:00:00', 14),
    ]);
    expect(
      await migrateClickHouse(
        ch,
        loadMigrations().filter((m) => m.version <= MIGRATION),
      ),
    ).toEqual(['0014_instalments_store']);
  });
  afterAll(async () => {
    await dropTestDatabase(ch);
  });

  it('leaves one row per instalment: the version with the id gives the values, the first charge is kept', async () => {
    expect((await money(ch)).invoices).toEqual([
      [MIA._id, 0, 'inst-m0', 'inst-m0', 5500, 'INR', '2024-06-01 08:00:00'],
      [MIA._id, 1, 'inst-m1', 'inst-m1', 7000, 'INR', '2024-06-03 08:00:00'],
      [NOAH._id, 1, 'index:1', '', 4000, 'USD', '2024-06-04 09:00:00'],
    ]);
    const tables = await ch.query<{ name: string }>('test', `SELECT name FROM system.tables WHERE database = '${ch.database}'`);
    expect(tables.map((t) => t.name)).not.toContain('invoices_store');
  });
});

function old(student: string, key: string, index: number, amount: number, chargedAt: string, version: number) {
  return {
    institute_id: I,
    student_id: student,
    classroom_id: PHYSICS._id,
    instalment_key: key,
    instalment_index: index,
    amount_minor: amount,
    currency: student === NOAH._id ? 'USD' : 'INR',
    charged_at: chargedAt,
    due_on: null,
    paid_when_sent: 0,
    fee_type: 'INSTALLMENT',
    note: '',
    student_name: '',
    classroom_name: PHYSICS.name,
    _version: version,
  };
}
