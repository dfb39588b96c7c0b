import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// Wise keys are long random tokens, not passwords, so a salted SHA-256 is enough to keep a stolen
// database from revealing them, and cheap enough to check on every request.

export const INSTITUTE_SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const DEFAULT_KEY_HEADER = 'x-wise-key';
export const MIN_KEY_LENGTH = 16;

export function hashInstituteKey(key: string, salt = randomBytes(16).toString('hex')): { salt: string; keyHash: string } {
  return { salt, keyHash: createHash('sha256').update(salt).update(key).digest('hex') };
}

/** Constant-time comparison of a presented key with one stored hash. */
export function keyMatches(presented: string, salt: string, keyHash: string): boolean {
  const actual = createHash('sha256').update(salt).update(presented).digest();
  const expected = Buffer.from(keyHash, 'hex');
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}
