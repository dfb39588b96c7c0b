import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharedSetup from '../global-setup';
import { clearRows, CLUSTER } from '../faults/report';

const root = join(__dirname, '..', '..');
const CLUSTER_SH = join(root, 'scripts', 'stack', 'cluster.sh');
/** Written when this run started the cluster, so that teardown stops only what the run started. */
export const STARTED_MARK = join(process.env.CLUSTER_DIR ?? join(root, '.stack', 'cluster'), 'started-by-test');

/** The native stack (PostgreSQL, and the single node the cluster's figures are compared with), dist/, then the cluster. */
export default function globalSetup(): void {
  sharedSetup();
  clearRows(CLUSTER);
  const wasUp = spawnSync('bash', [CLUSTER_SH, 'status'], { stdio: 'ignore' }).status === 0;
  execFileSync('bash', [CLUSTER_SH, 'up'], { stdio: 'inherit' });
  // In the cluster's own folder: two checkouts' clusters (CLUSTER_DIR, CLUSTER_PORT_BASE) keep their marks apart.
  if (!wasUp) writeFileSync(STARTED_MARK, `${new Date().toISOString()}\n`);
}
