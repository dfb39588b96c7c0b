import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouse } from '@wise/clickhouse';
import { keyMatches } from '@wise/contracts';
import { Postgres } from '@wise/postgres';
import { assertTestDatabase, testEnv, uniqueSlug } from '@wise/testing';
import { parseArgs, runCli } from '../../apps/cli/src/main';
import { escapeControl } from '../../apps/cli/src/commands/quarantine.command';
import { withRepository } from '../helpers';

const env = testEnv();

async function cli(argv: string[], stdin = ''): Promise<string[]> {
  const out: string[] = [];
  await runCli(argv, env, (l) => out.push(l), async () => stdin);
  return out;
}

async function storedKeyMatches(slug: string, key: string): Promise<boolean> {
  const pg = new Postgres(env.DATABASE_URL!, 1);
  try {
    const rows = await pg.query<{ salt: string; key_hash: string }>('SELECT salt, key_hash FROM institute_keys WHERE institute_slug = $1 AND retired_at IS NULL', [slug]);
    return rows.some((r) => keyMatches(key, r.salt, r.key_hash));
  } finally {
    await pg.close();
  }
}

describe('CLI options (node:util parseArgs)', () => {
  it('keeps everything after the first "=" of --key=…', () => {
    expect(parseArgs(['institutes', 'add', 'acme', '--key=abcdefghijklmnop==']).flags.key).toBe('abcdefghijklmnop==');
  });

  it.each([
    [['institutes', 'add', 'acme', '--key', 'k', '--colour', 'red'], /Unknown option '--colour'/],
    [['institutes', 'list', '--key', 'x'], /Unknown option '--key'/],
    [['quarantine', 'list', '--limt', '5'], /Unknown option '--limt'/],
    [['rebuild', '--pagesize', '5'], /Unknown option '--pagesize'/],
    [['status', '--verbose'], /Unknown option '--verbose'/],
    [['migrate', '--yes'], /Unknown option '--yes'/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('refuses %j with the error and the usage', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
    expect(() => parseArgs(argv)).toThrow(/usage|npm run cli/);
  });

  it.each([['institutes'], ['quarantine'], ['rebuild'], ['status'], ['migrate']])('%s --help prints its usage and touches nothing', async (command) => {
    // An unreachable database: --help must answer without connecting to anything.
    const lines: string[] = [];
    await runCli([command, '--help'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }, (l) => lines.push(l));
    expect(lines.join('\n')).toMatch(new RegExp(`${command}`));
  });

  it('--help alone lists every command', async () => {
    const lines: string[] = [];
    await runCli(['--help'], {}, (l) => lines.push(l));
    expect(lines.join('\n')).toMatch(/institutes[\s\S]*quarantine[\s\S]*migrate[\s\S]*rebuild[\s\S]*status/);
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
    await expect(cli(['institutes', 'add', uniqueSlug('two'), '--key', '0123456789abcdefgh', '--key-stdin'], 'x')).rejects.toThrow(/exactly one of/);
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
  const admin = new ClickHouse({ url: env.CLICKHOUSE_URL!, user: 'default', password: '', database: env.CLICKHOUSE_DATABASE!, app: 'test' });
  afterAll(async () => {
    assertTestDatabase(env.CLICKHOUSE_DATABASE!);
    await admin.command('test', `DROP DATABASE IF EXISTS ${env.CLICKHOUSE_DATABASE}`);
    await admin.close();
  });

  it('escapes C0/C1 controls, DEL and bidi overrides', () => {
    expect(escapeControl('a\x1b[2Jb\r\n\u009b\u202etxt\u0000')).toBe('a\\x1b[2Jb\\x0d\\x0a\\x9b\\u202etxt\\x00');
    expect(escapeControl('plain café ✓')).toBe('plain café ✓');
  });

  it('shows a hostile reason and event name escaped', async () => {
    expect(await cli(['quarantine', 'list'])).toEqual(['quarantine is empty']);
    await admin.insert('quarantine', [{ institute_id: 'evil', quarantine_id: 'q1', stage: 'ingestion', event_name: 'X\x1b]0;pwned\x07', received_at: 1715068129, received_at_ms: 1715068129000, reason: 'bad\x1b[2J\rline', raw: '{}', raw_encoding: 'utf8', source: 't/0/1' }]);
    const lines = await cli(['quarantine', 'list']);
    for (const line of lines) expect(line).not.toMatch(/[\x00-\x1f\x7f]/);
    const out = lines.join('\n');
    expect(out).toContain('X\\x1b]0;pwned\\x07');
    expect(out).toContain('bad\\x1b[2J\\x0dline');
  });
});
