import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES_DIR = join(__dirname, '..', 'fixtures', 'wise');

/** The raw bytes of `fixtures/wise/<name>.json`, exactly as a webhook would carry them. */
export function fixtureBytes(name: string): Buffer {
  return readFileSync(join(FIXTURES_DIR, `${name}.json`));
}

export function fixtureNames(): string[] {
  return readdirSync(FIXTURES_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''))
    .sort();
}
