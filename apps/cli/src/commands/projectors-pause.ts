import { setTimeout as sleep } from 'node:timers/promises';
import { FENCE_LEASE_MS, type OpenFence, type RebuildFence } from '@wise/rebuild';
import type { KafkaConnection } from '@wise/kafka';
import { CliError } from '../cli-context';

/** How long the rebuild waits for every projector to pause: past Kafka's session time-out (30 s), so a crashed one has left the group. */
export const PAUSE_WAIT_MS = 90_000;
const SAY_EVERY_MS = 5000;

/** Refuses to touch a fence whose rebuild still runs, unless told it is dead. */
export function refuseIfRunning(found: OpenFence, force: boolean): void {
  if (found.abandoned || force) return;
  const silent = Math.round((Date.now() - found.aliveAt) / 1000);
  throw new CliError(
    `a rebuild is in progress: started ${new Date(found.startedAt).toISOString()} by ${found.by}, last heard from ${silent} s ago.\n` +
      'Wait for it to finish. If you know it is dead (stopped within the last 30 s), run again with --force to take over.',
  );
}

/**
 * After the fence is set: waits one lease (no projector starts a write without having read the
 * fence after that), then until every member of the projector group has acknowledged it.
 */
export async function waitForProjectorsToPause(
  kafka: KafkaConnection,
  groupId: string,
  fences: RebuildFence,
  fenceId: string,
  print: (line: string) => void,
  timeoutMs = PAUSE_WAIT_MS,
): Promise<void> {
  await sleep(FENCE_LEASE_MS);
  const deadline = Date.now() + timeoutMs;
  let saidAt = 0;
  for (;;) {
    const group = await kafka.groupState(groupId);
    const acknowledged = new Set(await fences.pausedMembers(fenceId));
    const waiting = group.list.filter((m) => !acknowledged.has(m.memberId));
    if (waiting.length === 0) {
      print(`${group.members} projector(s) of group "${groupId}" paused (group state ${group.state})`);
      return;
    }
    const who = waiting.map((m) => `${m.memberId} on ${m.clientHost}`).join(', ');
    if (Date.now() >= deadline) {
      throw new CliError(
        `${waiting.length} projector(s) of group "${groupId}" did not pause within ${timeoutMs / 1000} s: ${who}.\n` +
          'A projector older than the rebuild fence never pauses: stop it and run rebuild again. Nothing was changed.',
      );
    }
    if (Date.now() - saidAt >= SAY_EVERY_MS) {
      print(`waiting for ${waiting.length} projector(s) to pause: ${who}`);
      saidAt = Date.now();
    }
    await sleep(500);
  }
}
