import type { KafkaSasl, KafkaTls } from './kafka-security';

/** Raised instead of kafkajs's own error when no connection could be made, with what to change. */
export class KafkaConnectFailed extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'KafkaConnectFailed';
  }
}

interface Failure {
  name?: string;
  message?: string;
  cause?: unknown;
}

/** The error and its causes, outermost first (kafkajs wraps the last attempt's error in its retry error). */
function chain(e: unknown): Failure[] {
  const out: Failure[] = [];
  for (let f = e as Failure | undefined; f && typeof f === 'object' && out.length < 5; f = f.cause as Failure | undefined) out.push(f);
  return out;
}

/**
 * What to change when kafkajs could not connect or authenticate, judged from its error and from
 * how this client was configured; null for any other error (a broker's answer, a timeout of a
 * request), which keeps its own message. The password is never part of the hint.
 */
export function connectionHint(e: unknown, security: { tls?: KafkaTls; sasl?: KafkaSasl }): string | null {
  const failures = chain(e);
  const some = (test: (f: Failure) => boolean) => failures.some(test);
  const { tls, sasl } = security;
  if (some((f) => f.name === 'KafkaJSSASLAuthenticationError'))
    return sasl
      ? `SASL authentication failed for user "${sasl.username}" with ${sasl.mechanism.toUpperCase()}: check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE), and that KAFKA_SASL_MECHANISM is the mechanism this user was created for`
      : 'the broker refused authentication: set KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD';
  const message = failures.map((f) => f.message ?? '').join(' ');
  if (tls && /certificate|self.signed|unable to verify|CERT_/i.test(message))
    return `the brokers' TLS certificate could not be verified: set KAFKA_SSL_CA_FILE to the PEM file of the CA that signed it (a managed Kafka's public certificate needs none; then check KAFKA_BROKERS names the host its certificate is for)`;
  if (tls && /before secure TLS connection|wrong version number|EPROTO/i.test(message))
    return 'no TLS handshake with the brokers: is this port a plaintext listener? Use the TLS listener in KAFKA_BROKERS, or set KAFKA_SSL=false for a plaintext one';
  if (some((f) => f.name === 'KafkaJSConnectionClosedError' || /Closed connection/i.test(f.message ?? ''))) {
    if (!tls)
      return 'the broker closed the connection at once: a listener that expects TLS (SSL or SASL_SSL, as managed Kafka services use) does that to a plaintext client; set KAFKA_SSL=true, and KAFKA_SASL_* if it also asks for a user';
    if (!sasl)
      return 'the broker closed the connection after the TLS handshake: a SASL_SSL listener does that to a client without SASL; set KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD';
  }
  return null;
}
