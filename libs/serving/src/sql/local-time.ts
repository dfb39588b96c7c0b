import { sqlString } from '@wise/clickhouse';

/** Each institute's IANA time zone; an institute not in the map uses UTC. */
export type TimeZones = ReadonlyMap<string, string>;

export const DEFAULT_TIME_ZONE = 'UTC';

/**
 * The calendar day of `expr` (a DateTime) in the time zone of the row's institute. ClickHouse takes
 * a time zone only as a constant, so the zones of the institutes in one statement become branches
 * of a multiIf (one per distinct zone, not per institute).
 */
export function localDate(expr: string, zones: TimeZones): string {
  const byZone = new Map<string, string[]>();
  for (const [institute, zone] of [...zones].sort()) {
    if (zone === DEFAULT_TIME_ZONE) continue;
    byZone.set(zone, [...(byZone.get(zone) ?? []), institute]);
  }
  const utc = `toDate(${expr}, ${sqlString(DEFAULT_TIME_ZONE)})`;
  if (byZone.size === 0) return utc;
  const branches = [...byZone].map(
    ([zone, ids]) => `institute_id IN (${ids.map(sqlString).join(', ')}), toDate(${expr}, ${sqlString(zone)})`,
  );
  return `multiIf(${branches.join(', ')}, ${utc})`;
}
