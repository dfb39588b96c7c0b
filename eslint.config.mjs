// Lint catches what loses data: promises nobody awaits, promises passed where a callback is
// expected, switches that miss a case; and keeps the boundaries: no deep imports into a lib, only
// the client libs import their clients, apps do not import each other, nothing imports an app's
// files (shared code lives in libs/), libs/projections stays pure (no clients, no Nest), and the
// libs import downwards only (docs/development.md, "Layers"): the ClickHouse adapter imports no
// other lib, and the projector's write path knows nothing of the rebuild or the serving layer.
import tseslint from 'typescript-eslint';

const deepLibImport = { group: ['@wise/*/*'], message: 'Import a lib through its index (@wise/<lib>), not its files.' };
const clients = [
  { name: 'kafkajs', message: 'Only libs/kafka imports kafkajs.' },
  { name: 'pg', message: 'Only libs/postgres imports pg.' },
  { name: '@clickhouse/client', message: 'Only libs/clickhouse imports @clickhouse/client.' },
  { name: '@wise/testing', message: 'libs/testing is for tests only.' },
];
const otherApps = (...apps) => ({
  group: apps.map((a) => `**/${a}/src/**`),
  message: 'Apps do not import each other; move shared code to libs/.',
});
const appRules = (...apps) => ({ 'no-restricted-imports': ['error', { paths: clients, patterns: [deepLibImport, otherApps(...apps)] }] });
const anyApp = {
  group: ['**/apps/*/src/**'],
  message: 'Tests, bench and tools use apps through their libs (or run them as processes), never their files.',
};
const nest = { group: ['@nestjs/*'], message: 'libs/projections is pure: no Nest.' };
const projectionClients = [
  ...clients,
  { name: '@wise/clickhouse', message: 'libs/projections is pure: no ClickHouse.' },
  { name: '@wise/kafka', message: 'libs/projections is pure: no Kafka.' },
  { name: '@wise/postgres', message: 'libs/projections is pure: no PostgreSQL.' },
];

// Imports point down: each lib listed here must not import the libs named beside it, which stand
// on its floor or above (docs/development.md, "Layers").
const notUpward = [
  {
    lib: 'clickhouse',
    above: ['config', 'contracts', 'kafka', 'observability', 'postgres', 'projections', 'projection-writer', 'serving', 'rebuild'],
    why: 'libs/clickhouse is the ClickHouse adapter, the ground floor: it imports no other lib (the domain imports it).',
  },
  { lib: 'projection-writer', above: ['serving', 'rebuild'], why: 'The write path knows nothing of the serving layer or the rebuild.' },
  { lib: 'serving', above: ['projection-writer', 'rebuild'], why: 'The serving layer knows nothing of the write path or the rebuild.' },
];
const downwardOnly = notUpward.map(({ lib, above, why }) => ({
  files: [`libs/${lib}/**/*.ts`],
  ignores: ['**/*.spec.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: lib === 'clickhouse' ? clients.filter((c) => c.name !== '@clickhouse/client') : clients,
        patterns: [deepLibImport, { group: above.map((l) => `@wise/${l}`), message: why }],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.stack/**', 'bench-results/**', '*.js', '*.mjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // SQL is built from template strings: a function or an object in one is a statement that
      // fails at run time (a KeyColumns left uncalled put its own source text in a query).
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        {
          allow: [{ name: ['Error', 'URL'], from: 'lib' }],
          allowAny: true,
          allowBoolean: true,
          allowNullish: true,
          allowNumber: true,
          allowRegExp: true,
        },
      ],
      'no-restricted-imports': ['error', { patterns: [deepLibImport] }],
    },
  },
  { files: ['apps/ingestion/**/*.ts'], ignores: ['**/*.spec.ts'], rules: appRules('projector', 'cli') },
  { files: ['apps/projector/**/*.ts'], ignores: ['**/*.spec.ts'], rules: appRules('ingestion', 'cli') },
  { files: ['apps/cli/**/*.ts'], ignores: ['**/*.spec.ts'], rules: appRules('ingestion', 'projector') },
  {
    files: ['libs/projections/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: projectionClients, patterns: [deepLibImport, nest] }] },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'tools/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [deepLibImport, anyApp] }] },
  },
  {
    files: ['libs/{config,contracts,observability,rebuild}/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: clients, patterns: [deepLibImport] }] },
  },
  ...downwardOnly,
);
