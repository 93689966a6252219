#!/usr/bin/env bash
# Runs once, when the data directory is first initialised (the postgres image's
# /docker-entrypoint-initdb.d): the persister's role owns the database (it applies the
# schema migrations and writes), the api's role reads every table (pg_read_all_data).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v persister="$PERSISTER_DB_USER" -v persister_password="$PERSISTER_DB_PASSWORD" \
  -v api="$API_DB_USER" -v api_password="$API_DB_PASSWORD" -v db="$POSTGRES_DB" <<'SQL'
CREATE ROLE :"persister" LOGIN PASSWORD :'persister_password';
CREATE ROLE :"api" LOGIN PASSWORD :'api_password' IN ROLE pg_read_all_data;
ALTER DATABASE :"db" OWNER TO :"persister";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"api";
SQL
