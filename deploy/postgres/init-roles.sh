#!/usr/bin/env bash
# For the postgres image's /docker-entrypoint-initdb.d (docker-compose.yml): applies
# roles.sql once, when the data directory is first created, with the passwords of the
# container's environment (TIQETS_DB_OWNER_PASSWORD, TIQETS_DB_PERSISTER_PASSWORD,
# TIQETS_DB_API_PASSWORD).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v owner_password="${TIQETS_DB_OWNER_PASSWORD:?}" \
  -v writer_password="${TIQETS_DB_PERSISTER_PASSWORD:?}" \
  -v reader_password="${TIQETS_DB_API_PASSWORD:?}" \
  -f /etc/tiqets/roles.sql
