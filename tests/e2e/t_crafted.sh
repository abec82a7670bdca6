#!/bin/sh
# t_crafted.sh — every crafted capture (data/crafted/NAME.pcap) against its hand-written
# expectation (data/crafted/NAME.expect, derived from docs/teardown.md, not from finscope).
#
# For each NAME.expect: analyze NAME.pcap into a fresh database, print the result sets of
# tests/e2e/expect_lib.sh under their [flows] / [anomalies] headers, and compare with the .expect
# minus its '#' lines.
# Every mismatch prints a diff (expected -> got); the test fails if any capture mismatched.
# Environment: FINSCOPE = the binary, TOOLS = directory of the test tools. Exit 0 pass, 77 skip.

set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${FINSCOPE:?set FINSCOPE to the finscope binary}"
: "${TOOLS:?set TOOLS to the test tools directory}"
SQLQ="$TOOLS/sqlq"
[ -x "$SQLQ" ] || { echo "no $SQLQ (build it first)"; exit 77; }
ls "$root"/data/crafted/*.expect >/dev/null 2>&1 || { echo "no data/crafted/*.expect"; exit 77; }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

. "$root/tests/e2e/expect_lib.sh"
check_dir "$root/data/crafted" "crafted" "$tmp"
