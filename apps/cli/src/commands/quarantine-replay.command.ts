import { CliConfig } from '@wise/config';
import { BatchPublisher, maxRecordBytes } from '@wise/kafka';
import { Logger } from '@wise/observability';
import { replayVerdict, type InstituteStanding } from '@wise/projections';
import {
  InstitutesRepository,
  QuarantineReplaysRepository,
  quarantineKeyOf,
  ReplayInProgressError,
  type ReplayedDelivery,
} from '@wise/postgres';
import { CliContext, CliError, Flags } from '../cli-context';
import { escapeControl } from './quarantine.command';
import { countQuarantine, readQuarantinePage, type QuarantineCursor, type QuarantineFilter } from '../quarantine-store';

export const REPLAY_USAGE = 'usage: quarantine replay [--institute <slug>] [--since <time>] [--reason <text>] [--dry-run]';

// A page's bodies are published together: 200 of the largest (1 MiB, 4/3 of it as a record) fit
// in the publisher's queue below.
const PAGE_SIZE = 200;
// Ingestion's default body limit: no quarantined body is larger unless BODY_LIMIT_BYTES was raised.
const MAX_BODY_BYTES = 1024 * 1024;

/** `--since`: an ISO time (`2026-12-01`, `2026-12-01T08:00Z`) or an age (`30m`, `12h`, `7d`). */
export function parseSince(text: string, now = Date.now()): number {
  const age = /^(\d+)([mhd])$/.exec(text);
  if (age) return now - Number(age[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[age[2] as 'm' | 'h' | 'd'];
  const at = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(at))
    throw new CliError(
      `--since ${JSON.stringify(text)}: expected an ISO time (2026-12-01T08:00Z) or an age (30m, 12h, 7d)\n${REPLAY_USAGE}`,
    );
  return at;
}

interface Tally {
  checked: number;
  replayed: number;
  alreadyReplayed: number;
  stillRefused: number;
  notReplayable: number;
  /** Rows that did not verify (replayVerdict): each printed with its reason. */
  unverified: number;
  /** Why rows were not replayed: "kind: reason" → count. */
  why: Map<string, number>;
}

/**
 * `quarantine replay`: quarantined deliveries through today's contract and projections; those that
 * pass are published to the events topic as ingestion would have published them (same event id,
 * receipt time and key), and recorded in PostgreSQL (`quarantine_replays`) so that a later replay
 * skips them. The record is written after Kafka's ack: a crash in between publishes them again
 * next time, with the same event ids, which every table collapses. The quarantine rows stay, as
 * history; `status` counts what was replayed.
 */
export async function quarantineReplayCommand(ctx: CliContext, flags: Flags): Promise<void> {
  const filter: QuarantineFilter = {};
  if (typeof flags.institute === 'string') filter.instituteId = flags.institute;
  if (typeof flags.since === 'string') filter.sinceMs = parseSince(flags.since);
  if (typeof flags.reason === 'string') filter.reason = flags.reason;
  const dryRun = flags['dry-run'] === true;
  const config = ctx.config;
  const ch = await ctx.clickhouse();
  const pg = await ctx.postgres();
  const replays = new QuarantineReplaysRepository(pg);
  const kafka = ctx.kafka();
  if (!dryRun && !(await kafka.withAdmin((a) => a.listTopics())).includes(config.KAFKA_EVENTS_TOPIC))
    throw new CliError(
      `the events topic ${config.KAFKA_EVENTS_TOPIC} does not exist: start ingestion or the projector once (they create it)`,
    );
  const publisher = dryRun ? null : new BatchPublisher(kafka, publisherOptions(), new Logger('cli', 'error'));
  try {
    await publisher?.connect();
    const tally = await replays.exclusively(async () => {
      // Read under the lock, after any change an operator made before starting the replay.
      const institutes = new Map((await new InstitutesRepository(pg).list()).map((i) => [i.slug, i.enabled]));
      const standing = (slug: string): InstituteStanding => {
        const enabled = institutes.get(slug);
        return enabled === undefined ? 'unknown' : enabled ? 'enabled' : 'disabled';
      };
      return replayAll(ctx, config, filter, dryRun, { replays, publisher, ch, standing });
    });
    report(ctx, tally, dryRun);
  } catch (e) {
    if (e instanceof ReplayInProgressError) throw new CliError(e.message);
    throw e;
  } finally {
    await publisher?.disconnect();
  }
}

function publisherOptions() {
  return {
    maxMessages: PAGE_SIZE,
    lingerMs: 5,
    sendTimeoutMs: 30_000,
    maxBatchBytes: maxRecordBytes(MAX_BODY_BYTES),
    maxQueueBytes: 512 * 1024 * 1024,
  };
}

interface ReplayDeps {
  replays: QuarantineReplaysRepository;
  publisher: BatchPublisher | null;
  ch: Awaited<ReturnType<CliContext['clickhouse']>>;
  standing: (slug: string) => InstituteStanding;
}

async function replayAll(ctx: CliContext, config: CliConfig, filter: QuarantineFilter, dryRun: boolean, deps: ReplayDeps): Promise<Tally> {
  const { replays, publisher, ch, standing } = deps;
  const total = await countQuarantine(ch, filter);
  ctx.print(`quarantine replay${dryRun ? ' (dry run: nothing is published)' : ''}: ${total} quarantined deliveries match`);
  const tally: Tally = { checked: 0, replayed: 0, alreadyReplayed: 0, stillRefused: 0, notReplayable: 0, unverified: 0, why: new Map() };
  const count = (why: string) => tally.why.set(why, (tally.why.get(why) ?? 0) + 1);
  let after: QuarantineCursor | null = null;
  for (;;) {
    const page = await readQuarantinePage(ch, filter, after, PAGE_SIZE);
    if (page.length === 0) break;
    after = page[page.length - 1];
    const done = await replays.replayedAmong(page);
    const toPublish: Array<ReplayedDelivery & { key: string; value: Buffer }> = [];
    for (const q of page) {
      tally.checked++;
      if (done.has(quarantineKeyOf(q))) {
        tally.alreadyReplayed++;
        continue;
      }
      const v = replayVerdict(q, standing);
      switch (v.kind) {
        case 'still-refused':
          tally.stillRefused++;
          count(`still refused: ${v.reason}`);
          break;
        case 'not-replayable':
          tally.notReplayable++;
          count(`not replayable: ${v.reason}`);
          break;
        case 'unverified':
          // Each row named: one that did not verify may have been written by something other
          // than ingestion, and the operator should be able to find it.
          tally.unverified++;
          count(`did not verify: ${v.reason}`);
          ctx.print(`did not verify: ${escapeControl(`${q.instituteId} ${q.stage} ${q.quarantineId}`.slice(0, 200))}: ${v.reason}`);
          break;
        case 'replay':
          toPublish.push({ ...q, eventId: v.eventId, eventName: v.eventName, key: v.record.key, value: v.record.value });
          break;
      }
    }
    tally.replayed += publisher ? await publishAndRecord(config, publisher, replays, toPublish) : toPublish.length;
    ctx.print(`${tally.checked} of ${total}: ${counts(tally, dryRun)}`);
  }
  return tally;
}

function counts(tally: Tally, dryRun: boolean): string {
  return `${tally.replayed} ${dryRun ? 'would be replayed' : 'replayed'}, ${tally.alreadyReplayed} replayed before, ${tally.stillRefused} still refused, ${tally.notReplayable} not replayable, ${tally.unverified} did not verify`;
}

/** Publishes a page's deliveries, then records those Kafka acknowledged; fails if any was not. */
async function publishAndRecord(
  config: CliConfig,
  publisher: BatchPublisher,
  replays: QuarantineReplaysRepository,
  deliveries: Array<ReplayedDelivery & { key: string; value: Buffer }>,
): Promise<number> {
  const sent = await Promise.allSettled(
    deliveries.map((d) => publisher.publish({ topic: config.KAFKA_EVENTS_TOPIC, key: d.key, value: d.value })),
  );
  const acknowledged = deliveries.filter((_, i) => sent[i].status === 'fulfilled');
  await replays.record(acknowledged);
  const failed = sent.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    throw new Error(
      `Kafka did not take ${deliveries.length - acknowledged.length} replayed event(s) (${(failed.reason as Error).message}); ` +
        `${acknowledged.length} of this page were published and recorded. Run the replay again: it continues where this one stopped`,
    );
  }
  return acknowledged.length;
}

function report(ctx: CliContext, tally: Tally, dryRun: boolean): void {
  ctx.print(`done: ${counts(tally, dryRun)}${dryRun ? '' : ' (replayed into the events topic; the projector stores them)'}`);
  if (tally.why.size === 0) return;
  ctx.table([...tally.why].sort((a, b) => b[1] - a[1]).map(([why, n]) => ({ count: n, 'not replayed': escapeControl(why.slice(0, 160)) })));
}
