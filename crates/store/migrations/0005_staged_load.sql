-- A batch's tables are loaded on several connections at once, each in a transaction of its
-- own, and attached together in the transaction that records the batch `completed`.
--
-- Until now one transaction created the four partitions, copied the rows of one table after
-- the other and built every index: the server worked on one core while the others idled.
-- Now each table is staged on its own connection (`tiqets_stage_partition`: a new, empty
-- table in the caller's transaction, so COPY can load it FREEZE), filled, indexed
-- (`tiqets_index_partition`) and committed; the orders and the unused barcodes are copied and
-- indexed side by side. Readers never see a staged table: they read the parent tables, and
-- a staged table becomes part of them only in `tiqets_attach_batch`.
--
-- A batch written before (a redelivered message, a retried batch) keeps its attached
-- partitions until the new rows are complete: its tables are staged as `<partition>_w`, and
-- `tiqets_attach_batch` moves their rows in (DELETE, then INSERT … SELECT in rank order,
-- then the BRIN ranges summarised) and drops them — without the parent lock that a
-- DETACH or DROP of a partition would take. A staged table left behind by a crash is
-- dropped by the next stage of the same table.

DROP FUNCTION tiqets_open_batch(text);

-- Creates the empty table that `tbl`'s rows of `batch` are copied into, in the caller's
-- transaction, and returns its name: the batch's partition of `tbl` while it is not
-- attached, else `<partition>_w`. A table of that name left by an earlier, interrupted
-- write is dropped first.
CREATE FUNCTION tiqets_stage_partition(batch text, tbl text) RETURNS text
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
                                  'batch_customer_tickets') THEN
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

-- Builds the indexes of `batch`'s partition of `tbl` when it is a new one (not attached,
-- no index yet); otherwise does nothing. The orders' and unused barcodes' `position` is
-- analysed for the planner's BRIN choice (migration 4).
CREATE FUNCTION tiqets_index_partition(batch text, tbl text) RETURNS void
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

-- Makes the staged tables of `batch` its results: new partitions are indexed (when their
-- stage did not) and attached; partitions attached before get the rows of their `_w` table
-- instead of their own, and their new BRIN ranges summarised. Every table must have been
-- staged: a batch with a missing partition is an error.
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
                             'batch_customer_tickets'] LOOP
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
                       ELSE 'position' END;
        EXECUTE format('DELETE FROM public.%I', part);
        EXECUTE format('INSERT INTO public.%I SELECT * FROM public.%I ORDER BY %I',
                       part, part || '_w', rank);
        EXECUTE format('DROP TABLE public.%I', part || '_w');
        -- The rows just moved lie in block ranges the BRIN index has not summarised yet,
        -- which every range scan would read.
        PERFORM brin_summarize_new_values(i.indexrelid)
           FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
          WHERE a.amname = 'brin' AND i.indrelid = rel;
    END LOOP;
END $$;

REVOKE ALL ON FUNCTION tiqets_stage_partition(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION tiqets_index_partition(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION tiqets_attach_batch(text) FROM PUBLIC;
