#!/bin/sh
# t_crafted.sh — every crafted capture (data/crafted/NAME.pcap) against its hand-written
# expectation (data/crafted/NAME.expect, derived from docs/teardown.md, not from finscope).
#
# For each NAME.expect: analyze NAME.pcap into a fresh database, print the two result sets below
# under their [flows] / [anomalies] headers, and compare with the .expect minus its '#' lines.
# Every mismatch prints a diff (expected -> got); the test fails if any capture mismatched.
# Environment: FINSCOPE = the binary, TOOLS = directory of the test tools. Exit 0 pass, 77 skip.

FLOWS_SQL="SELECT orig_port, resp_port, teardown, closer, orig_state, resp_state,
                  IFNULL(reason, ''), conn_state
           FROM flows ORDER BY first_ts, id;"
ANOMALIES_SQL="SELECT f.orig_port, a.direction, a.kind
               FROM anomalies a JOIN flows f ON f.id = a.flow_id
               ORDER BY a.packet, a.kind;"

set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${FINSCOPE:?set FINSCOPE to the finscope binary}"
: "${TOOLS:?set TOOLS to the test tools directory}"
SQLQ="$TOOLS/sqlq"
[ -x "$SQLQ" ] || { echo "no $SQLQ (build it first)"; exit 77; }
ls "$root"/data/crafted/*.expect >/dev/null 2>&1 || { echo "no data/crafted/*.expect"; exit 77; }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

failed=0; checked=0
for exp in "$root"/data/crafted/*.expect; do
    name=$(basename "$exp" .expect)
    cap="$root/data/crafted/$name.pcap"
    checked=$((checked + 1))
    if [ ! -f "$cap" ]; then
        echo "FAIL $name: $cap is missing"; failed=$((failed + 1)); continue
    fi
    db="$tmp/$name.db"
    if ! "$FINSCOPE" analyze "$cap" -o "$db" -q >"$tmp/out" 2>&1; then
        echo "FAIL $name: finscope analyze exited non-zero: $(head -3 "$tmp/out")"
        failed=$((failed + 1)); continue
    fi
    {
        echo "[flows]"
        "$SQLQ" "$db" "$FLOWS_SQL" || echo "(flows query failed)"
        echo "[anomalies]"
        "$SQLQ" "$db" "$ANOMALIES_SQL" || echo "(anomalies query failed)"
    } >"$tmp/$name.got" 2>&1
    grep -v '^#' "$exp" >"$tmp/$name.want"
    if ! cmp -s "$tmp/$name.want" "$tmp/$name.got"; then
        echo "FAIL $name (- expected, + finscope):"
        diff -u "$tmp/$name.want" "$tmp/$name.got" | tail -n +3
        failed=$((failed + 1))
    fi
done
echo "crafted: $checked captures, $failed mismatched"
[ "$failed" -eq 0 ]
