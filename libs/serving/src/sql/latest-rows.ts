/**
 * The latest row of each key of a store, where that row is live (not a tombstone or a marker): the
 * views' own rule (argMax over _version), for the rollups that read a store. `where` filters the
 * raw rows; the result has the key columns and `values`.
 */
export function liveLatestRows(table: string, key: readonly string[], values: readonly string[], where: string): string {
  return `
SELECT ${key.join(', ')}, ${values.map((c, i) => `v.${i + 2} AS ${c}`).join(', ')}
FROM
(
    SELECT ${key.join(', ')}, argMax(tuple(_deleted, ${values.join(', ')}), _version) AS v
    FROM ${table}
    WHERE ${where}
    GROUP BY ${key.join(', ')}
)
WHERE v.1 = 0`;
}
