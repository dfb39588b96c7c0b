import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureBytes, testEnv, uniqueSlug, waitFor } from '@wise/testing';
import { addInstitute, freePort, post, RunningIngestion, startIngestion } from '../helpers';

const STACK = join(__dirname, '..', '..', 'scripts', 'stack', 'stack.sh');

// A private broker, so that stopping it does not disturb the shared one other tests use.
describe('with Kafka stopped, ingestion answers 503 with Retry-After, never 200', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wise-kafka-'));
  let port = 0;
  let stackEnv: NodeJS.ProcessEnv;
  let env: NodeJS.ProcessEnv;
  const slug = uniqueSlug('down');
  const key = 'down-key-0123456789abcdef';
  let ingestion: RunningIngestion;
  const kafka = (cmd: string) => execFileSync('bash', [STACK, cmd], { env: stackEnv, stdio: 'pipe' });

  beforeAll(async () => {
    port = await freePort();
    stackEnv = {
      ...process.env,
      STACK_DIR: dir,
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(await freePort()),
      KAFKA_HEAP: '384m',
    };
    kafka('kafka-up');
    env = testEnv({ KAFKA_BROKERS: `127.0.0.1:${port}`, INGEST_SEND_TIMEOUT_MS: '1500' });
    await addInstitute(env, slug, key);
    ingestion = await startIngestion(env);
  });

  afterAll(async () => {
    await ingestion?.stop();
    kafka('kafka-down');
    rmSync(dir, { recursive: true, force: true });
  });

  const send = () => post(`${ingestion.url}/webhooks/wise/${slug}`, fixtureBytes('MeetingStartedEvent'), { 'x-wise-key': key });

  it('accepts while the broker is up', async () => {
    expect((await send()).status).toBe(200);
  });

  it("answers 503 within Wise's 5 s once the broker is stopped", async () => {
    kafka('kafka-down');
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      const res = await send();
      expect(res.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(res.headers.get('retry-after')).toBe('30');
      expect(res.json.message).toMatch(/not stored/);
    }
    // Readiness follows within one probe interval (5 s) and names the cause.
    const ready = await waitFor(
      '/ready to report Kafka',
      async () => {
        const r = await fetch(`${ingestion.url}/ready`);
        return r.status === 503 ? ((await r.json()) as { message: { problems: string[] } } | { problems: string[] }) : undefined;
      },
      15000,
    );
    expect(JSON.stringify(ready)).toMatch(/kafka unreachable/);
  });
});
