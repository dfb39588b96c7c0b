import { createHash } from 'node:crypto';
import { Rng } from './rng';

/** A Mongo-style 24-hex id, as Wise uses: 8 hex of creation seconds, then 16 random hex. */
export function objectId(rng: Rng, atMs: number): string {
  return (
    Math.floor(atMs / 1000)
      .toString(16)
      .padStart(8, '0')
      .slice(-8) + rng.hex(16)
  );
}

/** Zoom's per-connection participant id: a decimal string. */
export function zoomUserId(rng: Rng): string {
  return String(rng.int(16_000_000, 33_999_999));
}

/** Zoom's meeting uuid: 22 base64 characters and `==`. */
export function zoomUuid(rng: Rng): string {
  return `${rng.alnum(22)}==`;
}

/** An RFC 4122-looking version-4 uuid, as Zoom's participant_uuid. */
export function uuid4(rng: Rng): string {
  const h = rng.hex(32);
  const variant = '89ab'[rng.int(0, 3)];
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The short tag of a seed used in institute slugs: the seed itself when it is short and plain,
 * else 8 hex of its hash. Slugs include it so that two seeds never share an institute (and a key).
 */
export function seedTag(seed: string): string {
  return /^[a-z0-9]{1,12}$/.test(seed) ? seed : createHash('sha256').update(seed).digest('hex').slice(0, 8);
}

/** The simulated institute's webhook key: derived from the seed and slug, so runs can be repeated. */
export function instituteKey(seed: string, slug: string): string {
  return `sim_${createHash('sha256').update(`wise-simulator-key\0${seed}\0${slug}`).digest('hex').slice(0, 40)}`;
}
