import { connectionHint } from './connection-hint';

const sasl = { mechanism: 'scram-sha-512' as const, username: 'app', password: 'hunter2-secret' };
const tls = { rejectUnauthorized: true };
// kafkajs's errors as it throws them (test/kafka-security.test.ts sees the real ones): not all of
// its classes are exported, so they are made by name. Its retry error wraps the last attempt's.
const kafkajs = (name: string, message: string, cause?: unknown) => Object.assign(new Error(message, { cause }), { name });
const retried = (e: Error) => kafkajs('KafkaJSNumberOfRetriesExceeded', e.message, e);
const KafkaJSConnectionClosedError = (m: string) => kafkajs('KafkaJSConnectionClosedError', m);
const KafkaJSConnectionError = (m: string) => kafkajs('KafkaJSConnectionError', m);
const KafkaJSSASLAuthenticationError = (m: string) => kafkajs('KafkaJSSASLAuthenticationError', m);
const KafkaJSProtocolError = (m: string) => kafkajs('KafkaJSProtocolError', m);

describe('connectionHint', () => {
  it('names SASL, the user and the mechanism on refused credentials, never the password', () => {
    const hint = connectionHint(KafkaJSSASLAuthenticationError('SASL SCRAM SHA512 authentication failed'), { tls, sasl })!;
    expect(hint).toMatch(
      /^SASL authentication failed for user "app" with SCRAM-SHA-512: check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/,
    );
    expect(hint).not.toContain(sasl.password);
  });

  it('tells a plaintext client whose connection a TLS listener closed to set KAFKA_SSL=true', () => {
    expect(connectionHint(retried(KafkaJSConnectionClosedError('Closed connection')), {})).toMatch(/set KAFKA_SSL=true/);
  });

  it('tells a TLS client without SASL that the listener wants SASL', () => {
    expect(connectionHint(KafkaJSConnectionClosedError('Closed connection'), { tls })).toMatch(/set KAFKA_SASL_MECHANISM/);
  });

  it('points an unverified certificate at KAFKA_SSL_CA_FILE, and a TLS client on a plaintext port at KAFKA_SSL=false', () => {
    const unverified = retried(KafkaJSConnectionError('Connection error: unable to verify the first certificate'));
    expect(connectionHint(unverified, { tls, sasl })).toMatch(/set KAFKA_SSL_CA_FILE/);
    const plaintext = retried(
      KafkaJSConnectionError('Connection error: Client network socket disconnected before secure TLS connection was established'),
    );
    expect(connectionHint(plaintext, { tls, sasl })).toMatch(/set KAFKA_SSL=false/);
  });

  it('leaves other errors alone', () => {
    expect(connectionHint(KafkaJSProtocolError('This server does not host this topic-partition'), { tls, sasl })).toBeNull();
    expect(connectionHint(KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:1'), {})).toBeNull();
  });
});
