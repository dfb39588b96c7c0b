import { sqlString, type ClickHouseConnection } from '@wise/clickhouse';
import type { ServingRefresh } from './serving-refresh';

export class InvalidSetting extends Error {}

/**
 * An institute's time zone for day, week and month buckets (IANA name, e.g. Asia/Kolkata). Its
 * stored rows are recomputed at once, so every view answers in the new zone when this returns.
 */
export async function setInstituteTimeZone(
  ch: ClickHouseConnection,
  serving: ServingRefresh,
  institute: string,
  zone: string,
  progress?: (line: string) => void,
): Promise<void> {
  if (!isIanaZone(zone))
    throw new InvalidSetting(`${JSON.stringify(zone)} is not an IANA time zone name (for example Asia/Kolkata, Europe/London, UTC)`);
  try {
    await ch.query('settings:check-zone', `SELECT toDate(now(), ${sqlString(zone)}) AS d`);
  } catch (e) {
    throw new InvalidSetting(
      `ClickHouse does not know the time zone ${zone} (${(e as Error).message.split('\n')[0]}); update its tzdata or pick another name`,
    );
  }
  // Ordered by the rounds' version source, not a clock: two operators on hosts whose clocks differ
  // still get the later setting kept (the column's name predates this).
  await ch.insert('institute_settings', [{ institute_id: institute, timezone: zone, updated_ms: await serving.nextVersion() }]);
  await serving.refreshInstitutes([institute], progress);
}

/** What the present threshold is a share of: the time the class ran (when shorter) or its schedule. */
export const JUDGE_ON = ['class', 'scheduled'] as const;
export type JudgeOn = (typeof JUDGE_ON)[number];

/**
 * The attendance rule of an institute: present when time in class >= minPercent % of the class's
 * duration (judgeOn 'class': the shorter of scheduled and actual; 'scheduled': the scheduled one)
 * AND >= minMinutes. Its attendance rows are recomputed at once.
 */
export async function setAttendanceRule(
  ch: ClickHouseConnection,
  serving: ServingRefresh,
  institute: string,
  rule: { minPercent: number; minMinutes: number; judgeOn?: string },
  progress?: (line: string) => void,
): Promise<void> {
  const { minPercent, minMinutes, judgeOn = 'class' } = rule;
  if (!(minPercent >= 0 && minPercent <= 100)) throw new InvalidSetting(`min percent must be between 0 and 100, got ${minPercent}`);
  if (!(minMinutes >= 0 && Number.isFinite(minMinutes))) throw new InvalidSetting(`min minutes must be 0 or more, got ${minMinutes}`);
  if (!(JUDGE_ON as readonly string[]).includes(judgeOn))
    throw new InvalidSetting(`judge on must be one of ${JUDGE_ON.join(', ')}, got ${JSON.stringify(judgeOn)}`);
  await ch.insert('attendance_rule_settings', [
    {
      institute_id: institute,
      min_percent: minPercent,
      min_minutes: minMinutes,
      judge_on: judgeOn,
      // Ordered like time zones, by the rounds' version source (updated_at is for people only).
      rule_version: await serving.nextVersion(),
      updated_at: Math.floor(Date.now() / 1000),
    },
  ]);
  await serving.refreshInstitutes([institute], progress);
}

export function isIanaZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
