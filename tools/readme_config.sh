#!/bin/sh
# Replaces README.md's configuration table (the lines between the
# "<!-- config-table:begin" and "<!-- config-table:end -->" markers) with what
# `tenantd config --markdown` prints, so the table is generated from the config
# table in src/config.c:  tools/readme_config.sh build/tenantd README.md
# (`make readme-config`). tests/unit/test_config.c fails when the two differ.
set -eu
bin="$1"
readme="$2"
grep -q '^<!-- config-table:begin' "$readme" && grep -q '^<!-- config-table:end -->' "$readme" || {
    echo "$readme: the config-table markers are missing" >&2
    exit 1
}
table=$(mktemp)
out=$(mktemp)
trap 'rm -f "$table" "$out"' EXIT
"$bin" config --markdown > "$table"
awk -v table="$table" '
    /^<!-- config-table:end -->/ { while ((getline line < table) > 0) print line; skip = 0 }
    !skip { print }
    /^<!-- config-table:begin/ { skip = 1 }
' "$readme" > "$out"
cat "$out" > "$readme"
