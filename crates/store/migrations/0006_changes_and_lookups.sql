-- Lookups by barcode and by order id, the changes between two batches, and deleting a batch.
--
-- 1. `batch_barcodes`: a batch's sold barcodes, each with its order (one row per barcode of
--    `processed_orders.csv`), a partition per batch like the other result tables. With the
--    unused barcodes (`batch_unused_barcodes`) it is every barcode's state in the batch:
--    `sold`, `unused`, or absent. Both are indexed by barcode, in byte order (COLLATE "C":
--    memcmp comparisons, and the order the comparison of two batches merges in).
-- 2. `batch_orders` gains a unique index on `order_id` (one order; the comparison's order).
--    These lookup indexes (and the barcode ones of 1.) are built by `tiqets_index_lookups`
--    once the batch is completed, off the path to `completed`: until then a lookup of the
--    batch scans its partition (the same answer, slower).
-- 3. The changes from one completed batch (`since`) to another (`batch_id`): the nine counts
--    (`batch_changes`) and one row per changed order, barcode and customer, deleted with
--    either batch (foreign keys, ON DELETE CASCADE). See docs/processing-rules.md, "Changes
--    between two batches".
-- 4. `tiqets_drop_batch`: removes a batch's partitions and its record.

ALTER TABLE batch_unused_barcodes ALTER COLUMN barcode TYPE text COLLATE "C";

CREATE TABLE batch_barcodes (
    batch_id  text              NOT NULL,
    barcode   text COLLATE "C"  NOT NULL,
    order_id  bigint            NOT NULL
) PARTITION BY LIST (batch_id);

CREATE TABLE batch_changes (
    batch_id           text         NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    since              text         NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    orders_added       bigint       NOT NULL DEFAULT 0,
    orders_removed     bigint       NOT NULL DEFAULT 0,
    orders_changed     bigint       NOT NULL DEFAULT 0,
    barcodes_sold      bigint       NOT NULL DEFAULT 0,
    barcodes_unsold    bigint       NOT NULL DEFAULT 0,
    barcodes_moved     bigint       NOT NULL DEFAULT 0,
    barcodes_added     bigint       NOT NULL DEFAULT 0,
    barcodes_removed   bigint       NOT NULL DEFAULT 0,
    customers_changed  bigint       NOT NULL DEFAULT 0,
    computed_at        timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (batch_id, since),
    CHECK (batch_id <> since)
);
-- The cascade from a deleted `since` batch.
CREATE INDEX ON batch_changes (since);

-- A changed order; `old_*` null when it was added, `new_*` null when it was removed.
-- Barcodes as in `batch_orders.barcodes`.
CREATE TABLE batch_change_orders (
    batch_id         text    NOT NULL,
    since            text    NOT NULL,
    kind             text    NOT NULL CHECK (kind IN ('orders_added', 'orders_removed', 'orders_changed')),
    order_id         bigint  NOT NULL,
    old_customer_id  bigint,
    old_barcodes     text,
    new_customer_id  bigint,
    new_barcodes     text,
    PRIMARY KEY (batch_id, since, order_id),
    FOREIGN KEY (batch_id, since) REFERENCES batch_changes ON DELETE CASCADE
);
CREATE INDEX ON batch_change_orders (batch_id, since, kind, order_id);

-- A changed barcode; an order id is null where the barcode was not sold (the kind says
-- whether it was unused or absent there).
CREATE TABLE batch_change_barcodes (
    batch_id      text              NOT NULL,
    since         text              NOT NULL,
    kind          text              NOT NULL CHECK (kind IN ('barcodes_sold', 'barcodes_unsold',
                                                             'barcodes_moved', 'barcodes_added',
                                                             'barcodes_removed')),
    barcode       text COLLATE "C"  NOT NULL,
    old_order_id  bigint,
    new_order_id  bigint,
    PRIMARY KEY (batch_id, since, barcode),
    FOREIGN KEY (batch_id, since) REFERENCES batch_changes ON DELETE CASCADE
);
CREATE INDEX ON batch_change_barcodes (batch_id, since, kind, barcode);

-- A customer whose ticket count differs (0 where the customer has no output row).
CREATE TABLE batch_change_customers (
    batch_id     text    NOT NULL,
    since        text    NOT NULL,
    customer_id  bigint  NOT NULL,
    before       bigint  NOT NULL,
    after        bigint  NOT NULL,
    PRIMARY KEY (batch_id, since, customer_id),
    FOREIGN KEY (batch_id, since) REFERENCES batch_changes ON DELETE CASCADE
);
-- Largest change first.
CREATE INDEX ON batch_change_customers (batch_id, since, abs(after - before) DESC, customer_id);

-- The five result tables.
CREATE OR REPLACE FUNCTION tiqets_stage_partition(batch text, tbl text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    part text;
    staged text;
    rel regclass;
BEGIN
    IF batch IS NULL OR batch = '' THEN
        RAISE EXCEPTION 'a batch id is required';
    END IF;
    IF tbl IS NULL OR tbl NOT IN ('batch_orders', 'batch_unused_barcodes', 'batch_issues',
                                  'batch_customer_tickets', 'batch_barcodes') THEN
        RAISE EXCEPTION '% is not a batch table', tbl;
    END IF;
    part := tbl || '_' || tiqets_partition_suffix(batch);
    staged := part;
    rel := to_regclass(format('public.%I', part));
    IF (SELECT relispartition FROM pg_class WHERE oid = rel) THEN
        staged := part || '_w';
    END IF;
    EXECUTE format('DROP TABLE IF EXISTS public.%I', staged);
    EXECUTE format('CREATE TABLE public.%I (LIKE public.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS, '
                   'CHECK (batch_id = %L))', staged, tbl, batch);
    EXECUTE format('ALTER TABLE public.%I ALTER batch_id SET DEFAULT %L', staged, batch);
    RETURN staged;
END $$;

CREATE OR REPLACE FUNCTION tiqets_index_partition(batch text, tbl text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
SET maintenance_work_mem = '256MB' SET default_statistics_target = 10 AS $$
DECLARE
    part text := tbl || '_' || tiqets_partition_suffix(batch);
    rel regclass := to_regclass(format('public.%I', part));
BEGIN
    IF rel IS NULL
       OR (SELECT relispartition FROM pg_class WHERE oid = rel)
       OR EXISTS (SELECT FROM pg_index WHERE indrelid = rel) THEN
        RETURN;
    END IF;
    CASE tbl
    WHEN 'batch_orders' THEN
        -- Output order, customer lookups, keyset pages.
        EXECUTE format('CREATE UNIQUE INDEX ON public.%I (customer_id, order_id)', part);
        -- Deep pages by rank.
        EXECUTE format('CREATE INDEX ON public.%I USING brin (position) WITH (pages_per_range = 8)', part);
        EXECUTE format('ANALYZE public.%I (position)', part);
    WHEN 'batch_unused_barcodes' THEN
        EXECUTE format('CREATE INDEX ON public.%I USING brin (position) WITH (pages_per_range = 8)', part);
        EXECUTE format('ANALYZE public.%I (position)', part);
    WHEN 'batch_barcodes' THEN
        -- Its index comes with the lookups' (tiqets_index_lookups).
        NULL;
    WHEN 'batch_issues' THEN
        -- Report order; report filtered by code.
        EXECUTE format('CREATE UNIQUE INDEX ON public.%I (seq)', part);
        EXECUTE format('CREATE INDEX ON public.%I (code, seq)', part);
    WHEN 'batch_customer_tickets' THEN
        -- Top customers as an index-only scan.
        EXECUTE format('CREATE UNIQUE INDEX ON public.%I (tickets DESC, customer_id)', part);
    ELSE
        RAISE EXCEPTION '% is not a batch table', tbl;
    END CASE;
END $$;

CREATE OR REPLACE FUNCTION tiqets_attach_batch(batch text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    s text := tiqets_partition_suffix(batch);
    t text;
    part text;
    rank text;
    rel regclass;
BEGIN
    FOREACH t IN ARRAY ARRAY['batch_orders', 'batch_unused_barcodes', 'batch_issues',
                             'batch_customer_tickets', 'batch_barcodes'] LOOP
        part := t || '_' || s;
        rel := to_regclass(format('public.%I', part));
        IF rel IS NULL THEN
            RAISE EXCEPTION 'batch % has no % partition (stage it first)', batch, t;
        END IF;
        IF NOT (SELECT relispartition FROM pg_class WHERE oid = rel) THEN
            PERFORM tiqets_index_partition(batch, t);
            EXECUTE format('ALTER TABLE public.%I ATTACH PARTITION public.%I FOR VALUES IN (%L)',
                           t, part, batch);
            CONTINUE;
        END IF;
        IF to_regclass(format('public.%I', part || '_w')) IS NULL THEN
            RAISE EXCEPTION 'batch % has no staged % rows', batch, t;
        END IF;
        rank := CASE t WHEN 'batch_issues' THEN 'seq'
                       WHEN 'batch_customer_tickets' THEN 'customer_id'
                       WHEN 'batch_barcodes' THEN 'barcode'
                       ELSE 'position' END;
        EXECUTE format('DELETE FROM public.%I', part);
        EXECUTE format('INSERT INTO public.%I SELECT * FROM public.%I ORDER BY %I',
                       part, part || '_w', rank);
        EXECUTE format('DROP TABLE public.%I', part || '_w');
        PERFORM brin_summarize_new_values(i.indexrelid)
           FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
          WHERE a.amname = 'brin' AND i.indrelid = rel;
    END LOOP;
END $$;

-- Builds the lookup indexes of a completed batch's attached partitions, each when missing
-- (named `<partition>_lookup`): one order by id, one barcode (sold or unused), and the
-- orders and barcodes in the orders the comparison of two batches merges. Called by the
-- persister once the batch is completed; CREATE INDEX takes a SHARE lock on the partition,
-- which readers do not wait for. A partition that is gone (the batch was deleted) is
-- skipped.
CREATE FUNCTION tiqets_index_lookups(batch text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
SET maintenance_work_mem = '256MB' AS $$
DECLARE
    s text := tiqets_partition_suffix(batch);
    spec text[];
BEGIN
    FOREACH spec SLICE 1 IN ARRAY ARRAY[
        ARRAY['batch_orders', '(order_id)'],
        ARRAY['batch_unused_barcodes', '(barcode)'],
        ARRAY['batch_barcodes', '(barcode) INCLUDE (order_id)']] LOOP
        CONTINUE WHEN NOT coalesce((SELECT relispartition FROM pg_class
                                     WHERE oid = to_regclass(format('public.%I', spec[1] || '_' || s))), false);
        EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS %I ON public.%I %s',
                       spec[1] || '_' || s || '_lookup', spec[1] || '_' || s, spec[2]);
    END LOOP;
END $$;

-- Removes `batch`: its partitions (and staged tables left behind), its change records (the
-- cascade) and its record. Returns the rows removed and the bytes of the tables and indexes
-- dropped. Dropping a partition takes its parent's ACCESS EXCLUSIVE lock for the moment of
-- the drop: a read of any batch running then finishes first, and reads arriving meanwhile
-- wait for the commit. Nothing is partial for a reader: the drop and the record go in one
-- transaction.
CREATE FUNCTION tiqets_drop_batch(batch text, OUT rows_removed bigint, OUT bytes_freed bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    s text := tiqets_partition_suffix(batch);
    t text;
    n bigint;
    rel regclass;
BEGIN
    rows_removed := 0;
    bytes_freed := 0;
    -- Change records of this batch, or compared with it.
    SELECT coalesce(sum(orders_added + orders_removed + orders_changed + barcodes_sold
                        + barcodes_unsold + barcodes_moved + barcodes_added + barcodes_removed
                        + customers_changed + 1), 0)
      INTO n FROM batch_changes WHERE batch_id = batch OR since = batch;
    rows_removed := rows_removed + n;
    FOREACH t IN ARRAY ARRAY['batch_orders', 'batch_unused_barcodes', 'batch_issues',
                             'batch_customer_tickets', 'batch_barcodes'] LOOP
        FOR rel IN SELECT to_regclass(format('public.%I', t || '_' || s || w))
                     FROM unnest(ARRAY['', '_w']) AS w LOOP
            CONTINUE WHEN rel IS NULL;
            EXECUTE format('SELECT count(*) FROM %s', rel) INTO n;
            rows_removed := rows_removed + n;
            bytes_freed := bytes_freed + pg_total_relation_size(rel);
            EXECUTE format('DROP TABLE %s', rel);
        END LOOP;
    END LOOP;
    DELETE FROM batches WHERE id = batch;
    IF FOUND THEN
        rows_removed := rows_removed + 1;
    END IF;
END $$;

REVOKE ALL ON FUNCTION tiqets_stage_partition(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION tiqets_index_partition(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION tiqets_attach_batch(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION tiqets_drop_batch(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION tiqets_index_lookups(text) FROM PUBLIC;

-- Batches written before: their orders' barcodes become `batch_barcodes` partitions, and
-- their orders and unused barcodes gain the new indexes.
DO $$
DECLARE
    b text;
    s text;
    part text;
BEGIN
    FOR b IN SELECT id FROM batches ORDER BY id LOOP
        s := tiqets_partition_suffix(b);
        CONTINUE WHEN NOT coalesce((SELECT relispartition FROM pg_class
                                     WHERE oid = to_regclass(format('public.%I', 'batch_orders_' || s))), false);
        part := tiqets_stage_partition(b, 'batch_barcodes');
        EXECUTE format('INSERT INTO public.%I (barcode, order_id) '
                       'SELECT code, order_id FROM public.%I, '
                       'unnest(string_to_array(barcodes, '', '')) AS code ORDER BY code COLLATE "C"',
                       part, 'batch_orders_' || s);
        EXECUTE format('ALTER TABLE public.batch_barcodes ATTACH PARTITION public.%I FOR VALUES IN (%L)',
                       part, b);
        PERFORM tiqets_index_lookups(b);
    END LOOP;
END $$;
