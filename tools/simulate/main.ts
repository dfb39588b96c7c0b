import { CommonConfig, readEnv } from '@wise/config';
import { generateTraffic, type SimEvent } from './generate';
import { parseOptions, UsageError, USAGE, type SimulateOptions } from './options';
import { writeOut } from './out-writer';
import { startProgress, thousands } from './progress';
import { registerInstitutes } from './register';
import { scaledRetryDelays, sendAll, SendStats, type Delivery } from './sender';
import { instituteCredentials } from './world';

const say = (line: string) => process.stderr.write(`${line}\n`);

function* limited(events: Iterable<SimEvent>, limit: number): Generator<SimEvent> {
  let n = 0;
  for (const e of events) {
    if (limit > 0 && n++ >= limit) return;
    yield e;
  }
}

async function send(o: SimulateOptions & { mode: { kind: 'send' } }): Promise<number> {
  const creds = instituteCredentials(o);
  const { DATABASE_URL } = CommonConfig.parse(readEnv());
  const reg = await registerInstitutes(DATABASE_URL, creds);
  say(
    `[simulate] ${creds.length} institutes (${reg.added} registered now, ${reg.existing} already there) in ${new URL(DATABASE_URL).pathname.slice(1)}; ` +
      `ingestion picks new ones up within INSTITUTES_REFRESH_MS`,
  );
  if (reg.added > 0) await new Promise((r) => setTimeout(r, 2500));
  const deliveries = (function* (): Generator<Delivery> {
    for (const e of limited(generateTraffic(o), o.limit)) {
      const c = creds[e.institute];
      yield { slug: c.slug, keyHeader: c.keyHeader, key: c.key, body: e.body };
    }
  })();
  say(`[simulate] sending to ${o.mode.url} at ${o.rate > 0 ? `${thousands(o.rate)}/s` : 'full speed'}, ${o.concurrency} connections`);
  const t0 = Date.now();
  const live = new SendStats();
  const stop = startProgress(live, say);
  try {
    await sendAll(
      deliveries,
      {
        baseUrl: o.mode.url,
        rate: o.rate,
        concurrency: o.concurrency,
        timeoutMs: o.timeoutMs,
        retryDelaysMs: scaledRetryDelays(o.retryScale),
      },
      live,
    );
  } finally {
    stop();
  }
  const notAccepted = live.started - live.ok;
  say(
    `[simulate] done in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${thousands(live.ok)} of ${thousands(live.started)} accepted (200), ` +
      `${thousands(live.retries)} retries, ${thousands(live.gaveUp)} dropped after the last retry`,
  );
  return notAccepted > 0 ? 1 : 0;
}

async function main(): Promise<number> {
  let o: SimulateOptions;
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(e.message ? `simulate: ${e.message}\n\n${USAGE}` : USAGE);
    return e.message ? 2 : 0;
  }
  if (o.mode.kind === 'send') return send(o as SimulateOptions & { mode: { kind: 'send' } });
  const t0 = Date.now();
  const n = writeOut(o.mode.dir, limited(generateTraffic(o), o.limit), instituteCredentials(o));
  say(
    `[simulate] wrote ${thousands(n)} bodies for ${o.institutes} institutes to ${o.mode.dir} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: Error) => {
    process.stderr.write(`simulate: ${e.stack ?? e.message}\n`);
    process.exitCode = 1;
  },
);
