#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster, then removes the cluster.
#
#   scripts/with-postgres.sh node --test tests/integration/*.test.mjs
#
# The cluster lives in a fresh temporary directory: initdb with the C locale (byte
# order, as tenantd expects — docs/POSTGRES.md), trust authentication, listening on
# a Unix socket in that directory only (no TCP port, so parallel runs and a system
# cluster never collide). Durability is switched off (fsync, full-page writes,
# synchronous commit): the data is thrown away, and nothing tenantd does depends on
# it. The command runs with TENANTD_TEST_POSTGRES_HOST (the socket directory, read by
# tests/integration/lib/harness.mjs) and PGHOST/PGUSER set. The cluster is stopped
# and deleted when the command ends, fails or is interrupted.
#
# A command that takes the database away and brings it back (outage tests and
# benchmarks) also gets TENANTD_TEST_POSTGRES_CTL, a pg_ctl for this cluster that runs
# as its owner (`"$TENANTD_TEST_POSTGRES_CTL" stop -m fast`, later
# `"$TENANTD_TEST_POSTGRES_CTL" start`), and TENANTD_TEST_POSTGRES_DATA, the data
# directory. The settings live in the cluster's postgresql.conf, so a restarted server
# listens on the same socket with the same options; the data survives a stop.
#
# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres`
# system user (created by Debian's postgresql package); otherwise to the caller.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 command [args...]" >&2
  exit 2
fi

PG_BINDIR=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ -z "$PG_BINDIR" ] || [ ! -x "$PG_BINDIR/initdb" ]; then
  echo "with-postgres: no PostgreSQL server binaries (install the postgresql package)" >&2
  exit 1
fi

base=$(mktemp -d "${TMPDIR:-/tmp}/tenantd-pg.XXXXXX")
data="$base/data"
sock="$base/sock"
mkdir -p "$data" "$sock"
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  chown -R postgres: "$base"
  as_owner=(runuser -u postgres --)
fi

cleanup() {
  status=$?
  if [ -f "$data/postmaster.pid" ]; then
    "${as_owner[@]}" "$PG_BINDIR/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$base"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"${as_owner[@]}" "$PG_BINDIR/initdb" -D "$data" -U postgres --auth=trust --locale=C \
  --encoding=UTF8 >"$base/initdb.log" 2>&1 || { cat "$base/initdb.log" >&2; exit 1; }
{
  echo "# scripts/with-postgres.sh: throwaway cluster, Unix socket only, no durability"
  echo "unix_socket_directories = '$sock'"
  echo "listen_addresses = ''"
  echo "fsync = off"
  echo "full_page_writes = off"
  echo "synchronous_commit = off"
  echo "log_checkpoints = off"
  echo "max_connections = 200"
} >>"$data/postgresql.conf"
# pg_ctl for this cluster, run as its owner; exported for commands that stop/start it.
ctl="$base/pg_ctl"
{
  echo '#!/bin/sh'
  printf 'exec %s %q -D %q -l %q -w -t 30 "$@"\n' "${as_owner[*]}" "$PG_BINDIR/pg_ctl" "$data" \
    "$base/server.log"
} >"$ctl"
chmod 755 "$ctl"
"$ctl" start >/dev/null || { cat "$base/server.log" >&2; exit 1; }

export TENANTD_TEST_POSTGRES_HOST="$sock" PGHOST="$sock" PGUSER=postgres
export TENANTD_TEST_POSTGRES_CTL="$ctl" TENANTD_TEST_POSTGRES_DATA="$data"
set +e
"$@"
rc=$?
set -e
if [ $rc -ne 0 ] && [ -f "$base/server.log" ]; then
  echo "with-postgres: command failed ($rc); server log tail:" >&2
  tail -n 20 "$base/server.log" >&2
fi
exit $rc
