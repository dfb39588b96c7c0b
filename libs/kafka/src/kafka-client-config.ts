import { readFileSync } from 'node:fs';
import type { Logger } from '@wise/observability';
import type { KafkaOptions, KafkaSasl, KafkaTls } from './kafka-connection';

/**
 * The KAFKA_* settings a client is built from, as libs/config parses them (CommonConfig and every
 * app's config have them). Declared here by shape, so that this lib does not depend on the config lib.
 */
export interface KafkaClientSettings {
  KAFKA_BROKERS: string[];
  KAFKA_CLIENT_ID: string;
  KAFKA_SSL: boolean;
  KAFKA_SSL_CA_FILE?: string;
  KAFKA_SSL_CERT_FILE?: string;
  KAFKA_SSL_KEY_FILE?: string;
  KAFKA_SSL_REJECT_UNAUTHORIZED: boolean;
  KAFKA_SASL_MECHANISM?: KafkaSasl['mechanism'];
  KAFKA_SASL_USERNAME?: string;
  KAFKA_SASL_PASSWORD?: string;
  KAFKA_SASL_PASSWORD_FILE?: string;
}

/** A file named by a variable, or an error naming the variable and the file. */
function readNamed(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${variable} names ${path}, which cannot be read (${(e as Error).message}): mount the file there or fix ${variable}`);
  }
}

function tlsOf(s: KafkaClientSettings): KafkaTls | undefined {
  if (!s.KAFKA_SSL) return undefined;
  return {
    // Unset: Node's bundled CAs, which verify every managed Kafka's public certificates.
    ca: s.KAFKA_SSL_CA_FILE ? readNamed('KAFKA_SSL_CA_FILE', s.KAFKA_SSL_CA_FILE) : undefined,
    cert: s.KAFKA_SSL_CERT_FILE ? readNamed('KAFKA_SSL_CERT_FILE', s.KAFKA_SSL_CERT_FILE) : undefined,
    key: s.KAFKA_SSL_KEY_FILE ? readNamed('KAFKA_SSL_KEY_FILE', s.KAFKA_SSL_KEY_FILE) : undefined,
    rejectUnauthorized: s.KAFKA_SSL_REJECT_UNAUTHORIZED,
  };
}

function saslOf(s: KafkaClientSettings): KafkaSasl | undefined {
  if (!s.KAFKA_SASL_MECHANISM) return undefined;
  // A Secret mounted as a file usually ends in a newline that is not part of the password.
  const password = s.KAFKA_SASL_PASSWORD_FILE
    ? readNamed('KAFKA_SASL_PASSWORD_FILE', s.KAFKA_SASL_PASSWORD_FILE).replace(/\r?\n$/, '')
    : (s.KAFKA_SASL_PASSWORD ?? '');
  return { mechanism: s.KAFKA_SASL_MECHANISM, username: s.KAFKA_SASL_USERNAME ?? '', password };
}

/**
 * The one way the apps, the CLI and the bench build a Kafka client from configuration: brokers,
 * TLS and SASL as configured, the client id `<KAFKA_CLIENT_ID>-<role>`. Reads the PEM and password
 * files now, so that a missing file stops the caller at start with the variable's name.
 */
export function kafkaOptionsFrom(s: KafkaClientSettings, role: string, logger: Logger): KafkaOptions {
  return { brokers: s.KAFKA_BROKERS, clientId: `${s.KAFKA_CLIENT_ID}-${role}`, logger, tls: tlsOf(s), sasl: saslOf(s) };
}
