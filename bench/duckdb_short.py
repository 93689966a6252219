#!/usr/bin/env python3
"""The short, typed job in DuckDB: the same shape as bench/polars_short.py, in SQL.

    python3 bench/duckdb_short.py DIR [--output F] [--top N]

The same inputs, processed_orders.csv and stdout as the other jobs and, like
bench/polars_short.py, none of the validation: the columns are read typed (`order_id` and
`customer_id` BIGINT, `barcode` VARCHAR), nothing is trimmed or checked, no line numbers are
kept and no issues file is written; a value that does not parse as its type fails the whole
run. The first row of each order_id and of each barcode wins, by its position in the file:
`row_number() OVER ()` over the scan numbers the rows in file order (DuckDB preserves the
insertion order of `read_csv` through a window with an empty OVER clause, as its "Order
Preservation" documentation says; the CSV reader has no file_row_number column). The barcodes
of an order are listed in line order (`string_agg(... ORDER BY line)`), joined with the
orders, sorted and written with `COPY`, whose CSV writer quotes a field holding a comma, as
the other jobs do. DuckDB runs in memory (`duckdb.connect()`) with its default settings:
one thread per core, memory limit 80% of RAM.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

# The first row of each barcode (over the whole file, sold or not) and of each order_id.
FIRST_BARCODES = """
CREATE TEMP TABLE barcodes AS
SELECT barcode, order_id, line
FROM (
    SELECT barcode, order_id, row_number() OVER () AS line
    FROM read_csv(?, header = true, types = {'barcode': 'VARCHAR', 'order_id': 'BIGINT'})
)
QUALIFY row_number() OVER (PARTITION BY barcode ORDER BY line) = 1
"""
FIRST_ORDERS = """
CREATE TEMP TABLE orders AS
SELECT order_id, customer_id
FROM (
    SELECT order_id, customer_id, row_number() OVER () AS line
    FROM read_csv(?, header = true, types = {'order_id': 'BIGINT', 'customer_id': 'BIGINT'})
)
QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY line) = 1
"""
# The sold barcodes of each order in line order; the inner join drops unknown orders.
PROCESSED = """
CREATE TEMP TABLE processed AS
SELECT o.customer_id, o.order_id, b.barcodes, b.tickets
FROM (
    SELECT order_id,
           '[' || string_agg(barcode, ', ' ORDER BY line) || ']' AS barcodes,
           count(*) AS tickets
    FROM barcodes
    WHERE order_id IS NOT NULL
    GROUP BY order_id
) b
JOIN orders o USING (order_id)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path, nargs="?", default=Path("data/input"))
    ap.add_argument("--output", type=Path, default=Path("data/output/processed_orders.csv"))
    ap.add_argument("--top", type=int, default=5)
    args = ap.parse_args()

    con = duckdb.connect()
    con.execute(FIRST_BARCODES, [str(args.dir / "barcodes.csv")])
    con.execute(FIRST_ORDERS, [str(args.dir / "orders.csv")])
    con.execute(PROCESSED)

    args.output.parent.mkdir(parents=True, exist_ok=True)
    out = str(args.output).replace("'", "''")
    con.execute(
        "COPY (SELECT customer_id, order_id, barcodes FROM processed "
        f"ORDER BY customer_id, order_id) TO '{out}' (FORMAT csv, HEADER, DELIMITER ',')"
    )

    top = con.execute(
        "SELECT customer_id, sum(tickets) AS t FROM processed GROUP BY customer_id "
        "ORDER BY t DESC, customer_id LIMIT ?",
        [args.top],
    ).fetchall()
    (unused,) = con.execute("SELECT count(*) FROM barcodes WHERE order_id IS NULL").fetchone()
    lines = [f"{c}, {t}" for c, t in top]
    lines.append(str(unused))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
