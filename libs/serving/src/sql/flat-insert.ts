/**
 * `INSERT INTO table (leading…, columns…)` of a SELECT that yields `columns`, with the leading
 * values (a round id, a version) added to that SELECT's own list instead of a SELECT around it.
 *
 * Why: on 18.16 each level of nesting analyses everything under it again, and a round's statement
 * costs its analysis far more than its rows. One wrapping level was about 30 % of the daily revenue
 * statement's CPU (docs/benchmarks.md, "Statements one level shallower"). An INSERT maps values by
 * position, so the flat form is used only when the SELECT's top-level list names exactly `columns`
 * in that order; any other SELECT (a top-level UNION, an unnamed expression, another order) is
 * wrapped and read by name as before. The tests hold every round statement to the flat form.
 */
export function insertSelect(
  table: string,
  leading: ReadonlyArray<readonly [column: string, value: string]>,
  columns: readonly string[],
  select: string,
): string {
  const target = `INSERT INTO ${table} (${[...leading.map(([c]) => c), ...columns].join(', ')})`;
  if (leading.length === 0) return `${target}\n${select}`;
  const flat = flatSelectList(select);
  if (flat && sameNames(flat.names, columns) && leading.every(([c]) => !select.includes(LEAD_PREFIX + c))) {
    const values = leading.map(([c, v]) => `${v} AS ${LEAD_PREFIX}${c}`);
    return `${target}\nSELECT ${flat.distinct ? 'DISTINCT ' : ''}${values.join(', ')}, ${select.slice(flat.listStart)}`;
  }
  return `${target}\nSELECT ${[...leading.map(([, v]) => v), ...columns].join(', ')} FROM (${select})`;
}

/** Aliases of the leading values: never a name the SELECT uses, so they shadow nothing in it. */
const LEAD_PREFIX = '_leading_';

/** The names of a SELECT's top-level list, when the flat form can use them (the statement's tests check it does). */
export function topLevelNames(select: string): string[] | null {
  return flatSelectList(select)?.names ?? null;
}

const sameNames = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((n, i) => n === b[i]);

/**
 * Where a SELECT's top-level list starts and the name of each of its items, or null when the
 * text is not one plain SELECT: a set operation (UNION, INTERSECT, EXCEPT), clauses an INSERT …
 * SELECT cannot end with (SETTINGS, FORMAT), positions in GROUP BY, ORDER BY or LIMIT BY (current
 * ClickHouse reads `GROUP BY 1` as a position, which the leading values would move), or an item
 * without a name of its own.
 */
function flatSelectList(select: string): { listStart: number; distinct: boolean; names: string[] } | null {
  const head = /^\s*SELECT\s+(DISTINCT\s+)?/i.exec(select);
  if (!head) return null;
  const listStart = head[0].length;
  const items: string[] = [];
  let from = -1;
  let start = listStart;
  for (const { at, token } of topLevel(select, listStart)) {
    if (token === ',' && from < 0) {
      items.push(select.slice(start, at));
      start = at + 1;
    } else if (/^from$/i.test(token) && from < 0) {
      items.push(select.slice(start, at));
      from = at;
    } else if (/^(union|intersect|except|settings|format)$/i.test(token)) return null;
    else if (/^by$/i.test(token) && /^\s*\d/.test(select.slice(at + 2))) return null;
  }
  if (from < 0) return null;
  const names = items.map(nameOf);
  return names.every((n): n is string => n !== null) ? { listStart, distinct: Boolean(head[1]), names } : null;
}

/** An item's name: its alias, or the column it is (`t.c` is c); null for an unnamed expression. */
function nameOf(item: string): string | null {
  const text = item.trim();
  // A comment could hold what looks like an alias.
  if (text.includes('--') || text.includes('/*')) return null;
  const alias = /\sAS\s+([A-Za-z_][A-Za-z0-9_]*)$/i.exec(text);
  if (alias) return alias[1];
  const column = /^(?:[A-Za-z_][A-Za-z0-9_]*\.)?([A-Za-z_][A-Za-z0-9_]*)$/.exec(text);
  return column ? column[1] : null;
}

/** Commas and words outside parentheses, string literals, quoted names and comments, from `from` on. */
function* topLevel(sql: string, from: number): Generator<{ at: number; token: string }> {
  let depth = 0;
  for (let i = from; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'" || c === '`' || c === '"') {
      for (i++; i < sql.length && sql[i] !== c; i++) if (sql[i] === '\\') i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && c === ',') yield { at: i, token: ',' };
    else if (depth === 0 && /[A-Za-z_]/.test(c) && !/[A-Za-z0-9_.]/.test(sql[i - 1] ?? ' ')) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i))![0];
      yield { at: i, token: word };
      i += word.length - 1;
    }
  }
}
