/**
 * Versions for serving rows: microseconds of the wall clock, strictly increasing in this process,
 * always even, so that a recompute can write its tombstones at `v` and its fresh rows at `v + 1`.
 *
 * Why a clock and not a counter: several projector processes (and the CLI) recompute the same
 * keys. A recompute is stamped after the facts it follows were written, and reads after it is
 * stamped, so the recompute with the highest version of a key has seen every fact of that key
 * whose own recompute it outranks, which is all of them. That holds across hosts whose clocks
 * agree to well under the time between a batch's fact INSERT and its recompute (NTP is plenty).
 */
export class VersionClock {
  private last = 0;

  next(): number {
    let v = Math.max(Date.now() * 1000, this.last + 2);
    if (v % 2 === 1) v++;
    this.last = v;
    return v;
  }
}
