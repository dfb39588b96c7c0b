/*
 * The two shapes every recompute repeats, written once. Facts arrive as copies (Wise retries the
 * same body, a replay re-inserts a batch), and a thing's state is the value of its latest fact.
 */

/** The name a select item is known by: `expr AS name` → name, a plain column → itself. */
const nameOf = (item: string): string =>
  item
    .split(/\s+AS\s+/i)
    .pop()!
    .trim();

/**
 * One row per event of a fact table: the copies of an event hold the same values, so any() is
 * exact for them, and the event's time is that of its first delivery (`firstAt`, min over copies).
 * `keys` may be `expr AS name`; the result has the keys' names, event_id, `firstAt` and `values`.
 */
export function eventCopiesCollapsed(q: {
  table: string;
  where: string;
  keys: readonly string[];
  firstAt: string;
  values: readonly string[];
}): string {
  return `
        SELECT
            ${q.keys.join(', ')}, event_id, min(${q.firstAt}) AS ${q.firstAt},
            ${q.values.map((c) => `any(${c}) AS ${c}`).join(', ')}
        FROM ${q.table}
        WHERE ${q.where}
        GROUP BY ${q.keys.map(nameOf).join(', ')}, event_id`;
}

/** A column, or [column, the name to give it]. */
type Column = string | readonly [string, string];
const pair = (c: Column): readonly [string, string] => (typeof c === 'string' ? [c, c] : c);

/** `argMax(c, by) AS c` for each column: its value in the latest fact (`by` orders facts, ties broken by event id). */
export const latestOf = (columns: readonly Column[], by: string): string =>
  columns.map((c) => `argMax(${pair(c)[0]}, ${by}) AS ${pair(c)[1]}`).join(',\n    ');

/** The same for names and other optional text: the latest fact that carried one (an empty one does not erase it). */
export const latestNonEmptyOf = (columns: readonly Column[], by: string): string =>
  columns.map((c) => `argMaxIf(${pair(c)[0]}, ${by}, ${pair(c)[0]} != '') AS ${pair(c)[1]}`).join(',\n    ');
