import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_ENV_VARS, INGESTION_ENV_VARS, PROJECTOR_ENV_VARS } from '@wise/config';

// docs/configuration.md is where an operator looks a variable up: every variable an app reads has
// a row there, and every row names a variable something reads.
const DOC = 'docs/configuration.md';
/** Read by something other than the apps' typed config: the native stack's script, and Node itself. */
const NOT_APP_CONFIG = ['KAFKA_HEAP', 'STACK_CH_VOLUME', 'NODE_OPTIONS'];

/** The backticked names in the first column of the Markdown tables of a document. */
export function documentedVariables(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const line of markdown.split('\n')) {
    const first = /^\|([^|]*)\|/.exec(line)?.[1];
    if (first) for (const m of first.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) out.add(m[1]);
  }
  return out;
}

describe(DOC, () => {
  const documented = documentedVariables(readFileSync(join(__dirname, '..', DOC), 'utf8'));
  const read = new Set([...INGESTION_ENV_VARS, ...PROJECTOR_ENV_VARS, ...CLI_ENV_VARS]);

  it('finds the variables of a table (the scan itself works)', () => {
    expect([...documentedVariables('| `A_B` / `C` | all | `D` |\n| --- |\n`E` outside a table')]).toEqual(['A_B', 'C']);
  });

  it('documents every variable an app reads', () => {
    expect([...read].filter((v) => !documented.has(v))).toEqual([]);
  });

  it('documents no variable that nothing reads', () => {
    expect([...documented].filter((v) => !read.has(v) && !NOT_APP_CONFIG.includes(v))).toEqual([]);
  });
});
