#!/usr/bin/env python3
"""The short, typed Polars job: what a user writes first, and the bar `tiqets process` is held to.

    python3 bench/polars_short.py DIR [--output F] [--top N]

Same inputs, output file and stdout as bench/polars_process.py, but none of its validation:
the columns are read as typed (`order_id`, `customer_id` Int64, `barcode` String), so a file
with a bad value fails instead of reporting it; nothing is trimmed or checked, there are no
line numbers and no issues file. What is left is the core of the job: the first row of each
order and of each barcode wins, the barcodes of each order in line order, an inner join, the
sort, the CSV and the top customers. On clean data (`tiqets generate` without
`--malformed`) its output equals the other jobs'.
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

    orders = pl.scan_csv(
        args.dir / "orders.csv", schema={"order_id": pl.Int64, "customer_id": pl.Int64}
    ).filter(pl.col("order_id").is_first_distinct())
    barcodes = pl.scan_csv(
        args.dir / "barcodes.csv", schema={"barcode": pl.String, "order_id": pl.Int64}
    ).filter(pl.col("barcode").is_first_distinct())

    unused = barcodes.filter(pl.col("order_id").is_null()).select(pl.len())
    processed = (
        barcodes.filter(pl.col("order_id").is_not_null())
        .group_by("order_id")
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
