import { testEnv } from '@wise/testing';
import { AppProcess, freePort } from './helpers';

// Both apps run as `npm start` runs them: a combination that can only fail stops them at start
// (exit 2), with a message naming both variables, before they touch Kafka or PostgreSQL.
describe('an app refuses at start a configuration that can only fail', () => {
  it.each<['ingestion' | 'projector', Record<string, string>, RegExp[]]>([
    [
      'ingestion',
      { INGEST_QUEUE_MAX_BYTES: '1048576', BODY_LIMIT_BYTES: '1048576' },
      [/INGEST_QUEUE_MAX_BYTES \(1048576\) is smaller/, /BODY_LIMIT_BYTES \(1048576\)/],
    ],
    [
      'ingestion',
      { INSTITUTES_REFRESH_MS: '60000', INSTITUTES_MAX_STALENESS_MS: '30000' },
      [/INSTITUTES_MAX_STALENESS_MS \(30000\) is less than twice INSTITUTES_REFRESH_MS \(60000\)/],
    ],
    [
      'ingestion',
      { BODY_LIMIT_BYTES: '2097152', INGEST_INSTITUTE_MAX_BYTES: '1048576' },
      [/INGEST_INSTITUTE_MAX_BYTES \(1048576\) is smaller than BODY_LIMIT_BYTES \(2097152\)/],
    ],
    [
      'projector',
      { KAFKA_EVENTS_TOPIC: 'same', KAFKA_QUARANTINE_TOPIC: 'same' },
      [/KAFKA_EVENTS_TOPIC and KAFKA_QUARANTINE_TOPIC are both "same"/],
    ],
  ])('%s with %j exits 2 and says why', async (app, overrides, messages) => {
    // Free ports, so that an app that wrongly started could not collide with anything.
    const ports = { PORT: String(await freePort()), OPS_PORT: String(await freePort()) };
    const proc = AppProcess.start(app, testEnv({ ...ports, ...overrides }));
    // 'close': the exit code and all of the output. An app that accepted the configuration would
    // go on running; it is killed after a while and the test fails on its exit code.
    const closed = new Promise<number | null>((resolve) => proc.child.on('close', (code) => resolve(code)));
    const killer = setTimeout(() => void proc.stop('SIGKILL'), 20000);
    const code = await closed;
    clearTimeout(killer);
    expect(code).toBe(2);
    const output = proc.lines.join('\n');
    expect(output).toMatch(/invalid configuration/);
    for (const m of messages) expect(output).toMatch(m);
  });
});
