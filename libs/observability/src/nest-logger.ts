import type { LoggerService } from '@nestjs/common';
import type { LogFields, Logger } from './logger';

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * Nest's own lines (module wiring, routes, lifecycle) on the app's Logger, so they are JSON lines
 * like every other, with Nest's context as a field. A dozen lines rather than nestjs-pino, whose
 * releases for Nest 12 require Node ≥ 22.12 while the apps run on Node 20 (package.json `engines`).
 */
export class NestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  // Nest calls log(message, context) and error(message, stack, context): the last string is the
  // context, a string before it on an error line the stack.
  private write(level: Level, message: unknown, rest: unknown[]): void {
    const params = [...rest];
    const fields: LogFields = {};
    if (params.length > 0 && typeof params[params.length - 1] === 'string') fields.context = params.pop();
    if (level === 'error' && typeof params[0] === 'string') fields.stack = params.shift();
    if (message instanceof Error) {
      fields.error = message;
      this.logger[level](message.message, fields);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]('', { ...(message as LogFields), ...fields });
    } else {
      this.logger[level](String(message), fields);
    }
  }
}
