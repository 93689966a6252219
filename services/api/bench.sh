#!/usr/bin/env bash
# Benchmark of the api's data endpoints against /healthz (no database), in the same run.
#
# Runs the release api with the real pipeline on a private NATS server and a fresh
# PostgreSQL database, uploads the medium dataset (1,000,000 orders, data/bench/medium,
# generated with `tiqets generate --orders 1000000 --seed 42` when missing) and waits until
# it is completed. Then wrk (Debian package) loads, at 64 connections, in interleaved rounds:
#   healthz    GET /healthz
#   top        GET /api/customers/top                  (top 5)
#   orders     GET /api/orders/{id}                    (random customers of the batch)
#   unused     GET /api/barcodes/unused?page=N         (random pages of 100)
#   barcode    GET /api/barcodes/{barcode}             (random sold and unused barcodes)
#   order      GET /api/batches/{id}/orders/{order_id} (random orders of the batch)
#   history    GET /api/barcodes/{barcode}/history     (random barcodes)
# (each round starting one endpoint later than the one before), and prints, per endpoint, the
# median over the rounds of requests/s, p50 and p99 latency,
# and its throughput as a ratio of /healthz's. Target: every data endpoint at
# least 0.5 of /healthz's throughput, p99 under 20 ms. The load average before and after
# is printed with the table: the machine is shared, and wrk, the api and PostgreSQL share
# its cores.
#
# Before the load, the lookups' plans in PostgreSQL: EXPLAIN ANALYZE execution times (p50 and
# max of 21 random keys each) of a barcode, an order and a barcode's history. Then deep pages
# of the batch's orders: 21 distinct pages of 100 from the last
# tenth of the batch, each asked once over HTTP (so never from the api's memory), p50 and
# max; and, in PostgreSQL, the same pages by `position` (what the api runs) against the
# `OFFSET` form it replaced (EXPLAIN ANALYZE execution times, p50).
#
# Usage: services/api/bench.sh     ROUNDS (default 3), SECONDS_PER_RUN (default 10),
#        CONNECTIONS (default 64), WRK_THREADS (default 2), DATABASE_URL (server to use),
#        CARGO_TARGET_DIR, SKIP_BUILD=1 (use the release binaries already built),
#        KEEP_DB=1 (leave the database with the batch, and say its name).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tiqets-target}
target=$CARGO_TARGET_DIR
rounds=${ROUNDS:-3}
secs=${SECONDS_PER_RUN:-10}
conns=${CONNECTIONS:-64}
threads=${WRK_THREADS:-2}
data=data/bench/medium

services_who=bench
# shellcheck source=scripts/lib/services.sh
. scripts/lib/services.sh
json() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }

command -v wrk >/dev/null || { say "needs wrk (apt-get install wrk)"; exit 2; }
scripts/test-services
if [ -z "${SKIP_BUILD:-}" ]; then
  say "building (release)"
  cargo build -q --release -p tiqets-api -p tiqets-validator -p tiqets-merger -p tiqets-persister -p tiqets-cli --bins
fi
bin=$target/release
if [ ! -f "$data/orders.csv" ]; then
  say "generating $data"
  "$bin/tiqets" generate --orders 1000000 --seed 42 --out "$data"
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "${KEEP_DB:-}" ]; then
    say "kept the database $scratch_database_url"
  else
    drop_scratch_database
  fi
  rm -rf "$work"
}
trap cleanup EXIT

private_nats "$work"
pids+=("$private_nats_pid")
scratch_database bench
api_port=$(free_port)
export NATS_URL=$private_nats_url DATABASE_URL=$scratch_database_url TIQETS_NAMESPACE=bench
export TIQETS_OUTPUT_DIR=$work/output TIQETS_UPLOAD_DIR=$work TIQETS_WEB_DIR=$work/none
export TIQETS_API_ADDR=127.0.0.1:$api_port RUST_LOG=${RUST_LOG:-warn}
# wrk is one client: the per-client rate limit (100 requests/s by default) would answer it 429.
export TIQETS_API_RATE_PER_SECOND=0
for service in validator merger persister api; do
  "$bin/tiqets-$service" >"$work/$service.log" 2>&1 &
  pids+=($!)
done
base=http://127.0.0.1:$api_port
for _ in $(seq 1 300); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.2; done

say "uploading $data and waiting for it to complete"
batch=$(curl -sf -F orders=@$data/orders.csv -F barcodes=@$data/barcodes.csv -F name=medium \
  "$base/api/batches" | json 'd["data"]["batch_id"]')
status=
for _ in $(seq 1 1800); do
  status=$(curl -sf "$base/api/batches/$batch" | json 'd["data"]["status"]' || true)
  [ "$status" = completed ] || [ "$status" = failed ] && break
  sleep 1
done
[ "$status" = completed ] || { say "the batch did not complete ($status)"; tail -5 "$work"/*.log >&2; exit 1; }
counts=$(curl -sf "$base/api/batches/$batch" | json 'd["data"]["counts"]')
say "completed: $counts"
unused=$(curl -sf "$base/api/barcodes/unused?per_page=1" | json 'd["data"]["total"]')
pages=$(( (unused + 99) / 100 ))

# Deep pages of the orders: over HTTP (first requests, so computed, not remembered), then
# in PostgreSQL by position against OFFSET.
orders=$(curl -sf "$base/api/batches/$batch" | json 'd["data"]["counts"]["orders_written"]')
last=$(( (orders + 99) / 100 ))
deep=$(seq $(( last - 20 * (last / 200) )) $(( last / 200 )) "$last" | head -21)
for p in $deep; do
  curl -sf -o /dev/null -w '%{time_total}\n' "$base/api/batches/$batch/orders?page=$p&per_page=100"
done >"$work/deep_http"
explain() { psql -qAt "$DATABASE_URL" -c "EXPLAIN (ANALYZE) $1" | sed -n 's/^Execution Time: \([0-9.]*\) ms$/\1/p'; }
for p in $deep; do
  offset=$(( (p - 1) * 100 ))
  by_offset=$(explain "SELECT customer_id, order_id, barcodes FROM batch_orders WHERE batch_id = '$batch' ORDER BY customer_id, order_id OFFSET $offset LIMIT 100")
  by_position=$(explain "SELECT customer_id, order_id, barcodes FROM batch_orders WHERE batch_id = '$batch' AND position > $offset AND position <= $offset + 100 ORDER BY position LIMIT 100")
  echo "$by_offset $by_position"
done >"$work/deep_sql"
python3 - "$work/deep_http" "$work/deep_sql" <<'PY'
import statistics, sys
http = [float(l) * 1000 for l in open(sys.argv[1])]
sql = [tuple(map(float, l.split())) for l in open(sys.argv[2])]
print(f"deep pages of orders (last tenth, {len(http)} pages of 100): HTTP p50 {statistics.median(http):.2f} ms, max {max(http):.2f} ms; "
      f"PostgreSQL OFFSET p50 {statistics.median(s[0] for s in sql):.2f} ms, by position p50 {statistics.median(s[1] for s in sql):.2f} ms")
PY

# Random barcodes (sold and unused) and orders of the batch, for the lookups.
psql -qAt "$DATABASE_URL" -c "(SELECT barcode FROM batch_barcodes WHERE batch_id = '$batch' ORDER BY random() LIMIT 15000)
  UNION ALL (SELECT barcode FROM batch_unused_barcodes WHERE batch_id = '$batch' ORDER BY random() LIMIT 5000)" >"$work/barcodes"
psql -qAt "$DATABASE_URL" -c "SELECT order_id FROM batch_orders WHERE batch_id = '$batch' ORDER BY random() LIMIT 20000" >"$work/order_ids"
for i in $(seq 1 21); do
  b=$(sed -n "$((i * 900))p" "$work/barcodes"); o=$(sed -n "$((i * 900))p" "$work/order_ids")
  echo "$(explain "SELECT 'sold', b.order_id, o.customer_id FROM batch_barcodes b JOIN batch_orders o ON o.batch_id = b.batch_id AND o.order_id = b.order_id WHERE b.batch_id = '$batch' AND b.barcode = '$b' UNION ALL SELECT 'unused', NULL, NULL FROM batch_unused_barcodes WHERE batch_id = '$batch' AND barcode = '$b' LIMIT 1") \
$(explain "SELECT customer_id, order_id, barcodes FROM batch_orders WHERE batch_id = '$batch' AND order_id = $o") \
$(explain "SELECT bt.id, s.state FROM (SELECT id, completed_at FROM batches WHERE status = 'completed' ORDER BY completed_at DESC, id DESC LIMIT 1000) bt LEFT JOIN LATERAL (SELECT 'sold' AS state FROM batch_barcodes b WHERE b.batch_id = bt.id AND b.barcode = '$b' UNION ALL SELECT 'unused' FROM batch_unused_barcodes u WHERE u.batch_id = bt.id AND u.barcode = '$b' LIMIT 1) s ON true")"
done >"$work/lookups_sql"
python3 - "$work/lookups_sql" <<'PY'
import statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1])]
for i, name in enumerate(["barcode", "order", "history"]):
    t = [r[i] for r in rows]
    print(f"lookup of a {name} in PostgreSQL (EXPLAIN ANALYZE, {len(t)} keys): p50 {statistics.median(t):.3f} ms, max {max(t):.3f} ms")
PY
# Random customers of the batch, and the Lua scripts that pick from them.
psql -qAt "$DATABASE_URL" -c "SELECT customer_id FROM batch_customer_tickets WHERE batch_id = '$batch' ORDER BY random() LIMIT 20000" >"$work/customers"
report='done = function(s, lat, req)
  io.write(string.format("RESULT %.1f %.3f %.3f %d %d\n", s.requests / (s.duration / 1e6),
    lat:percentile(50) / 1000, lat:percentile(99) / 1000, s.errors.status, s.errors.timeout))
end'
{
  echo "ids = {$(paste -sd, "$work/customers")}"
  echo 'request = function() return wrk.format("GET", "/api/orders/" .. ids[math.random(#ids)]) end'
  echo "$report"
} >"$work/orders.lua"
{
  echo "request = function() return wrk.format(\"GET\", \"/api/barcodes/unused?page=\" .. math.random($pages)) end"
  echo "$report"
} >"$work/unused.lua"
for kind in barcode history; do
  suffix=; [ "$kind" = history ] && suffix=/history
  {
    echo "ids = {$(sed 's/.*/"&"/' "$work/barcodes" | paste -sd,)}"
    echo "request = function() return wrk.format(\"GET\", \"/api/barcodes/\" .. ids[math.random(#ids)] .. \"$suffix\") end"
    echo "$report"
  } >"$work/$kind.lua"
done
{
  echo "ids = {$(paste -sd, "$work/order_ids")}"
  echo "request = function() return wrk.format(\"GET\", \"/api/batches/$batch/orders/\" .. ids[math.random(#ids)]) end"
  echo "$report"
} >"$work/order.lua"
echo "$report" >"$work/plain.lua"

declare -A path=([healthz]=/healthz [top]=/api/customers/top [orders]=/ [unused]=/ [barcode]=/ [order]=/ [history]=/)
declare -A script=([healthz]=plain [top]=plain [orders]=orders [unused]=unused [barcode]=barcode [order]=order [history]=history)
endpoints=(healthz top orders unused barcode order history)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq 1 "$rounds"); do
  # Each round starts one endpoint later, so none always runs last on a heating machine.
  shift_by=$(( (round - 1) % ${#endpoints[@]} ))
  for e in "${endpoints[@]:shift_by}" "${endpoints[@]:0:shift_by}"; do
    line=$(wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 5s -s "$work/${script[$e]}.lua" "$base${path[$e]}" | grep '^RESULT')
    echo "$e $line" >>"$work/results"
    say "round $round $e: $line"
  done
done

echo "load average before the load: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores; wrk -t$threads -c$conns, ${secs} s per run, $rounds rounds)"
python3 - "$work/results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    e, _, rps, p50, p99, errors, timeouts = line.split()
    rows.setdefault(e, []).append((float(rps), float(p50), float(p99), int(errors) + int(timeouts)))
med = {e: tuple(statistics.median(r[i] for r in v) for i in range(3)) + (sum(r[3] for r in v),)
       for e, v in rows.items()}
base = med["healthz"][0]
print("| endpoint | requests/s | p50 ms | p99 ms | vs /healthz | non-2xx or timeouts |")
print("|---|---:|---:|---:|---:|---:|")
for e in ["healthz", "top", "orders", "unused", "barcode", "order", "history"]:
    rps, p50, p99, bad = med[e]
    print(f"| {e} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {rps / base:.2f} | {bad} |")
PY
