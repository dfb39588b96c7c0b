import { join } from 'node:path';
import { buildRequest } from '../tools/simulate/http-connection';
import { takeEvents } from '../tools/simulate/generate';
import { registerInstitutes } from '../tools/simulate/register';
import { instituteCredentials } from '../tools/simulate/world';
import { strictArgs, UsageError } from '../tools/strict-args';
import { BenchProcess, ENTRY, freePort, INGESTION_NODE_ARGS } from './app-process';
import { BenchRun } from './bench-env';
import { CpuMeter, processTree } from './cpu';
import { closedLoop, type LoadTarget } from './load';
import { median } from './stats';

/*
 * A paired A/B of ingestion builds: `node dist/bench/ab.js --builds <checkout>,<checkout>[,baseline]`.
 * Every build (a checkout with a built dist/; `baseline` is the bare Fastify server) runs at once
 * against the same Kafka, and the load is alternated between them in many short rounds, so that
 * a machine whose load changes by the second (a shared VM) slows each of them alike. What is
 * compared is each round's CPU µs per webhook against the first build's in the same round: a
 * difference of 5–10 % shows in the median of those ratios where whole bench runs vary by 2×.
 */
const USAGE = `Usage: node dist/bench/ab.js --builds <checkout>,<checkout>[,baseline] [options]

  --builds <list>    checkouts with a built dist/ (the first is the reference); "baseline" is the
                     bare Fastify server of this checkout
  --concurrency <n>  connections (default 128)
  --seconds <s>      seconds per round (default 1.5)
  --rounds <n>       rounds per build (default 24)
`;

const say = (l: string) => process.stdout.write(`${l}\n`);

async function main(): Promise<void> {
  const v = strictArgs(process.argv.slice(2), {
    builds: { type: 'string' },
    concurrency: { type: 'string', default: '128' },
    seconds: { type: 'string', default: '1.5' },
    rounds: { type: 'string', default: '24' },
  });
  const builds = (v.builds ?? '').split(',').filter(Boolean);
  const [c, seconds, rounds] = [Number(v.concurrency), Number(v.seconds), Number(v.rounds)];
  if (builds.length < 2 || !(c >= 1) || !(seconds > 0) || !(rounds >= 1))
    throw new UsageError('expected --builds with two or more entries');
  const run = new BenchRun();
  run.ownPhase('ab');
  const world = { seed: 'bench', institutes: 8, weeks: 4, classrooms: 4, students: 25, startMs: Date.UTC(2024, 5, 3) };
  const creds = instituteCredentials({ ...world, prefix: run.slugPrefix('ab') });
  const events = takeEvents({ ...world, prefix: 'x' }, 20_000);
  const apps: BenchProcess[] = [];
  try {
    await registerInstitutes(run.databaseUrl, creds);
    const variants: Array<{ name: string; target: LoadTarget; pids: number[]; us: number[]; rate: number[] }> = [];
    for (const name of builds) {
      const port = await freePort();
      const ops = await freePort();
      const app =
        name === 'baseline'
          ? await BenchProcess.start(name, [ENTRY.baseline, String(port)], run.appEnv('ab'), `http://127.0.0.1:${port}/health`)
          : await BenchProcess.start(
              name,
              [join(name, 'dist', 'apps', 'ingestion', 'src', 'main.js')],
              // As the owner: an older build compared here may still migrate PostgreSQL itself.
              run.appEnv('ab', { PORT: String(port), OPS_PORT: String(ops) }),
              `http://127.0.0.1:${ops}/ready`,
              INGESTION_NODE_ARGS,
            );
      apps.push(app);
      const url = new URL(`http://127.0.0.1:${port}`);
      const requests = events.map((e) => {
        const k = creds[e.institute];
        return buildRequest(url, 'POST', `/webhooks/wise/${k.slug}`, { 'content-type': 'application/json', [k.keyHeader]: k.key }, e.body);
      });
      variants.push({ name, target: { url, requests }, pids: processTree(app.pid), us: [], rate: [] });
    }
    for (const x of variants) await closedLoop([x.target], c, 2000);
    for (let r = 0; r < rounds; r++) {
      // The order flips every round, so that no build always follows the same one.
      for (const x of r % 2 ? [...variants].reverse() : variants) {
        const meter = new CpuMeter(Object.fromEntries(x.pids.map((p, i) => [`p${i}`, p]))).start();
        const load = await closedLoop([x.target], c, seconds * 1000);
        const cpu = meter.stop();
        const cores = x.pids.reduce((a, _, i) => a + (cpu[`p${i}`] ?? 0), 0);
        x.us.push((1e6 * cores) / load.okPerSecond);
        x.rate.push(load.okPerSecond);
      }
    }
    const ref = variants[0];
    for (const x of variants) {
      const paired = median(x.us.map((us, i) => us / ref.us[i]));
      say(
        `${x.name}: ${median(x.us).toFixed(0)} µs per webhook, ${median(x.rate).toFixed(0)}/s (medians); per round ÷ ${ref.name}: ${paired.toFixed(3)}`,
      );
    }
  } finally {
    await Promise.all(apps.map((a) => a.stop()));
    await run.cleanup(say);
  }
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(e instanceof UsageError ? `ab: ${e.message}\n\n${USAGE}` : `ab: ${e.stack ?? e.message}\n`);
    process.exit(e instanceof UsageError ? 2 : 1);
  },
);
