/**
 * Epoch numbers at or above this are milliseconds, below it seconds. 1e11 s is the year 5138 and
 * 1e11 ms is March 1973, so no plausible Wise time falls on the wrong side.
 */
const EPOCH_MS_THRESHOLD = 1e11;

/**
 * The last second ClickHouse's DateTime (UInt32 seconds) holds, 2106-02-07T06:28:15Z. A later time
 * would be stored wrapped around (9999-12-01 became 2105-12-29), so it is refused here and the
 * event quarantined at the edge, as times before 1970 are.
 */
export const MAX_EPOCH_MS = 0xffffffff * 1000;

/*
 * A time can parse and still be no time at all: epoch 1, or the year 2100, which would then win
 * every "latest" comparison forever. The contract refuses times outside a plausible window
 * (docs/guarantees.md, "Guarantees for bad input"):
 *  - nothing before 2000-01-01: no Wise institute, class or meeting predates it, and the small
 *    epochs senders use for "unset" (0, 1, -1) fall below it;
 *  - a time something happened (event_ts, join/leave, createdAt, updatedAt, chargedAt, issuedOn):
 *    at most 45 days ahead of this process's clock. Real deliveries are sent as things happen (a
 *    day would cover clock drift and a local time sent without its zone), but the simulator's
 *    demo (docs/operations.md, "Simulating Wise traffic") sends its weeks from next Monday, up to five weeks
 *    ahead, and must keep working. A wrong future time can then lead "latest" for weeks, not forever;
 *  - a time something is planned for (scheduledStartTime/EndTime, dueOn): no bound but DateTime's.
 *    No "latest" is decided by one, and a session may be scheduled years ahead (the analytics
 *    tests keep one in 2099 so that it stays "scheduled").
 * "Now" is read when the body is checked. The projector checks again later, when the window only
 * widens, so nothing ingestion accepted is refused there for its time.
 */
export const EARLIEST_PLAUSIBLE_MS = Date.UTC(2000, 0, 1);
export const HAPPENED_MAX_AHEAD_MS = 45 * 24 * 60 * 60 * 1000;

/** `happened`: the time of something done; `planned`: the time something is scheduled or due. */
export type TimeKind = 'happened' | 'planned';

/** Why a time is outside the plausible window for its kind (a reason, never the value), or null. */
export function implausibleTime(ms: number, kind: TimeKind, nowMs = Date.now()): string | null {
  if (ms < EARLIEST_PLAUSIBLE_MS) return 'is before 2000-01-01, not a plausible time';
  if (kind === 'happened' && ms > nowMs + HAPPENED_MAX_AHEAD_MS) return 'is more than 45 days in the future, not a plausible time';
  return null;
}

// Date-only, or date-time with optional seconds, fraction and zone. Other Date.parse formats
// ("May 7 2024") are implementation-defined, so they are refused rather than guessed.
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?$/;

const EPOCH_STRING = /^\d+(?:\.\d+)?$/;

/**
 * A Wise or Zoom time as epoch milliseconds, or null when the value is not a usable time.
 * Accepts ISO-8601 strings (a date-time without zone is read as UTC, never as the local zone of
 * whichever machine parses it) and epoch numbers, also as digit strings.
 */
export function parseWiseTime(v: unknown): number | null {
  if (typeof v === 'number') return fromEpoch(v);
  if (typeof v !== 'string') return null;
  const s = v.trim();
  if (EPOCH_STRING.test(s)) return fromEpoch(Number(s));
  return fromIso(s);
}

function fromEpoch(n: number): number | null {
  // Zero and negatives are how senders spell "unset"; no Wise event predates 1970.
  if (!Number.isFinite(n) || n <= 0) return null;
  const ms = Math.round(n >= EPOCH_MS_THRESHOLD ? n : n * 1000);
  return ms <= MAX_EPOCH_MS ? ms : null;
}

function fromIso(s: string): number | null {
  const m = ISO_8601.exec(s);
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', z, sign, oh = '0', om = '0'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(sec);
  // Date.parse rolls 2024-02-30 over to March; a wrong date is garbage, not another day.
  const dayStart = Date.UTC(year, month - 1, day);
  const check = new Date(dayStart);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return null;
  }
  const midnightNext = hour === 24 && minute === 0 && second === 0 && !/[1-9]/.test(frac);
  if ((hour > 23 && !midnightNext) || minute > 59 || second > 59) return null;
  const offsetMin = z || !sign ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  if (Number(oh) > 23 || Number(om) > 59) return null;
  const fracMs = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  const ms = dayStart + ((hour * 60 + minute - offsetMin) * 60 + second) * 1000 + fracMs;
  return Number.isFinite(ms) && ms > 0 && ms <= MAX_EPOCH_MS ? ms : null;
}
