import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { INGESTION_ENV_VARS, PROJECTOR_ENV_VARS, IngestionConfig, ProjectorConfig } from '@wise/config';

// No Docker engine here, so docker-compose.yml is checked for what can be checked without one.
const ROOT = join(__dirname, '..');
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { image?: string; build?: unknown; environment?: Record<string, string>; healthcheck?: unknown; depends_on?: Record<string, unknown>; command?: string[]; volumes?: string[] }>;
  volumes: Record<string, unknown>;
};
// Compose would substitute ${VAR:-default}; the defaults are what a fresh host runs with.
const substituted = (env: Record<string, string>) =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')]));

describe('docker-compose.yml', () => {
  it('runs every service the product needs, each with a health check', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['clickhouse', 'ingestion', 'kafka', 'metabase', 'postgres', 'projector']);
    for (const [name, svc] of Object.entries(compose.services)) expect([name, svc.healthcheck]).toEqual([name, expect.anything()]);
    expect(compose.services.kafka.image).toMatch(/^apache\/kafka:4\./);
    expect(compose.services.clickhouse.image).toMatch(/^clickhouse\/clickhouse-server:\d+\.\d+$/);
  });

  it('builds both apps from the repository Dockerfile, pointing at the built entry points', () => {
    expect(existsSync(join(ROOT, 'Dockerfile'))).toBe(true);
    expect(compose.services.ingestion.build).toBe('.');
    expect(compose.services.projector.build).toBe('.');
    expect(compose.services.ingestion.command).toEqual(['node', 'dist/apps/ingestion/src/main.js']);
    expect(compose.services.projector.command).toEqual(['node', 'dist/apps/projector/src/main.js']);
    expect(Object.keys(compose.services.ingestion.depends_on ?? {}).sort()).toEqual(['kafka', 'postgres']);
    expect(Object.keys(compose.services.projector.depends_on ?? {}).sort()).toEqual(['clickhouse', 'kafka']);
  });

  it.each([
    ['ingestion', INGESTION_ENV_VARS, IngestionConfig.parse],
    ['projector', PROJECTOR_ENV_VARS, ProjectorConfig.parse],
  ] as const)('sets every variable %s reads, to values its config accepts, and nothing it does not read', (name, vars, parseConfig) => {
    const env = substituted(compose.services[name].environment ?? {});
    expect(Object.keys(env).sort()).toEqual([...vars]);
    expect(() => parseConfig(env)).not.toThrow();
    expect(env.KAFKA_BROKERS).toBe('kafka:9092');
    expect(env.CLICKHOUSE_URL).toBe('http://clickhouse:8123');
  });

  it('keeps data in named volumes and gives BI a read-only ClickHouse user', () => {
    expect(Object.keys(compose.volumes).sort()).toEqual(['clickhouse-data', 'kafka-data', 'postgres-data']);
    const mounts = compose.services.clickhouse.volumes ?? [];
    const bi = mounts.find((m) => m.includes('bi-reader.xml'));
    expect(bi).toBeDefined();
    const xml = readFileSync(join(ROOT, bi!.split(':')[0]), 'utf8');
    expect(xml).toMatch(/<bi_reader>[\s\S]*<profile>bi_readonly<\/profile>/);
    expect(xml).toMatch(/<bi_readonly>\s*<readonly>2<\/readonly>/);
  });
});
