#!/usr/bin/env bash
# Installs the Debian 12 packages tenantd needs to build and test, only those
# missing (idempotent; quick when everything is there). Needs root for apt-get.
set -euo pipefail

PACKAGES=(
  build-essential pkg-config ca-certificates curl
  libmicrohttpd-dev libjansson-dev libssl-dev libsqlite3-dev libpq-dev
  libcurl4-openssl-dev libargon2-dev libcmocka-dev libsystemd-dev sqlite3 python3-aiosmtpd
  clang clang-format libclang-rt-14-dev
  postgresql
  systemd adduser
)
# systemd: systemd-analyze for `make deb-smoke` (it verifies the package's unit; systemd
# need not be running). adduser: the package's postinst (a Depends of the .deb).
# postgresql: the server binaries for `make integration-postgres` (a throwaway
# cluster per run, scripts/with-postgres.sh) and the client tools the tests use
# (createdb, dropdb, psql, pg_dump).
# Browser tests drive Debian's Chromium (never a downloaded browser).
if [ "${TENANTD_SKIP_BROWSER:-0}" != 1 ]; then PACKAGES+=(chromium); fi
command -v node >/dev/null 2>&1 || PACKAGES+=(nodejs npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
