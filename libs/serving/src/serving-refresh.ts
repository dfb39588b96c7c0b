import { ReplicaCurrency, ReplicasBehind, type ClickHouseConnection, type Row } from '@wise/clickhouse';
import { inFilter, KeySet } from './keys';
import { daySpanOf, REFRESH_SETTINGS, Round, roundDrops, type KeyKind, type Kinds, type RoundDrops } from './round';
import { insertSelect } from './sql/flat-insert';
import { participantDevices } from './sql/devices.sql';
import { rosterFacts, rosterSessionsOf, suspensionFacts } from './sql/roster.sql';
import { attendanceRules } from './sql/attendance.sql';
import { ENGAGEMENT_STORE_COLUMNS, engagementOf, toDeviceRow, type DeviceRow } from './engagement-rows';
import { rosterOf, toRosterFact, toSuspensionFact, type RosterRow } from './roster-rows';
import { RECORDING_STORE_COLUMNS, recordingsOf, toRecordingFact } from './recording-rows';
import {
  sessionsOf,
  sessionValues,
  toMeetingFact,
  toScheduleFact,
  type MeetingFact,
  type ScheduleFact,
  type SessionRow,
} from './session-rows';
import { ATTENDANCE_STORE_COLUMNS, attendanceOf, toAttendanceRule, type AttendanceRule } from './attendance-rows';
import { DEFAULT_TIME_ZONE, type TimeZones } from './sql/local-time';
import { recordingFacts } from './sql/recordings.sql';
import {
  INSTALMENT_STORE_COLUMNS,
  invoiceFacts,
  moneyOnDays,
  monthlyRevenue,
  PAYMENT_STORE_COLUMNS,
  paymentFacts,
  REVENUE_MONTH_COLUMNS,
  REVENUE_STORE_COLUMNS,
  revenueDaysOf,
} from './sql/revenue.sql';
import {
  dayKey,
  instalmentsOf,
  paymentsOf,
  revenueDays,
  toInvoiceFact,
  toPaymentFact,
  type InvoiceFact,
  type PaymentFact,
} from './fee-rows';
import { meetingFacts, scheduleFacts, SESSION_STORE_COLUMNS } from './sql/sessions.sql';
import { WEEKLY_COLUMNS, weekAttendanceRows } from './sql/weekly.sql';
import { toWeekAttendanceRow, weeklyRollup, weekScopes } from './weekly-rows';
import { PROJECTED_FACTS, SERVING_STORES, tableNames, type TableNames } from './serving-tables';
import { CHAINS, Touched, type Chain } from './touched';
import { SingleWriterVersions, type ServingVersions } from './versions';

type Pair = { institute_id: string; k: string };

/**
 * The statements of a refresh by the names `between` hears (tests pause a round at each), in the
 * order they run when held: the session chain's round, then the fee chain's (each opens with
 * `settings`, its version taken). Unheld, independent steps run side by side. The plan, per store
 * (`a → b`: b reads what a wrote; `a | b`: side by side):
 *
 *   sessions round  settings → keys:roster_sessions → read:session_facts →
 *                     ( write:sessions_store
 *                     | ( keys:people → read:roster | read:attendance_rules )
 *                       → ( write:engagement_store
 *                         | write:attendance_store → sweep → write:attendance_weekly_store )
 *                     | write:recordings_store )
 *   fees round      settings → ( read:invoice_facts → write:instalments_store
 *                              | read:payment_facts → write:payments_store
 *                              | keys:revenue_days → read:money_facts → write:revenue_daily_store → sweep )
 *                     → keys:month_scopes → write:revenue_monthly_store
 *                   (the projector's fee rounds leave the last two to a round of their own,
 *                   refreshMonths, once they have ended: refreshDeferringMonths)
 *
 * A step runs only if the round's keys can change its store (sessionChain, feeChain).
 */
export const ROUND_STEPS = [
  'settings',
  'keys:roster_sessions',
  'read:session_facts',
  'write:sessions_store',
  'keys:people',
  'read:roster',
  'read:attendance_rules',
  'write:engagement_store',
  'write:attendance_store',
  'sweep:attendance_store',
  'write:attendance_weekly_store',
  'write:recordings_store',
  'read:invoice_facts',
  'write:instalments_store',
  'read:payment_facts',
  'write:payments_store',
  'keys:revenue_days',
  'read:money_facts',
  'write:revenue_daily_store',
  'sweep:revenue_daily_store',
  'keys:month_scopes',
  'write:revenue_monthly_store',
] as const;
export type RoundStep = (typeof ROUND_STEPS)[number];

const SESSION_KEY = ['institute_id', 'session_id'];
const OWNER_KEY = ['institute_id', 'student_id', 'classroom_id'];
const PAYMENT_KEY = ['institute_id', 'transaction_id'];
/** Runs of a round whose replicas changed under it before it gives up (ReplicasBehind, retried by its caller). */
const ROUND_ATTEMPTS_ON_REPLICA_CHANGE = 3;
/** Keys of each kind per round when a whole institute is recomputed (refreshInstitutes). */
const KEYS_PER_ROUND = 2000;
/**
 * Institutes recomputed together by refreshInstitutes (their keys then go in rounds of
 * KEYS_PER_ROUND): bounds the key lists read into memory and the statements' text.
 */
const INSTITUTES_PER_GROUP = 200;
/** Institutes per time-zone lookup: ClickHouse caps a query's text (max_query_size, 256 KiB by default). */
const INSTITUTES_PER_QUERY = 1000;
const CLASSROOM_KEY = ['institute_id', 'classroom_id'];
/** Attendance rows are kept per session (the scope a round recomputes whole) and student. */
const ATTENDANCE_SCOPE = SESSION_KEY;
const ATTENDANCE_KEY = ['institute_id', 'session_id', 'student_id'];
const REVENUE_KEY = ['institute_id', 'classroom_id', 'day', 'currency'];
/** Daily money is kept per classroom-day (the scope a round recomputes whole) and currency. */
const REVENUE_SCOPE = ['institute_id', 'classroom_id', 'day'];
const REVENUE_MONTH_KEY = ['institute_id', 'classroom_id', 'month', 'currency'];
const REVENUE_MONTH_SCOPE = ['institute_id', 'classroom_id', 'month'];
/** Every session a round computes from its facts. */
const SESSION_KINDS: readonly KeyKind[] = ['schedules', 'participants', 'recordings', 'roster_sessions'];
/** The sessions whose engagement and attendance a round recomputes. */
const PEOPLE_KINDS: readonly KeyKind[] = ['schedules', 'participants', 'roster_sessions'];

/**
 * Keeps the serving stores current: for the keys a batch touched, recomputes their rows from the
 * fact tables at a newer _version: sessions, recordings, the engagement and attendance of those
 * sessions and of the sessions of every classroom whose roster changed, and instalments, payments
 * and the daily money of the classrooms concerned. All but the monthly rollup are computed here
 * from what the round reads (session-rows.ts, roster-rows.ts, engagement-rows.ts,
 * attendance-rows.ts, recording-rows.ts, fee-rows.ts, weekly-rows.ts) and written as values. Run it after the batch's
 * fact rows are written and before its offsets are committed: a crash in between replays the
 * batch, and a recompute is idempotent.
 *
 * Why the newest row is right whatever the number of processes, their clocks and their timing
 * (docs/serving.md has the argument in full):
 * - the version comes from one linearizable source (ServingVersions) and is taken before the
 *   round reads anything, so the round with the highest version of a row saw every fact that any
 *   other round of that row followed;
 * - every store is computed from facts read within the round (the rosters and recordings from
 *   the sessions the round computed, never from a store another round may still be writing);
 * - the keys a round covers are derived from facts too, never from a store;
 * - on a replicated cluster, "saw every fact" also needs the replicas read to hold them: a round
 *   reads only once they do, and runs again if its reads may have moved (onCurrentReplicas);
 * - rows first, then tombstones: a round writes its rows and a marker per scope (session for
 *   attendance, classroom-day for daily revenue, classroom-month for the monthly rollup) at v + 1,
 *   then sweeps the scope: any live key older than the scope's newest marker is tombstoned at that
 *   marker's version - 1. The markers of rows written as values go last in the rows' own INSERT
 *   (one block per shard, a scope's rows and marker on one shard: visible together, and a split
 *   INSERT's last block); the monthly rollup's, an INSERT … SELECT, in an INSERT after it. Every
 *   round sweeps after writing, so whichever of two rounds writes last, one of them sweeps after
 *   both wrote;
 * - every round holds a lease (ServingVersions.round) from its first version to its last write, so
 *   a purge of dead keys can wait out every round below its watermark (purge.ts).
 *
 * A round's keys go to `serving_keys` first (Round); each statement selects them with a subquery.
 */
export class ServingRefresh {
  private readonly t: TableNames;
  private readonly versions: ServingVersions;
  private readonly drops: RoundDrops;
  private readonly between: (step: RoundStep) => Promise<void>;
  private readonly held: boolean;
  private readonly keysPerRound: number;
  private readonly replicas: ReplicaCurrency | null;

  constructor(
    private readonly ch: ClickHouseConnection,
    options: {
      /** The tables to read and write (a rebuild's `__rebuild` copies); the live ones by default. */
      tables?: TableNames;
      /** Where versions come from: PostgresVersions wherever more than one process may refresh. */
      versions?: ServingVersions;
      /** CLICKHOUSE_CLUSTER: a round's partitions are then dropped from the `_local` tables on every server, in batches (DeferredDrops). */
      cluster?: string;
      /** Ended rounds' partitions dropped in batches off the rounds' path (DeferredDrops; always so on a cluster): the projector's. */
      deferDrops?: boolean;
      /** Keys of each kind per round when whole institutes are recomputed (refreshInstitutes). */
      keysPerRound?: number;
      /** Awaited before each statement of a round, with its name: tests pause a round there. */
      between?: (step: RoundStep) => Promise<void>;
      /** On a cluster: how long a round waits for the replicas it reads to catch up (ReplicaCurrency). */
      replicaWaitMs?: number;
    } = {},
  ) {
    this.t = options.tables ?? tableNames();
    this.versions = options.versions ?? new SingleWriterVersions(ch, this.t);
    this.drops = roundDrops(ch, options.cluster ?? '', options.deferDrops);
    this.between = options.between ?? (async () => undefined);
    this.held = options.between !== undefined;
    this.keysPerRound = options.keysPerRound ?? KEYS_PER_ROUND;
    this.replicas = options.cluster ? new ReplicaCurrency(ch, options.cluster, { waitMs: options.replicaWaitMs }) : null;
  }

  /** Drops the partitions of ended rounds still pending (a cluster's are dropped in batches): before the process exits. */
  close(): Promise<void> {
    return this.drops.flush();
  }

  /** A version from this refresh's source, for settings that must be ordered like the rounds. */
  nextVersion(): Promise<number> {
    return this.versions.next();
  }

  async refresh(touched: Touched, progress?: (line: string) => void): Promise<void> {
    await this.chains(touched, null, progress);
  }

  /**
   * As refresh, but the fee round leaves its classroom-months' rollup out and returns the
   * classroom-days ([institute_id, classroom_id, day]) whose months are due: refreshMonths, run
   * after this round ended, writes it. The projector's rounds (CoalescedRefresh): the rollup was a
   * third of a fee round, and the next fee round, with the next invoices, waited for it.
   */
  async refreshDeferringMonths(touched: Touched): Promise<KeySet> {
    const due = new KeySet(REVENUE_SCOPE);
    await this.chains(touched, due);
    return due;
  }

  /**
   * The monthly rollup of the months of the given classroom-days, in a round of its own: its
   * version is taken once the fee rounds that moved those days have ended, as writeMonthly's is
   * in a fee round (docs/serving.md, "Stored rollups").
   */
  async refreshMonths(days: KeySet): Promise<void> {
    if (days.size === 0) return;
    await this.onCurrentReplicas(async (v) => {
      const r = new Round(this.ch, v, this.drops);
      try {
        await r.add([['revenue_days', days]]);
        await this.monthsOfDays(r);
      } finally {
        await r.drop();
      }
    });
  }

  /** The two chains' rounds; `monthsDue` given: the fee round's months go there instead of being rolled up (refreshDeferringMonths). */
  private async chains(touched: Touched, monthsDue: KeySet | null, progress?: (line: string) => void): Promise<void> {
    const bodies: Record<Chain, (r: Round, v: number, zones: TimeZones) => Promise<void>> = {
      sessions: (r, v, zones) => this.sessionChain(touched, r, v, zones, progress),
      fees: (r, v, zones) => this.feeChain(touched, r, v, zones, monthsDue),
    };
    // The two chains share no table and read no key the other derives, and each is a round of its
    // own (version, keys, partitions): side by side, a refresh takes the longer of the two, and
    // CoalescedRefresh starts each chain's next round as soon as its own last one ends.
    await this.together(
      CHAINS.map((chain) => [chain, touched.keysOf(chain)] as const)
        .filter(([, keys]) => keys.some(([, k]) => k.size > 0))
        .map(
          ([chain, keys]) =>
            () =>
              this.inRound(keys, bodies[chain]),
        ),
    );
  }

  /**
   * One round: its version first (see the class comment; settings are inputs too, so they are read
   * after it), its keys stored, `body` run, its partitions dropped whatever happened.
   */
  private async inRound(
    keys: ReadonlyArray<readonly [KeyKind, KeySet]>,
    body: (r: Round, v: number, zones: TimeZones) => Promise<void>,
  ): Promise<void> {
    await this.onCurrentReplicas(async (v) => {
      await this.between('settings');
      const zones = await this.timeZones([...new Set(keys.flatMap(([, k]) => k.institutes()))]);
      const r = new Round(this.ch, v, this.drops);
      try {
        await r.add(keys);
        await body(r, v, zones);
      } finally {
        await r.drop();
      }
    });
  }

  /**
   * Runs `work` with a fresh version and, on a cluster, reading only from replicas that hold every
   * write acknowledged before that version (ReplicaCurrency): after taking it, waits until the
   * replicas the reads go to are current; after `work`, looks again, and if the reads may have gone
   * elsewhere meanwhile (another replica, or the same one restarted), or it fell behind, runs
   * `work` again at a newer version, whose rows supersede the first run's (docs/scaling.md).
   */
  private onCurrentReplicas(work: (v: number) => Promise<void>): Promise<void> {
    // The whole round under one lease, so that purgeDeadKeys's watermark waits it out.
    return this.versions.round(() => this.attempts(work));
  }

  private async attempts(work: (v: number) => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const v = await this.versions.next();
      if (!this.replicas) return work(v);
      const seen = await this.replicas.current();
      await work(v);
      const changed = await this.replicas.changedSince(seen);
      if (changed === null) return;
      if (attempt >= ROUND_ATTEMPTS_ON_REPLICA_CHANGE)
        throw new ReplicasBehind(`a serving round's reads changed replica ${attempt} times running (last: ${changed}); it is retried`);
    }
  }

  /** A version for a step that reads what its round wrote (a rollup): on a cluster, once the replicas read hold every write before it. */
  private async laterVersion(): Promise<number> {
    const w = await this.versions.next();
    await this.replicas?.current();
    return w;
  }

  /**
   * Runs independent steps side by side, and settles them all before returning: a step still
   * running when its round's keys are dropped would write rows computed from an empty key set
   * (every participant unmatched). Under a test's `between` hook they run one after the other,
   * in the order given, so that a round held at a step is held whole and the interleaving is the
   * test's.
   */
  private async together(steps: ReadonlyArray<() => Promise<void>>): Promise<void> {
    if (this.held) {
      for (const step of steps) await step();
      return;
    }
    const settled = await Promise.allSettled(steps.map((step) => step()));
    const failed = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Sessions, engagement, attendance and recordings of what the round touched. */
  private async sessionChain(touched: Touched, r: Round, v: number, zones: TimeZones, progress?: (line: string) => void): Promise<void> {
    const step = (line: string) => progress?.(`  ${line}`);
    let rosterSessions: string[][] = [];
    if (touched.rosterClassrooms.size > 0) {
      await this.between('keys:roster_sessions');
      const earliestMs = touched.rosterClassrooms.list().reduce((m, k) => Math.min(m, Number(k[2])), Infinity);
      await r.derive(
        'roster_sessions',
        rosterSessionsOf(this.t, {
          since: `SELECT institute_id, k1 AS classroom_id, min(toInt64(k2)) AS since_ms FROM ${r.keysTable}
                  WHERE ${r.where('roster_classrooms')} GROUP BY institute_id, classroom_id`,
          classrooms: r.in('roster_classrooms', CLASSROOM_KEY),
          institutes: r.institutes('roster_classrooms'),
          fromS: Number.isFinite(earliestMs) ? Math.max(0, Math.floor(earliestMs / 1000)) : 0,
        }),
      );
      rosterSessions = await r.list('roster_sessions');
    }
    const roundSessionsFilter = r.in(SESSION_KINDS, SESSION_KEY);
    const recordingKeys = touched.recordings.size + touched.schedules.size > 0;
    // The round's one read of participant events: the sessions' first joins, the intervals and the
    // matching of participants all come from these rows. Every store is computed from these facts
    // and the rosters', never from a row of a store another round may still be writing.
    await this.between('read:session_facts');
    const [devices, schedule, meetings, recorded] = await Promise.all([
      this.read('devices', participantDevices(this.t, roundSessionsFilter), toDeviceRow),
      this.read('schedule_facts', scheduleFacts(this.t, roundSessionsFilter, zones), toScheduleFact),
      this.read('meeting_facts', meetingFacts(this.t, roundSessionsFilter, zones), toMeetingFact),
      recordingKeys
        ? this.read('recording_facts', recordingFacts(this.t, r.in(['recordings', 'schedules'], SESSION_KEY), zones), toRecordingFact)
        : [],
    ]);
    const computed = sessionsOf(schedule, meetings, devices);
    const steps: Array<() => Promise<void>> = [];
    // Schedule, meeting and participant events make a session's row (a join is evidence it was held).
    if (touched.schedules.size + touched.participants.size > 0)
      steps.push(async () => {
        await this.between('write:sessions_store');
        const rows = computed.filter(ofSessions(touched.schedules.list(), touched.participants.list()));
        await this.insertRows('sessions_store', SESSION_STORE_COLUMNS, rows.map(sessionValues), v + 1);
        step(`sessions: ${touched.schedules.size + touched.participants.size}`);
      });
    if (touched.schedules.size + touched.participants.size + touched.rosterClassrooms.size > 0)
      steps.push(() => {
        // The sessions whose people may have changed: its schedules, participants and roster sessions.
        const peopleSessions = distinctSessions(touched.schedules.list(), touched.participants.list(), rosterSessions);
        const isPeople = ofSessions(peopleSessions);
        return this.peopleSteps(
          r,
          v,
          zones,
          {
            sessions: peopleSessions,
            computed: computed.filter(isPeople),
            devices: devices.filter(isPeople),
            schedule: schedule.filter(isPeople),
            meetings: meetings.filter(isPeople),
          },
          progress,
        );
      });
    if (recordingKeys)
      steps.push(async () => {
        await this.between('write:recordings_store');
        const rows = recordingsOf(recorded, computed.filter(ofSessions(touched.recordings.list(), touched.schedules.list())));
        await this.insertRows('recordings_store', RECORDING_STORE_COLUMNS, rows, v + 1);
      });
    await this.together(steps);
  }

  /** Rows of a SELECT the round reads, typed by `as`. */
  private async read<T>(what: string, sql: string, as: (row: Row) => T): Promise<T[]> {
    return (await this.ch.query<Row>(`serving:read:${what}`, `${sql} ${REFRESH_SETTINGS}`)).map(as);
  }

  /**
   * Engagement and attendance of the round's sessions whose people may have changed (its
   * schedules, participants and roster sessions), computed here (engagement-rows.ts,
   * attendance-rows.ts) from the devices and sessions the round computed, the sessions' rosters
   * and the institutes' attendance rules; and the weekly rollup of their classroom-weeks.
   */
  private async peopleSteps(
    r: Round,
    v: number,
    zones: TimeZones,
    round: {
      /** Each [institute_id, session_id] once: the attendance scopes this round recomputes. */
      sessions: ReadonlyArray<readonly [string, string]>;
      computed: readonly SessionRow[];
      devices: readonly DeviceRow[];
      schedule: readonly ScheduleFact[];
      meetings: readonly MeetingFact[];
    },
    progress?: (line: string) => void,
  ): Promise<void> {
    const people = r.in(PEOPLE_KINDS, SESSION_KEY);
    const classrooms = new KeySet(CLASSROOM_KEY);
    for (const s of round.computed) classrooms.add(s.institute_id, s.classroom_id);
    // Both from the round's facts, not from the rows it writes: the rosters' classrooms, and the
    // classroom-weeks whose rollup it recomputes.
    await this.between('keys:people');
    await r.add([
      ['people_classrooms', classrooms],
      ['week_scopes', weekScopes(round.schedule, round.meetings)],
    ]);
    let roster: RosterRow[] = [];
    let rules = new Map<string, AttendanceRule>();
    await this.together([
      async () => {
        await this.between('read:roster');
        const ofClassrooms = r.in('people_classrooms', CLASSROOM_KEY);
        const [added, suspended] = await Promise.all([
          this.read('roster_facts', rosterFacts(this.t, ofClassrooms), toRosterFact),
          this.read('suspension_facts', suspensionFacts(this.t, ofClassrooms), toSuspensionFact),
        ]);
        roster = rosterOf(round.computed, added, suspended);
      },
      async () => {
        await this.between('read:attendance_rules');
        const found = await this.read('attendance_rules', attendanceRules(this.t, r.institutes(PEOPLE_KINDS)), toAttendanceRule);
        rules = new Map(found.map((rule) => [rule.institute_id, rule]));
      },
    ]);
    const engagement = engagementOf(round.devices, round.computed, roster);
    await this.together([
      async () => {
        await this.between('write:engagement_store');
        await this.insertRows('engagement_store', ENGAGEMENT_STORE_COLUMNS, engagement, v + 1);
      },
      async () => {
        await this.between('write:attendance_store');
        const markers = round.sessions.map(([institute_id, session_id]) => ({ institute_id, session_id, student_id: '', _deleted: 1 }));
        await this.insertRows(
          'attendance_store',
          [...ATTENDANCE_STORE_COLUMNS, '_deleted'],
          [...attendanceOf(roster, engagement, rules), ...markers],
          v + 1,
        );
        await this.between('sweep:attendance_store');
        await this.sweep('attendance_store', ATTENDANCE_KEY, ATTENDANCE_SCOPE, people, "student_id = ''");
        await this.between('write:attendance_weekly_store');
        await this.writeWeekly(r, zones);
      },
    ]);
    if (progress) progress(`  engagement and attendance: ${round.computed.length} sessions`);
  }

  /**
   * The attendance rollup of the round's classroom-weeks (week_scopes), summed here (weekly-rows.ts)
   * from the latest attendance rows it reads, and written as values. It reads attendance_store,
   * so its version is taken after this round's attendance writes, not before: the rollup with the
   * highest version read after every round's writes (docs/serving.md, "Stored rollups").
   */
  private async writeWeekly(r: Round, zones: TimeZones): Promise<void> {
    // The keys are read after the version, as the statement reads them: on a cluster the version's
    // wait for current replicas comes first (onCurrentReplicas).
    const w = await this.laterVersion();
    const scopes = await r.list('week_scopes');
    const weeks = daySpanOf(scopes.map((s) => s[2]));
    if (!weeks) return;
    const rows = await this.read(
      'week_attendance',
      weekAttendanceRows(this.t, r.classroomDates('week_scopes', 'week'), weeks, zones),
      toWeekAttendanceRow,
    );
    await this.insertRows('attendance_weekly_store', [...WEEKLY_COLUMNS, '_deleted'], weeklyRollup(scopes, rows), w + 1);
  }

  /**
   * Every rollup of the institutes, after their rows were all recomputed: the weeks its sessions are
   * in now and every week it has a rollup for (a new time zone moves sessions to other weeks,
   * which no session's facts name any more); the months of its days and every month it has.
   */
  private async refreshRollups(institutes: readonly string[]): Promise<void> {
    const zones = await this.timeZones(institutes);
    const where = institutesFilter(institutes);
    await this.onCurrentReplicas(async (v) => {
      const r = new Round(this.ch, v, this.drops);
      try {
        const [schedule, meetings] = await Promise.all([
          this.read('schedule_facts', scheduleFacts(this.t, where, zones), toScheduleFact),
          this.read('meeting_facts', meetingFacts(this.t, where, zones), toMeetingFact),
        ]);
        await r.add([['week_scopes', weekScopes(schedule, meetings)]]);
        await r.derive(
          'week_scopes',
          `SELECT DISTINCT institute_id, classroom_id AS k1, toString(week) AS k2 FROM ${this.t.attendance_weekly_store} WHERE ${where}`,
        );
        await this.writeWeekly(r, zones);
        await r.derive(
          'month_scopes',
          `SELECT DISTINCT institute_id, k1, k2 FROM (
           SELECT institute_id, classroom_id AS k1, toString(month) AS k2 FROM ${this.t.revenue_monthly_store} WHERE ${where} AND currency != ''
           UNION ALL
           SELECT institute_id, classroom_id AS k1, toString(toStartOfMonth(day)) AS k2 FROM ${this.t.revenue_daily_store} WHERE ${where} AND currency != ''
         )`,
        );
        await this.writeMonthly(r);
      } finally {
        await r.drop();
      }
    });
  }

  /**
   * Instalments, payments and the money of the classroom-days they are or were counted on, computed
   * here from the fee facts the round reads (fee-rows.ts), and the months of those days.
   */
  private async feeChain(touched: Touched, r: Round, v: number, zones: TimeZones, monthsDue: KeySet | null): Promise<void> {
    const owners = r.in('invoice_owners', OWNER_KEY);
    const payments = r.in('payments', PAYMENT_KEY);
    const steps: Array<() => Promise<void>> = [];
    if (touched.invoiceOwners.size > 0)
      steps.push(async () => {
        await this.between('read:invoice_facts');
        const instalments = instalmentsOf(await this.readInvoiceFacts(owners, zones));
        await this.between('write:instalments_store');
        await this.insertRows('instalments_store', INSTALMENT_STORE_COLUMNS, instalments, v + 1);
      });
    if (touched.payments.size > 0)
      steps.push(async () => {
        await this.between('read:payment_facts');
        const rows = paymentsOf(await this.readPaymentFacts(payments, zones));
        await this.between('write:payments_store');
        await this.insertRows('payments_store', PAYMENT_STORE_COLUMNS, rows, v + 1);
      });
    // Daily money from the facts too, not from the two stores above: it can run meanwhile. It reads
    // the owners' and payments' facts again with the rest of its days' money: reading them once,
    // after keys:revenue_days, would put that derive before every instalment write.
    let days: string[][] = [];
    steps.push(async () => {
      days = await this.revenueSteps(r, v, zones, owners, payments);
    });
    await this.together(steps);
    if (monthsDue) for (const [institute, classroom, day] of days) monthsDue.add(institute, classroom, day);
    else await this.monthsOfDays(r);
  }

  /** The monthly rollup of the months of the round's revenue_days. */
  private async monthsOfDays(r: Round): Promise<void> {
    await this.between('keys:month_scopes');
    await r.derive(
      'month_scopes',
      `SELECT DISTINCT institute_id, k1, toString(toStartOfMonth(toDate(k2))) AS k2 FROM ${r.keysTable} WHERE ${r.where('revenue_days')}`,
    );
    await this.between('write:revenue_monthly_store');
    await this.writeMonthly(r);
  }

  /**
   * The money of the classroom-days the round's instalments and payments are or were counted on:
   * from the facts of all the money counted on those days (moneyOnDays), read once.
   */
  private async revenueSteps(r: Round, v: number, zones: TimeZones, owners: string, payments: string): Promise<string[][]> {
    await this.between('keys:revenue_days');
    await r.derive('revenue_days', revenueDaysOf(this.t, owners, payments, r.in('revenue_classrooms', CLASSROOM_KEY), zones));
    const days = await r.list('revenue_days');
    const span = daySpanOf(days.map((d) => d[2]));
    const classroomDays = r.classroomDates('revenue_days', 'day');
    await this.between('read:money_facts');
    if (span) {
      const onDays = moneyOnDays(this.t, classroomDays, span, r.institutes('revenue_days'), zones);
      const [invoices, paid] = await Promise.all([
        this.readInvoiceFacts(onDays.owners, zones),
        this.readPaymentFacts(onDays.payments, zones),
      ]);
      const dayKeys = new Set(days.map(([institute, classroom, day]) => dayKey(institute, classroom, day)));
      const markers = days.map(([institute_id, classroom_id, day]) => ({ institute_id, classroom_id, day, currency: '', _deleted: 1 }));
      await this.between('write:revenue_daily_store');
      await this.insertRows(
        'revenue_daily_store',
        [...REVENUE_STORE_COLUMNS, '_deleted'],
        [...revenueDays(instalmentsOf(invoices), paymentsOf(paid), dayKeys), ...markers],
        v + 1,
      );
    } else await this.between('write:revenue_daily_store');
    await this.between('sweep:revenue_daily_store');
    const inDays = `(institute_id, classroom_id, day) IN (${classroomDays(['institute_id', 'classroom_id', 'day'])})`;
    await this.sweep('revenue_daily_store', REVENUE_KEY, REVENUE_SCOPE, inDays, "currency = ''");
    return days;
  }

  private readInvoiceFacts(owners: string, zones: TimeZones): Promise<InvoiceFact[]> {
    return this.read('invoice_facts', invoiceFacts(this.t, owners, zones), toInvoiceFact);
  }

  private readPaymentFacts(payments: string, zones: TimeZones): Promise<PaymentFact[]> {
    return this.read('payment_facts', paymentFacts(this.t, payments, zones), toPaymentFact);
  }

  /**
   * The money rollup of the round's classroom-months (month_scopes), rows then markers then a
   * sweep, at a version taken after this round's daily writes, as writeWeekly.
   */
  private async writeMonthly(r: Round): Promise<void> {
    const w = await this.laterVersion();
    const scopes = r.classroomDates('month_scopes', 'month');
    await this.insert('revenue_monthly_store', REVENUE_MONTH_COLUMNS, monthlyRevenue(this.t, scopes), w + 1);
    await this.mark(
      'revenue_monthly_store',
      { institute_id: 'institute_id', classroom_id: 'k1', month: 'toDate(k2)', currency: "''" },
      r,
      'month_scopes',
      w + 1,
    );
    await this.sweep(
      'revenue_monthly_store',
      REVENUE_MONTH_KEY,
      REVENUE_MONTH_SCOPE,
      `(institute_id, classroom_id, month) IN (${scopes(['institute_id', 'classroom_id', 'month'])})`,
      "currency = ''",
    );
  }

  /**
   * Recomputes every serving row of the given institutes from their facts: after a change of
   * time zone or attendance rule, and for a rebuild. `progress` hears one line per group of
   * institutes and one per round of a group that needs several.
   */
  async refreshInstitutes(institutes: readonly string[], progress: (line: string) => void = () => undefined): Promise<void> {
    // Institutes go together, INSTITUTES_PER_GROUP at a time: a round costs ClickHouse about as much
    // for a handful of keys as for thousands (analysing its statements), and most institutes are small.
    let done = 0;
    for (const group of chunks(institutes, INSTITUTES_PER_GROUP)) {
      const touched = await this.everythingOf(group);
      const parts = touched.split(this.keysPerRound);
      const which = group.length === 1 ? group[0] : `${group.length} institutes`;
      progress(
        `serving rows of ${which} (${done + group.length}/${institutes.length}): ${touched.sessions.size} sessions, ${touched.invoiceOwners.size} fee payers, ${touched.payments.size} payments`,
      );
      // In rounds of bounded size, so that two years of an institute is many ordinary rounds, not
      // one whose statements hold every session at once.
      for (const [j, part] of parts.entries()) {
        if (parts.length > 1)
          progress(
            `  part ${j + 1}/${parts.length}: ${part.sessions.size} sessions, ${part.invoiceOwners.size} fee payers, ${part.payments.size} payments`,
          );
        await this.refresh(part, progress);
      }
      await this.refreshRollups(group);
      done += group.length;
    }
  }

  /** Every institute with a fact row (what a rebuild recomputes). */
  async institutes(): Promise<string[]> {
    const rows = await this.ch.query<{ institute_id: string }>(
      'serving:institutes',
      `SELECT DISTINCT institute_id FROM (${PROJECTED_FACTS.map((table) => `SELECT DISTINCT institute_id FROM ${this.t[table]}`).join(' UNION ALL ')}) ORDER BY institute_id`,
    );
    return rows.map((r) => r.institute_id);
  }

  /** Rows computed here, each with the store's `columns` (other fields dropped), at `version`: one INSERT of values. */
  private async insertRows(
    store: keyof TableNames,
    columns: readonly string[],
    rows: ReadonlyArray<object>,
    version: number,
  ): Promise<void> {
    const values = rows.map((row) => {
      const out: Row = { _version: version };
      for (const c of columns) out[c] = (row as Row)[c];
      return out;
    });
    await this.ch.insert(this.t[store], values);
  }

  private async insert(store: keyof TableNames, columns: readonly string[], select: string, version: number): Promise<void> {
    await this.ch.command(
      `serving:${store}`,
      `${insertSelect(this.t[store], [['_version', `toUInt64(${version})`]], columns, select)} ${REFRESH_SETTINGS}`,
    );
  }

  /**
   * The scope marker of each key of `kind` (a classroom-month) at `version`: a row with
   * `_deleted` = 1 whose columns are the given expressions over the keys table (institute_id, k1,
   * k2), the rest of the store's key set to constants. The newest marker of a scope says which
   * round's rows the scope holds; sweep() retires every key that round did not write.
   */
  private async mark(store: keyof TableNames, columns: Record<string, string>, r: Round, kind: Kinds, version: number): Promise<void> {
    const cols = Object.keys(columns);
    await this.ch.command(
      `serving:${store}:markers`,
      `INSERT INTO ${this.t[store]} (${cols.join(', ')}, _deleted, _version)
       SELECT DISTINCT ${Object.values(columns).join(', ')}, toUInt8(1), toUInt64(${version})
       FROM ${r.keysTable} WHERE ${r.where(kind)} ${REFRESH_SETTINGS}`,
    );
  }

  /**
   * Tombstones, in each scope `filter` selects, every live key older than the scope's newest marker
   * (`marker` picks marker rows), at that version - 1: above every older round's rows, below the
   * newest round's own. The newest marker, not the newest row: a marker is written after its
   * round's rows, so a round whose rows are only partly visible (a large INSERT's first blocks)
   * does not yet make older rows look dead. Only keys still live are written, so dead keys are not
   * re-tombstoned. Scopes with no marker (written before markers existed) are left alone.
   */
  private async sweep(
    store: keyof TableNames,
    key: readonly string[],
    scope: readonly string[],
    filter: string,
    marker: string,
  ): Promise<void> {
    const k = key.join(', ');
    const sc = scope.join(', ');
    const table = this.t[store];
    await this.ch.command(
      `serving:${store}:sweep`,
      `INSERT INTO ${table} (${k}, _deleted, _version)
       SELECT ${k}, toUInt8(1), toUInt64(gen - 1)
       FROM
       (
           SELECT ${k}, max(_version) AS latest, argMax(_deleted, _version) AS dead FROM ${table} WHERE ${filter} GROUP BY ${k}
       ) AS l ALL INNER JOIN
       (
           SELECT ${sc}, max(_version) AS gen FROM ${table} WHERE ${filter} AND _deleted = 1 AND ${marker} GROUP BY ${sc}
       ) AS r USING (${sc})
       WHERE dead = 0 AND latest < gen AND gen % 2 = 1 ${REFRESH_SETTINGS}`,
    );
  }

  private async everythingOf(institutes: readonly string[]): Promise<Touched> {
    const t = this.t;
    const where = institutesFilter(institutes);
    const touched = new Touched();
    const sessionSources = [t.session_events, t.meeting_events, t.participant_events, t.recording_events];
    const sessions = await this.ch.query<Pair>(
      'serving:institute-sessions',
      `SELECT DISTINCT institute_id, k FROM (${sessionSources.map((s) => `SELECT institute_id, session_id AS k FROM ${s} WHERE ${where}`).join(' UNION ALL ')})`,
    );
    for (const r of sessions) touched.schedules.add(r.institute_id, r.k);
    const owners = await this.ch.query<{ institute_id: string; student_id: string; classroom_id: string }>(
      'serving:institute-fee-payers',
      `SELECT DISTINCT institute_id, student_id, classroom_id FROM ${t.invoice_events} WHERE ${where}`,
    );
    for (const r of owners) {
      touched.invoiceOwners.add(r.institute_id, r.student_id, r.classroom_id);
      touched.revenueClassrooms.add(r.institute_id, r.classroom_id);
    }
    const payments = await this.ch.query<{ institute_id: string; transaction_id: string; classroom_id: string }>(
      'serving:institute-payments',
      `SELECT DISTINCT institute_id, transaction_id, classroom_id FROM ${t.payment_events} WHERE ${where}`,
    );
    for (const r of payments) {
      touched.payments.add(r.institute_id, r.transaction_id);
      touched.revenueClassrooms.add(r.institute_id, r.classroom_id);
    }
    // Days left over from money that no fact carries any more (a rebuild after a projection fix).
    const days = await this.ch.query<Pair>(
      'serving:institute-revenue',
      `SELECT DISTINCT institute_id, classroom_id AS k FROM ${t.revenue_daily_store} WHERE ${where}`,
    );
    for (const r of days) touched.revenueClassrooms.add(r.institute_id, r.k);
    return touched;
  }

  private async timeZones(institutes: readonly string[]): Promise<TimeZones> {
    const zones = new Map<string, string>();
    for (const chunk of chunks(institutes, INSTITUTES_PER_QUERY)) {
      const rows = await this.ch.query<{ institute_id: string; timezone: string }>(
        'serving:time-zones',
        `SELECT institute_id, argMax(timezone, updated_ms) AS timezone FROM ${this.t.institute_settings} WHERE ${institutesFilter(chunk)} GROUP BY institute_id`,
      );
      for (const r of rows) if (r.timezone !== '' && r.timezone !== DEFAULT_TIME_ZONE) zones.set(r.institute_id, r.timezone);
    }
    return zones;
  }
}

type KeyLists = ReadonlyArray<ReadonlyArray<readonly string[]>>;

/** The sessions listed ([institute_id, session_id, …] each), as JSON keys. */
const sessionKeys = (lists: KeyLists): Set<string> => new Set(lists.flatMap((list) => list.map((k) => JSON.stringify([k[0], k[1]]))));

/** Whether a row is of one of the sessions listed. */
function ofSessions(...lists: KeyLists): (row: { institute_id: string; session_id: string }) => boolean {
  const keys = sessionKeys(lists);
  return (row) => keys.has(JSON.stringify([row.institute_id, row.session_id]));
}

/** The sessions listed, each once. */
function distinctSessions(...lists: KeyLists): Array<[string, string]> {
  return [...sessionKeys(lists)].map((k) => JSON.parse(k) as [string, string]);
}

/** `institute_id IN (…)` for the given institutes. */
function institutesFilter(institutes: readonly string[]): string {
  return inFilter(
    ['institute_id'],
    institutes.map((i) => [i]),
  );
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * What `rebuild` needs to rebuild the stores with the facts: the stores to copy and swap, and the
 * step that fills the copies from the rebuilt facts, institute by institute, before the swap.
 */
export function servingRebuild(
  ch: ClickHouseConnection,
  versions: ServingVersions,
  progress: (line: string) => void,
  cluster = '',
): { derivedTables: readonly string[]; beforeSwap: (_: unknown, suffix: string) => Promise<void> } {
  return {
    derivedTables: SERVING_STORES,
    beforeSwap: async (_, suffix) => {
      // On a cluster its rounds' partitions are dropped ON CLUSTER in batches, the last when it closes.
      const serving = new ServingRefresh(ch, { tables: tableNames(suffix), versions, cluster });
      try {
        const institutes = await serving.institutes();
        progress(`recomputing the serving tables of ${institutes.length} institutes`);
        await serving.refreshInstitutes(institutes, progress);
      } finally {
        await serving.close();
      }
    },
  };
}
