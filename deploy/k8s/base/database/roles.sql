-- PostgreSQL roles of the Tiqets pipeline: least privilege per service.
--
--   owner   (default tiqets_owner)      owns the schema; applies the migrations
--                                       (`tiqets-admin migrate`, or the persister in a
--                                       single-role setup). No service runs as it.
--   writer  (default tiqets_persister)  the persister: reads and writes the batch tables,
--                                       and creates a batch's partitions through the
--                                       owner's functions (it has no DDL rights).
--   reader  (default tiqets_api)        the api: reads them.
--
-- Run as a superuser (or the database owner) in the target database, before or after the
-- migrations; it is idempotent, so run it again to change a password:
--
--   psql -v ON_ERROR_STOP=1 -d tiqets \
--     -v owner_password="$OWNER_PW" -v writer_password="$WRITER_PW" -v reader_password="$READER_PW" \
--     -f deploy/k8s/base/database/roles.sql
--
-- Optional variables: owner, writer, reader (role names). Passwords are never stored here:
-- they come from the environment of whoever runs it (a Secret in Kubernetes, compose's
-- environment through deploy/postgres/init-roles.sh). Tables the owner creates later (new
-- migrations) are granted automatically (ALTER DEFAULT PRIVILEGES).

\set ON_ERROR_STOP on
\if :{?owner}
\else
  \set owner tiqets_owner
\endif
\if :{?writer}
\else
  \set writer tiqets_persister
\endif
\if :{?reader}
\else
  \set reader tiqets_api
\endif

SELECT format('CREATE ROLE %I', r) FROM unnest(ARRAY[:'owner', :'writer', :'reader']) AS r
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) \gexec

ALTER ROLE :"owner"  LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_password';
ALTER ROLE :"writer" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'writer_password';
ALTER ROLE :"reader" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'reader_password';

SELECT current_database() AS db \gset
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"owner", :"writer", :"reader";

-- The schema: only the owner creates objects in it.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO :"owner";
GRANT USAGE ON SCHEMA public TO :"writer", :"reader";

-- Tables already there (when run after the migrations) ...
SELECT format('ALTER TABLE public.%I OWNER TO %I', tablename, :'owner')
  FROM pg_tables WHERE schemaname = 'public' \gexec
SELECT format('ALTER FUNCTION %s OWNER TO %I', p.oid::regprocedure, :'owner')
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'public' AND p.proname LIKE 'tiqets\_%' \gexec
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"writer";
GRANT SELECT ON ALL TABLES IN SCHEMA public TO :"reader";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"writer";
-- The writer creates and attaches a batch's partitions through the owner's SECURITY
-- DEFINER functions (migration 3), never by DDL of its own.
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO :"writer";

-- ... and those the owner's migrations create from now on.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"writer";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT SELECT ON TABLES TO :"reader";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO :"writer";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT EXECUTE ON FUNCTIONS TO :"writer";
