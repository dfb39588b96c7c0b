import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouse } from '@wise/clickhouse';
import { RebuildFence } from '@wise/rebuild';
import { keyMatches } from '@wise/contracts';
import { Postgres } from '@wise/postgres';
import { dropTestDatabases, testEnv, uniqueSlug } from '@wise/testing';
import { execFile } from 'node:child_process';
import { withRepository } from '../helpers';

const env = testEnv();
const MAIN = join(__dirname, '..', '..', 'dist', 'apps', 'cli', 'src', 'main.js');

/** The built CLI as an operator runs it; exit 0 gives its lines, anything else throws with its stderr. */
function run(argv: string[], stdin = '', processEnv: NodeJS.ProcessEnv = env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [MAIN, ...argv],
      { env: { PATH: process.env.PATH, ...processEnv }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(stdin);
  });
}

async function cli(argv: string[], stdin = ''): Promise<string[]> {
  const r = await run(argv, stdin);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout.split('\n').filter((l) => l !== '');
}

async function storedKeyMatches(slug: string, key: string): Promise<boolean> {
  const pg = new Postgres(env.DATABASE_URL!, 1);
  try {
    const rows = await pg.query<{ salt: string; key_hash: string }>(
      'SELECT salt, key_hash FROM institute_keys WHERE institute_slug = $1 AND retired_at IS NULL',
      [slug],
    );
    return rows.some((r) => keyMatches(key, r.salt, r.key_hash));
  } finally {
    await pg.close();
  }
}

describe('CLI options (node:util parseArgs)', () => {
  it.each([
    [['institutes', 'add', 'acme', '--key', 'k', '--colour', 'red'], /Unknown option '--colour'/],
    [['institutes', 'list', '--key', 'x'], /Unknown option '--key'/],
    [['quarantine', 'list', '--limt', '5'], /Unknown option '--limt'/],
    [['quarantine', 'replay', '--limit', '5'], /Unknown option '--limit'/],
    [['quarantine', 'replay', '--since', 'yesterday'], /--since "yesterday": expected an ISO time/],
    [['rebuild', '--pagesize', '5'], /Unknown option '--pagesize'/],
    [['status', '--verbose'], /Unknown option '--verbose'/],
    [['migrate', '--yes'], /Unknown option '--yes'/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('refuses %j with the error and the usage (exit 2)', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/usage|npm run cli/);
  });

  it.each([['institutes'], ['quarantine'], ['rebuild'], ['purge'], ['status'], ['migrate']])(
    '%s --help prints its usage and touches nothing',
    async (command) => {
      // An unreachable database: --help must answer without connecting to anything.
      const r = await run([command, '--help'], '', { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`${command}`));
    },
  );

  it('--help alone lists every command', async () => {
    const r = await run(['--help'], '', {});
    expect(r.stdout).toMatch(/institutes[\s\S]*quarantine[\s\S]*migrate[\s\S]*rebuild[\s\S]*purge[\s\S]*status/);
  });
});

describe('CLI keys stay out of argv, and the learned header can be pinned', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wise-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stores a key given as --key=…== whole', async () => {
    const slug = uniqueSlug('eq');
    await cli(['institutes', 'add', slug, '--key=0123456789abcdef==']);
    expect(await storedKeyMatches(slug, '0123456789abcdef==')).toBe(true);
    expect(await storedKeyMatches(slug, '0123456789abcdef')).toBe(false);
  });

  it('reads the key from --key-file and from --key-stdin (first line, trimmed)', async () => {
    const a = uniqueSlug('kf');
    const file = join(dir, 'key');
    writeFileSync(file, 'file-key-0123456789abcdef\n');
    await cli(['institutes', 'add', a, '--key-file', file]);
    expect(await storedKeyMatches(a, 'file-key-0123456789abcdef')).toBe(true);
    const b = uniqueSlug('ks');
    await cli(['institutes', 'add', b, '--key-stdin'], 'stdin-key-0123456789abcdef\n');
    expect(await storedKeyMatches(b, 'stdin-key-0123456789abcdef')).toBe(true);
    await cli(['institutes', 'rotate', b, '--key-stdin'], 'stdin-key2-0123456789abcdef\n');
    expect(await storedKeyMatches(b, 'stdin-key2-0123456789abcdef')).toBe(true);
  });

  it('refuses two key sources, or none', async () => {
    await expect(cli(['institutes', 'add', uniqueSlug('two'), '--key', '0123456789abcdefgh', '--key-stdin'], 'x')).rejects.toThrow(
      /exactly one of/,
    );
    await expect(cli(['institutes', 'add', uniqueSlug('none')])).rejects.toThrow(/exactly one of/);
  });

  it('adds in learning mode without --header; list shows the learned header; pin-header pins it', async () => {
    const slug = uniqueSlug('learn');
    const added = await cli(['institutes', 'add', slug, '--key', 'learn-key-0123456789abcdef']);
    expect(added.join('\n')).toMatch(/any header/);
    await expect(cli(['institutes', 'pin-header', slug])).rejects.toThrow(/no learned header yet/);
    await withRepository(env, (r) => r.recordLearnedHeader(slug, 'authorization'));
    const row = (await cli(['institutes', 'list'])).find((l) => l.startsWith(slug + ' '));
    expect(row).toMatch(/any \(learning\)\s+authorization/);
    expect((await cli(['institutes', 'pin-header', slug])).join('\n')).toMatch(/"authorization" header only/);
    const pinned = (await withRepository(env, (r) => r.list())).find((i) => i.slug === slug);
    expect(pinned).toMatchObject({ keyHeader: 'authorization', learnedHeader: 'authorization' });
    await cli(['institutes', 'set-header', slug, '--header', 'any']);
    expect((await withRepository(env, (r) => r.list())).find((i) => i.slug === slug)?.keyHeader).toBeNull();
  });
});

describe('quarantine list prints what senders wrote with control characters escaped', () => {
  const admin = new ClickHouse({
    url: env.CLICKHOUSE_URL!,
    user: 'default',
    password: '',
    database: env.CLICKHOUSE_DATABASE!,
    app: 'test',
  });
  afterAll(async () => {
    await dropTestDatabases(admin, env.CLICKHOUSE_DATABASE!);
    await admin.close();
  });

  it('set-timezone stores the zone for the analytics, and refuses a name that is not a zone', async () => {
    const slug = uniqueSlug('tz');
    expect((await cli(['institutes', 'set-timezone', slug, 'Asia/Kolkata'])).join('\n')).toMatch(
      /counts days, weeks and months in Asia\/Kolkata/,
    );
    expect(await admin.query('test', `SELECT timezone FROM institute_settings WHERE institute_id = '${slug}'`)).toEqual([
      { timezone: 'Asia/Kolkata' },
    ]);
    const bad = await run(['institutes', 'set-timezone', slug, 'Mars/Olympus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not an IANA time zone name/);
    const rule = await run(['institutes', 'set-attendance-rule', slug, '--min-percent', '120', '--min-minutes', '1']);
    expect(rule.stderr).toMatch(/min percent must be between 0 and 100/);
    const basis = await run([
      'institutes',
      'set-attendance-rule',
      slug,
      '--min-percent',
      '50',
      '--min-minutes',
      '1',
      '--judge-on',
      'lesson',
    ]);
    expect([basis.code, basis.stderr]).toEqual([2, expect.stringMatching(/judge on must be one of class, scheduled, got "lesson"/)]);
  });

  it('refuses to change a time zone or an attendance rule, or to purge, while a rebuild holds its fence, and says how to finish it', async () => {
    const slug = uniqueSlug('tz');
    const fences = new RebuildFence(admin);
    await fences.set('fence-of-a-test', 'pid 1 on test-host');
    try {
      for (const argv of [
        ['institutes', 'set-timezone', slug, 'Asia/Kolkata'],
        ['institutes', 'set-attendance-rule', slug, '--min-percent', '80', '--min-minutes', '1'],
        ['purge'],
      ]) {
        const r = await run(argv);
        expect([r.code, r.stderr]).toEqual([
          2,
          expect.stringMatching(/while a rebuild runs: rebuild in progress since .*pid 1 on test-host.*rebuild --abort/),
        ]);
      }
      expect(await admin.query('test', `SELECT timezone FROM institute_settings WHERE institute_id = '${slug}'`)).toEqual([]);
    } finally {
      await fences.clear('fence-of-a-test', 'the test is done');
    }
  });

  it('purge deletes every row of a dead key and keeps a live one, and says what it removed per store', async () => {
    const slug = uniqueSlug('purge');
    const row = (student: string, deleted: number, version: number) => ({
      institute_id: slug,
      session_id: 's1',
      student_id: student,
      _deleted: deleted,
      _version: version,
    });
    // One student dropped from the session (live, then tombstoned), one still in it.
    await admin.insert('attendance_store', [row('gone', 0, 3), row('kept', 0, 3)]);
    await admin.insert('attendance_store', [row('gone', 1, 4)]);
    const out = await cli(['purge']);
    expect(out).toEqual(expect.arrayContaining([expect.stringMatching(/^attendance_store\s+1\s+2$/)]));
    expect(
      await admin.query('test', `SELECT student_id, _deleted FROM attendance_store WHERE institute_id = '${slug}' ORDER BY student_id`),
    ).toEqual([{ student_id: 'kept', _deleted: 0 }]);
  });

  it('shows a hostile reason and event name escaped', async () => {
    expect(await cli(['quarantine', 'list'])).toEqual(['quarantine is empty']);
    await admin.insert('quarantine', [
      {
        institute_id: 'evil',
        quarantine_id: 'q1',
        stage: 'ingestion',
        event_name: 'X\x1b]0;pwned\x07',
        received_at: 1715068129,
        received_at_ms: 1715068129000,
        reason: 'bad\x1b[2J\rline',
        raw: '{}',
        raw_encoding: 'utf8',
        source: 't/0/1',
      },
    ]);
    const lines = await cli(['quarantine', 'list']);
    for (const line of lines) expect(line).not.toMatch(/[\x00-\x1f\x7f]/);
    const out = lines.join('\n');
    expect(out).toContain('X\\x1b]0;pwned\\x07');
    expect(out).toContain('bad\\x1b[2J\\x0dline');
  });
});
