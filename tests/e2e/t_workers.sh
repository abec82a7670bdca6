#!/bin/sh
# t_workers.sh — `analyze --workers N` stores what `--workers 1` stores (issue 16), quickly:
#  - a few dozen captures of the shared public corpus (../shared/corpus: tunnels, VLANs,
#    IPv6, fragments, and every 40th capture), merged in one run, with 4 workers (more than
#    the cores: their interleaving varies) against 1: every row but the ids
#    (tests/workers_compare.sh);
#  - the project's own captures (data/) merged in one run, with 3 workers against 1;
#  - SIGTERM in the middle of a run with 3 workers: exit 143, the run is marked incomplete,
#    and nothing read is lost: every packet is counted and every flow counted is stored.
# The whole corpus, a run per capture, is `make workers-compare`.
#
# Skips (77) when the corpus is absent. Environment: FINSCOPE, TOOLS. Exit 0 pass, 1 fail.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${FINSCOPE:?set FINSCOPE to the finscope binary}"
: "${TOOLS:?set TOOLS to the test tools directory}"
SQLQ="$TOOLS/sqlq"
corpus=${SHARED_CORPUS:-$root/../shared/corpus}
[ -d "$corpus/ndpi" ] && [ -d "$corpus/zeek" ] || { echo "no public corpus at $corpus"; exit 77; }
[ -x "$SQLQ" ] || { echo "no $SQLQ"; exit 77; }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# nDPI labels flows of these from other flows in ways no host-pair split keeps (STUN's cache
# of one client port across servers): docs/teardown.md, "Several worker threads".
known_apart='stun_google_meet.pcapng|stun_signal.pcapng'

picked=$tmp/picked
{
    for f in 4in4tunnel.pcap 6in6tunnel.pcap gre.pcapng vxlan.pcap teredo.pcap \
             ipv6_in_gtp.pcap dns_fragmented.pcap tinc.pcap ookla.pcap zoom2.pcap teams.pcap; do
        echo "$corpus/ndpi/$f"
    done
    for f in mixed-vlan-mpls.pcap vlan-qinqinq.pcap pppoe-over-qinq.pcap erspan.pcap \
             ipv6-fragmented-dns.pcap; do
        echo "$corpus/zeek/$f"
    done
    find "$corpus" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | LC_ALL=C sort |
        grep -v -E "$known_apart" | awk 'NR % 40 == 1'
} | while read -r f; do [ -f "$f" ] && echo "$f"; done | LC_ALL=C sort -u > "$picked"
n=$(wc -l < "$picked")
[ "$n" -ge 24 ] || fail "only $n corpus captures found"

# ---- corpus captures, merged, 4 workers against 1 -------------------------------------------
out=$(sh "$root/tests/workers_compare.sh" -w 4 -m $(cat "$picked") 2>&1) || fail "corpus: $out"
echo "corpus ($n captures): $(printf '%s\n' "$out" | tail -1)"
case $out in *" 0 flows"*) fail "corpus: no flows compared" ;; esac

# ---- the project's captures, merged, 3 workers against 1 ------------------------------------
out=$(sh "$root/tests/workers_compare.sh" -w 3 -m "$root"/data/*.pcap "$root"/data/crafted/*.pcap \
      "$root"/data/kernel/*.pcap 2>&1) || fail "data/: $out"
echo "data/: $(printf '%s\n' "$out" | tail -1)"

# ---- a stop signal mid-run: the workers drain, nothing read is lost -------------------------
cd "$tmp" || exit 1
big=$(ls -S $(cat "$picked") | head -1)
{ cat "$big"; sleep 2; } | "$FINSCOPE" analyze -q --workers 3 - -o s.db > s.out 2> s.err &
pid=$!
sleep 1
kill -TERM "$pid"
wait "$pid"; rc=$?
[ "$rc" = 143 ] || fail "SIGTERM: exit $rc, expected 143: $(cat s.err)"
row=$("$SQLQ" s.db "SELECT complete, flows = (SELECT count(*) FROM flows), packets > 0 FROM runs")
[ "$row" = "0|1|1" ] || fail "SIGTERM: runs (complete, flows stored, packets) = '$row', expected '0|1|1'"
"$FINSCOPE" analyze -q --workers 1 "$big" -o one.db 2> one.err
want=$("$SQLQ" one.db "SELECT packets, flows FROM runs")
got=$("$SQLQ" s.db "SELECT packets, flows FROM runs")
[ "$got" = "$want" ] || fail "SIGTERM after the input ended: '$got' packets|flows, expected '$want'"

[ $failures -eq 0 ] || exit 1
echo "workers: all checks passed"
