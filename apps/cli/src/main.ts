import { CommonConfig, ConfigError, readEnv } from '@wise/config';
import { InstituteExistsError, InstituteNotFoundError } from '@wise/postgres';
import { CliContext, CliError, Flags } from './cli-context';
import { institutesCommand } from './commands/institutes.command';
import { quarantineCommand } from './commands/quarantine.command';
import { rebuildCommand } from './commands/rebuild.command';
import { statusCommand } from './commands/status.command';

const USAGE = `npm run cli -- <command>
  institutes add|rotate|retire-old-keys|disable|enable|set-header|list   manage institutes and keys
  quarantine list [--institute <slug>] [--limit N]                        what was refused, and why
  migrate                                                                 apply PostgreSQL and ClickHouse migrations
  rebuild [--page-size N] [--force]                                       re-project analytics tables from the event store (projector stopped)
  status                                                                  events stored per institute`;

export function parseArgs(argv: string[]): { args: string[]; flags: Flags } {
  const args: string[] = [];
  const flags: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split('=', 2);
      if (inline !== undefined) flags[name] = inline;
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags[name] = argv[++i];
      else flags[name] = true;
    } else args.push(a);
  }
  return { args, flags };
}

export async function runCli(argv: string[], env: NodeJS.ProcessEnv, print: (line: string) => void): Promise<void> {
  const { args, flags } = parseArgs(argv);
  const config = CommonConfig.parse(env);
  const base = (env.PUBLIC_BASE_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
  const ctx = new CliContext(config, base, print);
  try {
    const [command, ...rest] = args;
    switch (command) {
      case 'institutes': return await institutesCommand(ctx, rest, flags);
      case 'quarantine': return await quarantineCommand(ctx, rest, flags);
      case 'status': return await statusCommand(ctx);
      case 'rebuild': return await rebuildCommand(ctx, flags, env);
      case 'migrate':
        await ctx.postgres();
        await ctx.clickhouse();
        return print('PostgreSQL and ClickHouse migrations applied');
      default:
        throw new CliError(USAGE);
    }
  } finally {
    await ctx.close();
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2), readEnv(), (line) => process.stdout.write(line + '\n')).catch((e: Error) => {
    const known = e instanceof CliError || e instanceof ConfigError || e instanceof InstituteExistsError || e instanceof InstituteNotFoundError;
    process.stderr.write(known ? `${e.message}\n` : `cli failed: ${e.stack ?? e.message}\n`);
    process.exit(known ? 2 : 1);
  });
}
