#!/usr/bin/env python3
"""The short, typed Polars job: what a user writes first, and the bar `tiqets process` is held to.

    python3 bench/polars_short.py DIR [--output F] [--top N]

The same inputs, processed_orders.csv and stdout as bench/polars_process.py, without any of
its validation: the columns are read typed (`order_id` and `customer_id` Int64, `barcode`
String), nothing is trimmed or checked (no id or barcode rules, no header matching), no line
numbers are kept and no issues file is written. A value that does not parse as its type, or a
malformed record, fails the whole run instead of being reported. What is left is the core of
the job: the first row of each order_id and of each barcode wins (a barcode's first row over
the whole file, sold or not), a barcode without an order_id is unused, the barcodes of each
order in barcodes.csv line order, an inner join with the orders, the sort, the CSV and the
top customers. This is the bar: what it costs to do only that, which the jobs that also
report each bad row (tiqets, bench/polars_process.py) are compared with. On data without bad
rows (`tiqets generate` without `--malformed`) its output equals theirs, byte for byte.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import polars as pl


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path, nargs="?", default=Path("data/input"))
    ap.add_argument("--output", type=Path, default=Path("data/output/processed_orders.csv"))
    ap.add_argument("--top", type=int, default=5)
    args = ap.parse_args()

    orders = (
        pl.scan_csv(
            args.dir / "orders.csv",
            schema_overrides={"order_id": pl.Int64, "customer_id": pl.Int64},
        )
        .select("order_id", "customer_id")
        .filter(pl.col("order_id").is_first_distinct())
    )
    barcodes = (
        pl.scan_csv(
            args.dir / "barcodes.csv",
            schema_overrides={"barcode": pl.String, "order_id": pl.Int64},
        )
        .select("barcode", "order_id")
        .filter(pl.col("barcode").is_first_distinct())
    )

    unused = barcodes.filter(pl.col("order_id").is_null()).select(pl.len())
    processed = (
        barcodes.filter(pl.col("order_id").is_not_null())
        .group_by("order_id", maintain_order=True)
        .agg(pl.col("barcode"))
        .join(orders, on="order_id", how="inner")
        .sort("customer_id", "order_id")
        .select(
            "customer_id",
            "order_id",
            barcodes=pl.format("[{}]", pl.col("barcode").list.join(", ")),
            tickets=pl.col("barcode").list.len(),
        )
    )
    result, unused_df = pl.collect_all([processed, unused])

    args.output.parent.mkdir(parents=True, exist_ok=True)
    result.select("customer_id", "order_id", "barcodes").write_csv(args.output)

    top = (
        result.group_by("customer_id")
        .agg(pl.col("tickets").sum())
        .sort(["tickets", "customer_id"], descending=[True, False])
        .head(args.top)
    )
    lines = [f"{c}, {t}" for c, t in top.iter_rows()]
    lines.append(str(unused_df.item()))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
