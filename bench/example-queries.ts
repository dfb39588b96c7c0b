import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Where the analytics model's example queries are documented, from the repository's root. */
export const EXAMPLE_QUERIES_DOC = join('docs', 'analytics-model.md');

/** The document, from the sources (tests) or from dist/ (the built bench): the first folder above with package.json and it. */
function docPath(from = __dirname): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, EXAMPLE_QUERIES_DOC)) && existsSync(join(dir, 'package.json'))) return join(dir, EXAMPLE_QUERIES_DOC);
  }
  throw new Error(`no ${EXAMPLE_QUERIES_DOC} in any folder above ${from}: run from a checkout of the repository`);
}

/**
 * The ```sql blocks of docs/analytics-model.md that start with `-- example: <name>`: tested against
 * hand-computed answers (test/analytics/example-queries.test.ts) and timed by the bench.
 */
export function exampleQueries(markdown = readFileSync(docPath(), 'utf8')): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of markdown.matchAll(/```sql\n([\s\S]*?)```/g)) {
    const name = /^-- example: ([a-z0-9-]+)/.exec(m[1])?.[1];
    if (name) out.set(name, m[1].trim());
  }
  return out;
}
