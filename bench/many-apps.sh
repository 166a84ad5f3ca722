#!/usr/bin/env bash
# bench/many-apps.sh — the token path at platform scale (issue 8), one server.
#
# On one fresh server (SQLite by default, or a throwaway PostgreSQL cluster):
#   1. seeds N apps through the real admin API with WRITERS concurrent callers, spread
#      over several active tenants (app_limit is per tenant), and prints the create
#      rate per tenth of N — a create path that slows as the table grows shows here
#      (bench/seed-apps.mjs); then assigns the paid plan bench-pro (entitlements) to
#      every app so that every token carries plan claims;
#   2. reads the server's VmRSS, sends one token request per app (every app is looked
#      up by the token-path cache once, bench/warm-apps.mjs), reads VmRSS and the
#      tenantd_app_cache_entries gauge again and prints bytes per cached app;
#   3. runs wrk with bench/token-random.lua twice per repetition against the SAME
#      server: a random client per request out of all N, and the same script with a
#      one-line file (the first app only); prints both rates and many/one.
#
# Usage:
#   bench/many-apps.sh                     # SQLite, N=100000 (the documented run)
#   N=2000 bench/many-apps.sh              # quick
#   N=20000 bench/many-apps.sh postgres    # PostgreSQL (scripts/with-postgres.sh)
#   BACKEND=postgres N=2000 bench/many-apps.sh
# Environment:
#   N=100000  WRITERS=8  TENANTS=4 (raised so no tenant needs more than 90,000 apps)
#   BENCH_DBS=2 (region databases)  PLAN=bench-pro ('' = no plan phase)
#   CONNS=16  SECS=10  WARMUP_S=2  REPS=1 (many/one pairs, interleaved)
#   WARM_CONC=16 (concurrency of the warm pass)  THREADS_SERVER=4 (TENANTD_THREADS)
#   ALG=ES256  BIN=build/tenantd  NO_BUILD=1 (skip make)  KEEP_WORK=1 (keep the temp dir)
#   SEED_ONLY=1 (stop after seeding: for create-rate measurements)
# Output: the seeding lines, then
#   rss: before_warm_kb=… after_warm_kb=… cache_entries=… bytes_per_cached_app=…
#   many-apps run r: req/s … p50 … p99 … non2xx …   /   one-app run r: …
#   result: backend=… apps=N many_req_s=… one_req_s=… ratio=…
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib/common.sh
source "$HERE/lib/common.sh"

BACKEND=${1:-${BACKEND:-sqlite}}
case $BACKEND in
  sqlite) ;;
  postgres) bench_use_postgres "$@" ;;
  *) echo "usage: $0 [sqlite|postgres]" >&2; exit 2 ;;
esac
N=${N:-100000}
WRITERS=${WRITERS:-8}
TENANTS=${TENANTS:-4}
PLAN=${PLAN-bench-pro}
CONNS=${CONNS:-16}
SECS=${SECS:-10}
WARMUP_S=${WARMUP_S:-2}
REPS=${REPS:-1}
WARM_CONC=${WARM_CONC:-16}
MIN_TENANTS=$(((N + 89999) / 90000))
((TENANTS >= MIN_TENANTS)) || TENANTS=$MIN_TENANTS
((TENANTS <= N)) || TENANTS=$N
APP_LIMIT=$(((N + TENANTS - 1) / TENANTS + 10))

bench_init wrk
export TENANTD_DATA_DIR=$WORK/data
export TENANTD_THREADS=${THREADS_SERVER:-4}
export TENANTD_SIGNING_ALG=${ALG:-ES256}
if [[ $BACKEND == postgres ]]; then
  TENANTD_DATABASE=$(bench_pg_database "bench_many_$$")
else
  TENANTD_DATABASE="sqlite:$WORK/tenantd.db"
fi
export TENANTD_DATABASE

bench_admin_create
bench_start_node main
URL=${NODE_URL[main]}
PID=${NODE_PID[main]}
KEY=$(bench_login "$URL")
bench_seed_catalog "$URL" "$KEY"
TENANT_IDS=()
for t in $(seq "$TENANTS"); do
  TENANT_IDS+=("$(bench_seed_tenant "$URL" "$KEY" "Bench Tenant $t" "$APP_LIMIT")")
done

bench_machine
echo "server: tenantd pid $PID $URL backend=$BACKEND TENANTD_THREADS=$TENANTD_THREADS alg=$TENANTD_SIGNING_ALG"
echo "seeding: N=$N writers=$WRITERS tenants=$TENANTS app_limit=$APP_LIMIT region databases=$BENCH_DBS plan=${PLAN:-none}"
HEADERS=$WORK/clients.headers
URL=$URL KEY=$KEY N=$N WRITERS=$WRITERS PLAN=$PLAN OUT=$HEADERS APPS_OUT=$WORK/apps.tsv \
  TENANTS=$(IFS=,; echo "${TENANT_IDS[*]}") node "$HERE/seed-apps.mjs"
if [[ $BACKEND == postgres ]]; then
  echo "database after seeding: $(psql -h "$TENANTD_TEST_POSTGRES_HOST" -U postgres -Atc "SELECT pg_size_pretty(pg_database_size('bench_many_$$'))" postgres)"
else
  echo "database after seeding: $(du -ch "$WORK"/tenantd.db* | tail -n 1 | cut -f1) (SQLite files)"
fi
[[ -n ${SEED_ONLY:-} ]] && exit 0

# One token by hand, checked against the JWKS (plan claims present).
first_auth=$(head -n 1 "$HEADERS")
head -n 1 "$HEADERS" >"$WORK/one.headers"
tok=$(curl -fsS -H "authorization: $first_auth" -d grant_type=client_credentials "$URL/connect/token" | jq -r .access_token)
node "${BENCH_DIR:-/work/shared/bench}/verify-jwt.mjs" "$tok" "$URL/.well-known/jwks.json" | grep -E '^(payload|signature)'

rss_before=$(bench_rss_kb "$PID")
entries_before=$(bench_metric "$URL" tenantd_app_cache_entries)
node "$HERE/warm-apps.mjs" "$URL/connect/token" "$HEADERS" "$WARM_CONC"
rss_after=$(bench_rss_kb "$PID")
entries_after=$(bench_metric "$URL" tenantd_app_cache_entries)
cached=$((${entries_after:-0} - ${entries_before:-0}))
per_app=$(awk -v a="$rss_before" -v b="$rss_after" -v n="$cached" 'BEGIN { if (n > 0) printf "%.0f", (b - a) * 1024 / n; else print "na" }')
echo "rss: before_warm_kb=$rss_before after_warm_kb=$rss_after cache_entries_before=${entries_before:-na} cache_entries_after=${entries_after:-na} bytes_per_cached_app=$per_app (RSS delta / new cache entries; includes the database's page cache growth)"

run_wrk() { # LABEL HEADERS_FILE
  local raw=$WORK/wrk-$1-$RANDOM.txt line
  if ((WARMUP_S > 0)); then
    wrk -t1 -c"$CONNS" -d"${WARMUP_S}s" -s "$HERE/token-random.lua" "$URL/connect/token" -- "$2" >/dev/null 2>&1 || true
  fi
  wrk -t1 -c"$CONNS" -d"${SECS}s" --latency -s "$HERE/token-random.lua" "$URL/connect/token" -- "$2" >"$raw" 2>&1
  line=$(grep '^wrk-token:' "$raw" | tail -n 1)
  [[ -n $line ]] || { echo "wrk gave no result:" >&2; cat "$raw" >&2; exit 1; }
  echo "$line"
}
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

many_sum=0 one_sum=0
for r in $(seq "$REPS"); do
  m=$(run_wrk many "$HEADERS")
  echo "many-apps run $r: clients=$(field "$m" clients) req/s $(field "$m" req_s) p50_ms $(field "$m" p50_ms) p99_ms $(field "$m" p99_ms) non2xx $(field "$m" non2xx) statuses $(field "$m" statuses)"
  o=$(run_wrk one "$WORK/one.headers")
  echo "one-app  run $r: clients=$(field "$o" clients) req/s $(field "$o" req_s) p50_ms $(field "$o" p50_ms) p99_ms $(field "$o" p99_ms) non2xx $(field "$o" non2xx) statuses $(field "$o" statuses)"
  many_sum=$(awk -v a="$many_sum" -v b="$(field "$m" req_s)" 'BEGIN { print a + b }')
  one_sum=$(awk -v a="$one_sum" -v b="$(field "$o" req_s)" 'BEGIN { print a + b }')
done
awk -v m="$many_sum" -v o="$one_sum" -v r="$REPS" -v n="$N" -v b="$BACKEND" -v c="$CONNS" \
  'BEGIN { printf "result: backend=%s apps=%d conns=%d many_req_s=%.0f one_req_s=%.0f ratio=%.2f\n", b, n, c, m / r, o / r, (o > 0 ? m / o : 0) }'
echo "rss_after_runs_kb=$(bench_rss_kb "$PID") cache_entries=$(bench_metric "$URL" tenantd_app_cache_entries)"
