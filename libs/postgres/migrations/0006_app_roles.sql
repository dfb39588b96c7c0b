-- What the apps' own roles may do: ingestion (internet-facing) and the projector connect as
-- wise_ingestion and wise_projector, never as the owner of the tables; only the CLI and the migrate
-- job (the operator) do. The roles themselves are made before any migration runs
-- (libs/postgres/src/roles.ts), so that any migration can grant to them. Every privilege they have
-- is granted here or by a later migration, table by table: there are no default privileges, so a
-- new table is out of their reach until its migration grants it (README.md in this folder).

-- Nobody but the owner creates anything here: not tables in `public` (PUBLIC may, before
-- PostgreSQL 15), not temporary tables (PUBLIC may by default).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
DO $$
BEGIN
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
  -- Explicit, because compose's init script revokes CONNECT from PUBLIC.
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO wise_ingestion, wise_projector', current_database());
END $$;
GRANT USAGE ON SCHEMA public TO wise_ingestion, wise_projector;

-- Ingestion: institutes and their keys, read; the learned key header (0002), written; and which
-- migrations ran, so that it can refuse to serve a schema older than its code.
GRANT SELECT ON institutes, institute_keys, schema_migrations TO wise_ingestion;
GRANT UPDATE (learned_header, learned_at) ON institutes TO wise_ingestion;

-- Projector: the serving versions' sequence (nextval; setval and last_value when it moves the
-- floor, libs/serving/src/versions.ts), and which migrations ran.
GRANT USAGE, SELECT, UPDATE ON SEQUENCE serving_versions TO wise_projector;
GRANT SELECT ON schema_migrations TO wise_projector;

-- A role made earlier by hand (a superuser, or one that can create) would make all of the above
-- moot: refuse to finish rather than report a least privilege that is not there.
DO $$
DECLARE r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['wise_ingestion', 'wise_projector'] LOOP
    IF has_schema_privilege(r, 'public', 'CREATE') OR has_database_privilege(r, current_database(), 'TEMPORARY')
       OR (SELECT rolsuper OR rolcreatedb OR rolcreaterole OR rolbypassrls FROM pg_roles WHERE rolname = r) THEN
      RAISE EXCEPTION 'role % can create objects or bypass privileges (a superuser, CREATEDB, CREATEROLE or BYPASSRLS, or CREATE on schema public or TEMPORARY on this database granted to it or to PUBLIC): fix it with ALTER ROLE % NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS and REVOKE, then migrate again', r, r;
    END IF;
  END LOOP;
END $$;
