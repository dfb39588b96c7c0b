/*
 * Facts arrive as copies (Wise retries the same body, a replay re-inserts a batch): every read of
 * facts for a round collapses them the same way, written once here.
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
