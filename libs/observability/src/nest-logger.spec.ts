import { Logger } from './logger';
import { NestLogger } from './nest-logger';

function lines(write: (nest: NestLogger) => void): Record<string, unknown>[] {
  const out: string[] = [];
  write(new NestLogger(new Logger('ingestion', 'debug', {}, (line) => out.push(line))));
  return out.map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('NestLogger', () => {
  it("writes Nest's lines as the app's JSON lines, with Nest's context as a field", () => {
    const [line] = lines((n) => n.log('Mapped {/health, GET} route', 'RouterExplorer'));
    expect(line).toMatchObject({ level: 'info', app: 'ingestion', msg: 'Mapped {/health, GET} route', context: 'RouterExplorer' });
  });

  it('keeps the stack of an error line apart from its context', () => {
    const [line] = lines((n) => n.error('boom', 'Error: boom\n    at x', 'ExceptionHandler'));
    expect(line).toMatchObject({ level: 'error', msg: 'boom', stack: 'Error: boom\n    at x', context: 'ExceptionHandler' });
  });

  it('maps verbose to debug and fatal to error, and redacts secret fields of an object message', () => {
    const out = lines((n) => {
      n.verbose('detail', 'A');
      n.fatal('down', 'B');
      n.warn({ password: 'hunter2', what: 'x' }, 'C');
    });
    expect(out.map((l) => l.level)).toEqual(['debug', 'error', 'warn']);
    expect(out[2]).toMatchObject({ password: '[redacted]', what: 'x', context: 'C' });
  });

  it('writes an Error message as its name, message and code', () => {
    const [line] = lines((n) => n.error(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })));
    expect(line).toMatchObject({ level: 'error', msg: 'refused', error: { name: 'Error', message: 'refused', code: 'ECONNREFUSED' } });
  });
});
