import { existsSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { readEnv } from '@wise/config';

/*
 * Loaded with `node -r` into an app under `npm run bench -- --cpu-prof`. When `<BENCH_CPU_PROFILE>.start`
 * appears, V8's sampling profiler starts; when `<BENCH_CPU_PROFILE>.stop` appears, it stops and the
 * profile is written to BENCH_CPU_PROFILE, so it covers the measured load only, not the boot.
 * Files, not signals: Nest's enableShutdownHooks() treats SIGUSR2 (and most others) as "shut down",
 * and `node --cpu-prof` writes nothing when Nest ends the process by re-raising SIGTERM.
 */
const out = readEnv().BENCH_CPU_PROFILE;
if (out) {
  const session = new Session();
  session.connect();
  let state: 'idle' | 'running' | 'done' = 'idle';
  const timer = setInterval(() => {
    if (state === 'idle' && existsSync(`${out}.start`)) {
      state = 'running';
      session.post('Profiler.enable', () =>
        session.post('Profiler.setSamplingInterval', { interval: 250 }, () => session.post('Profiler.start')),
      );
    } else if (state === 'running' && existsSync(`${out}.stop`)) {
      state = 'done';
      clearInterval(timer);
      session.post('Profiler.stop', (err, res) => {
        if (!err) writeFileSync(out, JSON.stringify(res.profile));
      });
    }
  }, 100);
  timer.unref();
}
