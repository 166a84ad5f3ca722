#!/usr/bin/env bash
# One command from a clean clone to a running tenantd with demo data:
# installs missing Debian packages, builds, migrates, seeds the demo tenant/app
# (`tenantd demo`, idempotent) and serves the dashboard on http://127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
make -j"$(nproc)" build/tenantd
export TENANTD_DATABASE="${TENANTD_DATABASE:-sqlite:./var/tenantd.db}"
export TENANTD_DATA_DIR="${TENANTD_DATA_DIR:-./var}"
export TENANTD_LISTEN="${TENANTD_LISTEN:-127.0.0.1:8080}"
build/tenantd migrate
build/tenantd demo
exec build/tenantd serve
