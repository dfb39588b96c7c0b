import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { TEST_DATABASE_URL } from '../libs/testing/src/test-database';

/**
 * Service tests run the built apps as child processes against the real stack, so the stack is
 * started (idempotent, fast when up), dist/ is rebuilt (incremental), and the tests' PostgreSQL
 * database is migrated the way an operator does it (the apps no longer migrate it themselves).
 */
export default function globalSetup(): void {
  const root = join(__dirname, '..');
  execFileSync('bash', [join(root, 'scripts', 'stack', 'stack.sh'), 'up'], { stdio: 'inherit' });
  execFileSync('bash', [join(root, 'scripts', 'build.sh')], { stdio: 'inherit' });
  execFileSync(process.execPath, [join(root, 'dist', 'apps', 'cli', 'src', 'main.js'), 'migrate', '--postgres-only'], {
    stdio: 'inherit',
    env: { PATH: process.env.PATH, DATABASE_URL: TEST_DATABASE_URL },
  });
}
