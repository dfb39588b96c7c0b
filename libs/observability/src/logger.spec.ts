import { Logger } from './logger';

describe('Logger', () => {
  const capture = (level: 'debug' | 'info' = 'info') => {
    const lines: string[] = [];
    return { lines, logger: new Logger('test-app', level, {}, (l) => lines.push(l)) };
  };

  it('writes one JSON object per line with time, level, app and message', () => {
    const { lines, logger } = capture();
    logger.info('hello', { eventId: 'e1' });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ level: 'info', app: 'test-app', msg: 'hello', eventId: 'e1' });
    expect(JSON.parse(lines[0]).time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it.each(['key', 'apiKey', 'x-wise-key', 'password', 'authorization', 'token', 'secret'])('never writes a field named %s', (field) => {
    const { lines, logger } = capture();
    logger.warn('refused', { [field]: 'the-secret-value' });
    expect(lines[0]).not.toContain('the-secret-value');
    expect(JSON.parse(lines[0])[field]).toBe('[redacted]');
  });

  it('redacts secrets bound to a child logger too', () => {
    const { lines, logger } = capture();
    logger.child({ apiKey: 'the-secret-value', institute: 'i1' }).info('bound');
    expect(lines[0]).not.toContain('the-secret-value');
    expect(JSON.parse(lines[0])).toMatchObject({ apiKey: '[redacted]', institute: 'i1' });
  });

  it('drops lines below its level and carries child fields', () => {
    const { lines, logger } = capture('info');
    logger.debug('hidden');
    logger.child({ partition: 3 }).error('boom', { error: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ partition: 3, error: { name: 'Error', message: 'x', code: 'ECONNREFUSED' } });
  });
});
