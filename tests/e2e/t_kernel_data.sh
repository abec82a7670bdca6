#!/bin/sh
# t_kernel_data.sh — every capture of real Linux TCP (data/kernel/NAME.pcap, recorded by
# tests/kernel/run-scenarios.sh) against its hand-written expectation (data/kernel/NAME.expect,
# derived from the packets and docs/teardown.md, not from finscope). No root needed.
#
# Same comparison as t_crafted.sh: analyze NAME.pcap into a fresh database and print [flows] and
# [anomalies]; an .expect that has a [classes] section (the 200-connection "mixed" capture)
# gets per-class counts instead of [flows]. The .expect minus its '#' lines must match exactly.
# Environment: FINSCOPE = the binary, TOOLS = directory of the test tools. Exit 0 pass, 77 skip.

set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${FINSCOPE:?set FINSCOPE to the finscope binary}"
: "${TOOLS:?set TOOLS to the test tools directory}"
SQLQ="$TOOLS/sqlq"
[ -x "$SQLQ" ] || { echo "no $SQLQ (build it first)"; exit 77; }
ls "$root"/data/kernel/*.expect >/dev/null 2>&1 || { echo "no data/kernel/*.expect"; exit 77; }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

. "$root/tests/e2e/expect_lib.sh"
check_dir "$root/data/kernel" "kernel data" "$tmp"
