#!/bin/sh
# t_mkcap_deterministic.sh — the committed captures are exactly what mkcap writes: regenerate
# every crafted scenario ($TOOLS/mkcap OUTDIR) and the demo (--demo FILE) in a temporary
# directory and compare byte for byte with data/crafted/*.pcap and data/demo.pcap. Also checks
# that the two sets name the same scenarios (no stale or uncommitted capture).
# Environment: TOOLS = directory of the test tools. Exit 0 pass, 77 skip.

set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${TOOLS:?set TOOLS to the test tools directory}"
MKCAP="$TOOLS/mkcap"
[ -x "$MKCAP" ] || { echo "no $MKCAP (build it first)"; exit 77; }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

"$MKCAP" "$tmp" || { echo "FAIL: mkcap $tmp exited $?"; exit 1; }
"$MKCAP" --demo "$tmp/demo.pcap.gen" || { echo "FAIL: mkcap --demo exited $?"; exit 1; }

(cd "$tmp" && ls *.pcap) >"$tmp/generated.list"
(cd "$root/data/crafted" && ls *.pcap) >"$tmp/committed.list" 2>/dev/null
if ! cmp -s "$tmp/generated.list" "$tmp/committed.list"; then
    echo "FAIL: mkcap's scenarios and data/crafted/*.pcap differ (- mkcap, + committed):"
    diff -u "$tmp/generated.list" "$tmp/committed.list" | tail -n +3
    fail=1
fi
for f in $(cat "$tmp/generated.list"); do
    [ -f "$root/data/crafted/$f" ] || continue
    cmp "$tmp/$f" "$root/data/crafted/$f" || { echo "FAIL: data/crafted/$f differs"; fail=1; }
done
cmp "$tmp/demo.pcap.gen" "$root/data/demo.pcap" || { echo "FAIL: data/demo.pcap differs"; fail=1; }

# Twice in a row gives the same bytes (no clock, no randomness).
mkdir "$tmp/again"
"$MKCAP" "$tmp/again" graceful_client window_scale || { echo "FAIL: mkcap by name"; exit 1; }
for f in graceful_client window_scale; do
    cmp "$tmp/$f.pcap" "$tmp/again/$f.pcap" || { echo "FAIL: $f.pcap not reproducible"; fail=1; }
done

n=$(wc -l <"$tmp/generated.list" | tr -d ' ')
[ $fail -eq 0 ] && echo "mkcap: $n captures and the demo reproduced"
exit $fail
