import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const STACK = join(ROOT, 'scripts', 'stack', 'stack.sh');
const run = (cmd: string) => execFileSync('bash', [STACK, cmd], { encoding: 'utf8' });
// Global setup brought the stack up: either this checkout started a service (it has a pid file),
// or one was already answering on its port (another checkout's stack), which the stack uses as is.
const ownedBy = (service: 'kafka' | 'clickhouse') => existsSync(join(ROOT, '.stack', service, `${service}.pid`));

describe('the native stack', () => {
  it('is idempotent: up again starts nothing and changes no status', () => {
    const before = run('status');
    const out = run('up');
    for (const service of ['kafka', 'clickhouse'] as const) {
      expect(out).toMatch(
        ownedBy(service)
          ? new RegExp(`${service}: already running \\(pid \\d+\\)`)
          : new RegExp(`${service}: using the .* already answering`),
      );
      expect(out).not.toMatch(new RegExp(`${service}: starting`));
    }
    expect(out).toMatch(/postgres: already running/);
    expect(run('status')).toBe(before);
  });

  it('status names each service, its address and its log', () => {
    const out = run('status');
    expect(out).toMatch(
      ownedBy('kafka')
        ? /kafka: up \(pid \d+, 127\.0\.0\.1:9092, log .*server\.log\)/
        : /kafka: something not started by the stack answers on 9092/,
    );
    expect(out).toMatch(
      ownedBy('clickhouse')
        ? /clickhouse: up \(pid \d+, http:\/\/127\.0\.0\.1:8123, log .*\.log\)/
        : /clickhouse: something not started by the stack answers on 8123/,
    );
    expect(out).toMatch(/postgres: up \(127\.0\.0\.1:5432/);
  });

  it('refuses an unknown command with its usage', () => {
    expect(() => execFileSync('bash', [STACK, 'sideways'], { stdio: 'pipe' })).toThrow(/usage: .* up\|down\|status/);
  });
});
