import type { SendStats } from './sender';

/** `12,345` */
export const thousands = (n: number): string => Math.round(n).toLocaleString('en-US');

/** One progress line: what was sent, the rate over the last interval, and the answers by status. */
export function progressLine(elapsedMs: number, stats: SendStats, startedBefore: number, intervalMs: number): string {
  const rate = ((stats.started - startedBefore) * 1000) / Math.max(1, intervalMs);
  const answers = [...stats.outcomes]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}: ${thousands(v)}`)
    .join('  ');
  return (
    `[simulate] ${(elapsedMs / 1000).toFixed(0).padStart(4)} s  sent ${thousands(stats.started)}  ${thousands(rate)}/s  ` +
    `${answers || 'no answers yet'}  retries ${thousands(stats.retries)}  dropped ${thousands(stats.gaveUp)}  in flight ${stats.inFlight}`
  );
}

/** Prints a progress line every `everyMs` until the returned function is called. */
export function startProgress(stats: SendStats, write: (line: string) => void, everyMs = 1000): () => void {
  const t0 = Date.now();
  let last = t0;
  let startedBefore = stats.started;
  const timer = setInterval(() => {
    const now = Date.now();
    write(progressLine(now - t0, stats, startedBefore, now - last));
    last = now;
    startedBefore = stats.started;
  }, everyMs);
  return () => {
    clearInterval(timer);
    // The last line gives the rate over the whole run, not over its last fraction of a second.
    const now = Date.now();
    write(progressLine(now - t0, stats, 0, now - t0));
  };
}
