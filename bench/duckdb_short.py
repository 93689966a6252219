#!/usr/bin/env python3
"""The short, typed job in DuckDB: the same shape as bench/polars_short.py, in SQL.

    python3 bench/duckdb_short.py DIR [--output F] [--top N]

Same inputs, output file and stdout as the other jobs, and like bench/polars_short.py no
validation: typed columns, no trimming, no line numbers, no issues file. The first row of
each order and of each barcode wins (by its position in the file: `row_number() OVER ()` over
the scan, which DuckDB keeps in file order), the barcodes of an order are listed in line
order, joined with the orders, sorted and written with `COPY`.
DuckDB runs in memory with its default threads.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

QUERY = """
CREATE TEMP TABLE barcodes AS
    SELECT barcode, order_id, row_number() OVER () AS line
    FROM read_csv(?, header = true, columns = {'barcode': 'VARCHAR', 'order_id': 'BIGINT'});
CREATE TEMP TABLE first_barcodes AS
    SELECT barcode, order_id, line FROM barcodes
    QUALIFY row_number() OVER (PARTITION BY barcode ORDER BY line) = 1;
CREATE TEMP TABLE orders AS
    SELECT order_id, customer_id FROM (
        SELECT order_id, customer_id, row_number() OVER () AS line
        FROM read_csv(?, header = true, columns = {'order_id': 'BIGINT', 'customer_id': 'BIGINT'})
    )
    QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY line) = 1;
CREATE TEMP TABLE processed AS
    SELECT o.customer_id, o.order_id,
           '[' || string_agg(b.barcode, ', ' ORDER BY b.line) || ']' AS barcodes,
           count(*) AS tickets
    FROM first_barcodes b JOIN orders o USING (order_id)
    GROUP BY o.customer_id, o.order_id;
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path, nargs="?", default=Path("data/input"))
    ap.add_argument("--output", type=Path, default=Path("data/output/processed_orders.csv"))
    ap.add_argument("--top", type=int, default=5)
    args = ap.parse_args()

    con = duckdb.connect()
    statements = [s for s in QUERY.split(";") if s.strip()]
    con.execute(statements[0], [str(args.dir / "barcodes.csv")])
    con.execute(statements[1])
    con.execute(statements[2], [str(args.dir / "orders.csv")])
    con.execute(statements[3])

    args.output.parent.mkdir(parents=True, exist_ok=True)
    out = str(args.output).replace("'", "''")
    con.execute(
        "COPY (SELECT customer_id, order_id, barcodes FROM processed "
        f"ORDER BY customer_id, order_id) TO '{out}' (HEADER, DELIMITER ',')"
    )

    top = con.execute(
        "SELECT customer_id, sum(tickets) AS t FROM processed GROUP BY customer_id "
        "ORDER BY t DESC, customer_id LIMIT ?",
        [args.top],
    ).fetchall()
    unused = con.execute("SELECT count(*) FROM first_barcodes WHERE order_id IS NULL").fetchone()
    lines = [f"{c}, {t}" for c, t in top]
    lines.append(str(unused[0]))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
