import { logLevel } from 'kafkajs';
import { KafkajsLogMapper } from './kafkajs-log';

// Entries shaped as kafkajs 2.2.4 writes them (network/connection.js, consumer/index.js, runner.js).
const responseError = (error: string) => ({
  timestamp: 't',
  logger: 'kafkajs',
  message: 'Response GroupCoordinator(key: 10, version: 2)',
  broker: '127.0.0.1:9092',
  clientId: 'c',
  error,
  correlationId: 3,
  size: 60,
});
const crash = (cause: string) => ({
  timestamp: 't',
  logger: 'kafkajs',
  message: `Crash: KafkaJSProtocolError: ${cause}`,
  groupId: 'g',
  retryCount: 0,
  stack: 'KafkaJSProtocolError: …\n    at …',
});
const restart = {
  timestamp: 't',
  logger: 'kafkajs',
  message: 'Restarting the consumer in 300ms',
  retryCount: 0,
  retryTime: 300,
  groupId: 'g',
};
const LOADING = "The coordinator is loading and hence can't process requests for this group";

describe('KafkajsLogMapper', () => {
  let clock: number;
  let mapper: KafkajsLogMapper;
  beforeEach(() => {
    clock = 1_000_000;
    mapper = new KafkajsLogMapper(() => clock, 60_000);
  });

  it('says a loading group coordinator once, at info; its repeats, the crash and the restart go to debug', () => {
    const lines = [
      mapper.map(logLevel.ERROR, responseError(LOADING)),
      mapper.map(logLevel.ERROR, responseError(LOADING)),
      mapper.map(logLevel.ERROR, crash(LOADING)),
      mapper.map(logLevel.ERROR, restart),
    ];
    expect(lines.map((l) => l?.level)).toEqual(['info', 'debug', 'debug', 'debug']);
    expect(lines[0]).toMatchObject({
      msg: expect.stringMatching(/^kafka: the consumer group coordinator is loading.*kafkajs retries/),
      fields: { state: 'coordinator-loading', kafkajs: 'Response GroupCoordinator(key: 10, version: 2)', error: LOADING },
    });
    expect(lines[2]!.fields).not.toHaveProperty('stack');
    expect(lines[0]!.fields).not.toHaveProperty('timestamp');
  });

  it.each([
    ['The group coordinator is not available', 'coordinator-not-available'],
    ['This is not the correct coordinator for this group', 'coordinator-not-available'],
    ['There is no leader for this topic-partition as we are in the middle of a leadership election', 'leader-election'],
    ['This server does not host this topic-partition', 'topic-not-ready'],
    ['The group is rebalancing, so a rejoin is needed', 'group-rebalancing'],
  ])('maps "%s" to one info line (%s)', (error, state) => {
    expect(mapper.map(logLevel.ERROR, responseError(error))).toMatchObject({ level: 'info', fields: { state } });
    expect(mapper.map(logLevel.ERROR, responseError(error))?.level).toBe('debug');
  });

  it('keeps each state its own line: a second state is said too', () => {
    expect(mapper.map(logLevel.ERROR, responseError('The group coordinator is not available'))?.level).toBe('info');
    expect(mapper.map(logLevel.ERROR, responseError(LOADING))?.level).toBe('info');
  });

  it('warns when a transient state lasts, once a minute, and starts afresh after a quiet minute', () => {
    expect(mapper.map(logLevel.ERROR, responseError(LOADING))?.level).toBe('info');
    clock += 30_000;
    expect(mapper.map(logLevel.ERROR, responseError(LOADING))?.level).toBe('debug');
    clock += 30_000;
    expect(mapper.map(logLevel.ERROR, responseError(LOADING))).toMatchObject({
      level: 'warn',
      msg: expect.stringContaining('still, after 60 s'),
    });
    clock += 1_000;
    expect(mapper.map(logLevel.ERROR, responseError(LOADING))?.level).toBe('debug');
    clock += 120_000;
    expect(mapper.map(logLevel.ERROR, responseError(LOADING))?.level).toBe('info');
  });

  it('keeps real errors at error, and a restart after a real crash too', () => {
    const realCrash = { message: 'Crash: KafkaJSNumberOfRetriesExceeded: clickhouse exploded', groupId: 'g', stack: 's' };
    expect(mapper.map(logLevel.ERROR, realCrash)).toMatchObject({ level: 'error', msg: realCrash.message, fields: { stack: 's' } });
    expect(mapper.map(logLevel.ERROR, restart)?.level).toBe('error');
    expect(mapper.map(logLevel.ERROR, responseError('Topic authorization failed'))?.level).toBe('error');
    expect(mapper.map(logLevel.WARN, { message: 'Could not create topics', error: 'Invalid replication factor' })?.level).toBe('warn');
  });

  it('passes info and debug through, drops the default-partitioner notice and quiets the deliberate bounded-retries one', () => {
    expect(mapper.map(logLevel.INFO, { message: 'Starting', groupId: 'g', timestamp: 't', logger: 'kafkajs' })).toEqual({
      level: 'info',
      msg: 'Starting',
      fields: { groupId: 'g' },
    });
    expect(mapper.map(logLevel.WARN, { message: 'KafkaJS v2.0.0 switched default partitioner. To retain …' })).toBeNull();
    expect(
      mapper.map(logLevel.WARN, { message: 'Limiting retries for the idempotent producer may invalidate EoS guarantees' })?.level,
    ).toBe('debug');
  });
});
