-- A batch's sold barcodes (`batch_barcodes`) are loaded after the batch is completed, not
-- beside its orders.
--
-- They are the orders' own barcodes, one row per barcode: a lookup table, like the lookup
-- indexes of migration 6. Copied beside the orders, their 3-4 rows per order paced the
-- whole load (at 1M orders the orders took 0.7 s alone and 2.2 s with them). Now the
-- persister commits the orders, the unused barcodes, the issues and the tickets, records
-- `completed`, and then copies the sold barcodes into a staged table of their own and
-- attaches it (`tiqets_attach_partition`), under the batch's lock.
--
-- Until that partition is attached, `tiqets_sold_barcodes` reads a completed batch's sold
-- barcodes from its orders (the same rows, found by a scan instead of an index): a lookup
-- or a comparison of the batch gives the same answer before as after.

-- Makes the staged table of `tbl` of `batch` its partition: a new table is indexed and
-- attached; a partition attached before gets the rows of its `_w` table instead of its own
-- (and its new BRIN ranges summarised), without the parent lock that a DETACH or DROP
-- would take. The table must have been staged.
CREATE FUNCTION tiqets_attach_partition(batch text, tbl text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    part text;
    rank text;
    rel regclass;
BEGIN
    IF tbl IS NULL OR tbl NOT IN ('batch_orders', 'batch_unused_barcodes', 'batch_issues',
                                  'batch_customer_tickets', 'batch_barcodes') THEN
        RAISE EXCEPTION '% is not a batch table', tbl;
    END IF;
    part := tbl || '_' || tiqets_partition_suffix(batch);
    rel := to_regclass(format('public.%I', part));
    IF rel IS NULL THEN
        RAISE EXCEPTION 'batch % has no % partition (stage it first)', batch, tbl;
    END IF;
    IF NOT (SELECT relispartition FROM pg_class WHERE oid = rel) THEN
        PERFORM tiqets_index_partition(batch, tbl);
        EXECUTE format('ALTER TABLE public.%I ATTACH PARTITION public.%I FOR VALUES IN (%L)',
                       tbl, part, batch);
        RETURN;
    END IF;
    IF to_regclass(format('public.%I', part || '_w')) IS NULL THEN
        RAISE EXCEPTION 'batch % has no staged % rows', batch, tbl;
    END IF;
    rank := CASE tbl WHEN 'batch_issues' THEN 'seq'
                     WHEN 'batch_customer_tickets' THEN 'customer_id'
                     WHEN 'batch_barcodes' THEN 'barcode'
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
END $$;

-- The four tables written before `completed`; the sold barcodes follow it.
CREATE OR REPLACE FUNCTION tiqets_attach_batch(batch text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['batch_orders', 'batch_unused_barcodes', 'batch_issues',
                             'batch_customer_tickets'] LOOP
        PERFORM tiqets_attach_partition(batch, t);
    END LOOP;
END $$;

-- A batch's sold barcodes with their orders: its `batch_barcodes` partition once attached,
-- else the barcodes of its orders (`batch_orders.barcodes` is the list's text, ", "
-- between barcodes). Every output order has a barcode, so an attached partition is empty
-- only when the orders are. A plain SQL function of one SELECT: the planner inlines it, so
-- a filter on it reaches the partition's index; its rows' type keeps the barcodes' byte
-- order (COLLATE "C"), the index's.
CREATE TYPE tiqets_sold_barcode AS (barcode text COLLATE "C", order_id bigint);
CREATE FUNCTION tiqets_sold_barcodes(batch text) RETURNS SETOF tiqets_sold_barcode
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT b.barcode, b.order_id FROM public.batch_barcodes b WHERE b.batch_id = batch
    UNION ALL
    SELECT code COLLATE "C", o.order_id
      FROM public.batch_orders o, unnest(string_to_array(o.barcodes, ', ')) AS code
     WHERE o.batch_id = batch
       AND NOT EXISTS (SELECT FROM public.batch_barcodes s WHERE s.batch_id = batch)
$$;

REVOKE ALL ON FUNCTION tiqets_attach_partition(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION tiqets_attach_batch(text) FROM PUBLIC;
