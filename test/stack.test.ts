import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const STACK = join(__dirname, '..', 'scripts', 'stack', 'stack.sh');
const run = (cmd: string) => execFileSync('bash', [STACK, cmd], { encoding: 'utf8' });

// Global setup already brought the stack up; a second `up` must change nothing.
describe('the native stack', () => {
  it('is idempotent: up again reports every service already running', () => {
    const pidsBefore = run('status');
    const out = run('up');
    expect(out).toMatch(/kafka: already running/);
    expect(out).toMatch(/clickhouse: already running/);
    expect(out).toMatch(/postgres: already running/);
    expect(run('status')).toBe(pidsBefore);
  });

  it('status names each service, its address and its log', () => {
    const out = run('status');
    expect(out).toMatch(/kafka: up \(pid \d+, 127\.0\.0\.1:9092, log .*server\.log\)/);
    expect(out).toMatch(/clickhouse: up \(pid \d+, http:\/\/127\.0\.0\.1:8123, log .*\.log\)/);
    expect(out).toMatch(/postgres: up \(127\.0\.0\.1:5432/);
  });

  it('refuses an unknown command with its usage', () => {
    expect(() => execFileSync('bash', [STACK, 'sideways'], { stdio: 'pipe' })).toThrow(/usage: .* up\|down\|status/);
  });
});
