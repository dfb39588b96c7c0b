import { fixtureBytes, testEnv, uniqueSlug, waitFor } from '@wise/testing';
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
  afterAll(async () => {
    await ingestion?.stop();
  });

  it.each([
    ['the webhook port', () => ingestion.url],
    ['the operations port', () => ingestion.opsUrl],
  ])("GET /health and /ready answer on %s, /ready with the institutes' age and bound", async (_port, base) => {
    expect(await (await fetch(`${base()}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base()}/ready`);
    expect(ready.status).toBe(200);
    expect((await ready.json()) as { institutes: number }).toMatchObject({
      status: 'ready',
      institutes: expect.any(Number),
      institutesAgeMs: expect.any(Number),
      institutesMaxStalenessMs: 300000,
    });
  });

  it('does not serve /metrics or /docs on the public webhook port', async () => {
    for (const path of ['/metrics', '/docs', '/docs-json']) expect((await fetch(`${ingestion.url}${path}`)).status).toBe(404);
  });

  it('GET /metrics counts requests by institute, event and outcome, and times and sizes Kafka sends', async () => {
    const text = await (await fetch(`${ingestion.opsUrl}/metrics`)).text();
    const value = (prefix: string, ...labels: string[]) => {
      const line = text.split('\n').find((l) => l.startsWith(prefix) && labels.every((x) => l.includes(x)));
      return line === undefined ? undefined : Number(line.split(' ').pop());
    };
    expect(value('ingestion_webhook_requests_total', `institute="${slug}"`, 'event="MeetingEndedEvent"', 'outcome="accepted"')).toBe(1);
    expect(value('ingestion_webhook_requests_total', `institute="${slug}"`, 'event="(invalid)"', 'outcome="quarantined"')).toBe(1);
    expect(value('ingestion_quarantined_total', `institute="${slug}"`)).toBe(1);
    expect(value('ingestion_kafka_send_seconds_count', 'outcome="ok"')).toBeGreaterThanOrEqual(1);
    expect(value('ingestion_kafka_batch_messages_count')).toBeGreaterThanOrEqual(1);
    expect(value('ingestion_kafka_batch_messages_sum')).toBeGreaterThanOrEqual(2);
    expect(value('ingestion_kafka_batch_bytes_sum')).toBeGreaterThan(fixtureBytes('MeetingEndedEvent').length);
    // Standard process metric names, told apart by an app label on every series.
    expect(value('process_resident_memory_bytes', 'app="ingestion"')).toBeGreaterThan(0);
    expect(value('process_cpu_seconds_total', 'app="ingestion"')).toBeGreaterThan(0);
    expect(text).not.toMatch(/^ingestion_process_|^ingestion_nodejs_/m);
    expect(text.split('\n').filter((l) => /^[a-z_]+(\{|\s)/.test(l) && !l.includes('app="ingestion"'))).toEqual([]);
  });

  it('GET /docs serves Swagger UI, and /docs-json the OpenAPI description of the webhook route', async () => {
    const ui = await fetch(`${ingestion.opsUrl}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/swagger-ui/i);
    const asset = await fetch(`${ingestion.opsUrl}/docs/swagger-ui-bundle.js`);
    expect(asset.status).toBe(200);
    const doc = (await (await fetch(`${ingestion.opsUrl}/docs-json`)).json()) as {
      openapi: string;
      paths: Record<string, { post?: { responses: Record<string, unknown> } }>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    const route = doc.paths['/webhooks/wise/{institute}'];
    expect(Object.keys(route.post!.responses).sort()).toEqual(['200', '401', '413', '415', '503']);
  });

  it('logs JSON lines that name the event of a unit of work', () => {
    const lines = ingestion.proc.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(0);
    const quarantined = lines.find((l) => l.msg === 'webhook quarantined');
    expect(quarantined).toMatchObject({
      level: 'warn',
      app: 'ingestion',
      institute: slug,
      eventId: expect.stringMatching(/^[0-9a-f]{32}$/),
      reason: expect.stringContaining('unknown event name'),
    });
    expect(ingestion.proc.lines.join('\n')).not.toContain(key);
  });

  it('logs one access line per request: request id, institute, status, latency; never a header value', async () => {
    const jsonLines = () => ingestion.proc.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const accepted = await post(`${ingestion.url}/webhooks/wise/${slug}`, fixtureBytes('CertificateIssuedEvent'), {
      'x-wise-key': key,
      'x-request-id': 'ops-accepted-1',
    });
    expect(accepted.status).toBe(200);
    const refused = await post(`${ingestion.url}/webhooks/wise/${slug}`, '{}', {
      'x-wise-key': 'wrong-key-0123456789abcdef',
      'x-request-id': 'ops-refused-1',
    });
    expect(refused.status).toBe(401);
    const line = (id: string) =>
      waitFor(`the access line of ${id}`, async () => {
        const hits = jsonLines().filter((l) => l.requestId === id && l.msg === 'request completed');
        return hits.length > 0 ? hits : undefined;
      });
    expect(await line('ops-accepted-1')).toEqual([
      expect.objectContaining({
        level: 'info',
        app: 'ingestion',
        method: 'POST',
        url: `/webhooks/wise/${slug}`,
        institute: slug,
        status: 200,
        latencyMs: expect.any(Number),
      }),
    ]);
    expect(await line('ops-refused-1')).toEqual([expect.objectContaining({ institute: slug, status: 401 })]);
    // Requests without an id of their own get a fresh UUID each, and so does a caller's id that is not a plain token.
    await fetch(`${ingestion.url}/health`, { headers: { 'x-request-id': 'not a token' } });
    const health = await waitFor('the access line of /health', async () =>
      jsonLines()
        .filter((l) => l.url === '/health' && l.status === 200)
        .at(-1),
    );
    expect(health.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const all = ingestion.proc.lines.join('\n');
    expect(all).not.toContain(key);
    expect(all).not.toContain('wrong-key-0123456789abcdef');
  });
});
