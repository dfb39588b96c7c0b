import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type { PoolClient } from 'pg';
import { Postgres } from './postgres';

/**
 * The PostgreSQL roles the apps connect as. What each may do is granted by the migrations, table
 * by table (0006_app_roles.sql, and README.md beside them); the CLI and the migrate job connect as
 * the owner of the tables instead.
 */
export const APP_ROLES = { ingestion: 'wise_ingestion', projector: 'wise_projector' } as const;
export type AppName = keyof typeof APP_ROLES;

const ATTRIBUTES = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';

/**
 * Made before any migration runs, so that every migration may grant to them (whatever its number).
 * LOGIN without a password: they can log in only where pg_hba.conf trusts (the native stack) until
 * `ensureAppLogin` gives them one. Roles belong to the server: the first database migrated makes
 * them, and one made at the same moment by another database's migration is no error.
 */
export async function createAppRoles(client: Pick<PoolClient, 'query'>): Promise<void> {
  for (const role of Object.values(APP_ROLES)) {
    await client.query(`DO $$
      BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN
          CREATE ROLE ${role} ${ATTRIBUTES};
        END IF;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
      END $$`);
  }
}

/**
 * `url` as `app` connects: the same server and database, as the app's role, with no password. For
 * the native stack and tests, where pg_hba.conf trusts 127.0.0.1.
 */
export function appRoleUrl(url: string, app: AppName): string {
  const u = new URL(url);
  u.username = APP_ROLES[app];
  u.password = '';
  return u.toString();
}

/**
 * Lets `app`'s role log in with the password of `url` (the URL the app is given), and keeps its
 * attributes those of a plain role (a superuser running an app would make the grants moot). The
 * password is sent as a SCRAM-SHA-256 verifier computed here, as psql's \password does, so the
 * server's statement log never holds it. Without a password in `url` the role's password is left
 * as it is. Returns what was done, for the operator.
 */
export async function ensureAppLogin(pg: Postgres, app: AppName, url: string | undefined): Promise<string> {
  const role = APP_ROLES[app];
  const variable = `${app.toUpperCase()}_DATABASE_URL`;
  const user = url ? decodeURIComponent(new URL(url).username) : role;
  if (user !== role)
    throw new Error(
      `${variable} names user "${user}", but ${app} connects as role ${role} (the migrations grant to it): use ${role} as the user name`,
    );
  const password = url ? decodeURIComponent(new URL(url).password) : '';
  const [r] = await pg.query<
    Record<'rolcanlogin' | 'rolsuper' | 'rolcreatedb' | 'rolcreaterole' | 'rolreplication' | 'rolbypassrls', boolean>
  >('SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = $1', [role]);
  if (!r) throw new Error(`role ${role} does not exist: the migrations make it (run them first)`);
  // Only what differs is named: below PostgreSQL 16 naming SUPERUSER, REPLICATION or BYPASSRLS at
  // all takes a superuser, and a managed server's owner role may only have CREATEROLE.
  const fixes = [
    !r.rolcanlogin && 'LOGIN',
    r.rolsuper && 'NOSUPERUSER',
    r.rolcreatedb && 'NOCREATEDB',
    r.rolcreaterole && 'NOCREATEROLE',
    r.rolreplication && 'NOREPLICATION',
    r.rolbypassrls && 'NOBYPASSRLS',
  ].filter((f): f is string => f !== false);
  if (fixes.length > 0) await pg.query(`ALTER ROLE ${role} ${fixes.join(' ')}`);
  const done = fixes.length > 0 ? ` (made ${fixes.join(' ')})` : '';
  if (password === '') return `${role}: can log in, password unchanged (no password in ${variable})${done}`;
  await pg.query(`ALTER ROLE ${role} PASSWORD '${scramSha256Verifier(password)}'`);
  return `${role}: can log in with the password of ${variable}${done}`;
}

/**
 * What PostgreSQL stores for a SCRAM-SHA-256 password (RFC 5802, RFC 7677), so that the password
 * itself never reaches the server. PostgreSQL prepares passwords with SASLprep, which leaves
 * printable ASCII as it is; other characters are refused here rather than stored differently.
 */
export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  if (!/^[\x21-\x7e]+$/.test(password))
    throw new Error('a role password must be printable ASCII without spaces (e.g. `openssl rand -hex 24`)');
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest('base64');
  const serverKey = createHmac('sha256', salted).update('Server Key').digest('base64');
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey}:${serverKey}`;
}
