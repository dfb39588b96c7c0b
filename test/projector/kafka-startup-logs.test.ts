import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouse } from '@wise/clickhouse';
import { testEnv } from '@wise/testing';
import { classroomWeek } from '../analytics/scenario';
import { AppProcess, freePort, startProjector } from '../helpers';
import { clickhouseOf, dropDatabase, publishEnvelopes, waitUntilCommitted } from './harness';

const STACK = join(__dirname, '..', '..', 'scripts', 'stack', 'stack.sh');

// A fresh broker (private, new data folder): its group coordinator is not available, then loads,
// while the projector's consumer joins. kafkajs reports that at level error although it retries;
// the projector must log it as one info line per state and no error.
describe('a projector starting against a fresh Kafka', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wise-kafka-fresh-'));
  let stackEnv: NodeJS.ProcessEnv;
  let env: NodeJS.ProcessEnv;
  let projector: AppProcess;
  let ch: ClickHouse;
  const kafka = (cmd: string) => execFileSync('bash', [STACK, cmd], { env: stackEnv, stdio: 'pipe' });

  beforeAll(async () => {
    const port = await freePort();
    stackEnv = {
      ...process.env,
      STACK_DIR: dir,
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(await freePort()),
      KAFKA_HEAP: '384m',
    };
    kafka('kafka-up');
    env = testEnv({ KAFKA_BROKERS: `127.0.0.1:${port}` });
    ch = clickhouseOf(env);
  });

  afterAll(async () => {
    await projector?.stop();
    kafka('kafka-down');
    rmSync(dir, { recursive: true, force: true });
    await dropDatabase(ch);
  });

  it('logs no kafkajs error, and each transient state once at info', async () => {
    projector = await startProjector(env);
    await publishEnvelopes(env, classroomWeek().slice(0, 5));
    await waitUntilCommitted(env);
    const lines = projector.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const kafkajs = lines.filter((l) => l.component === 'kafkajs');
    expect(kafkajs.filter((l) => l.level === 'error')).toEqual([]);
    const said = kafkajs.filter((l) => l.level === 'info' && typeof l.state === 'string').map((l) => l.state);
    expect(said).toEqual([...new Set(said)]);
    expect(projector.lines.join('\n')).not.toMatch(/"level":"error"/);
  });
});
