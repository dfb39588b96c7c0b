import { ClickHouse, tableRef } from '@wise/clickhouse';
import { EVENTS_TABLE } from '@wise/projections';
import { dropTestDatabases, fixtureBytes, testEnv, uniqueSlug, waitFor } from '@wise/testing';
import { addInstitute, AppProcess, post, RunningIngestion, startIngestion, startProjector } from './helpers';

// One webhook end to end through the three real services: HTTP → ingestion → Kafka → projector →
// ClickHouse, with the repository's FeeInvoiceChargedEvent fixture (shaped like Wise's published
// sample) as the body.
describe('end to end: a Wise webhook becomes a row in ClickHouse', () => {
  const env = testEnv();
  const slug = uniqueSlug('e2e');
  const key = 'e2e-key-0123456789abcdef';
  let ingestion: RunningIngestion;
  let projector: AppProcess;
  let ch: ClickHouse;

  beforeAll(async () => {
    await addInstitute(env, slug, key);
    ingestion = await startIngestion(env);
    projector = await startProjector(env);
    ch = new ClickHouse({ url: env.CLICKHOUSE_URL!, user: 'default', password: '', database: env.CLICKHOUSE_DATABASE!, app: 'test' });
  });

  afterAll(async () => {
    await ingestion?.stop();
    await projector?.stop();
    if (ch) await dropTestDatabases(ch, ch.database);
    await ch?.close();
  });

  it('stores a FeeInvoiceChargedEvent with its payload intact', async () => {
    const body = fixtureBytes('FeeInvoiceChargedEvent');
    const classroomId = (JSON.parse(body.toString('utf8')) as { payload: { classroom: { _id: string } } }).payload.classroom._id;
    const res = await post(`${ingestion.url}/webhooks/wise/${slug}`, body, { 'x-wise-key': key });
    expect(res.status).toBe(200);
    expect(res.json.status).toBe('accepted');

    const rows = await waitFor('the event row in ClickHouse', async () => {
      const r = await ch.query<{ event_id: string; event_name: string; institute_id: string; payload: string; classroom_id: string }>(
        'test',
        `SELECT event_id, event_name, institute_id, payload, classroom_id FROM ${tableRef(ch.database, EVENTS_TABLE)} FINAL WHERE institute_id = '${slug}'`,
      );
      return r.length > 0 ? r : undefined;
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      event_id: res.json.eventId,
      event_name: 'FeeInvoiceChargedEvent',
      institute_id: slug,
      classroom_id: classroomId,
    });
    expect(rows[0].payload).toBe(body.toString('utf8'));
  });

  it('answers 401 to a wrong key and stores nothing', async () => {
    const res = await post(`${ingestion.url}/webhooks/wise/${slug}`, fixtureBytes('CertificateIssuedEvent'), {
      'x-wise-key': 'not-the-key-0123456789',
    });
    expect(res.status).toBe(401);
    expect(res.json.message).toContain(slug);
  });
});
