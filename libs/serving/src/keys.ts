import { sqlString } from '@wise/clickhouse';

/** A set of composite keys (institute first): the rows of one kind that a recompute covers. */
export class KeySet {
  private readonly keys = new Set<string>();

  constructor(readonly columns: readonly string[]) {}

  add(...parts: string[]): void {
    if (parts.length !== this.columns.length) throw new Error(`KeySet(${this.columns.join(', ')}) got ${parts.length} parts`);
    this.keys.add(JSON.stringify(parts));
  }

  addAll(other: KeySet): void {
    for (const k of other.keys) this.keys.add(k);
  }

  get size(): number {
    return this.keys.size;
  }

  list(): string[][] {
    return [...this.keys].sort().map((k) => JSON.parse(k) as string[]);
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
