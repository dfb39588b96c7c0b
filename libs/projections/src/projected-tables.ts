/**
 * Every table the projection writes. The fact tables are created by
 * libs/clickhouse/migrations/0002_analytics_facts.sql, `events` and `quarantine` by 0001; names here
 * and in the migrations must match, which projections.spec.ts checks.
 */
export const EVENTS_TABLE = 'events';
export const QUARANTINE_TABLE = 'quarantine';

export const SESSION_EVENTS = 'session_events';
export const MEETING_EVENTS = 'meeting_events';
export const PARTICIPANT_EVENTS = 'participant_events';
export const ROSTER_EVENTS = 'roster_events';
export const SUSPENSION_EVENTS = 'suspension_events';
export const RECORDING_EVENTS = 'recording_events';
export const INVOICE_EVENTS = 'invoice_events';
export const PAYMENT_EVENTS = 'payment_events';
export const CERTIFICATE_EVENTS = 'certificate_events';
/** Which sessions each classroom's schedule facts name, by start: the serving layer's index (0008). */
export const CLASSROOM_SESSIONS = 'classroom_sessions';
/** Invoices and payments by time: which days a fee change can move (0010). */
export const MONEY_BY_TIME = 'money_by_time';
/** Every start a session's schedule and meeting facts give it, by time: which sessions a roster change can reach (0017). */
export const SESSION_STARTS = 'session_starts';

/** Every table `projectEvent` may return rows for (the raw `events` table is not among them). */
export const ANALYTICS_TABLES = [
  SESSION_EVENTS,
  MEETING_EVENTS,
  PARTICIPANT_EVENTS,
  ROSTER_EVENTS,
  SUSPENSION_EVENTS,
  RECORDING_EVENTS,
  INVOICE_EVENTS,
  PAYMENT_EVENTS,
  CERTIFICATE_EVENTS,
  CLASSROOM_SESSIONS,
  MONEY_BY_TIME,
  SESSION_STARTS,
] as const;

export type AnalyticsTable = (typeof ANALYTICS_TABLES)[number];

/** A JSONEachRow-ready row: DateTime columns as epoch seconds, money as integer minor units. */
export type Row = Record<string, unknown>;

/** One event's analytics rows, per fact table: the compiler holds projections to these tables. */
export type ProjectedRows = { [T in AnalyticsTable]?: Row[] };

/** A batch's rows per table name (facts, `events`, `quarantine`), ready for one INSERT per table. */
export type TableRows = Map<string, Row[]>;
