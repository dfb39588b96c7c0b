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

/** The /metrics text of an app, or null when it does not answer (diagnostics only). */
export async function scrape(url: string): Promise<string | null> {
  try {
    return await (await fetch(url, { signal: AbortSignal.timeout(3000) })).text();
  } catch {
    return null;
  }
}
