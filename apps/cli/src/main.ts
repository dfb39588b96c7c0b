import { parseArgs as parseNodeArgs, type ParseArgsConfig } from 'node:util';
import { CliConfig, ConfigError, readEnv } from '@wise/config';
import { InstituteExistsError, InstituteNotFoundError } from '@wise/postgres';
import { CliContext, CliError, Flags } from './cli-context';
import { MIGRATE_USAGE, migrateCommand } from './commands/migrate.command';
import { INSTITUTES_USAGE, institutesCommand, institutesOptions } from './commands/institutes.command';
import { PURGE_USAGE, purgeCommand } from './commands/purge.command';
import { QUARANTINE_USAGE, quarantineCommand } from './commands/quarantine.command';
import { quarantineReplayCommand, REPLAY_USAGE } from './commands/quarantine-replay.command';
import { REBUILD_USAGE, rebuildCommand } from './commands/rebuild.command';
import { STATUS_USAGE, statusCommand } from './commands/status.command';

const USAGE = `npm run cli -- <command> [--help]
  institutes add|rotate|retire-old-keys|disable|enable|set-header|pin-header|list   manage institutes and keys
  institutes set-timezone|set-attendance-rule                                     an institute's analytics settings
  quarantine list [--institute <slug>] [--limit N]                                   what was refused, and why
  quarantine replay [--institute <slug>] [--since <time>] [--reason <text>] [--dry-run]  re-run quarantined deliveries through today's contract
  migrate [--postgres-only]                                                          apply migrations and set the apps' PostgreSQL roles (before the apps start)
  rebuild [--page-size N] [--abort] [--force]                                        re-project analytics tables from the event store (projectors pause meanwhile)
  purge                                                                              delete the rows of serving keys that died (tombstones and what they hide)
  status                                                                             consumer lag, rebuild in progress, events and quarantine per institute`;

type Options = NonNullable<ParseArgsConfig['options']>;
const HELP: Options = { help: { type: 'boolean', short: 'h' } };

/** Each command's options; anything else on its command line is an error naming the usage. */
const COMMANDS: Record<string, { usage: string; options: (sub: string | undefined) => Options }> = {
  institutes: { usage: INSTITUTES_USAGE, options: institutesOptions },
  quarantine: {
    usage: `${QUARANTINE_USAGE}\n${REPLAY_USAGE}`,
    options: (sub): Options =>
      sub === 'replay'
        ? { institute: { type: 'string' }, since: { type: 'string' }, reason: { type: 'string' }, 'dry-run': { type: 'boolean' } }
        : { institute: { type: 'string' }, limit: { type: 'string' } },
  },
  rebuild: {
    usage: REBUILD_USAGE,
    options: () => ({
      'page-size': { type: 'string' },
      'pause-wait-s': { type: 'string' },
      force: { type: 'boolean' },
      abort: { type: 'boolean' },
    }),
  },
  purge: { usage: PURGE_USAGE, options: () => ({}) },
  status: { usage: STATUS_USAGE, options: () => ({}) },
  migrate: { usage: MIGRATE_USAGE, options: () => ({ 'postgres-only': { type: 'boolean' } }) },
};

/**
 * Parses one command line with node:util's parseArgs (strict): `--key=abc==` keeps everything after
 * the first `=`, unknown options are errors, and `--help` is understood by every command.
 */
export function parseArgs(argv: string[]): { command: string | undefined; args: string[]; flags: Flags; help: boolean } {
  const command = argv[0]?.startsWith('-') ? undefined : argv[0];
  const spec = command === undefined ? undefined : COMMANDS[command];
  if (!spec) {
    const wantsHelp = argv.includes('--help') || argv.includes('-h');
    if (wantsHelp || command === undefined) return { command: undefined, args: [], flags: {}, help: true };
    throw new CliError(`unknown command ${JSON.stringify(command)}\n${USAGE}`);
  }
  const rest = argv.slice(1);
  const sub = rest[0]?.startsWith('-') ? undefined : rest[0];
  let parsed;
  try {
    parsed = parseNodeArgs({ args: rest, options: { ...HELP, ...spec.options(sub) }, allowPositionals: true, strict: true });
  } catch (e) {
    // parseArgs names the option and what was wrong with it; the usage says what would be right.
    throw new CliError(`${(e as Error).message}\n${spec.usage}`);
  }
  const { help, ...values } = parsed.values;
  const flags: Flags = {};
  for (const [k, v] of Object.entries(values)) if (typeof v === 'string' || typeof v === 'boolean') flags[k] = v;
  return { command, args: parsed.positionals, flags, help: help === true };
}

export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  print: (line: string) => void,
  stdin: () => Promise<string> = readStdin,
): Promise<void> {
  const { command, args, flags, help } = parseArgs(argv);
  if (help) return print(command ? COMMANDS[command].usage : USAGE);
  const config = CliConfig.parse(env);
  const base = (env.PUBLIC_BASE_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
  const ctx = new CliContext(config, base, print);
  try {
    switch (command) {
      case 'institutes':
        return await institutesCommand(ctx, args, flags, stdin);
      case 'quarantine':
        if (args[0] === 'replay' && args.length === 1) return await quarantineReplayCommand(ctx, flags);
        return await quarantineCommand(ctx, args, flags);
      case 'status':
        return await statusCommand(ctx, env);
      case 'rebuild':
        return await rebuildCommand(ctx, flags, env);
      case 'purge':
        return await purgeCommand(ctx);
      case 'migrate':
        return await migrateCommand(ctx, flags);
      default:
        throw new CliError(USAGE);
    }
  } finally {
    await ctx.close();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

if (require.main === module) {
  runCli(process.argv.slice(2), readEnv(), (line) => process.stdout.write(line + '\n')).catch((e: Error) => {
    const known =
      e instanceof CliError || e instanceof ConfigError || e instanceof InstituteExistsError || e instanceof InstituteNotFoundError;
    process.stderr.write(known ? `${e.message}\n` : `cli failed: ${e.stack ?? e.message}\n`);
    process.exit(known ? 2 : 1);
  });
}
