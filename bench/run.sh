#!/usr/bin/env bash
# bench/run.sh — token endpoint benchmark for tenantd (not part of `make test`).
#
# Builds build/tenantd, starts it on 127.0.0.1 with a fresh data dir, seeds a
# region, database, active tenant and app through the admin API, checks one token
# against the JWKS, then runs /work/shared/bench/run-token-bench.sh against
# /connect/token (client_secret_basic, keep-alive) and prints
#   name req/s p50_ms p99_ms non2xx
# for each connection count. The server is stopped (by its PID) on exit.
#
# Usage: bench/run.sh [mode]
#   mode "token" (default)  one run per CONNS value
#   mode "suite"            the interleaved peer suite (Glewlwyd, node-oidc-provider,
#                           tenantd) of /work/shared/bench/run-peer-suite.sh
#   mode "serve"            seed, print the client credentials and keep serving
#                           until Ctrl-C (for perf sessions: perf record -g -p PID)
#   mode "assertion"        on the same server: the shared-secret run (token.lua),
#                           then private_key_jwt (a second app with an ES256 key,
#                           ASSERTION_ALG to change it; one pre-signed assertion per
#                           request, bench/assertion.lua), then DPoP (the secret
#                           app plus a fresh ES256 proof per request), one line
#                           each per CONNS
#   mode "callgrind"        run the server under valgrind --tool=callgrind with one
#                           thread, send SECS seconds of requests on one connection,
#                           and print instructions per token for the token path
# Environment:
#   PORT=18080  CONNS="16 64"  SECS=10  REPS=2 (suite)  THREADS_SERVER=4 (TENANTD_THREADS)
#   ALG=ES256 (TENANTD_SIGNING_ALG)  SCOPE= (request this scope)  BIN=build/tenantd
#   BENCH_DIR=/work/shared/bench  NO_BUILD=1 (skip make)
set -euo pipefail

MODE=${1:-token}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PORT=${PORT:-18080}
CONNS=${CONNS:-"16 64"}
SECS=${SECS:-10}
REPS=${REPS:-2}
THREADS_SERVER=${THREADS_SERVER:-4}
ALG=${ALG:-ES256}
SCOPE=${SCOPE:-}
BIN=${BIN:-$ROOT/build/tenantd}
BENCH_DIR=${BENCH_DIR:-/work/shared/bench}
BASE=http://127.0.0.1:$PORT

for tool in curl jq wrk; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 1; }
done

if [[ -z ${NO_BUILD:-} ]]; then
  make -C "$ROOT" -j2 build/tenantd >/dev/null
fi

WORK=$(mktemp -d /tmp/tenantd-bench-XXXXXX)
PIDFILE=$WORK/tenantd.pid
export TENANTD_DATABASE="sqlite:$WORK/tenantd.db"
export TENANTD_DATA_DIR="$WORK/data"
export TENANTD_LISTEN="127.0.0.1:$PORT"
export TENANTD_THREADS=$THREADS_SERVER
export TENANTD_SIGNING_ALG=$ALG

cleanup() {
  if [[ -f $PIDFILE ]]; then
    kill "$(cat "$PIDFILE")" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$(cat "$PIDFILE")" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

ADMIN_EMAIL=bench-admin@example.com
ADMIN_PASSWORD=bench-admin-password-1
echo "$ADMIN_PASSWORD" | "$BIN" admin create --email "$ADMIN_EMAIL" --password-stdin >/dev/null
WRAP=()
if [[ $MODE == callgrind ]]; then
  command -v valgrind >/dev/null || { echo "bench: valgrind is required" >&2; exit 1; }
  export TENANTD_THREADS=1
  WRAP=(valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out")
fi
"${WRAP[@]}" "$BIN" serve >"$WORK/serve.log" 2>&1 &
echo $! >"$PIDFILE"
for _ in $(seq 300); do
  curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$BASE/healthz" >/dev/null || { echo "bench: server did not start" >&2; cat "$WORK/serve.log" >&2; exit 1; }

# Admin session -> personal API key (Bearer) for the seeding calls.
JAR=$WORK/cookies
CSRF=$(curl -fsS -c "$JAR" -H 'content-type: application/json' \
  -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" "$BASE/api/v1/auth/login" | jq -r .csrf_token)
KEY=$(curl -fsS -b "$JAR" -H "x-csrf-token: $CSRF" -H 'content-type: application/json' \
  -d '{"name":"bench"}' "$BASE/api/v1/me/api-keys" | jq -r .key)
api() { # METHOD PATH [JSON]
  curl -fsS -X "$1" -H "authorization: Bearer $KEY" -H 'content-type: application/json' \
    ${3:+-d "$3"} "$BASE$2"
}
api POST /api/v1/regions '{"code":"bench-eu","name":"Bench EU","active":true}' >/dev/null
api POST /api/v1/regions/bench-eu/databases '{"db_code":"bench-eu-db1","active":true}' >/dev/null
TENANT=$(api POST /api/v1/tenants '{"name":"Bench Tenant"}' | jq -r .id)
api POST "/api/v1/tenants/$TENANT/activate" >/dev/null
api POST /api/v1/plans '{"code":"bench-pro","name":"Bench Pro","tier":"paid","status":"active","entitlements":{"maxApiRequestsPerMinute":6000,"allowedFormats":["pdf","docx"],"features":{"advancedExtraction":true}}}' >/dev/null
APP=$(api POST "/api/v1/tenants/$TENANT/apps" \
  '{"name":"bench-app","region_code":"bench-eu","allowed_domains":["https://app.example.com","localhost:3000"]}')
APP_ID=$(echo "$APP" | jq -r .app.id)
CLIENT_ID=$(echo "$APP" | jq -r .client_id)
CLIENT_SECRET=$(echo "$APP" | jq -r .client_secret)
api PUT "/api/v1/tenants/$TENANT/apps/$APP_ID/plan" '{"plan_code":"bench-pro"}' >/dev/null

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "server: tenantd $ALG, TENANTD_THREADS=$THREADS_SERVER, pid $(cat "$PIDFILE"), $BASE" >&2
SCOPE=$SCOPE "$BENCH_DIR/check-token.sh" "$BASE/connect/token" "$CLIENT_ID" "$CLIENT_SECRET" \
  "$BASE/.well-known/jwks.json" >&2

case $MODE in
  token)
    for c in $CONNS; do
      NAME=tenantd SCOPE=$SCOPE PIDFILE=$PIDFILE \
        "$BENCH_DIR/run-token-bench.sh" "$BASE/connect/token" "$CLIENT_ID" "$CLIENT_SECRET" "$c" "$SECS"
    done
    ;;
  suite)
    EXTRA_TARGET="tenantd|$BASE/connect/token|$CLIENT_ID|$CLIENT_SECRET|$SCOPE|$PIDFILE|$BASE/.well-known/jwks.json" \
      REPS=$REPS CONNS=$CONNS SECS=$SECS "$BENCH_DIR/run-peer-suite.sh"
    ;;
  assertion)
    command -v node >/dev/null || { echo "bench: node is required" >&2; exit 1; }
    AALG=${ASSERTION_ALG:-ES256}
    node "$HERE/make-assertions.mjs" keygen "$WORK" "$AALG"
    PKJ=$(api POST "/api/v1/tenants/$TENANT/apps" \
      "{\"name\":\"bench-pkj\",\"region_code\":\"bench-eu\",\"allowed_domains\":[\"https://app.example.com\",\"localhost:3000\"],\"token_endpoint_auth_method\":\"private_key_jwt\",\"jwks\":$(cat "$WORK/jwks.json")}")
    PKJ_ID=$(echo "$PKJ" | jq -r .app.id)
    PKJ_CLIENT=$(echo "$PKJ" | jq -r .client_id)
    api PUT "/api/v1/tenants/$TENANT/apps/$PKJ_ID/plan" '{"plan_code":"bench-pro"}' >/dev/null
    for c in $CONNS; do
      NAME=tenantd-secret SCOPE=$SCOPE PIDFILE=$PIDFILE \
        "$BENCH_DIR/run-token-bench.sh" "$BASE/connect/token" "$CLIENT_ID" "$CLIENT_SECRET" "$c" "$SECS"
      # Enough single-use assertions for the run at up to 40k/s (exp = now + 300 s).
      node "$HERE/make-assertions.mjs" sign "$WORK" "$PKJ_CLIENT" "$BASE" 20000 >"$WORK/warm.txt"
      wrk -t1 -c"$c" -d1s -s "$HERE/assertion.lua" "$BASE/connect/token" -- "$WORK/warm.txt" >/dev/null # warm the cache
      node "$HERE/make-assertions.mjs" sign "$WORK" "$PKJ_CLIENT" "$BASE" $((SECS * 40000 + 20000)) >"$WORK/bodies.txt"
      LINE=$(wrk -t1 -c"$c" -d"${SECS}s" --timeout 5s --latency -s "$HERE/assertion.lua" "$BASE/connect/token" -- "$WORK/bodies.txt" | grep '^wrk-token:')
      echo "tenantd-private_key_jwt-$AALG c=$c $(echo "$LINE" | sed -E 's/.*req_s=([0-9.]+) p50_ms=([0-9.]+) p99_ms=([0-9.]+) non2xx=([0-9]+).*exhausted=([0-9]).*/\1 \2 \3 \4 exhausted=\5/')"
      # DPoP: the shared-secret app with a fresh ES256 proof per request (proofs are
      # fresh for 60 s after their iat, so fewer are signed ahead than assertions).
      node "$HERE/make-assertions.mjs" dpop "$WORK" "$CLIENT_ID" "$CLIENT_SECRET" "$BASE/connect/token" 20000 >"$WORK/warm.txt"
      wrk -t1 -c"$c" -d1s -s "$HERE/assertion.lua" "$BASE/connect/token" -- "$WORK/warm.txt" >/dev/null
      node "$HERE/make-assertions.mjs" dpop "$WORK" "$CLIENT_ID" "$CLIENT_SECRET" "$BASE/connect/token" $((SECS * 10000 + 5000)) >"$WORK/bodies.txt"
      LINE=$(wrk -t1 -c"$c" -d"${SECS}s" --timeout 5s --latency -s "$HERE/assertion.lua" "$BASE/connect/token" -- "$WORK/bodies.txt" | grep '^wrk-token:')
      echo "tenantd-secret+dpop-ES256 c=$c $(echo "$LINE" | sed -E 's/.*req_s=([0-9.]+) p50_ms=([0-9.]+) p99_ms=([0-9.]+) non2xx=([0-9]+).*exhausted=([0-9]).*/\1 \2 \3 \4 exhausted=\5/')"
    done
    ;;
  serve)
    echo "client_id=$CLIENT_ID client_secret=$CLIENT_SECRET pid=$(cat "$PIDFILE") url=$BASE/connect/token"
    echo "serving until Ctrl-C" >&2
    wait "$(cat "$PIDFILE")" || true
    ;;
  callgrind)
    wrk -t1 -c1 -d"${SECS}s" -s "$BENCH_DIR/token.lua" "$BASE/connect/token" -- "$CLIENT_ID" "$CLIENT_SECRET" | grep wrk-token
    kill "$(cat "$PIDFILE")"
    for _ in $(seq 100); do kill -0 "$(cat "$PIDFILE")" 2>/dev/null || break; sleep 0.2; done
    rm -f "$PIDFILE"
    # Inclusive instructions of the token path's parts, per token.
    [[ -n ${CALLGRIND_OUT:-} ]] && cp "$WORK/callgrind.out" "$CALLGRIND_OUT"
    # Whole-process instructions (every thread: HTTP, access-log writer, change feed),
    # start-up included; compare two runs of the same length, e.g. with and without
    # the access log (TENANTD_LOG_LEVEL=warn).
    callgrind_annotate "$WORK/callgrind.out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print "-- program total instructions:", $1 }'
    callgrind_annotate --inclusive=yes --tree=calling "$WORK/callgrind.out" 2>/dev/null |
      awk '
        /[*]  .*(oauth_token_endpoint|oauth_token_grant) \[/ {
          grab = 1; name = $0; sub(/ \[.*/, "", name); sub(/.*[*]  /, "", name)
          print "--", name, "(children, instructions per call)"; next }
        grab && !/ > / { grab = 0 }
        grab {
          ir = $1; gsub(",", "", ir)
          if (!match($0, /\([0-9,]+x\)/)) next
          calls = substr($0, RSTART + 1, RLENGTH - 3); gsub(",", "", calls)
          name = $0; sub(/ \(([0-9,]+)x\).*/, "", name); sub(/.* > +/, "", name); sub(/.*:/, "", name)
          printf "   %9.0f  %-40s x%s\n", ir / calls, name, calls }'
    ;;
  *)
    echo "bench: unknown mode $MODE (token | suite | assertion | serve | callgrind)" >&2
    exit 2
    ;;
esac
