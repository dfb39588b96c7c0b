import { readFileSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import { hashInstituteKey, INSTITUTE_SLUG, MIN_KEY_LENGTH } from '@wise/contracts';
import { InstitutesRepository } from '@wise/postgres';
import { CliContext, CliError, Flags } from '../cli-context';
import { setAttendanceRuleCommand, setTimeZoneCommand } from './institute-analytics.command';

export const INSTITUTES_USAGE = `usage:
  institutes add <slug> <key source> [--header <name>] [--name <display name>]
      without --header the key is accepted from any header and the one Wise uses is learned
  institutes rotate <slug> <key source>         (old and new keys both valid until retire-old-keys)
  institutes retire-old-keys <slug>             (keeps only the newest key)
  institutes disable <slug> | enable <slug>
  institutes set-header <slug> --header <name>  (pins a header; --header any unpins: learning mode)
  institutes pin-header <slug>                  (pins the header ingestion learned)
  institutes list
  institutes set-timezone <slug> <IANA zone>    (days, weeks and months of its analytics, e.g. Asia/Kolkata; default UTC)
  institutes set-attendance-rule <slug> --min-percent <0-100> --min-minutes <n> [--judge-on class|scheduled]
                                                       (default 50, 1, class: the shorter of scheduled and actual)
key source, one of:
  --key-file <path>   the key is the file's first line (keeps it out of argv and shell history)
  --key-stdin         the key is read from standard input, e.g. from a password manager
  --key <key>         on the command line (visible in ps and shell history)`;
const USAGE = INSTITUTES_USAGE;

type Options = NonNullable<ParseArgsConfig['options']>;
const KEY_OPTIONS: Options = { key: { type: 'string' }, 'key-file': { type: 'string' }, 'key-stdin': { type: 'boolean' } };

/** The options each subcommand takes (all of them when the subcommand is not known yet). */
export function institutesOptions(sub: string | undefined): Options {
  switch (sub) {
    case 'add':
      return { ...KEY_OPTIONS, header: { type: 'string' }, name: { type: 'string' } };
    case 'rotate':
      return KEY_OPTIONS;
    case 'set-header':
      return { header: { type: 'string' } };
    case 'retire-old-keys':
    case 'disable':
    case 'enable':
    case 'pin-header':
    case 'list':
    case 'set-timezone':
      return {};
    case 'set-attendance-rule':
      return { 'min-percent': { type: 'string' }, 'min-minutes': { type: 'string' }, 'judge-on': { type: 'string' } };
    default:
      return { ...KEY_OPTIONS, header: { type: 'string' }, name: { type: 'string' } };
  }
}

function slugArg(args: string[]): string {
  const slug = args[0];
  if (!slug || !INSTITUTE_SLUG.test(slug))
    throw new CliError(
      `expected an institute slug (lower-case letters, digits, '-'; up to 63), got ${JSON.stringify(slug ?? '')}\n${USAGE}`,
    );
  return slug;
}

/** The key from exactly one source; a file or stdin keeps it out of argv and shell history. */
async function keyFrom(flags: Flags, stdin: () => Promise<string>): Promise<string> {
  const sources = ['key', 'key-file', 'key-stdin'].filter((s) => flags[s] !== undefined);
  if (sources.length !== 1)
    throw new CliError(
      `give the key with exactly one of --key-file <path>, --key-stdin or --key <key>${sources.length > 1 ? ` (got ${sources.map((s) => `--${s}`).join(' and ')})` : ''}\n${USAGE}`,
    );
  let key: string;
  if (typeof flags.key === 'string') key = flags.key;
  else if (typeof flags['key-file'] === 'string') {
    try {
      key = readFileSync(flags['key-file'], 'utf8').split(/\r?\n/)[0];
    } catch (e) {
      throw new CliError(`cannot read --key-file ${JSON.stringify(flags['key-file'])}: ${(e as Error).message}`);
    }
  } else key = (await stdin()).split(/\r?\n/)[0];
  key = key.trim();
  if (key.length < MIN_KEY_LENGTH)
    throw new CliError(
      `the key must be at least ${MIN_KEY_LENGTH} characters (paste the key Wise shows, or make one with: openssl rand -hex 24)`,
    );
  return key;
}

/** A header name to pin; `any` (or no --header on add) means learning mode. */
function headerFlag(flags: Flags, required: boolean): string | null {
  if (flags.header === undefined && !required) return null;
  if (typeof flags.header !== 'string') throw new CliError(`--header <name> is required\n${USAGE}`);
  const header = flags.header.toLowerCase();
  if (header === 'any') return null;
  if (!/^[a-z0-9-]{1,100}$/.test(header))
    throw new CliError(`--header must be an HTTP header name (letters, digits, '-'), got ${JSON.stringify(flags.header)}`);
  return header;
}

const describeHeader = (h: string | null): string => (h === null ? 'any header (learning mode)' : `the "${h}" header`);

export async function institutesCommand(ctx: CliContext, args: string[], flags: Flags, stdin: () => Promise<string>): Promise<void> {
  const repo = new InstitutesRepository(await ctx.postgres());
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add': {
      const slug = slugArg(rest);
      const header = headerFlag(flags, false);
      await repo.add(slug, typeof flags.name === 'string' ? flags.name : slug, header, hashInstituteKey(await keyFrom(flags, stdin)));
      ctx.print(`institute "${slug}" added; a running ingestion accepts its webhooks within INSTITUTES_REFRESH_MS (2 s by default).`);
      ctx.print(`Webhook URL to paste into Wise (Developer options → Webhooks): ${ctx.publicBaseUrl}/webhooks/wise/${slug}`);
      if (header === null)
        ctx.print(
          `The key is accepted from any header until one is pinned; after the first webhook, \`institutes list\` shows the header Wise used and \`institutes pin-header ${slug}\` pins it.`,
        );
      else ctx.print(`Wise must send the key in the "${header}" header (change it with: institutes set-header ${slug} --header <name>).`);
      return;
    }
    case 'rotate': {
      const slug = slugArg(rest);
      await repo.addKey(slug, hashInstituteKey(await keyFrom(flags, stdin)));
      ctx.print(`new key added for "${slug}"; the old key stays valid until: npm run cli -- institutes retire-old-keys ${slug}`);
      return;
    }
    case 'retire-old-keys': {
      const slug = slugArg(rest);
      const n = await repo.retireKeysExceptNewest(slug);
      ctx.print(`${n} old key(s) of "${slug}" retired; only the newest key is valid now.`);
      return;
    }
    case 'disable':
    case 'enable': {
      const slug = slugArg(rest);
      await repo.setEnabled(slug, sub === 'enable');
      ctx.print(`institute "${slug}" ${sub}d; ingestion sees it within seconds.`);
      return;
    }
    case 'set-header': {
      const slug = slugArg(rest);
      const header = headerFlag(flags, true);
      await repo.setKeyHeader(slug, header);
      ctx.print(`institute "${slug}" now reads its key from ${describeHeader(header)}.`);
      return;
    }
    case 'pin-header': {
      const slug = slugArg(rest);
      const header = await repo.pinLearnedHeader(slug);
      ctx.print(`institute "${slug}" now reads its key from the "${header}" header only (learned from its webhooks).`);
      return;
    }
    case 'list': {
      const rows = await repo.list();
      if (rows.length === 0) return ctx.print('no institutes yet: npm run cli -- institutes add <slug> --key <key>');
      ctx.table(
        rows.map((r) => ({
          slug: r.slug,
          name: r.name,
          header: r.keyHeader ?? 'any (learning)',
          learned: r.learnedHeader ?? '-',
          enabled: r.enabled ? 'yes' : 'no',
          keys: r.activeKeys,
          url: `${ctx.publicBaseUrl}/webhooks/wise/${r.slug}`,
        })),
      );
      return;
    }
    case 'set-timezone': {
      const slug = slugArg(rest);
      if (rest.length !== 2)
        throw new CliError(`expected an IANA time zone after the slug, e.g. institutes set-timezone ${slug} Asia/Kolkata\n${USAGE}`);
      return setTimeZoneCommand(ctx, slug, rest[1]);
    }
    case 'set-attendance-rule': {
      const slug = slugArg(rest);
      const number = (name: string) => {
        const v = Number(flags[name]);
        if (typeof flags[name] !== 'string' || !Number.isFinite(v)) throw new CliError(`--${name} <number> is required\n${USAGE}`);
        return v;
      };
      const judgeOn = typeof flags['judge-on'] === 'string' ? flags['judge-on'] : undefined;
      return setAttendanceRuleCommand(ctx, slug, { minPercent: number('min-percent'), minMinutes: number('min-minutes'), judgeOn });
    }
    default:
      throw new CliError(USAGE);
  }
}
