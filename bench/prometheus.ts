/** Sum of every series of `name` (whatever its labels) in a Prometheus text exposition. */
export function sumOf(text: string, name: string): number {
  const re = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+|NaN)$`, 'gm');
  let total = 0;
  for (const m of text.matchAll(re)) total += Number(m[1]) || 0;
  return total;
}

/** Sum and count of a histogram, over all its label sets. */
export function histogram(text: string, name: string): { sum: number; count: number } {
  return { sum: sumOf(text, `${name}_sum`), count: sumOf(text, `${name}_count`) };
}

/** Cumulative bucket counts of a histogram by upper bound (`le`), summed over its label sets. */
export function buckets(text: string, name: string): Map<number, number> {
  const re = new RegExp(`^${name}_bucket\\{([^}]*)\\} ([0-9.e+-]+)$`, 'gm');
  const out = new Map<number, number>();
  for (const m of text.matchAll(re)) {
    const le = /(?:^|,)le="([^"]+)"/.exec(m[1])?.[1];
    if (le === undefined) continue;
    const bound = le === '+Inf' ? Infinity : Number(le);
    out.set(bound, (out.get(bound) ?? 0) + (Number(m[2]) || 0));
  }
  return out;
}

/**
 * The upper bound of the bucket holding quantile `q` of what was observed between two scrapes
 * (`after` minus `before`): "p99 ≤ this"; null when nothing was observed.
 */
export function quantileBound(before: Map<number, number>, after: Map<number, number>, q: number): number | null {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total <= 0) return null;
  for (const b of bounds) if ((after.get(b) ?? 0) - (before.get(b) ?? 0) >= q * total) return b;
  return Infinity;
}

/** The /metrics text of an app, or null when it does not answer (diagnostics only). */
export async function scrape(url: string): Promise<string | null> {
  try {
    return await (await fetch(url, { signal: AbortSignal.timeout(3000) })).text();
  } catch {
    return null;
  }
}
