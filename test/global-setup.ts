import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Service tests run the built apps as child processes against the real stack, so the stack is
 * started (idempotent, fast when up) and dist/ is rebuilt (incremental) first.
 */
export default function globalSetup(): void {
  const root = join(__dirname, '..');
  execFileSync('bash', [join(root, 'scripts', 'stack', 'stack.sh'), 'up'], { stdio: 'inherit' });
  execFileSync('bash', [join(root, 'scripts', 'build.sh')], { stdio: 'inherit' });
}
