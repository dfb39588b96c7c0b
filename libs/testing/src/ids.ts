import { randomBytes } from 'node:crypto';

/** A fresh name per test run, so tests isolate by new data instead of truncating shared tables. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** Institute slugs allow only [a-z0-9-]. */
export function uniqueSlug(prefix = 'test'): string {
  return uniqueName(prefix).replace(/_/g, '-').toLowerCase();
}
