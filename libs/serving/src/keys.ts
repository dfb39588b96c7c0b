import { sqlString } from '@wise/clickhouse';

/** A set of composite keys (institute first): the rows of one kind that a recompute covers. */
export class KeySet {
  /** Identity → parts. The identity prefixes each part with its length: no two keys share one. */
  private readonly keys = new Map<string, readonly string[]>();

  constructor(readonly columns: readonly string[]) {}

  // Called for every fact row of every batch: no serialisation beyond the identity string.
  add(...parts: string[]): void {
    if (parts.length !== this.columns.length) throw new Error(`KeySet(${this.columns.join(', ')}) got ${parts.length} parts`);
    let id = '';
    for (const p of parts) id += `${p.length}:${p}`;
    if (!this.keys.has(id)) this.keys.set(id, parts);
  }

  addAll(other: KeySet): void {
    for (const [id, parts] of other.keys) if (!this.keys.has(id)) this.keys.set(id, parts);
  }

  get size(): number {
    return this.keys.size;
  }

  /** The keys in a stable order (by parts). */
  list(): string[][] {
    return [...this.keys.values()].map((k) => [...k]).sort(byParts);
  }

  institutes(): string[] {
    return [...new Set(this.list().map((k) => k[0]))];
  }
}

/** `col IN ('a', …)` or `(c1, c2) IN (('a', 'b'), …)`; never empty (an empty list matches nothing). */
export function inFilter(columns: readonly string[], keys: readonly (readonly string[])[]): string {
  if (keys.length === 0) return '0';
  if (columns.length === 1) return `${columns[0]} IN (${keys.map((k) => sqlString(k[0])).join(', ')})`;
  return `(${columns.join(', ')}) IN (${keys.map((k) => `(${k.map(sqlString).join(', ')})`).join(', ')})`;
}

function byParts(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}
