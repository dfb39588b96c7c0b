import pino, { type Logger as Pino } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

// Field names that must never reach a log line, whatever a caller passes.
const SECRET_FIELD = /key|secret|password|authorization|token/i;

export type LogFields = Record<string, unknown>;

/**
 * The app's pino logger: JSON lines on stdout with `time` (ISO), `level` (its name), `app`, `msg`
 * and the fields, so that logs from both apps can be merged and filtered by a machine. Every line
 * (fields and bindings alike) goes through `safeFields`: secrets redacted by field name,
 * errors reduced to name, message and code.
 */
export function createPino(app: string, level: LogLevel, out?: (line: string) => void): Pino {
  return pino(
    {
      level,
      base: { app },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), bindings: safeFields, log: safeFields },
    },
    out ? { write: (line: string) => out(line.endsWith('\n') ? line.slice(0, -1) : line) } : pino.destination(1),
  );
}

/**
 * The logging API the apps use, `logger.warn('what happened', { fields })`, over pino. Nest's own
 * lines reach the same pino instance through the apps' Nest logger; the HTTP access log is a
 * Fastify hook on it (access-log.ts).
 */
export class Logger {
  readonly pino: Pino;

  /** `new Logger(app, level)` makes the app's root logger; `out` receives each line (tests). */
  constructor(app: string | Pino, level: LogLevel = 'info', base: LogFields = {}, out?: (line: string) => void) {
    const root = typeof app === 'string' ? createPino(app, level, out) : app;
    this.pino = Object.keys(base).length > 0 ? root.child(safeFields(base)) : root;
  }

  // pino's bindings formatter sees only the root's bindings, so a child's are made safe here.
  child(fields: LogFields): Logger {
    return new Logger(this.pino.child(safeFields(fields)));
  }

  debug(msg: string, fields?: LogFields): void {
    if (fields) this.pino.debug(fields, msg);
    else this.pino.debug(msg);
  }
  info(msg: string, fields?: LogFields): void {
    if (fields) this.pino.info(fields, msg);
    else this.pino.info(msg);
  }
  warn(msg: string, fields?: LogFields): void {
    if (fields) this.pino.warn(fields, msg);
    else this.pino.warn(msg);
  }
  error(msg: string, fields?: LogFields): void {
    if (fields) this.pino.error(fields, msg);
    else this.pino.error(msg);
  }
}

function safeFields(fields: LogFields): LogFields {
  let out: LogFields | undefined;
  for (const k in fields) {
    const v = fields[k];
    const safe = SECRET_FIELD.test(k) ? '[redacted]' : v instanceof Error ? errorFields(v) : v;
    if (safe !== v) (out ??= { ...fields })[k] = safe;
  }
  return out ?? fields;
}

export function errorFields(e: Error): LogFields {
  const code = (e as { code?: unknown }).code ?? (e as { type?: unknown }).type;
  return { name: e.name, message: e.message, ...(code !== undefined ? { code } : {}) };
}
