import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CLI_ENV_VARS, CliConfig, INGESTION_ENV_VARS, PROJECTOR_ENV_VARS, IngestionConfig, ProjectorConfig } from '@wise/config';

// No Docker engine here, so docker-compose.yml, the Dockerfile and the proxy's config are checked
// for what can be checked without one.
const ROOT = join(__dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const composeText = read('docker-compose.yml');
type Service = {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  healthcheck?: unknown;
  depends_on?: Record<string, { condition?: string }>;
  restart?: string;
  command?: string[];
  volumes?: string[];
  ports?: string[];
  mem_limit?: string;
};
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };

// What compose would substitute: `${VAR:-default}` gives its default on a fresh host; `${VAR:?msg}`
// has no default (compose stops with msg while VAR is unset), so a stand-in value is used here.
const substitute = (value: string) =>
  value.replace(/\$\{([A-Z_]+):-([^}]*)\}/g, '$2').replace(/\$\{([A-Z_]+):\?[^}]*\}/g, (_, name: string) => `set-${name.toLowerCase()}`);
const substituted = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).map(([k, v]) => [k, substitute(String(v))]));
/** Every `${…}` reference in the file, as [variable, operator, rest]. */
const composeCode = composeText.replace(/^\s*#.*$/gm, '');
const references = [...composeCode.matchAll(/\$\{([A-Z_]+)(?:(:[-?])([^}]*))?\}/g)].map((m) => ({
  name: m[1],
  op: m[2] ?? '',
  rest: m[3] ?? '',
}));
const SECRET_NAME = /PASSWORD|SECRET|TOKEN|_KEY$|PASS$/;
// The compose broker is plaintext without users: the Kafka SASL password (a secret, which would
// have to be required here) is left out, and its default (none) is what the apps need.
const UNUSED_SECRETS = ['KAFKA_SASL_PASSWORD', 'KAFKA_SASL_PASSWORD_FILE'];
const withoutUnusedSecrets = (vars: readonly string[]) => vars.filter((v) => !UNUSED_SECRETS.includes(v));
const MIB = 1024 * 1024;
/** A compose byte value (`384m`, `4g`) in bytes. */
const bytesOf = (value: string) => {
  const m = /^(\d+)([kmg])$/.exec(value);
  expect([value, m !== null]).toEqual([value, true]);
  return Number(m![1]) * { k: 1024, m: MIB, g: 1024 * MIB }[m![2] as 'k' | 'm' | 'g'];
};

describe('docker-compose.yml', () => {
  it('runs every service the product needs, each with a health check, on pinned images', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'clickhouse',
      'ingestion',
      'kafka',
      'metabase',
      'migrate',
      'postgres',
      'projector',
      'proxy',
    ]);
    for (const [name, svc] of Object.entries(compose.services)) expect([name, svc.healthcheck]).toEqual([name, expect.anything()]);
    expect(compose.services.kafka.image).toMatch(/^apache\/kafka:4\./);
    expect(compose.services.clickhouse.image).toBe('clickhouse/clickhouse-server:26.8');
    expect(compose.services.proxy.image).toMatch(/^nginx:1\.\d+-alpine$/);
    expect(compose.services.metabase.image).toMatch(/^metabase\/metabase:v0\.(5[4-9]|[6-9]\d)\./);
  });

  it('builds both apps from the repository Dockerfile, pointing at the built entry points', () => {
    expect(existsSync(join(ROOT, 'Dockerfile'))).toBe(true);
    expect(compose.services.ingestion.build).toBe('.');
    expect(compose.services.projector.build).toBe('.');
    expect(compose.services.ingestion.command).toEqual(['node', 'dist/apps/ingestion/src/main.js']);
    expect(compose.services.projector.command).toEqual(['node', 'dist/apps/projector/src/main.js']);
    expect(Object.keys(compose.services.ingestion.depends_on ?? {}).sort()).toEqual(['kafka', 'migrate', 'postgres']);
    expect(Object.keys(compose.services.projector.depends_on ?? {}).sort()).toEqual(['clickhouse', 'kafka', 'migrate', 'postgres']);
  });

  it('migrates in a one-shot service, as the owner, before either app starts; the apps connect as their own roles', () => {
    const migrate = compose.services.migrate;
    expect(migrate.build).toBe('.');
    expect(migrate.command).toEqual(['node', 'dist/apps/cli/src/main.js', 'migrate']);
    expect(migrate.restart).toBe('no');
    expect(migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, clickhouse: { condition: 'service_healthy' } });
    for (const app of ['ingestion', 'projector'])
      expect(compose.services[app].depends_on?.migrate).toEqual({ condition: 'service_completed_successfully' });
    const env = substituted(migrate.environment ?? {});
    // The CLI's own variables (PUBLIC_BASE_URL: for the webhook URLs `institutes add` prints).
    expect(Object.keys(env).sort()).toEqual([...withoutUnusedSecrets(CLI_ENV_VARS), 'PUBLIC_BASE_URL'].sort());
    expect(() => CliConfig.parse(env)).not.toThrow();
    const user = (url: string) => new URL(url).username;
    const owner = substituted(compose.services.postgres.environment ?? {}).POSTGRES_USER;
    expect(user(env.DATABASE_URL)).toBe(owner);
    // migrate sets each role's password from the very URL the app is given.
    const ingestion = compose.services.ingestion.environment!.DATABASE_URL;
    const projector = compose.services.projector.environment!.DATABASE_URL;
    expect([migrate.environment!.INGESTION_DATABASE_URL, migrate.environment!.PROJECTOR_DATABASE_URL]).toEqual([ingestion, projector]);
    expect([user(substitute(ingestion)), user(substitute(projector))]).toEqual(['wise_ingestion', 'wise_projector']);
    expect(ingestion).toMatch(/^postgres:\/\/wise_ingestion:\$\{POSTGRES_INGESTION_PASSWORD:\?[^}]+\}@postgres:5432\/wise$/);
    expect(projector).toMatch(/^postgres:\/\/wise_projector:\$\{POSTGRES_PROJECTOR_PASSWORD:\?[^}]+\}@postgres:5432\/wise$/);
  });

  it.each([
    ['ingestion', INGESTION_ENV_VARS, IngestionConfig.parse],
    ['projector', PROJECTOR_ENV_VARS, ProjectorConfig.parse],
  ] as const)('sets every variable %s reads, to values its config accepts, and nothing it does not read', (name, vars, parseConfig) => {
    const env = substituted(compose.services[name].environment ?? {});
    // NODE_OPTIONS is Node's own (ingestion's heap cap), not the app's configuration.
    expect(
      Object.keys(env)
        .filter((k) => k !== 'NODE_OPTIONS')
        .sort(),
    ).toEqual(withoutUnusedSecrets(vars));
    expect(() => parseConfig(env)).not.toThrow();
    expect(env.KAFKA_BROKERS).toBe('kafka:9092');
    expect(env.CLICKHOUSE_URL).toBe('http://clickhouse:8123');
  });

  it('publishes nothing on a public address: admin ports on 127.0.0.1 or not at all, webhooks through the proxy', () => {
    const published = Object.entries(compose.services).flatMap(([name, svc]) =>
      (svc.ports ?? []).map((p) => {
        const parts = substitute(p).split(':');
        expect([name, parts.length]).toEqual([name, 3]); // host address always given: never Docker's 0.0.0.0 default
        return { name, ip: parts[0], host: Number(parts[1]), container: Number(parts[2]) };
      }),
    );
    for (const p of published) expect([p.name, p.ip]).toEqual([p.name, '127.0.0.1']);
    // ClickHouse's native port, Kafka's controller port and the apps' own ports are internal.
    expect(published.map((p) => `${p.name}:${p.container}`).sort()).toEqual([
      'clickhouse:8123',
      'kafka:19092',
      'metabase:3000',
      'postgres:5432',
      'proxy:3000',
    ]);
    // Without a fixed host port, `--scale ingestion=N` can start N replicas.
    expect(compose.services.ingestion.ports).toBeUndefined();
    expect(compose.services.proxy.ports).toEqual(['${WEBHOOK_BIND:-127.0.0.1}:3000:3000']);
  });

  it('gives no secret a default: each is required (${VAR:?…}) and listed in .env.example, and .env is ignored by git and docker', () => {
    const secrets = references.filter((r) => SECRET_NAME.test(r.name));
    expect(new Set(secrets.map((r) => r.name))).toEqual(
      new Set([
        'POSTGRES_PASSWORD',
        'POSTGRES_INGESTION_PASSWORD',
        'POSTGRES_PROJECTOR_PASSWORD',
        'METABASE_DB_PASSWORD',
        'MB_ENCRYPTION_SECRET_KEY',
        'CLICKHOUSE_PASSWORD',
        'CLICKHOUSE_BI_PASSWORD',
      ]),
    );
    for (const r of secrets) expect([r.name, r.op, r.rest]).toEqual([r.name, ':?', expect.stringContaining('.env.example')]);
    // No literal value for a secret-named variable anywhere in the file.
    for (const svc of Object.values(compose.services)) {
      for (const [k, v] of Object.entries(svc.environment ?? {}))
        if (SECRET_NAME.test(k)) expect([k, String(v)]).toEqual([k, expect.stringMatching(/^\$\{[A-Z_]+:\?/)]);
    }
    const example = Object.fromEntries(
      read('.env.example')
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => l.split('=')),
    );
    for (const r of references) expect([r.name, r.name in example]).toEqual([r.name, true]);
    for (const name of Object.keys(example)) if (SECRET_NAME.test(name)) expect(example[name]).toBe('replace-me');
    expect(read('.gitignore').split('\n')).toContain('.env');
    expect(read('.dockerignore').split('\n')).toContain('.env');
  });

  it("gives Metabase its own PostgreSQL role and database, and uses Metabase's bundled ClickHouse driver", () => {
    const mb = substituted(compose.services.metabase.environment ?? {});
    const pg = substituted(compose.services.postgres.environment ?? {});
    expect(mb.MB_DB_USER).toBe('metabase');
    expect(mb.MB_DB_USER).not.toBe(pg.POSTGRES_USER);
    expect(mb.MB_DB_DBNAME).toBe('metabase');
    expect(compose.services.metabase.environment?.MB_DB_PASS).toBe(compose.services.postgres.environment?.METABASE_DB_PASSWORD);
    expect(compose.services.metabase.volumes).toBeUndefined(); // no plugins folder: the driver is bundled
    expect(existsSync(join(ROOT, 'docker/metabase'))).toBe(false);
    const init = (compose.services.postgres.volumes ?? []).find((m) => m.includes('docker-entrypoint-initdb.d'));
    const script = read(init!.split(':')[0]);
    expect(script).toMatch(/CREATE ROLE metabase LOGIN NOSUPERUSER[^;]*PASSWORD :'mb_password';/);
    expect(script).toMatch(/CREATE DATABASE metabase OWNER metabase;/);
    expect(script).toMatch(/REVOKE ALL ON DATABASE wise FROM PUBLIC;/);
  });

  it("encrypts Metabase's stored connection details (bi_reader's password) with a key compose requires", () => {
    expect(compose.services.metabase.environment?.MB_ENCRYPTION_SECRET_KEY).toMatch(
      /^\$\{MB_ENCRYPTION_SECRET_KEY:\?[^}]*\.env\.example[^}]*\}$/,
    );
  });

  it('lets Kafka take a body of BODY_LIMIT_BYTES in its envelope, and keeps every event', () => {
    const kafka = substituted(compose.services.kafka.environment ?? {});
    const bodyLimit = Number(compose.services.ingestion.environment?.BODY_LIMIT_BYTES);
    const messageMax = Number(kafka.KAFKA_MESSAGE_MAX_BYTES);
    // The envelope's JSON fields and the record batch header are a few hundred bytes; a body's
    // size doubles at most when its characters are escaped for JSON, which the envelope does not do
    // (the body is spliced in byte for byte), so twice the limit is ample.
    expect(messageMax).toBeGreaterThanOrEqual(2 * bodyLimit);
    expect(Number(kafka.KAFKA_REPLICA_FETCH_MAX_BYTES)).toBeGreaterThanOrEqual(messageMax);
    expect(kafka.KAFKA_LOG_RETENTION_MS).toBe('-1');
    expect(kafka.KAFKA_LOG_RETENTION_BYTES).toBe('-1');
    expect(Number(kafka.KAFKA_MIN_INSYNC_REPLICAS)).toBeLessThanOrEqual(
      Number(substituted(compose.services.ingestion.environment ?? {}).KAFKA_REPLICATION_FACTOR),
    );
    expect(kafka.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
  });

  it('gives every container a memory limit, ingestion room for its heap cap and its in-flight bytes twice (bodies and their records)', () => {
    for (const [name, svc] of Object.entries(compose.services))
      expect([name, svc.mem_limit]).toEqual([name, expect.stringMatching(/^\d+[mg]$/)]);
    const ingestion = compose.services.ingestion;
    const heap = Number(/--max-old-space-size=(\d+)/.exec(ingestion.environment?.NODE_OPTIONS ?? '')?.[1]) * MIB;
    const queue = Number(ingestion.environment?.INGEST_QUEUE_MAX_BYTES);
    // Node's own baseline (code, stacks, the Kafka client) is about 60 MB.
    expect(bytesOf(ingestion.mem_limit!)).toBeGreaterThanOrEqual(heap + 2 * queue + 64 * MIB);
    expect(Number(ingestion.environment?.INGEST_WORKERS)).toBe(1);
    // The JVMs' heaps fit inside their containers.
    const heapOf = (opts: string | undefined) => Number(/-Xmx(\d+)g/.exec(opts ?? '')?.[1]) * 1024 * MIB;
    expect(bytesOf(compose.services.kafka.mem_limit!)).toBeGreaterThan(heapOf(compose.services.kafka.environment?.KAFKA_HEAP_OPTS));
    expect(bytesOf(compose.services.metabase.mem_limit!)).toBeGreaterThan(heapOf(compose.services.metabase.environment?.JAVA_OPTS));
  });

  // What the file does on the engine is checked by test/bi-user.test.ts (current ClickHouse, chDB);
  // here, that compose mounts it and that it fits the rest of compose.
  it('keeps data in named volumes and gives BI a read-only ClickHouse user with its password from the environment', () => {
    expect(Object.keys(compose.volumes).sort()).toEqual(['clickhouse-data', 'kafka-data', 'postgres-data']);
    const bi = (compose.services.clickhouse.volumes ?? []).find((m) => m.includes('bi-reader.xml'));
    expect(bi).toBe('./docker/clickhouse/users.d/bi-reader.xml:/etc/clickhouse-server/users.d/bi-reader.xml:ro');
    const xml = read(bi!.split(':')[0]);
    expect(xml).toMatch(/<bi_reader>[\s\S]*<password from_env="CLICKHOUSE_BI_PASSWORD"\/>/);
    expect(xml).toMatch(/<bi_reader>[\s\S]*<profile>bi_readonly<\/profile>/);
    expect(xml).toMatch(/<bi_readonly>[\s\S]*<readonly>2<\/readonly>/);
    // Its one grant is on the database the apps write, and nothing widens it.
    expect([...xml.matchAll(/<query>([^<]*)<\/query>/g)].map((m) => m[1])).toEqual([
      `GRANT SELECT ON ${compose.services.projector.environment?.CLICKHOUSE_DATABASE}.*`,
    ]);
    expect(substituted(compose.services.clickhouse.environment ?? {}).CLICKHOUSE_DB).toBe(
      compose.services.projector.environment?.CLICKHOUSE_DATABASE,
    );
    expect(xml).not.toMatch(/<(allow_databases|access_management|named_collection_control)>/);
    // Metabase's query timeout reaches ClickHouse as max_execution_time: it must fit under the cap.
    const timeoutCap = Number(/<max_execution_time><min>1<\/min><max>(\d+)<\/max><\/max_execution_time>/.exec(xml)?.[1]);
    expect(Number(compose.services.metabase.environment?.MB_DB_QUERY_TIMEOUT_MINUTES) * 60).toBeLessThanOrEqual(timeoutCap);
  });
});

describe('the webhook proxy (docker/nginx/nginx.conf)', () => {
  const conf = read('docker/nginx/nginx.conf');
  const mount = (compose.services.proxy.volumes ?? []).find((m) => m.endsWith(':/etc/nginx/nginx.conf:ro'));

  it('is the mounted config, and re-resolves the ingestion replicas through Docker DNS', () => {
    expect(mount?.split(':')[0]).toBe('./docker/nginx/nginx.conf');
    expect(conf).toMatch(/^\s*resolver 127\.0\.0\.11 valid=\d+s/m);
    expect(conf).toMatch(/upstream ingestion \{[^}]*zone ingestion[^}]*server ingestion:3000 resolve;[^}]*\}/);
    expect(conf).toMatch(/listen 3000;/);
  });

  it('routes webhooks (and health) to ingestion, and nothing else', () => {
    const locations = [...conf.matchAll(/location ([^{]+)\{([^}]*)\}/g)].map((m) => [m[1].trim(), m[2]] as const);
    const proxied = locations.filter(([, body]) => /proxy_pass http:\/\/ingestion;/.test(body)).map(([path]) => path);
    expect(proxied.sort()).toEqual(['/webhooks/', '= /health', '= /ready'].sort());
    expect(locations.find(([path]) => path === '/')?.[1]).toMatch(/return 404;/);
  });

  it('streams webhook bodies to ingestion rather than buffering them, limits each client address, and sets every deadline', () => {
    const webhooks = /location \/webhooks\/ \{([^}]*)\}/.exec(conf)?.[1] ?? '';
    expect(webhooks).toMatch(/^\s*proxy_request_buffering off;$/m);
    expect(webhooks).toMatch(/^\s*proxy_http_version 1\.1;$/m);
    // The address the limit counted, never a chain the client wrote itself.
    expect(webhooks).toMatch(/^\s*proxy_set_header X-Forwarded-For \$remote_addr;$/m);
    expect(conf).not.toMatch(/\$proxy_add_x_forwarded_for/);
    expect(conf).toMatch(/^\s*limit_conn_zone \$binary_remote_addr zone=per_client:\d+m;$/m);
    expect(conf).toMatch(/^\s*limit_conn per_client \d+;$/m);
    expect(conf).not.toMatch(/^\s*(set_real_ip_from|real_ip_header)/m); // trusted only once an operator names a terminator
    for (const deadline of ['client_header_timeout', 'client_body_timeout', 'send_timeout', 'proxy_send_timeout', 'proxy_read_timeout'])
      expect([deadline, new RegExp(`^\\s*${deadline} \\d+s;$`, 'm').test(conf)]).toEqual([deadline, true]);
    // Within what Wise waits (5 s) plus the time ingestion has to answer after a body's end.
    expect(Number(/proxy_read_timeout (\d+)s;/.exec(conf)?.[1])).toBeLessThanOrEqual(10);
  });

  it('passes any body up to BODY_LIMIT_BYTES through, so that ingestion decides 413', () => {
    const max = /client_max_body_size (\d+)m;/.exec(conf);
    expect(Number(max?.[1]) * 1024 * 1024).toBeGreaterThan(Number(compose.services.ingestion.environment?.BODY_LIMIT_BYTES));
    expect(Number(/proxy_read_timeout (\d+)s;/.exec(conf)?.[1]) * 1000).toBeGreaterThan(
      Number(compose.services.ingestion.environment?.INGEST_SEND_TIMEOUT_MS),
    );
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile
    .split(/^FROM /m)
    .slice(1)
    .map((s) => `FROM ${s}`);

  it('builds on Node 22 LTS in every stage, a line package.json `engines` admits (test/engines.test.ts)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage).toMatch(/^FROM node:22-[a-z]+-slim AS [a-z]+/);
    // node:22 is the newest 22.x; engines admits 22 from 22.13 on.
    expect(JSON.parse(read('package.json')).engines.node).toMatch(/\^22\.13\.0/);
  });

  it('runs as a non-root user with production dependencies only, and has a health check', () => {
    const runtime = stages[stages.length - 1];
    expect(runtime).toMatch(/^RUN npm ci --omit=dev/m);
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(runtime).not.toMatch(/COPY --from=build \/app\/node_modules/);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK /m);
  });
});
