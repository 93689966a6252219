-- Deep pages of a batch's orders: `position` is the 1-based rank of the row in output order
-- (customer_id, order_id), dense like batch_unused_barcodes.position, so page k of size s
-- is the index range `position > (k - 1)·s` however deep, instead of an OFFSET that walks
-- every row before the page. See docs/data-model.md.

ALTER TABLE batch_orders ADD COLUMN position bigint;

-- Rows written before this migration get their rank (a no-op on an empty table).
UPDATE batch_orders o
SET position = r.position
FROM (
    SELECT batch_id, customer_id, order_id,
           row_number() OVER (PARTITION BY batch_id ORDER BY customer_id, order_id) AS position
    FROM batch_orders
) r
WHERE o.batch_id = r.batch_id AND o.customer_id = r.customer_id AND o.order_id = r.order_id;

ALTER TABLE batch_orders ALTER COLUMN position SET NOT NULL;

CREATE UNIQUE INDEX batch_orders_position ON batch_orders (batch_id, position);
