import type { TableNames } from '../serving-tables';

/**
 * Each institute's attendance rule, its highest rule_version (set-attendance-rule): what
 * attendanceOf (attendance-rows.ts) judges the institutes' sessions by. An institute without one is
 * not listed.
 */
export function attendanceRules(t: TableNames, instituteFilter: string): string {
  return `
SELECT
    institute_id, argMax(min_percent, rule_version) AS min_percent, argMax(min_minutes, rule_version) AS min_minutes,
    argMax(judge_on, rule_version) AS judge_on
FROM ${t.attendance_rule_settings}
WHERE ${instituteFilter}
GROUP BY institute_id`;
}
