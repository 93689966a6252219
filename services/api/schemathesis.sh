#!/usr/bin/env bash
# Fuzzes the api against its own OpenAPI document with schemathesis (PyPI): no 5xx, every
# response (status, content type, headers, body) as the document says.
#
# It runs the api with the real pipeline (validator, merger, persister) on a private NATS
# server and a fresh PostgreSQL database, uploads the bundled sample so that the results
# endpoints have a completed batch to serve, then lets schemathesis generate requests for
# every operation but the endless event stream (examples, coverage and fuzzing phases; the
# stateful phase has no links to follow). Everything it started is stopped and removed at
# the end.
#
# Usage: services/api/schemathesis.sh [extra schemathesis arguments]
# Environment: SCHEMATHESIS_MAX_EXAMPLES (default 30 per operation), SCHEMATHESIS_SEED,
#   DATABASE_URL (the PostgreSQL server to use; default postgres://postgres@127.0.0.1:5432/tiqets),
#   CARGO_TARGET_DIR (as scripts/test), TIQETS_SCHEMATHESIS_VENV (where schemathesis is installed;
#   default ~/.cache/tiqets-schemathesis-<version>, created on first use and reused after).
# Every check schemathesis has is on (its default) but where services/api/schemathesis.toml
# says otherwise. It ends with one line of counts:
#   schemathesis: 15 operations tested, test cases: 854 generated, 854 passed; exit status 0
# scripts/test runs it (about 1.5 minutes with the services built; a first run installs
# schemathesis, about half a minute more).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tiqets-target}
# Pinned: a new release may add checks or change the output; bump it on purpose.
version=4.32.5
venv=${TIQETS_SCHEMATHESIS_VENV:-$HOME/.cache/tiqets-schemathesis-$version}
max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-30}
seed=${SCHEMATHESIS_SEED:-2026}
report_dir=${SCHEMATHESIS_REPORT_DIR:-$CARGO_TARGET_DIR/schemathesis}

services_who=schemathesis.sh
# shellcheck source=scripts/lib/services.sh
. scripts/lib/services.sh

# PostgreSQL (and the nats-server binary) from the machine, as the tests use them.
scripts/test-services

if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qF "$version"; then
  say "installing schemathesis $version into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$version"
fi

say "building the services"
cargo build -q --locked -p tiqets-api -p tiqets-validator -p tiqets-merger -p tiqets-persister --bins
bin=$CARGO_TARGET_DIR/debug

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  drop_scratch_database
  rm -rf "$work"
}
trap cleanup EXIT

private_nats "$work"
pids+=("$private_nats_pid")
scratch_database schemathesis

api_port=$(free_port)
export NATS_URL=$private_nats_url
export DATABASE_URL=$scratch_database_url
export TIQETS_NAMESPACE=schemathesis
export TIQETS_OUTPUT_DIR=$work/output
export TIQETS_UPLOAD_DIR=$work
export TIQETS_WEB_DIR=$work/no-dashboard
export TIQETS_API_ADDR=127.0.0.1:$api_port
export TIQETS_API_WORKERS=2
# One fuzzing client sends far more than a person: no per-client rate limit here.
export TIQETS_API_RATE_PER_SECOND=0
export RUST_LOG=${RUST_LOG:-warn}
for service in validator merger persister api; do
  "$bin/tiqets-$service" >"$work/$service.log" 2>&1 &
  pids+=($!)
done
base=http://127.0.0.1:$api_port

for _ in $(seq 1 300); do
  curl -sf "$base/readyz" >/dev/null && break
  sleep 0.2
done
curl -sf "$base/readyz" >/dev/null || { say "the api did not get ready"; cat "$work/api.log" >&2; exit 1; }

say "uploading the sample"
batch=$(curl -sf -F orders=@data/input/orders.csv -F barcodes=@data/input/barcodes.csv \
  -F name=sample "$base/api/batches" | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["batch_id"])')
for _ in $(seq 1 300); do
  status=$(curl -sf "$base/api/batches/$batch" | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["status"])' || true)
  [ "$status" = completed ] && break
  [ "$status" = failed ] && { say "the sample batch failed"; exit 1; }
  sleep 0.2
done
[ "$status" = completed ] || { say "the sample batch did not complete (status: $status)"; exit 1; }

say "fuzzing $base/api/openapi.json ($max_examples examples per operation)"
status=0
"$venv/bin/schemathesis" --config-file services/api/schemathesis.toml run "$base/api/openapi.json" \
  --phases examples,coverage,fuzzing \
  --exclude-path /api/events \
  --max-examples "$max_examples" \
  --seed "$seed" \
  --request-timeout 10 \
  --workers 2 \
  --report junit --report-dir "$report_dir" \
  "$@" 2>&1 | tee "$work/schemathesis.out" || status=$?

# Failed requests the api logged (not clients' malformed HTTP, which actix logs too).
if grep -q '"request failed"' "$work/api.log"; then
  say "the api logged failed requests:"
  grep '"request failed"' "$work/api.log" | head -20 >&2
  status=1
fi
# The counts in one line (schemathesis's summary says "Tested: N" and "N generated, …").
tested=$(sed -n 's/^ *Tested: *\([0-9]*\).*/\1/p' "$work/schemathesis.out" | tail -1)
cases=$(sed -n 's/^ *\([0-9]* generated.*\)$/\1/p' "$work/schemathesis.out" | tail -1)
echo "schemathesis: ${tested:-?} operations tested, test cases: ${cases:-none}; exit status $status"
exit $status
