import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository's README, from the sources (tests) or from dist/ (the built bench). */
function readmePath(from = __dirname): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'README.md')) && existsSync(join(dir, 'package.json'))) return join(dir, 'README.md');
  }
  throw new Error(`no README.md above ${from}`);
}

/**
 * The ```sql blocks of the README that start with `-- example: <name>`: tested against
 * hand-computed answers (test/analytics/example-queries.test.ts) and timed by the bench.
 */
export function exampleQueries(markdown = readFileSync(readmePath(), 'utf8')): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of markdown.matchAll(/```sql\n([\s\S]*?)```/g)) {
    const name = /^-- example: ([a-z0-9-]+)/.exec(m[1])?.[1];
    if (name) out.set(name, m[1].trim());
  }
  return out;
}
