/**
 * Fact tables the projections write (created by libs/clickhouse/migrations/0002_analytics_facts.sql).
 * Names here and in the migration must match; `tables.spec.ts` checks that they do.
 */
export const SESSION_EVENTS = 'session_events';
export const MEETING_EVENTS = 'meeting_events';
export const PARTICIPANT_EVENTS = 'participant_events';
export const ROSTER_EVENTS = 'roster_events';
export const SUSPENSION_EVENTS = 'suspension_events';
export const RECORDING_EVENTS = 'recording_events';
export const INVOICE_EVENTS = 'invoice_events';
export const PAYMENT_EVENTS = 'payment_events';
export const CERTIFICATE_EVENTS = 'certificate_events';

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
] as const;

export type AnalyticsTable = (typeof ANALYTICS_TABLES)[number];
