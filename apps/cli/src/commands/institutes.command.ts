import { DEFAULT_KEY_HEADER, hashInstituteKey, INSTITUTE_SLUG, MIN_KEY_LENGTH } from '@wise/contracts';
import { InstitutesRepository } from '@wise/postgres';
import { CliContext, CliError, Flags } from '../cli-context';

const USAGE = `usage:
  institutes add <slug> --key <key> [--header <name>] [--name <display name>]
  institutes rotate <slug> --key <new key>      (old and new keys both valid until retire-old-keys)
  institutes retire-old-keys <slug>             (keeps only the newest key)
  institutes disable <slug> | enable <slug>
  institutes set-header <slug> --header <name>
  institutes list`;

function slugArg(args: string[]): string {
  const slug = args[0];
  if (!slug || !INSTITUTE_SLUG.test(slug)) throw new CliError(`expected an institute slug (lower-case letters, digits, '-'; up to 63), got ${JSON.stringify(slug ?? '')}\n${USAGE}`);
  return slug;
}

function keyFlag(flags: Flags): string {
  const key = flags.key;
  if (typeof key !== 'string' || key.length < MIN_KEY_LENGTH) throw new CliError(`--key must be at least ${MIN_KEY_LENGTH} characters (paste the key Wise shows, or make one with: openssl rand -hex 24)`);
  return key;
}

function headerFlag(flags: Flags): string {
  const header = typeof flags.header === 'string' ? flags.header.toLowerCase() : DEFAULT_KEY_HEADER;
  if (!/^[a-z0-9-]{1,100}$/.test(header)) throw new CliError(`--header must be an HTTP header name (letters, digits, '-'), got ${JSON.stringify(flags.header)}`);
  return header;
}

export async function institutesCommand(ctx: CliContext, args: string[], flags: Flags): Promise<void> {
  const repo = new InstitutesRepository(await ctx.postgres());
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add': {
      const slug = slugArg(rest);
      const header = headerFlag(flags);
      await repo.add(slug, typeof flags.name === 'string' ? flags.name : slug, header, hashInstituteKey(keyFlag(flags)));
      ctx.print(`institute "${slug}" added; a running ingestion accepts its webhooks within INSTITUTES_REFRESH_MS (2 s by default).`);
      ctx.print(`Webhook URL to paste into Wise (Developer options → Webhooks): ${ctx.publicBaseUrl}/webhooks/wise/${slug}`);
      ctx.print(`Wise must send the key in the "${header}" header (change it with: institutes set-header ${slug} --header <name>).`);
      return;
    }
    case 'rotate': {
      const slug = slugArg(rest);
      await repo.addKey(slug, hashInstituteKey(keyFlag(flags)));
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
      await repo.setKeyHeader(slug, headerFlag(flags));
      ctx.print(`institute "${slug}" now reads its key from "${headerFlag(flags)}".`);
      return;
    }
    case 'list': {
      const rows = await repo.list();
      if (rows.length === 0) return ctx.print('no institutes yet: npm run cli -- institutes add <slug> --key <key>');
      ctx.table(rows.map((r) => ({ slug: r.slug, name: r.name, header: r.keyHeader, enabled: r.enabled ? 'yes' : 'no', keys: r.activeKeys, url: `${ctx.publicBaseUrl}/webhooks/wise/${r.slug}` })));
      return;
    }
    default:
      throw new CliError(USAGE);
  }
}
