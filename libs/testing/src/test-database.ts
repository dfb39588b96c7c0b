/**
 * The tests' PostgreSQL database, as the operator (owner) reaches it. test/global-setup.ts migrates
 * it with `npm run cli -- migrate`; the apps under test connect to it as their own roles. A module
 * of its own, with no imports: jest's global setup loads it without the `@wise/*` name mapping.
 */
export const TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/wise_test';
