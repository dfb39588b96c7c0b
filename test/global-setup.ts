import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Service tests need the real stack; `stack.sh up` is idempotent and fast when it is running. */
export default function globalSetup(): void {
  if (process.env.WISE_SKIP_STACK_UP === '1') return;
  execFileSync('bash', [join(__dirname, '..', 'scripts', 'stack', 'stack.sh'), 'up'], { stdio: 'inherit' });
}
