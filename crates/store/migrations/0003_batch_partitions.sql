-- One partition per batch for the four result tables.
--
-- Each table becomes LIST-partitioned by batch_id. A batch's partitions are created empty,
-- without indexes, filled by COPY and only then indexed and attached, in the transaction
-- that writes the batch: building an index once over sorted rows costs a fraction of
-- maintaining it row by row, and a new batch's rows no longer land inside the b-trees of
-- every earlier batch. ATTACH takes SHARE UPDATE EXCLUSIVE on the parent, which readers
-- (ACCESS SHARE) do not wait for. The indexes are per partition, without the batch id.
--
-- The persister's role may not create or alter tables (deploy/k8s/base/database/roles.sql), so the
-- two steps are SECURITY DEFINER functions owned by the schema owner, executable only by
-- roles granted EXECUTE. See docs/data-model.md.

ALTER TABLE batch_orders RENAME TO batch_orders_v2;
ALTER TABLE batch_unused_barcodes RENAME TO batch_unused_barcodes_v2;
ALTER TABLE batch_issues RENAME TO batch_issues_v2;
ALTER TABLE batch_customer_tickets RENAME TO batch_customer_tickets_v2;

-- One row per output order, in output order (customer_id, order_id); `position` is the
-- row's 1-based rank in that order. `barcodes` is the order's barcodes in barcodes.csv line
-- order joined by ', ' (as between the brackets of processed_orders.csv; a barcode is ASCII
-- letters and digits only): COPY loads a text value much faster than a text[] of the same
-- barcodes, and every read wants the whole list.
CREATE TABLE batch_orders (
    batch_id     text     NOT NULL,
    customer_id  bigint   NOT NULL,
    order_id     bigint   NOT NULL,
    barcodes     text     NOT NULL,
    position     bigint   NOT NULL
) PARTITION BY LIST (batch_id);

-- Unused barcodes (rule 3): `position` = 1-based rank in barcodes.csv order, `line` is
-- where the barcode stands in barcodes.csv.
CREATE TABLE batch_unused_barcodes (
    batch_id  text    NOT NULL,
    position  bigint  NOT NULL,
    barcode   text    NOT NULL,
    line      bigint  NOT NULL
) PARTITION BY LIST (batch_id);

-- The validation report, `seq` = 1-based rank in report order (file, line, code).
CREATE TABLE batch_issues (
    batch_id  text    NOT NULL,
    seq       bigint  NOT NULL,
    file      text    NOT NULL CHECK (file IN ('orders', 'barcodes')),
    line      bigint  NOT NULL,
    code      text    NOT NULL,
    message   text    NOT NULL
) PARTITION BY LIST (batch_id);

-- Tickets per customer (rule 7), aggregated once at write time.
CREATE TABLE batch_customer_tickets (
    batch_id     text    NOT NULL,
    customer_id  bigint  NOT NULL,
    tickets      bigint  NOT NULL
) PARTITION BY LIST (batch_id);

-- The names of a batch's partitions: <table>_<suffix>.
CREATE FUNCTION tiqets_partition_suffix(batch text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT
RETURN 'p' || substr(md5(batch), 1, 24);

-- Opens a batch's partitions for writing. When they exist (the batch was written before),
-- returns fresh = false: the caller deletes their rows and copies into them. Otherwise
-- creates them empty, without indexes, with batch_id defaulting to the batch, and returns
-- fresh = true: the caller copies into them and calls tiqets_attach_batch.
CREATE FUNCTION tiqets_open_batch(batch text, OUT suffix text, OUT fresh boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    t text;
BEGIN
    IF batch IS NULL OR batch = '' THEN
        RAISE EXCEPTION 'a batch id is required';
    END IF;
    suffix := tiqets_partition_suffix(batch);
    fresh := to_regclass(format('public.%I', 'batch_orders_' || suffix)) IS NULL;
    IF NOT fresh THEN
        RETURN;
    END IF;
    FOREACH t IN ARRAY ARRAY['batch_orders', 'batch_unused_barcodes', 'batch_issues',
                             'batch_customer_tickets'] LOOP
        EXECUTE format('CREATE TABLE public.%I (LIKE public.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS, '
                       'CHECK (batch_id = %L))', t || '_' || suffix, t, batch);
        EXECUTE format('ALTER TABLE public.%I ALTER batch_id SET DEFAULT %L',
                       t || '_' || suffix, batch);
    END LOOP;
END $$;

-- Indexes a batch's freshly filled partitions and attaches them (no-op when attached).
CREATE FUNCTION tiqets_attach_batch(batch text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    s text := tiqets_partition_suffix(batch);
    t text;
BEGIN
    IF to_regclass(format('public.%I', 'batch_orders_' || s)) IS NULL THEN
        RAISE EXCEPTION 'batch % has no partitions (tiqets_open_batch first)', batch;
    END IF;
    IF (SELECT relispartition FROM pg_class WHERE oid = format('public.%I', 'batch_orders_' || s)::regclass) THEN
        RETURN;
    END IF;
    -- Output order, customer lookups, keyset pages.
    EXECUTE format('CREATE UNIQUE INDEX ON public.%I (customer_id, order_id)', 'batch_orders_' || s);
    -- Deep pages by rank.
    EXECUTE format('CREATE UNIQUE INDEX ON public.%I (position)', 'batch_orders_' || s);
    EXECUTE format('CREATE UNIQUE INDEX ON public.%I (position)', 'batch_unused_barcodes_' || s);
    -- Report order; report filtered by code.
    EXECUTE format('CREATE UNIQUE INDEX ON public.%I (seq)', 'batch_issues_' || s);
    EXECUTE format('CREATE INDEX ON public.%I (code, seq)', 'batch_issues_' || s);
    -- Top customers as an index-only scan (one sum per customer: the writer sums the
    -- orders, which arrive in customer order, so no index has to enforce it).
    EXECUTE format('CREATE UNIQUE INDEX ON public.%I (tickets DESC, customer_id)',
                   'batch_customer_tickets_' || s);
    FOREACH t IN ARRAY ARRAY['batch_orders', 'batch_unused_barcodes', 'batch_issues',
                             'batch_customer_tickets'] LOOP
        EXECUTE format('ALTER TABLE public.%I ATTACH PARTITION public.%I FOR VALUES IN (%L)',
                       t, t || '_' || s, batch);
    END LOOP;
END $$;

REVOKE ALL ON FUNCTION tiqets_open_batch(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION tiqets_attach_batch(text) FROM PUBLIC;

-- Rows written before this migration move into partitions of their batch.
DO $$
DECLARE
    b text;
    s text;
BEGIN
    FOR b IN SELECT batch_id FROM batch_orders_v2 UNION SELECT batch_id FROM batch_unused_barcodes_v2
             UNION SELECT batch_id FROM batch_issues_v2 UNION SELECT batch_id FROM batch_customer_tickets_v2
    LOOP
        s := (tiqets_open_batch(b)).suffix;
        EXECUTE format('INSERT INTO %I (batch_id, customer_id, order_id, barcodes, position) '
                       'SELECT batch_id, customer_id, order_id, array_to_string(barcodes, '', ''), position '
                       'FROM batch_orders_v2 '
                       'WHERE batch_id = %L ORDER BY position', 'batch_orders_' || s, b);
        EXECUTE format('INSERT INTO %I (batch_id, position, barcode, line) '
                       'SELECT batch_id, position, barcode, line FROM batch_unused_barcodes_v2 '
                       'WHERE batch_id = %L ORDER BY position', 'batch_unused_barcodes_' || s, b);
        EXECUTE format('INSERT INTO %I (batch_id, seq, file, line, code, message) '
                       'SELECT batch_id, seq, file, line, code, message FROM batch_issues_v2 '
                       'WHERE batch_id = %L ORDER BY seq', 'batch_issues_' || s, b);
        EXECUTE format('INSERT INTO %I (batch_id, customer_id, tickets) '
                       'SELECT batch_id, customer_id, tickets FROM batch_customer_tickets_v2 '
                       'WHERE batch_id = %L ORDER BY customer_id', 'batch_customer_tickets_' || s, b);
        PERFORM tiqets_attach_batch(b);
    END LOOP;
END $$;

DROP TABLE batch_orders_v2, batch_unused_barcodes_v2, batch_issues_v2, batch_customer_tickets_v2;
