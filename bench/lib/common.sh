# bench/lib/common.sh — shared helpers for the platform-scale benchmarks
# (bench/many-apps.sh, bench/pg-invalidation.sh, bench/pg-outage.sh). Sourced, not run.
#
# Every server it starts listens on 127.0.0.1 with a kernel-chosen port (read back
# from the "listening on" line), so runs never collide with another bench or test
# on the shared machine, and is stopped by its own PID when the script exits.
#
# Provides:
#   bench_init                  tools check, build (unless NO_BUILD), $WORK, EXIT trap
#   bench_use_postgres "$@"     re-exec the calling script under scripts/with-postgres.sh
#                               (a throwaway cluster) unless already inside one
#   bench_pg_database NAME      createdb NAME (C locale) and print its TENANTD_DATABASE URL
#   bench_admin_create          `tenantd admin create` for the bench admin
#   bench_start_node NAME       start `tenantd serve` with the current TENANTD_* env;
#                               sets NODE_URL[NAME] and NODE_PID[NAME]
#   bench_login URL             sign in as the bench admin; prints a personal API key
#   bench_api URL KEY METHOD PATH [JSON]    one admin API call (fails on HTTP >= 400)
#   bench_seed_catalog URL KEY  region bench-eu (+ BENCH_DBS databases), plan bench-pro
#   bench_seed_tenant URL KEY NAME APP_LIMIT   an active tenant; prints its id
#   bench_start_two_nodes DB    nodes A and B on one new PostgreSQL database, catalogue
#                               and one tenant seeded through A; sets KEY and TENANT
#   bench_new_app NAME          an app (with plan) in $TENANT through A; prints
#                               "APP_ID<TAB>Basic base64(client_id:secret)"
#   bench_rss_kb PID            VmRSS of a process, in kB
#   bench_metric URL NAME       one unlabelled value from /metrics
#   bench_basic ID SECRET       "Basic base64(ID:SECRET)"
#   bench_machine               one line about the machine and its load

BENCH_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_ROOT=$(cd "$BENCH_HERE/.." && pwd)
BIN=${BIN:-$BENCH_ROOT/build/tenantd}
BENCH_ADMIN_EMAIL=bench-admin@example.com
BENCH_ADMIN_PASSWORD=bench-admin-password-1
BENCH_PLAN_JSON='{"code":"bench-pro","name":"Bench Pro","tier":"paid","status":"active","entitlements":{"maxApiRequestsPerMinute":6000,"allowedFormats":["pdf","docx"],"features":{"advancedExtraction":true}}}'
BENCH_DBS=${BENCH_DBS:-2}
declare -A NODE_URL NODE_PID
BENCH_PIDS=()

bench_init() {
  for tool in curl jq node "$@"; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 1; }
  done
  if [[ -z ${NO_BUILD:-} ]]; then
    make -C "$BENCH_ROOT" -j2 build/tenantd >/dev/null
  fi
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/tenantd-bench-XXXXXX")
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

bench_cleanup() {
  local status=$? pid
  for pid in "${BENCH_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${BENCH_PIDS[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [[ -n ${KEEP_WORK:-} ]]; then
    echo "bench: work dir kept: $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}

bench_use_postgres() {
  if [[ -z ${TENANTD_TEST_POSTGRES_HOST:-} ]]; then
    exec "$BENCH_ROOT/scripts/with-postgres.sh" "$0" "$@"
  fi
}

bench_pg_database() {
  local name=$1
  createdb -h "$TENANTD_TEST_POSTGRES_HOST" -U postgres --locale=C --encoding=UTF8 \
    --template=template0 "$name" >&2
  printf 'postgres:///%s?host=%s\n' "$name" "$(jq -rn --arg s "$TENANTD_TEST_POSTGRES_HOST" '$s|@uri')"
}

bench_admin_create() {
  echo "$BENCH_ADMIN_PASSWORD" |
    "$BIN" admin create --email "$BENCH_ADMIN_EMAIL" --password-stdin >/dev/null
}

bench_start_node() {
  local name=$1 log=$WORK/$1.log url="" pid
  TENANTD_LISTEN=127.0.0.1:0 "$BIN" serve >"$log" 2>&1 &
  pid=$!
  BENCH_PIDS+=("$pid")
  for _ in $(seq 300); do
    url=$(grep -o 'listening on http://127\.0\.0\.1:[0-9]*' "$log" 2>/dev/null | head -n 1 | cut -d' ' -f3 || true)
    [[ -n $url ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if [[ -z $url ]] || ! curl -fsS "$url/healthz" >/dev/null 2>&1; then
    echo "bench: node $name did not start:" >&2
    cat "$log" >&2
    exit 1
  fi
  NODE_URL[$name]=$url
  NODE_PID[$name]=$pid
}

bench_login() {
  local url=$1 jar=$WORK/cookies.$RANDOM csrf
  csrf=$(curl -fsS -c "$jar" -H 'content-type: application/json' \
    -d "{\"email\":\"$BENCH_ADMIN_EMAIL\",\"password\":\"$BENCH_ADMIN_PASSWORD\"}" \
    "$url/api/v1/auth/login" | jq -r .csrf_token)
  curl -fsS -b "$jar" -H "x-csrf-token: $csrf" -H 'content-type: application/json' \
    -d '{"name":"bench"}' "$url/api/v1/me/api-keys" | jq -r .key
}

bench_api() { # URL KEY METHOD PATH [JSON]
  curl -fsS -X "$3" -H "authorization: Bearer $2" -H 'content-type: application/json' \
    ${5:+-d "$5"} "$1$4"
}

bench_seed_catalog() {
  local url=$1 key=$2 i
  bench_api "$url" "$key" POST /api/v1/regions '{"code":"bench-eu","name":"Bench EU","active":true}' >/dev/null
  for i in $(seq "$BENCH_DBS"); do
    bench_api "$url" "$key" POST /api/v1/regions/bench-eu/databases \
      "{\"db_code\":\"bench-eu-db$i\",\"active\":true}" >/dev/null
  done
  bench_api "$url" "$key" POST /api/v1/plans "$BENCH_PLAN_JSON" >/dev/null
}

bench_seed_tenant() {
  local url=$1 key=$2 name=$3 limit=$4 id
  id=$(bench_api "$url" "$key" POST /api/v1/tenants "{\"name\":\"$name\"}" | jq -r .id)
  bench_api "$url" "$key" PATCH "/api/v1/tenants/$id" "{\"app_limit\":$limit}" >/dev/null
  bench_api "$url" "$key" POST "/api/v1/tenants/$id/activate" >/dev/null
  echo "$id"
}

# Two nodes, A and B, on one new PostgreSQL database with the same data dir (master
# key) and issuer, as a load-balanced deployment runs them (bench_use_postgres first).
# Seeds the catalogue and one active tenant through A; sets KEY and TENANT.
bench_start_two_nodes() {
  export TENANTD_DATA_DIR=$WORK/data
  export TENANTD_ISSUER=http://tenantd.bench.test
  export TENANTD_THREADS=${THREADS_SERVER:-4}
  TENANTD_DATABASE=$(bench_pg_database "$1")
  export TENANTD_DATABASE
  bench_admin_create
  bench_start_node A
  bench_start_node B
  KEY=$(bench_login "${NODE_URL[A]}")
  bench_seed_catalog "${NODE_URL[A]}" "$KEY"
  TENANT=$(bench_seed_tenant "${NODE_URL[A]}" "$KEY" "Bench Tenant" 1000)
}

# Creates an app in $TENANT through node A with the bench plan; prints
# "APP_ID<TAB>Basic base64(client_id:secret)".
bench_new_app() {
  local url=${NODE_URL[A]} app id auth
  app=$(bench_api "$url" "$KEY" POST "/api/v1/tenants/$TENANT/apps" \
    "{\"name\":\"$1\",\"region_code\":\"bench-eu\",\"allowed_domains\":[\"https://app.example.com\"]}")
  id=$(echo "$app" | jq -r .app.id)
  auth=$(bench_basic "$(echo "$app" | jq -r .client_id)" "$(echo "$app" | jq -r .client_secret)")
  bench_api "$url" "$KEY" PUT "/api/v1/tenants/$TENANT/apps/$id/plan" '{"plan_code":"bench-pro"}' >/dev/null
  printf '%s\t%s\n' "$id" "$auth"
}

bench_rss_kb() {
  awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

bench_metric() {
  # awk reads to the end: exiting early would make curl fail writing (and pipefail)
  curl -fsS "$1/metrics" | awk -v n="$2" '$1 == n && !seen { print $2; seen = 1 }'
}

bench_basic() {
  printf 'Basic %s\n' "$(printf '%s:%s' "$1" "$2" | base64 -w0)"
}

bench_machine() {
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load: $(cut -d' ' -f1-3 /proc/loadavg)"
}
