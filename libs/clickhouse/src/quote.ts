// ClickHouse 18.16 has no server-side query parameters, so every value that reaches SQL text goes
// through these functions (strings, numbers, string lists, identifiers). Identifiers are never
// quoted from input: they must match a strict pattern or the call throws.

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A string literal: backslash and single quote escaped, control bytes as escapes. */
export function sqlString(value: string): string {
  let out = "'";
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (c === 0) out += '\\0';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + "'";
}

/** A finite number literal (integers stay integers). */
export function sqlNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return String(value);
}

/** A list of string literals for `IN (...)`. An empty list throws: `IN ()` is not SQL, so callers decide what "none" means. */
export function sqlStringList(values: readonly string[]): string {
  if (values.length === 0) throw new Error('sqlStringList needs at least one value');
  return '(' + values.map(sqlString).join(', ') + ')';
}

/** A table, column or database name from our own constants; anything else is refused. */
export function sqlIdent(name: string): string {
  if (!IDENT.test(name)) throw new Error(`refusing identifier ${JSON.stringify(name)}: expected [A-Za-z_][A-Za-z0-9_]*`);
  return name;
}
