/*
 * The load every scenario runs, from environment variables (so `npm run test:faults` takes them as
 * they are). No project imports here: jest's global teardown reads it without the path mapping.
 */
const num = (name: string, def: number) => {
  const v = process.env[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!(n > 0)) throw new Error(`${name}: expected a positive number, got "${v}"`);
  return n;
};

export const LOAD = {
  /** Deliveries started per second. */
  rate: num('FAULTS_RATE', 300),
  /** Seconds of load; the fault falls inside them. */
  seconds: num('FAULTS_SECONDS', 30),
  concurrency: num('FAULTS_CONCURRENCY', 16),
  /**
   * Wise's retry delays (60 s … 4 h 15 min) times this: 1/200 gives 8 retries within about 76 s,
   * longer than any outage a scenario causes, so a delivery is dropped only if something is wrong.
   */
  retryScale: num('FAULTS_RETRY_SCALE', 1 / 200),
  /** How long the projector may take to commit everything once the load has ended. */
  drainTimeoutS: num('FAULTS_DRAIN_TIMEOUT_S', 180),
};
