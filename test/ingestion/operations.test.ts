import { fixtureBytes, testEnv, uniqueSlug } from '@wise/testing';
import { addInstitute, post, RunningIngestion, startIngestion } from '../helpers';

describe('ingestion operations endpoints', () => {
  const env = testEnv();
  const slug = uniqueSlug('ops');
  const key = 'ops-key-0123456789abcdef';
  let ingestion: RunningIngestion;

  beforeAll(async () => {
    await addInstitute(env, slug, key);
    ingestion = await startIngestion(env);
    await post(`${ingestion.url}/webhooks/wise/${slug}`, fixtureBytes('MeetingEndedEvent'), { 'x-wise-key': key });
    await post(`${ingestion.url}/webhooks/wise/${slug}`, '{"event":"Nope","payload":{}}', { 'x-wise-key': key });
  });
  afterAll(async () => { await ingestion?.stop(); });

  it.each([['the webhook port', () => ingestion.url], ['the operations port', () => ingestion.opsUrl]])('GET /health and /ready answer on %s, /ready with the institutes\' age and bound', async (_port, base) => {
    expect(await (await fetch(`${base()}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base()}/ready`);
    expect(ready.status).toBe(200);
    expect((await ready.json()) as { institutes: number }).toMatchObject({ status: 'ready', institutes: expect.any(Number), institutesAgeMs: expect.any(Number), institutesMaxStalenessMs: 300000 });
  });

  it('does not serve /metrics or /docs on the public webhook port', async () => {
    for (const path of ['/metrics', '/docs', '/docs-json']) expect((await fetch(`${ingestion.url}${path}`)).status).toBe(404);
  });

  it('GET /metrics counts requests by institute, event and outcome, and times Kafka sends', async () => {
    const text = await (await fetch(`${ingestion.opsUrl}/metrics`)).text();
    const value = (prefix: string, ...labels: string[]) => {
      const line = text.split('\n').find((l) => l.startsWith(prefix) && labels.every((x) => l.includes(x)));
      return line === undefined ? undefined : Number(line.split(' ').pop());
    };
    expect(value('ingestion_webhook_requests_total', `institute="${slug}"`, 'event="MeetingEndedEvent"', 'outcome="accepted"')).toBe(1);
    expect(value('ingestion_webhook_requests_total', `institute="${slug}"`, 'event="(invalid)"', 'outcome="quarantined"')).toBe(1);
    expect(value('ingestion_quarantined_total', `institute="${slug}"`)).toBe(1);
    expect(value('ingestion_kafka_send_seconds_count', 'outcome="ok"')).toBeGreaterThanOrEqual(1);
    expect(value('ingestion_kafka_batch_size_count')).toBeGreaterThanOrEqual(1);
    expect(value('ingestion_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('GET /docs serves Swagger UI, and /docs-json the OpenAPI description of the webhook route', async () => {
    const ui = await fetch(`${ingestion.opsUrl}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/swagger-ui/i);
    const asset = await fetch(`${ingestion.opsUrl}/docs/swagger-ui-bundle.js`);
    expect(asset.status).toBe(200);
    const doc = (await (await fetch(`${ingestion.opsUrl}/docs-json`)).json()) as { openapi: string; paths: Record<string, { post?: { responses: Record<string, unknown> } }> };
    expect(doc.openapi).toMatch(/^3\./);
    const route = doc.paths['/webhooks/wise/{institute}'];
    expect(Object.keys(route.post!.responses).sort()).toEqual(['200', '401', '413', '415', '503']);
  });

  it('logs JSON lines that name the event of a unit of work', () => {
    const lines = ingestion.proc.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(0);
    const quarantined = lines.find((l) => l.msg === 'webhook quarantined');
    expect(quarantined).toMatchObject({ level: 'warn', app: 'ingestion', institute: slug, eventId: expect.stringMatching(/^[0-9a-f]{32}$/), reason: expect.stringContaining('unknown event name') });
    expect(ingestion.proc.lines.join('\n')).not.toContain(key);
  });
});
