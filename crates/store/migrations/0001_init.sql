-- Batches and their results. See docs/data-model.md for the queries each index serves.

CREATE TABLE batches (
    id               text        PRIMARY KEY,
    name             text        NOT NULL DEFAULT '',
    status           text        NOT NULL CHECK (status IN ('waiting', 'received', 'validating',
                                                             'merging', 'persisting', 'completed',
                                                             'failed')),
    -- 1 for the first run, +1 per retry of a failed batch; 0 for waiting pseudo-batches.
    attempt          integer     NOT NULL DEFAULT 0,
    reason           text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    received_at      timestamptz,
    validating_at    timestamptz,
    merging_at       timestamptz,
    persisting_at    timestamptz,
    completed_at     timestamptz,
    failed_at        timestamptz,
    orders_file      text,
    orders_sha256    text,
    orders_size      bigint,
    barcodes_file    text,
    barcodes_sha256  text,
    barcodes_size    bigint,
    order_rows       bigint,
    barcode_rows     bigint,
    orders_written   bigint,
    tickets          bigint,
    customers        bigint,
    unused_barcodes  bigint,
    issues           bigint,
    issue_counts     jsonb,
    progress         jsonb
);

-- Batch list, newest first (keyset pagination on (created_at, id)).
CREATE INDEX batches_newest ON batches (created_at DESC, id DESC);
-- The current batch: the latest completed one.
CREATE INDEX batches_current ON batches (completed_at DESC, id DESC) WHERE status = 'completed';
-- A pair byte-identical to a completed batch is a repeat of it.
CREATE INDEX batches_digest ON batches (orders_sha256, barcodes_sha256) WHERE status = 'completed';

-- One row per output order. The primary key is also the output order (rule 6), the
-- customer lookup and the keyset for paging; barcodes keep barcodes.csv line order.
CREATE TABLE batch_orders (
    batch_id     text     NOT NULL,
    customer_id  bigint   NOT NULL,
    order_id     bigint   NOT NULL,
    barcodes     text[]   NOT NULL,
    PRIMARY KEY (batch_id, customer_id, order_id)
);

-- Unused barcodes (rule 3), `position` = 1-based rank in barcodes.csv order, dense, so
-- page k is a primary-key range scan; `line` is where the barcode stands in barcodes.csv.
CREATE TABLE batch_unused_barcodes (
    batch_id  text    NOT NULL,
    position  bigint  NOT NULL,
    barcode   text    NOT NULL,
    line      bigint  NOT NULL,
    PRIMARY KEY (batch_id, position)
);

-- The validation report, `seq` = 1-based rank in report order (file, line, code).
CREATE TABLE batch_issues (
    batch_id  text    NOT NULL,
    seq       bigint  NOT NULL,
    file      text    NOT NULL CHECK (file IN ('orders', 'barcodes')),
    line      bigint  NOT NULL,
    code      text    NOT NULL,
    message   text    NOT NULL,
    PRIMARY KEY (batch_id, seq)
);
-- Issues filtered by code, in report order.
CREATE INDEX batch_issues_code ON batch_issues (batch_id, code, seq);

-- Tickets per customer (rule 7), aggregated once at write time.
CREATE TABLE batch_customer_tickets (
    batch_id     text    NOT NULL,
    customer_id  bigint  NOT NULL,
    tickets      bigint  NOT NULL,
    PRIMARY KEY (batch_id, customer_id)
);
-- Top customers: most tickets first, ties by smaller customer_id; an index-only scan.
CREATE INDEX batch_customer_tickets_top
    ON batch_customer_tickets (batch_id, tickets DESC, customer_id);
