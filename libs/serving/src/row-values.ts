/*
 * How the rows a round computes in the projector read and write ClickHouse's values, so that a
 * rule written here gives what it gave as SQL: 64-bit integers, DateTimes, string order, rounding.
 */

/** 64-bit integers arrive as text from 18.16's JSON and as numbers from current ClickHouse. */
export const num = (x: unknown): number => Number(x);
export const text = (x: unknown): string => (x === null || x === undefined ? '' : String(x));
export const orNull = <T>(x: unknown, f: (y: unknown) => T): T | null => (x === null || x === undefined ? null : f(x));

/**
 * Strings in ClickHouse's order, byte by byte of their UTF-8, as min(), max() and arraySort() compare
 * them. UTF-16 order differs only between a surrogate pair (above U+FFFF) and U+E000–U+FFFF, so
 * the first differing unit is moved to code-point order instead of encoding both strings.
 */
export function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/** The smaller of two strings in ClickHouse's order (min()). */
export const minBytes = (a: string, b: string): string => (compareBytes(b, a) < 0 ? b : a);

/** ClickHouse's lower(): ASCII letters only, other bytes as they are. */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/**
 * round(x, 2) as 18.16 computes it on a Float64 (x × 100 rounded half away from zero, then ÷ 100).
 * Current ClickHouse rounds an exact half to even
 * instead (round(0.125, 2) is 0.12 there, 0.13 on 18.16); the rows are computed here now, so both
 * engines store the same figure.
 */
export function round2(x: number): number {
  return (Math.sign(x) * Math.round(Math.abs(x) * 100)) / 100;
}

/** Epoch seconds of a DateTime('UTC') as ClickHouse writes it in JSON ('YYYY-MM-DD hh:mm:ss'). */
export function epochSeconds(dateTime: string): number {
  return Date.parse(`${dateTime.replace(' ', 'T')}Z`) / 1000;
}

/** A DateTime('UTC') as ClickHouse reads it in JSON, from epoch seconds. */
export function dateTimeText(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/** The Monday of a 'YYYY-MM-DD' day (toMonday). */
export function mondayOf(day: string): string {
  const ms = Date.parse(`${day}T00:00:00Z`);
  const back = (new Date(ms).getUTCDay() + 6) % 7;
  return new Date(ms - back * 86_400_000).toISOString().slice(0, 10);
}
