import type { Row } from '@wise/clickhouse';
import { KeySet } from './keys';
import type { KeyKind } from './round';

const text = (v: unknown) => (typeof v === 'string' ? v : String(v ?? ''));

/** The two chains of a refresh (ServingRefresh), each a round of its own: they share no store. */
export const CHAINS = ['sessions', 'fees'] as const;
export type Chain = (typeof CHAINS)[number];

/**
 * What one batch of fact rows changed, as the keys whose serving rows must be recomputed:
 * sessions (schedule, meeting, participant or recording events), classrooms whose students or
 * suspensions changed (from the change on: enrolment counts at a session's start), instalment
 * owners, payments, and classrooms whose money changed. A teacher's roster change touches no key:
 * whether a participant is a teacher is read by the views when queried, not stored.
 */
export class Touched {
  /** Sessions whose schedule or meeting changed: their stored session row first, then the rest. */
  readonly schedules = new KeySet(['institute_id', 'session_id']);
  /** Sessions whose participants changed: engagement, attendance, and the session row (a join is evidence it was held). */
  readonly participants = new KeySet(['institute_id', 'session_id']);
  /** Sessions with a new recording part. */
  readonly recordings = new KeySet(['institute_id', 'session_id']);
  /**
   * Classrooms whose students or suspensions changed, with the time from which their sessions can
   * change (epoch ms, as text): a change counts at the sessions starting at or after it.
   */
  readonly rosterClassrooms = new KeySet(['institute_id', 'classroom_id', 'since_ms']);
  readonly invoiceOwners = new KeySet(['institute_id', 'student_id', 'classroom_id']);
  readonly payments = new KeySet(['institute_id', 'transaction_id']);
  /** Classrooms whose every stored revenue day is recomputed (institute-wide recomputes only). */
  readonly revenueClassrooms = new KeySet(['institute_id', 'classroom_id']);

  /** Every session the batch touched, whatever the kind. */
  get sessions(): KeySet {
    const all = new KeySet(['institute_id', 'session_id']);
    for (const k of [this.schedules, this.participants, this.recordings]) all.addAll(k);
    return all;
  }

  get isEmpty(): boolean {
    return this.kinds().every(([, k]) => k.size === 0);
  }

  /**
   * Every kind of key, in one order: its name in `serving_keys`, its keys, and the chain of a
   * refresh that recomputes from it.
   */
  private kinds(): ReadonlyArray<readonly [KeyKind, KeySet, Chain]> {
    return [
      ['schedules', this.schedules, 'sessions'],
      ['participants', this.participants, 'sessions'],
      ['recordings', this.recordings, 'sessions'],
      ['roster_classrooms', this.rosterClassrooms, 'sessions'],
      ['invoice_owners', this.invoiceOwners, 'fees'],
      ['payments', this.payments, 'fees'],
      ['revenue_classrooms', this.revenueClassrooms, 'fees'],
    ];
  }

  /** The keys one chain recomputes from, by their kind in `serving_keys`. */
  keysOf(chain: Chain): ReadonlyArray<readonly [KeyKind, KeySet]> {
    return this.kinds()
      .filter(([, , c]) => c === chain)
      .map(([kind, keys]) => [kind, keys] as const);
  }

  /** Adds `other`'s keys, or only those of one chain. */
  addAll(other: Touched, chain?: Chain): void {
    const theirs = other.kinds();
    this.kinds().forEach(([, mine, c], i) => {
      if (chain === undefined || c === chain) mine.addAll(theirs[i][1]);
    });
  }

  /**
   * The same keys in parts of at most `size` keys of each kind (part i takes the i-th slice of
   * every kind), so that recomputing the parts one by one recomputes everything.
   */
  split(size: number): Touched[] {
    const kinds = (t: Touched) => t.kinds().map(([, k]) => k);
    const lists = kinds(this).map((k) => k.list());
    const count = Math.max(1, ...lists.map((l) => Math.ceil(l.length / size)));
    return Array.from({ length: count }, (_, i) => {
      const part = new Touched();
      kinds(part).forEach((k, n) => {
        for (const key of lists[n].slice(i * size, (i + 1) * size)) k.add(...key);
      });
      return part;
    });
  }

  /** The keys each chain of a refresh recomputes from, as a Touched each. */
  byChain(): Record<Chain, Touched> {
    const parts = {} as Record<Chain, Touched>;
    for (const chain of CHAINS) {
      parts[chain] = new Touched();
      parts[chain].addAll(this, chain);
    }
    return parts;
  }

  /** The keys touched by fact rows, given per fact table (rows of other tables are ignored). */
  static byRows(tables: Iterable<readonly [string, readonly Row[]]>): Touched {
    const t = new Touched();
    for (const [table, rows] of tables) {
      for (const r of rows) {
        const institute = text(r.institute_id);
        switch (table) {
          case 'session_events':
          case 'meeting_events':
            t.schedules.add(institute, text(r.session_id));
            break;
          case 'participant_events':
            t.participants.add(institute, text(r.session_id));
            break;
          case 'recording_events':
            t.recordings.add(institute, text(r.session_id));
            break;
          // No stored row depends on a teacher's roster facts: the views join them when queried
          // (migration 0016). A student's enrolment, and a suspension like it, counts at the
          // sessions starting at or after it.
          case 'roster_events':
            if (r.member_role === 'student') t.rosterClassrooms.add(institute, text(r.classroom_id), text(r.at_ms));
            break;
          case 'suspension_events':
            t.rosterClassrooms.add(institute, text(r.classroom_id), text(r.at_ms));
            break;
          // The classroom-days their money can move are found from the facts of these keys.
          case 'invoice_events':
            t.invoiceOwners.add(institute, text(r.student_id), text(r.classroom_id));
            break;
          case 'payment_events':
            t.payments.add(institute, text(r.transaction_id));
            break;
          default:
            break;
        }
      }
    }
    return t;
  }
}
