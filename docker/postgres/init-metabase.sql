-- Metabase keeps its own settings in PostgreSQL, apart from the pipeline's `wise` database.
CREATE DATABASE metabase;
