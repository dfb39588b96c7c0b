/**
 * The tables the serving layer reads and writes. Fact tables come from the projections; settings
 * are written by operators (CLI); stores are what the user-facing views read (migration
 * 0004_serving_layer.sql creates them). A rebuild computes into `<name><suffix>` copies of the
 * fact tables and stores, then swaps them in; settings and working tables are never rebuilt.
 */
export const PROJECTED_FACTS = [
  'session_events',
  'meeting_events',
  'participant_events',
  'roster_events',
  'suspension_events',
  'recording_events',
  'invoice_events',
  'payment_events',
  'classroom_sessions',
  'money_by_time',
  'session_starts',
] as const;

export const SETTINGS_TABLES = ['attendance_rule_settings', 'institute_settings'] as const;

export const SERVING_STORES = [
  'sessions_store',
  'engagement_store',
  'attendance_store',
  'recordings_store',
  'instalments_store',
  'payments_store',
  'revenue_daily_store',
  'attendance_weekly_store',
  'revenue_monthly_store',
] as const;

export type ServingStore = (typeof SERVING_STORES)[number];

/** Working tables of the refresh itself (never rebuilt: a rebuild's rounds use them too). */
export const WORK_TABLES = ['serving_keys'] as const;

type TableKey = (typeof PROJECTED_FACTS)[number] | (typeof SETTINGS_TABLES)[number] | ServingStore | (typeof WORK_TABLES)[number];

/** Physical name of each table the serving SQL touches. */
export type TableNames = Readonly<Record<TableKey, string>>;

/** The live tables, or with `suffix` the copies a rebuild fills (settings stay the live ones). */
export function tableNames(suffix = ''): TableNames {
  const names = {} as Record<TableKey, string>;
  for (const t of [...PROJECTED_FACTS, ...SERVING_STORES]) names[t] = `${t}${suffix}`;
  for (const t of [...SETTINGS_TABLES, ...WORK_TABLES]) names[t] = t;
  return names;
}
