#!/bin/sh
# t_kernel_pathloss.sh — real loss on the path, not only in the capture (issue 13): a router
# namespace between client and server drops a few percent of the TCP segments it forwards
# (nftables `numgen random mod 100 < N drop`; tc netem is not available on these kernels), so
# the kernels really retransmit. kpeer's 200-connection "mixed" scenario runs over it, IPv4
# and IPv6, captured at the client side as a sensor would (kcap on the client's veth).
#
# Every verdict must be what the kernels did, judged by evidence independent of finscope: each
# kpeer prints, per connection, what its socket did and saw (closed, aborted, eof, reset,
# refused, no_reset, held; tests/tools/kpeer.c). From both sides' words:
#   client refused                      -> rejected / responder
#   client aborted                      -> rst_originator / originator
#   server aborted, client reset        -> rst_responder / responder
#   server aborted, client no_reset     -> open / none: the router dropped the RST (RSTs are
#                                          not retransmitted), so it never reached the client
#                                          side, where the capture is; nothing there ended it
#   both closed                         -> graceful; closer = the side that closed before it
#                                          read the peer's FIN (both: simultaneous)
#   client closed, server held          -> half_closed / originator
#   both held                           -> open / none
# Also checks that the router dropped packets and the kernels retransmitted (flows' retrans and
# fins counts) and that no connection failed its own checks (kpeer, KPEER_LOSSY=1).
# Skips (77) unless root with ip netns, nft and the kpeer / kcap tools. About 20 s.
# Environment: FINSCOPE, TOOLS; PATHLOSS_PCT (default 5); FSK_PREFIX (netns.sh);
# PATHLOSS_KEEP=DIR keeps each capture and both kpeers' outputs there (how
# data/kernel/v4_pathloss.pcap was recorded).

set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${FINSCOPE:?set FINSCOPE to the finscope binary}"
: "${TOOLS:?set TOOLS to the test tools directory}"
SQLQ=$TOOLS/sqlq
KPEER=$TOOLS/kpeer
KCAP=$TOOLS/kcap
for t in "$SQLQ" "$KPEER" "$KCAP"; do
    [ -x "$t" ] || { echo "no $t (build it first)"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
command -v nft >/dev/null 2>&1 || { echo "no nft (nftables)"; exit 77; }
. "$root/tests/kernel/netns.sh"
fsk_netns_ok || { echo "ip netns does not work here"; exit 77; }
PCT=${PATHLOSS_PCT:-5}

FSK_WORK=$(mktemp -d) || exit 1
kcap_pid=
cleanup() {
    [ -n "$kcap_pid" ] && kill "$kcap_pid" 2>/dev/null
    fsk_cleanup
    rm -rf "$FSK_WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
w=$FSK_WORK
failed=0
fail() { echo "FAIL $*"; failed=$((failed + 1)); }

fsk_setup_routed || { echo "FAIL cannot set up the routed namespaces"; exit 1; }
fsk_router_nft "table inet pathloss {
  chain forward {
    type filter hook forward priority 0; policy accept;
    meta l4proto tcp numgen random mod 100 < $PCT counter drop
  }
}" || { echo "FAIL cannot load the router's nftables rules"; exit 1; }

# Retransmissions need time: longer kpeer timeouts, longer waits, and 3 s after both peers are
# done before the capture stops (RTO 200 ms, doubling: three more rounds).
export KPEER_LOSSY=1 KPEER_TIMEOUT_S=30
FSK_WAIT_TICKS=1800

# run_one NAME FAMILY PORT CPORT
run_one() {
    # Only this run's client ports: the previous run's held connections close after its
    # capture stopped, and their FINs must not turn up in this one.
    ip netns exec "$FSK_A" "$KCAP" "$FSK_IF_A" "$w/$1.pcap" \
        "tcp and portrange $4-$(($4 + 199))" >"$w/$1.kcap.out" 2>"$w/$1.kcap.err" &
    kcap_pid=$!
    fsk_wait_line "$w/$1.kcap.out" ready "$kcap_pid" ||
        { fail "$1: kcap did not start: $(head -2 "$w/$1.kcap.err")"; return 1; }
    fsk_run "$1" "$2" mixed "$3" "$4" "$w" || fail "$1: a connection failed its own checks"
    sleep 3
    kill -INT "$kcap_pid"
    wait "$kcap_pid" || fail "$1: kcap failed: $(cat "$w/$1.kcap.err")"
    kcap_pid=
    fsk_kill_held "$w"
    grep -q ' 0 dropped' "$w/$1.kcap.err" || fail "$1: the capture itself dropped packets"
}

# expected NAME: "port|teardown|closer" per connection, from the two kpeers' outcome lines.
expected() {
    awk '
        FNR == 1 { side++ }
        $1 == "outcome" { words[side, $2] = $4; ports[$2] = 1 }
        function has(w, x) { return ("," w ",") ~ ("," x ",") }
        END {
            for (p in ports) {
                c = words[1, p]; s = words[2, p]
                if (has(c, "refused")) v = "rejected|responder"
                else if (has(c, "aborted")) v = "rst_originator|originator"
                else if (has(s, "aborted") && has(c, "reset")) v = "rst_responder|responder"
                else if (has(s, "aborted") && has(c, "no_reset")) v = "open|none"
                else if (has(c, "closed") && has(s, "closed")) {
                    cf = c ~ /^closed/; sf = s ~ /^closed/
                    v = "graceful|" (cf && sf ? "simultaneous" : cf ? "originator" : "responder")
                } else if (has(c, "closed") && has(s, "held")) v = "half_closed|originator"
                else if (has(c, "held") && has(s, "held")) v = "open|none"
                else v = "unknown(" c "/" s ")"
                print p "|" v
            }
        }' "$w/$1.cli.out" "$w/$1.srv.out" | sort
}

total=0; agree=0
for spec in "v4_pathloss 4 7210 43000" "v6_pathloss 6 7310 44000"; do
    set -- $spec
    run_one "$1" "$2" "$3" "$4" </dev/null || continue
    "$FINSCOPE" analyze -q --no-dpi "$w/$1.pcap" -o "$w/$1.db" >"$w/$1.an.out" 2>&1 ||
        { fail "$1: finscope analyze: $(head -2 "$w/$1.an.out")"; continue; }
    expected "$1" >"$w/$1.want"
    if [ -n "${PATHLOSS_KEEP:-}" ]; then
        mkdir -p "$PATHLOSS_KEEP" && cp "$w/$1.pcap" "$w/$1.cli.out" "$w/$1.srv.out" \
            "$w/$1.want" "$PATHLOSS_KEEP/"
    fi
    "$SQLQ" "$w/$1.db" "SELECT orig_port, teardown, closer FROM flows WHERE proto = 'tcp'
                        AND orig_port BETWEEN $4 AND $4 + 199 ORDER BY 1" | sort >"$w/$1.got"
    n=$(wc -l <"$w/$1.want"); ok=$(comm -12 "$w/$1.want" "$w/$1.got" | wc -l)
    total=$((total + n)); agree=$((agree + ok))
    stats=$("$SQLQ" "$w/$1.db" "SELECT SUM(orig_retrans + resp_retrans), SUM(orig_fins + resp_fins
                                 - (orig_fins > 0) - (resp_fins > 0)), SUM(gaps),
                                 (SELECT COUNT(*) FROM anomalies), (SELECT capture_loss FROM runs)
                                 FROM flows")
    an=$("$SQLQ" "$w/$1.db" "SELECT kind, COUNT(*) FROM anomalies GROUP BY 1 ORDER BY 1" | tr '\n' ' ')
    echo "$1: $ok/$n verdicts as the kernels did; retransmitted data/FINs/gaps/anomalies/capture_loss" \
         "$stats; anomalies: ${an:-none}"
    echo "$1: outcomes: $(cut -d'|' -f2,3 "$w/$1.want" | sort | uniq -c | tr -s ' ' | tr '\n' ',')"
    [ "$ok" -eq "$n" ] || { fail "$1: $((n - ok)) verdicts differ from the kernels' (want, got):"
                            comm -23 "$w/$1.want" "$w/$1.got" | head -10 | sed 's/^/  want /'
                            comm -13 "$w/$1.want" "$w/$1.got" | head -10 | sed 's/^/  got  /'; }
    [ "$n" -eq 200 ] || fail "$1: $n connections have outcomes, want 200"
done
dropped=$(ip netns exec "$FSK_R" nft list ruleset 2>/dev/null |
          sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | head -1)
echo "router dropped ${dropped:-?} TCP segments (${PCT}%)"
[ "${dropped:-0}" -gt 0 ] || fail "the router dropped nothing"
[ "$failed" -eq 0 ] || { echo "path loss: $failed failures"; exit 1; }
echo "path loss: $agree/$total verdicts as the kernels did"
