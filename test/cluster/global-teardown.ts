import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { publishResults, CLUSTER } from '../faults/report';
import { STARTED_MARK } from './global-setup';

/** Prints the fault scenarios' table (if any ran); stops the cluster if this run started it; one someone brought up by hand stays up. */
export default function globalTeardown(): void {
  publishResults(CLUSTER);
  if (!existsSync(STARTED_MARK)) return;
  execFileSync('bash', [join(__dirname, '..', '..', 'scripts', 'stack', 'cluster.sh'), 'down'], { stdio: 'inherit' });
  rmSync(STARTED_MARK);
}
