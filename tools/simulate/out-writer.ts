import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimEvent } from './generate';

const FLUSH_BYTES = 1 << 20;

/**
 * Writes `<dir>/<slug>.jsonl` (one body per line, in delivery order) and `<dir>/institutes.json`
 * (slugs, key headers and counts; never the keys). Returns the number of bodies written.
 */
export function writeOut(dir: string, events: Iterable<SimEvent>, institutes: Array<{ slug: string; keyHeader: string }>): number {
  mkdirSync(dir, { recursive: true });
  const files = institutes.map((i) => join(dir, `${i.slug}.jsonl`));
  const buffers: string[][] = institutes.map(() => []);
  const sizes = institutes.map(() => 0);
  const counts = institutes.map(() => 0);
  for (const f of files) writeFileSync(f, '');
  const flush = (i: number) => {
    if (buffers[i].length === 0) return;
    appendFileSync(files[i], buffers[i].join(''));
    buffers[i] = [];
    sizes[i] = 0;
  };
  let total = 0;
  for (const e of events) {
    const line = `${e.body}\n`;
    buffers[e.institute].push(line);
    sizes[e.institute] += line.length;
    counts[e.institute]++;
    total++;
    if (sizes[e.institute] >= FLUSH_BYTES) flush(e.institute);
  }
  institutes.forEach((_, i) => flush(i));
  const manifest = institutes.map((i, n) => ({ slug: i.slug, keyHeader: i.keyHeader, file: `${i.slug}.jsonl`, bodies: counts[n] }));
  writeFileSync(join(dir, 'institutes.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return total;
}
