// Lint catches what loses data: promises nobody awaits, promises passed where a callback is
// expected, switches that miss a case; and keeps the boundaries: no deep imports into a lib, only
// the client libs import their clients, and apps do not import each other (one exception: the
// CLI fronts the projector's rebuild, so that rebuilds run the projector's own code).
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
      'no-restricted-imports': ['error', { patterns: [deepLibImport] }],
    },
  },
  { files: ['apps/ingestion/**/*.ts'], ignores: ['**/*.spec.ts'], rules: appRules('projector', 'cli') },
  { files: ['apps/projector/**/*.ts'], ignores: ['**/*.spec.ts'], rules: appRules('ingestion', 'cli') },
  { files: ['apps/cli/**/*.ts'], ignores: ['**/*.spec.ts'], rules: appRules('ingestion') },
  { files: ['libs/{config,contracts,observability,serving}/**/*.ts'], ignores: ['**/*.spec.ts'], rules: { 'no-restricted-imports': ['error', { paths: clients, patterns: [deepLibImport] }] } },
);
