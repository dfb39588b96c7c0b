import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// scripts/build.sh skips tsc when dist/ is up to date (so that `npm run cli` answers fast), and
// must never skip when an input changed. Run on a small copy of the repository's layout with `npx`
// replaced by a recorder, so that only the script's decision is under test.
describe('scripts/build.sh: builds when an input changed, skips otherwise', () => {
  let dir: string;
  const builds = () =>
    existsSync(join(dir, 'npx.log'))
      ? readFileSync(join(dir, 'npx.log'), 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('tsc ')).length
      : 0;
  const build = (env: Record<string, string> = {}) => {
    execFileSync('bash', [join(dir, 'scripts', 'build.sh')], {
      env: { ...process.env, ...env, PATH: `${join(dir, 'bin')}:${process.env.PATH}` },
      stdio: 'pipe',
    });
    return builds();
  };
  // Records each call and creates the output folders tsc would.
  const fakeNpx = (code: number) =>
    `#!/bin/sh\necho "$1 $*" >> "${dir}/npx.log"\nmkdir -p dist/libs/clickhouse dist/libs/postgres\nexit ${code}\n`;
  const ago = (seconds: number) => Date.now() / 1000 - seconds;
  /** An edit made after the last build: the stamp is moved back 10 s and the file to 5 s ago. */
  const edited = (file: string) => {
    utimesSync(join(dir, 'dist', '.build-stamp'), ago(10), ago(10));
    utimesSync(file, ago(5), ago(5));
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'build-script-'));
    for (const d of ['scripts', 'bin', 'apps/cli/src', 'libs/clickhouse/migrations', 'libs/postgres/migrations', 'bench', 'tools'])
      mkdirSync(join(dir, d), { recursive: true });
    copyFileSync(join(__dirname, '..', 'scripts', 'build.sh'), join(dir, 'scripts', 'build.sh'));
    for (const f of [
      'tsconfig.json',
      'tsconfig.build.json',
      'package-lock.json',
      'apps/cli/src/main.ts',
      'libs/clickhouse/migrations/0001.sql',
      'libs/postgres/migrations/0001.sql',
    ])
      writeFileSync(join(dir, f), '');
    writeFileSync(join(dir, 'bin', 'npx'), fakeNpx(0));
    chmodSync(join(dir, 'bin', 'npx'), 0o755);
    // Every input is old, so that only what a test edits is newer than a moved-back stamp.
    for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) utimesSync(join(dir, entry), ago(100), ago(100));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds without a stamp, then skips while nothing changed', () => {
    expect(build()).toBe(1);
    expect(existsSync(join(dir, 'dist', '.build-stamp'))).toBe(true);
    expect(existsSync(join(dir, 'dist', 'libs', 'postgres', 'migrations', '0001.sql'))).toBe(true);
    expect(build()).toBe(1);
  });

  it('rebuilds after a source, a migration or a tsconfig changed', () => {
    edited(join(dir, 'apps', 'cli', 'src', 'main.ts'));
    expect(build()).toBe(2);
    expect(build()).toBe(2);
    edited(join(dir, 'libs', 'clickhouse', 'migrations', '0001.sql'));
    expect(build()).toBe(3);
    edited(join(dir, 'tsconfig.build.json'));
    expect(build()).toBe(4);
    expect(build()).toBe(4);
  });

  it('rebuilds after a file was added or removed', () => {
    writeFileSync(join(dir, 'apps', 'cli', 'src', 'new.ts'), '');
    expect(build()).toBe(5);
    unlinkSync(join(dir, 'apps', 'cli', 'src', 'new.ts'));
    expect(build()).toBe(6);
    expect(build()).toBe(6);
  });

  it('rebuilds with BUILD_FORCE=1, and again after a failed build', () => {
    expect(build({ BUILD_FORCE: '1' })).toBe(7);
    edited(join(dir, 'apps', 'cli', 'src', 'main.ts'));
    writeFileSync(join(dir, 'bin', 'npx'), fakeNpx(1));
    expect(() => build()).toThrow();
    writeFileSync(join(dir, 'bin', 'npx'), fakeNpx(0));
    expect(build()).toBe(9);
  });
});
