import { LoggerService } from '@nestjs/common';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

// Field names that must never reach a log line, whatever a caller passes.
const SECRET_FIELD = /key|secret|password|authorization|token/i;

export type LogFields = Record<string, unknown>;

/**
 * JSON-lines logger: one object per line on stdout, with the app name, so logs from both apps can
 * be merged and filtered by a machine. Also serves as Nest's logger.
 */
export class Logger implements LoggerService {
  constructor(
    private readonly app: string,
    private readonly level: LogLevel = 'info',
    private readonly base: LogFields = {},
    private readonly out: (line: string) => void = (line) => process.stdout.write(line + '\n'),
  ) {}

  child(fields: LogFields): Logger {
    return new Logger(this.app, this.level, { ...this.base, ...fields }, this.out);
  }

  debug(msg: string, fields?: LogFields): void { this.write('debug', msg, fields); }
  info(msg: string, fields?: LogFields): void { this.write('info', msg, fields); }
  warn(msg: string, fields?: LogFields): void { this.write('warn', msg, fields); }
  error(msg: string, fields?: LogFields | string): void {
    this.write('error', msg, typeof fields === 'string' ? { stack: fields } : fields);
  }
  // LoggerService: Nest passes its context as a trailing string.
  log(msg: string, context?: string): void { this.write('info', String(msg), context ? { context } : undefined); }
  verbose(msg: string, context?: string): void { this.write('debug', String(msg), context ? { context } : undefined); }

  private write(level: LogLevel, msg: string, fields?: LogFields): void {
    if (RANK[level] < RANK[this.level]) return;
    const line: LogFields = { time: new Date().toISOString(), level, app: this.app, msg };
    for (const src of [this.base, fields]) {
      if (!src) continue;
      for (const [k, v] of Object.entries(src)) {
        line[k] = SECRET_FIELD.test(k) ? '[redacted]' : v instanceof Error ? errorFields(v) : v;
      }
    }
    this.out(JSON.stringify(line));
  }
}

export function errorFields(e: Error): LogFields {
  const code = (e as { code?: unknown }).code ?? (e as { type?: unknown }).type;
  return { name: e.name, message: e.message, ...(code !== undefined ? { code } : {}) };
}
