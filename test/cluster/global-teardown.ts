import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { STARTED_MARK } from './global-setup';

/** Stops the cluster if this run started it; one someone brought up by hand stays up. */
export default function globalTeardown(): void {
  if (!existsSync(STARTED_MARK)) return;
  execFileSync('bash', [join(__dirname, '..', '..', 'scripts', 'stack', 'cluster.sh'), 'down'], { stdio: 'inherit' });
  rmSync(STARTED_MARK);
}
