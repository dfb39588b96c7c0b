import { z } from 'zod';
import { DEFAULT_EVENTS_TOPIC, DEFAULT_QUARANTINE_TOPIC, maxRecordBytes } from '@wise/contracts';
import {
  ConfigError,
  envBool,
  envEnum,
  envInt,
  envList,
  envOptional,
  envOptionalEnum,
  envOptionalInt,
  envUrl,
  envUrls,
  parseEnv,
} from './env';

// One description per variable; the table of docs/configuration.md follows this file.
const common = {
  LOG_LEVEL: envEnum(['debug', 'info', 'warn', 'error'], 'info'),
  KAFKA_BROKERS: envList('127.0.0.1:9092'),
  KAFKA_CLIENT_ID: z.string().default('wise-analytics'),
  KAFKA_EVENTS_TOPIC: z.string().min(1).default(DEFAULT_EVENTS_TOPIC),
  KAFKA_QUARANTINE_TOPIC: z.string().min(1).default(DEFAULT_QUARANTINE_TOPIC),
  KAFKA_TOPIC_PARTITIONS: envInt(6, 1, 1024),
  KAFKA_REPLICATION_FACTOR: envInt(1, 1, 7),
  // TLS and SASL towards the brokers, for a managed Kafka (docs/kafka-security.md). Files are PEM
  // paths read at start; without a CA file Node's own CA list verifies the brokers.
  KAFKA_SSL: envBool(false),
  KAFKA_SSL_CA_FILE: envOptional(),
  KAFKA_SSL_CERT_FILE: envOptional(),
  KAFKA_SSL_KEY_FILE: envOptional(),
  KAFKA_SSL_REJECT_UNAUTHORIZED: envBool(true),
  KAFKA_SASL_MECHANISM: envOptionalEnum(['scram-sha-256', 'scram-sha-512', 'plain']),
  KAFKA_SASL_USERNAME: envOptional(),
  KAFKA_SASL_PASSWORD: envOptional(),
  // A mounted Secret's file instead of the password itself (one of the two).
  KAFKA_SASL_PASSWORD_FILE: envOptional(),
  // -1 keeps every event forever: Kafka is the second copy of the event store (docs/operations.md, "Kafka topics and the system of record").
  KAFKA_RETENTION_MS: envInt(-1, -1),
  // The operator's (the CLI's): the owner of the tables. The apps default to their own roles below.
  DATABASE_URL: envUrl('postgres://postgres@127.0.0.1:5432/wise'),
  CLICKHOUSE_URL: envUrl('http://127.0.0.1:8123'),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a plain identifier')
    .default('wise'),
  // Empty: one server. A name from the servers' remote_servers: replicated, sharded DDL (docs/scaling.md).
  CLICKHOUSE_CLUSTER: z
    .string()
    .regex(/^([A-Za-z_][A-Za-z0-9_]*)?$/, 'expected a cluster name from remote_servers (a plain identifier), or empty for one server')
    .default(''),
  // With a cluster: every server's own HTTP URL (not the load balancer's). Serving rounds drop their
  // partitions on one server of each shard with plain ALTERs (libs/clickhouse/src/shards.ts).
  CLICKHOUSE_CLUSTER_SERVERS: envUrls(),
};

// Each app connects as its own role (libs/postgres/src/roles.ts), which the migrations grant to.
const ingestion = {
  DATABASE_URL: envUrl('postgres://wise_ingestion@127.0.0.1:5432/wise'),
  HOST: z.string().default('0.0.0.0'),
  PORT: envInt(3000, 1, 65535),
  PUBLIC_BASE_URL: envUrl('http://127.0.0.1:3000'),
  BODY_LIMIT_BYTES: envInt(1024 * 1024, 1024),
  INGEST_SEND_TIMEOUT_MS: envInt(4000, 100, 4900),
  INGEST_BATCH_MAX_MESSAGES: envInt(1000, 1, 100000),
  INGEST_LINGER_MS: envInt(2, 0, 1000),
  // Ingestion processes on one port (node:cluster; apps/ingestion/src/workers.ts): one per core.
  INGEST_WORKERS: envInt(1, 1, 64),
  INSTITUTES_REFRESH_MS: envInt(2000, 100),
  // How old the last successful load of institutes and keys may be before webhooks get 503: bounds
  // how long a disabled or retired key stays valid while PostgreSQL is unreachable.
  INSTITUTES_MAX_STALENESS_MS: envInt(5 * 60 * 1000, 1000),
  // Bytes of webhook bodies held in one process (counted as they arrive, until the answer is
  // sent); past it a request is answered 503. Also bounds the publish queue.
  INGEST_QUEUE_MAX_BYTES: envInt(32 * 1024 * 1024, 1024 * 1024),
  // The most of INGEST_QUEUE_MAX_BYTES one institute's bodies may hold, so that one institute's
  // slow or many uploads leave the rest to the others (apps/ingestion/src/webhooks/body-budget.ts).
  // Unset: a quarter of INGEST_QUEUE_MAX_BYTES, and at least one body of BODY_LIMIT_BYTES.
  INGEST_INSTITUTE_MAX_BYTES: envOptionalInt(1024),
  // The whole request (headers and body) must arrive within this; a slow sender is cut off.
  REQUEST_TIMEOUT_MS: envInt(10_000, 1000, 600_000),
  KEEP_ALIVE_TIMEOUT_MS: envInt(65_000, 1000, 600_000),
  // /metrics, /docs, /health and /ready: kept off the public webhook port.
  OPS_HOST: z.string().default('127.0.0.1'),
  OPS_PORT: envInt(9463, 0, 65535),
};

const projector = {
  DATABASE_URL: envUrl('postgres://wise_projector@127.0.0.1:5432/wise'),
  PROJECTOR_GROUP_ID: z.string().min(1).default('wise-projector'),
  PROJECTOR_BATCH_MAX_BYTES: envInt(8 * 1024 * 1024, 1024),
  PROJECTOR_BATCH_MIN_BYTES: envInt(64 * 1024, 1),
  PROJECTOR_BATCH_WAIT_MS: envInt(250, 0, 60000),
  PROJECTOR_RETRY_MAX_MS: envInt(30000, 100),
  // Messages written whose offsets wait for their serving refresh; past it, fetching pauses. Bounds
  // what a crash replays (docs/operations.md, "Projector").
  PROJECTOR_MAX_UNCOMMITTED: envInt(100_000, 1),
  // Serving refresh rounds start at least this far apart (docs/operations.md, "Projector"): fewer, larger rounds.
  PROJECTOR_REFRESH_INTERVAL_MS: envInt(1000, 0, 60_000),
  // The fact tables' INSERTs start at least this far apart (docs/operations.md, "Projector"): each
  // is a part per table, and 18.16's cost follows the INSERT count.
  PROJECTOR_WRITE_INTERVAL_MS: envInt(500, 0, 60_000),
  // The event store's INSERTs start at least this far apart (docs/operations.md, "Projector"): no
  // view waits for them, and each INSERT is a part that 18.16 merges again and again.
  PROJECTOR_EVENT_STORE_INTERVAL_MS: envInt(1000, 0, 60_000),
  PROJECTOR_METRICS_PORT: envInt(9464, 0, 65535),
};

// The CLI's `migrate`: the URLs the apps are given, for their roles' passwords (none: unchanged).
const cli = {
  INGESTION_DATABASE_URL: envUrl('postgres://wise_ingestion@127.0.0.1:5432/wise'),
  PROJECTOR_DATABASE_URL: envUrl('postgres://wise_projector@127.0.0.1:5432/wise'),
};

type Shape<S extends z.ZodRawShape> = z.infer<z.ZodObject<S>>;
const ingestionShape = { ...common, ...ingestion };
const projectorShape = { ...common, ...projector };
const cliShape = { ...common, ...cli };

/** Ingestion's settings once the defaults that depend on other variables are filled in. */
type IngestionSettings = Omit<Shape<typeof ingestionShape>, 'INGEST_INSTITUTE_MAX_BYTES'> & { INGEST_INSTITUTE_MAX_BYTES: number };

// One institute at its share leaves three quarters to the others (three at theirs, a quarter). At
// least one whole body, or an institute could never send one of BODY_LIMIT_BYTES.
const INSTITUTE_SHARE_OF_QUEUE = 4;

function withDerivedDefaults(c: Shape<typeof ingestionShape>): IngestionSettings {
  return {
    ...c,
    INGEST_INSTITUTE_MAX_BYTES:
      c.INGEST_INSTITUTE_MAX_BYTES ?? Math.max(Math.floor(c.INGEST_QUEUE_MAX_BYTES / INSTITUTE_SHARE_OF_QUEUE), c.BODY_LIMIT_BYTES),
  };
}

/*
 * Combinations that each variable's own range allows but that can only fail: refused at start,
 * naming both variables, rather than found out as 503s or quarantined events in production.
 * Each check returns the problem, or null.
 */
type Check<C> = (c: C) => string | null;

const commonChecks: Check<Shape<typeof common>>[] = [
  (c) =>
    c.KAFKA_EVENTS_TOPIC === c.KAFKA_QUARANTINE_TOPIC
      ? `KAFKA_EVENTS_TOPIC and KAFKA_QUARANTINE_TOPIC are both "${c.KAFKA_EVENTS_TOPIC}": the projector would read every event as a quarantine record`
      : null,
  ...kafkaSecurityChecks(),
  (c) =>
    c.CLICKHOUSE_CLUSTER && c.CLICKHOUSE_CLUSTER_SERVERS.length === 0
      ? `CLICKHOUSE_CLUSTER is ${c.CLICKHOUSE_CLUSTER} but CLICKHOUSE_CLUSTER_SERVERS is empty: list every server of the cluster by its own HTTP URL, comma-separated (serving rounds drop their partitions shard by shard, docs/scaling.md)`
      : null,
];

// A SASL or TLS setting that cannot take effect is refused, not ignored: the operator meant to
// authenticate or to verify the brokers, and a silent plaintext connection would hide that.
function kafkaSecurityChecks(): Check<Shape<typeof common>>[] {
  const unset = 'or leave KAFKA_SASL_MECHANISM empty for a broker without authentication';
  return [
    (c) =>
      c.KAFKA_SASL_MECHANISM && !c.KAFKA_SASL_USERNAME
        ? `KAFKA_SASL_MECHANISM is ${c.KAFKA_SASL_MECHANISM} but KAFKA_SASL_USERNAME is empty: set KAFKA_SASL_USERNAME to the Kafka user, ${unset}`
        : null,
    (c) =>
      c.KAFKA_SASL_MECHANISM && !c.KAFKA_SASL_PASSWORD && !c.KAFKA_SASL_PASSWORD_FILE
        ? `KAFKA_SASL_MECHANISM is ${c.KAFKA_SASL_MECHANISM} but neither KAFKA_SASL_PASSWORD nor KAFKA_SASL_PASSWORD_FILE is set: set one of them, ${unset}`
        : null,
    (c) =>
      c.KAFKA_SASL_PASSWORD && c.KAFKA_SASL_PASSWORD_FILE
        ? 'KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE are both set: keep one (the file, for a mounted Secret)'
        : null,
    (c) => {
      const given = (['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SASL_PASSWORD_FILE'] as const).filter((k) => c[k]);
      return !c.KAFKA_SASL_MECHANISM && given.length > 0
        ? `${given.join(' and ')} ${given.length > 1 ? 'are' : 'is'} set but KAFKA_SASL_MECHANISM is empty: set it to scram-sha-256, scram-sha-512 or plain (what your Kafka's users use), or unset ${given.join(' and ')}`
        : null;
    },
    (c) =>
      c.KAFKA_SASL_MECHANISM === 'plain' && !c.KAFKA_SSL
        ? 'KAFKA_SASL_MECHANISM is plain but KAFKA_SSL is false: PLAIN sends the password as it is, so it is only accepted over TLS; set KAFKA_SSL=true (or use scram-sha-256/scram-sha-512)'
        : null,
    (c) => {
      const given = (['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'] as const).filter((k) => c[k]);
      return !c.KAFKA_SSL && given.length > 0
        ? `${given.join(' and ')} ${given.length > 1 ? 'are' : 'is'} set but KAFKA_SSL is false: set KAFKA_SSL=true to connect with TLS, or unset ${given.join(' and ')}`
        : null;
    },
    (c) =>
      !c.KAFKA_SSL_REJECT_UNAUTHORIZED && !c.KAFKA_SSL
        ? 'KAFKA_SSL_REJECT_UNAUTHORIZED is false but KAFKA_SSL is false: it only applies to TLS connections; set KAFKA_SSL=true or remove it'
        : null,
    (c) =>
      Boolean(c.KAFKA_SSL_CERT_FILE) !== Boolean(c.KAFKA_SSL_KEY_FILE)
        ? `${c.KAFKA_SSL_CERT_FILE ? 'KAFKA_SSL_CERT_FILE is set without KAFKA_SSL_KEY_FILE' : 'KAFKA_SSL_KEY_FILE is set without KAFKA_SSL_CERT_FILE'}: a client certificate needs both (PEM files), or neither`
        : null,
  ];
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

const ingestionChecks: Check<Shape<typeof ingestionShape>>[] = [
  ...commonChecks,
  (c) => {
    // The publish queue must hold the largest record one body can make (a quarantined body as
    // base64, record-size.ts), or that body is refused as "queue full" on every retry.
    const record = maxRecordBytes(c.BODY_LIMIT_BYTES);
    return c.INGEST_QUEUE_MAX_BYTES < record
      ? `INGEST_QUEUE_MAX_BYTES (${c.INGEST_QUEUE_MAX_BYTES}) is smaller than the largest Kafka record a body of BODY_LIMIT_BYTES (${c.BODY_LIMIT_BYTES}) makes (${record} bytes): such a body would get 503 on every try; raise INGEST_QUEUE_MAX_BYTES to at least ${record} or lower BODY_LIMIT_BYTES`
      : null;
  },
  // The institute share is checked as set; its derived default always passes both.
  (c) =>
    c.INGEST_INSTITUTE_MAX_BYTES !== undefined && c.INGEST_INSTITUTE_MAX_BYTES < c.BODY_LIMIT_BYTES
      ? `INGEST_INSTITUTE_MAX_BYTES (${c.INGEST_INSTITUTE_MAX_BYTES}) is smaller than BODY_LIMIT_BYTES (${c.BODY_LIMIT_BYTES}): a body of the limit would get 503 on every try; raise INGEST_INSTITUTE_MAX_BYTES to at least ${c.BODY_LIMIT_BYTES} or lower BODY_LIMIT_BYTES`
      : null,
  (c) =>
    // Not a failure, but a share the process can never give: the operator meant something else.
    c.INGEST_INSTITUTE_MAX_BYTES !== undefined && c.INGEST_INSTITUTE_MAX_BYTES > c.INGEST_QUEUE_MAX_BYTES
      ? `INGEST_INSTITUTE_MAX_BYTES (${c.INGEST_INSTITUTE_MAX_BYTES}) is larger than INGEST_QUEUE_MAX_BYTES (${c.INGEST_QUEUE_MAX_BYTES}), which bounds every institute together: lower it to at most ${c.INGEST_QUEUE_MAX_BYTES} (equal: no per-institute limit, for a single institute)`
      : null,
  (c) =>
    // Between reloads the keys age up to INSTITUTES_REFRESH_MS plus a load's time, with PostgreSQL
    // healthy; twice the interval lets one reload fail or run late before webhooks get 503.
    c.INSTITUTES_MAX_STALENESS_MS < 2 * c.INSTITUTES_REFRESH_MS
      ? `INSTITUTES_MAX_STALENESS_MS (${c.INSTITUTES_MAX_STALENESS_MS}) is less than twice INSTITUTES_REFRESH_MS (${c.INSTITUTES_REFRESH_MS}): keys are that old between two healthy reloads, so webhooks would get 503 as stale in every refresh cycle`
      : null,
  (c) =>
    // A message's send timeout runs from when it is queued, and a batch that does not fill waits
    // the linger before it is sent: what is left is all Kafka has to acknowledge it.
    2 * c.INGEST_LINGER_MS >= c.INGEST_SEND_TIMEOUT_MS
      ? `INGEST_LINGER_MS (${c.INGEST_LINGER_MS}) is not less than half of INGEST_SEND_TIMEOUT_MS (${c.INGEST_SEND_TIMEOUT_MS}): a webhook would wait for its batch most of the time it has for Kafka's acknowledgement, and get 503 whenever traffic does not fill a batch`
      : null,
  (c) =>
    c.PORT !== 0 && c.PORT === c.OPS_PORT && (c.HOST === c.OPS_HOST || WILDCARD_HOSTS.has(c.HOST) || WILDCARD_HOSTS.has(c.OPS_HOST))
      ? `PORT and OPS_PORT are both ${c.PORT} on overlapping addresses (HOST ${c.HOST}, OPS_HOST ${c.OPS_HOST}): the second listener could never start`
      : null,
];

function checked<C>(config: C, checks: Check<C>[]): C {
  const problems = checks.map((check) => check(config)).filter((p): p is string => p !== null);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

// Classes (not just types) so that Nest can inject them; each merges with its parsed shape.
export interface CommonConfig extends Shape<typeof common> {}
export class CommonConfig {
  static parse(env: NodeJS.ProcessEnv): CommonConfig {
    return Object.assign(new CommonConfig(), checked(parseEnv(common, env), commonChecks));
  }
}
export interface CliConfig extends Shape<typeof cliShape> {}
export class CliConfig {
  static parse(env: NodeJS.ProcessEnv): CliConfig {
    return Object.assign(new CliConfig(), checked(parseEnv(cliShape, env), commonChecks));
  }
}
export interface IngestionConfig extends IngestionSettings {}
export class IngestionConfig {
  static parse(env: NodeJS.ProcessEnv): IngestionConfig {
    return Object.assign(new IngestionConfig(), withDerivedDefaults(checked(parseEnv(ingestionShape, env), ingestionChecks)));
  }
}
export interface ProjectorConfig extends Shape<typeof projectorShape> {}
export class ProjectorConfig {
  static parse(env: NodeJS.ProcessEnv): ProjectorConfig {
    return Object.assign(new ProjectorConfig(), checked(parseEnv(projectorShape, env), commonChecks));
  }
}

/** The only reader of process.env; apps call this once at boot. */
export const readEnv = (): NodeJS.ProcessEnv => process.env;

/** Every variable each app reads (test/compose.test.ts, test/deploy-manifests.test.ts and test/doc-config.test.ts check docker-compose, deploy/k8s and docs/configuration.md against these). */
export const INGESTION_ENV_VARS = Object.keys(ingestionShape).sort();
export const PROJECTOR_ENV_VARS = Object.keys(projectorShape).sort();
export const CLI_ENV_VARS = Object.keys(cliShape).sort();
