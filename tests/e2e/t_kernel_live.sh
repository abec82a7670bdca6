#!/bin/sh
# t_kernel_live.sh — records fresh captures of real Linux TCP (tests/kernel/run-scenarios.sh, in
# two throw-away network namespaces) and checks that finscope's verdicts on them are the ones
# committed in data/kernel/NAME.expect (the client ports are fixed, so the rows compare).
# Compared: the [flows] rows (or [classes] counts for "mixed"), [anomalies] and [rsts], exactly
# as in t_kernel_data.sh; this catches a kernel or environment whose behaviour differs from the
# one the committed captures recorded. The routed scenarios (a conntrack firewall, an
# injector on a router namespace) run too; the "forget" ones only where the kernel can
# destroy sockets.
# Skips (77) unless root with working `ip netns` and the kpeer / kcap / kinject tools.
# About 20 s.
# Environment: FINSCOPE = the binary, TOOLS = directory of the test tools.

set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${FINSCOPE:?set FINSCOPE to the finscope binary}"
: "${TOOLS:?set TOOLS to the test tools directory}"
SQLQ="$TOOLS/sqlq"
for t in "$SQLQ" "$TOOLS/kpeer" "$TOOLS/kcap" "$TOOLS/kinject"; do
    [ -x "$t" ] || { echo "no $t (build it first)"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
. "$root/tests/kernel/netns.sh"
fsk_netns_ok || { echo "ip netns does not work here"; exit 77; }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

TOOLS="$TOOLS" sh "$root/tests/kernel/run-scenarios.sh" "$tmp/caps" >"$tmp/run.out" 2>&1
rc=$?
if [ $rc -eq 77 ]; then tail -1 "$tmp/run.out"; exit 77; fi
if [ $rc -ne 0 ]; then
    echo "FAIL run-scenarios.sh exited $rc:"; tail -5 "$tmp/run.out"; exit 1
fi

. "$root/tests/e2e/expect_lib.sh"
failed=0; checked=0
for cap in "$tmp"/caps/*.pcap; do
    name=$(basename "$cap" .pcap)
    checked=$((checked + 1))
    check_capture "$name" "$cap" "$root/data/kernel/$name.expect" "$tmp" || failed=$((failed + 1))
done
[ "$checked" -gt 0 ] || { echo "FAIL no capture was made"; exit 1; }
echo "kernel live: $checked fresh captures, $failed mismatched"
[ "$failed" -eq 0 ]
