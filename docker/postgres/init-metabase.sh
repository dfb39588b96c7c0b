#!/bin/sh
# Runs once, on the first start of an empty PostgreSQL volume (docker-entrypoint-initdb.d).
# Metabase keeps its settings in its own database, as its own role: the pipeline's `wise` database
# (institutes and key hashes) stays out of its reach, and a Metabase compromise is not a superuser.
set -eu
: "${METABASE_DB_PASSWORD:?METABASE_DB_PASSWORD is not set}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres -v mb_password="$METABASE_DB_PASSWORD" <<'SQL'
CREATE ROLE metabase LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'mb_password';
CREATE DATABASE metabase OWNER metabase;
REVOKE ALL ON DATABASE metabase FROM PUBLIC;
-- Only the roles granted CONNECT reach `wise`: its owner, and the apps' roles (migration 0006).
REVOKE ALL ON DATABASE wise FROM PUBLIC;
SQL
