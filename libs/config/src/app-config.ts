import { z } from 'zod';
import { DEFAULT_EVENTS_TOPIC, DEFAULT_QUARANTINE_TOPIC } from '@wise/contracts';
import { envEnum, envInt, envList, envUrl, parseEnv } from './env';

// One description per variable; the README's configuration table follows this file.
const common = {
  LOG_LEVEL: envEnum(['debug', 'info', 'warn', 'error'], 'info'),
  KAFKA_BROKERS: envList('127.0.0.1:9092'),
  KAFKA_CLIENT_ID: z.string().default('wise-analytics'),
  KAFKA_EVENTS_TOPIC: z.string().min(1).default(DEFAULT_EVENTS_TOPIC),
  KAFKA_QUARANTINE_TOPIC: z.string().min(1).default(DEFAULT_QUARANTINE_TOPIC),
  KAFKA_TOPIC_PARTITIONS: envInt(6, 1, 1024),
  KAFKA_REPLICATION_FACTOR: envInt(1, 1, 7),
  // -1 keeps every event forever: Kafka is the second copy of the event store (README, "Guarantees").
  KAFKA_RETENTION_MS: envInt(-1, -1),
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
};

const ingestion = {
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
  // Bytes of webhook bodies in flight (received, checked or waiting for Kafka), reserved before
  // a body is read; past it a request is answered 503 at once. Also bounds the publish queue.
  INGEST_QUEUE_MAX_BYTES: envInt(32 * 1024 * 1024, 1024 * 1024),
  // The whole request (headers and body) must arrive within this; a slow sender is cut off.
  REQUEST_TIMEOUT_MS: envInt(10_000, 1000, 600_000),
  KEEP_ALIVE_TIMEOUT_MS: envInt(65_000, 1000, 600_000),
  // /metrics, /docs, /health and /ready: kept off the public webhook port.
  OPS_HOST: z.string().default('127.0.0.1'),
  OPS_PORT: envInt(9463, 0, 65535),
};

const projector = {
  PROJECTOR_GROUP_ID: z.string().min(1).default('wise-projector'),
  PROJECTOR_BATCH_MAX_BYTES: envInt(8 * 1024 * 1024, 1024),
  PROJECTOR_BATCH_MIN_BYTES: envInt(64 * 1024, 1),
  PROJECTOR_BATCH_WAIT_MS: envInt(250, 0, 60000),
  PROJECTOR_RETRY_MAX_MS: envInt(30000, 100),
  // Messages written whose offsets wait for their serving refresh; past it, fetching pauses. Bounds
  // what a crash replays (README, "Projector").
  PROJECTOR_MAX_UNCOMMITTED: envInt(100_000, 1),
  // Serving refresh rounds start at least this far apart (README, "Projector"): fewer, larger rounds.
  PROJECTOR_REFRESH_INTERVAL_MS: envInt(1000, 0, 60_000),
  PROJECTOR_METRICS_PORT: envInt(9464, 0, 65535),
};

type Shape<S extends z.ZodRawShape> = z.infer<z.ZodObject<S>>;
const ingestionShape = { ...common, ...ingestion };
const projectorShape = { ...common, ...projector };

// Classes (not just types) so that Nest can inject them; each merges with its parsed shape.
export interface CommonConfig extends Shape<typeof common> {}
export class CommonConfig {
  static parse(env: NodeJS.ProcessEnv): CommonConfig {
    return Object.assign(new CommonConfig(), parseEnv(common, env));
  }
}
export interface IngestionConfig extends Shape<typeof ingestionShape> {}
export class IngestionConfig {
  static parse(env: NodeJS.ProcessEnv): IngestionConfig {
    return Object.assign(new IngestionConfig(), parseEnv(ingestionShape, env));
  }
}
export interface ProjectorConfig extends Shape<typeof projectorShape> {}
export class ProjectorConfig {
  static parse(env: NodeJS.ProcessEnv): ProjectorConfig {
    return Object.assign(new ProjectorConfig(), parseEnv(projectorShape, env));
  }
}

/** The only reader of process.env; apps call this once at boot. */
export const readEnv = (): NodeJS.ProcessEnv => process.env;

/** Every variable each app reads (docker-compose and the README are checked against these). */
export const INGESTION_ENV_VARS = Object.keys(ingestionShape).sort();
export const PROJECTOR_ENV_VARS = Object.keys(projectorShape).sort();
