#!/bin/sh
# run-scenarios.sh — records what real Linux TCP puts on the wire for each teardown scenario of
# tests/tools/kpeer.c: one capture per scenario, OUTDIR/NAME.pcap (NAME from fsk_scenarios in
# tests/kernel/netns.sh, e.g. v4_graceful_client).
#
#   sh tests/kernel/run-scenarios.sh OUTDIR [NAME...]      (root; all scenarios by default)
#
# Creates the namespaces fsk-a / fsk-b (netns.sh), and for each scenario: starts kcap on fsk-va
# in fsk-a with the filter 'tcp' (IPv6 neighbour/MLD chatter is left out), waits for "ready",
# runs the scenario until both peers are done, waits 0.2 s for the last ACK, stops kcap with
# SIGINT, and only then kills the peers that hold connections open (so those stay open in the
# capture). Then the same for the routed scenarios (fsk_routed_scenarios: a router namespace
# between client and server, with a middlebox on it: fsk_router_prepare), still captured at
# the client, as a sensor would. The namespaces are deleted on exit, also on failure or
# interruption. The "forget" scenarios run only where the kernel can destroy sockets (netns.sh,
# FSK_FORGET); a scenario that cannot run here is reported as skipped.
# Environment: TOOLS = directory with kpeer, kcap and kinject (default build/tests).
# Exit 0 when every scenario ran as expected, 1 otherwise, 77 when netns cannot be used here.

set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/netns.sh"

[ $# -ge 1 ] || { echo "usage: run-scenarios.sh OUTDIR [NAME...]" >&2; exit 2; }
out=$1; shift
TOOLS=${TOOLS:-$root/build/tests}
KPEER=$TOOLS/kpeer
KCAP=$TOOLS/kcap
KINJECT=$TOOLS/kinject
for t in "$KPEER" "$KCAP" "$KINJECT"; do
    [ -x "$t" ] || { echo "no $t (build it first)" >&2; exit 1; }
done
fsk_netns_ok || { echo "needs root and working 'ip netns'"; exit 77; }
mkdir -p "$out" || exit 1

FSK_WORK=$(mktemp -d) || exit 1
kcap_pid=
cleanup() {
    [ -n "$kcap_pid" ] && kill "$kcap_pid" 2>/dev/null
    fsk_cleanup
    rm -rf "$FSK_WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

wanted() {
    [ $# -le 1 ] && return 0
    n=$1; shift
    for w in "$@"; do [ "$w" = "$n" ] && return 0; done
    return 1
}

# capture_one NAME FAMILY SCENARIO SPORT CPORT
capture_one() {
    pcap="$out/$1.pcap"
    ip netns exec "$FSK_A" "$KCAP" "$FSK_IF_A" "$pcap" tcp \
        >"$FSK_WORK/$1.kcap.out" 2>"$FSK_WORK/$1.kcap.err" &
    kcap_pid=$!
    if ! fsk_wait_line "$FSK_WORK/$1.kcap.out" ready "$kcap_pid"; then
        echo "$1: kcap did not start: $(head -2 "$FSK_WORK/$1.kcap.err")"; return 1
    fi
    rc=0
    fsk_run "$@" "$FSK_WORK" || rc=1
    sleep 0.2
    kill -INT "$kcap_pid"
    wait "$kcap_pid" || { echo "$1: kcap failed: $(head -2 "$FSK_WORK/$1.kcap.err")"; rc=1; }
    kcap_pid=
    fsk_kill_held "$FSK_WORK"
    grep -q ' 0 dropped' "$FSK_WORK/$1.kcap.err" ||
        { echo "$1: capture dropped packets: $(cat "$FSK_WORK/$1.kcap.err")"; rc=1; }
    return $rc
}

fsk_setup || { echo "cannot set up the namespaces"; exit 1; }
failed=0; ran=0
fsk_scenarios >"$FSK_WORK/table"
[ "$FSK_FORGET" = 1 ] ||
    echo "forget scenarios skipped: this kernel cannot destroy sockets (or no nft)"
while read -r name fam scen sport cport; do
    wanted "$name" "$@" || continue
    ran=$((ran + 1))
    capture_one "$name" "$fam" "$scen" "$sport" "$cport" </dev/null || failed=$((failed + 1))
done <"$FSK_WORK/table"

fsk_routed_scenarios >"$FSK_WORK/routed"
while read -r name fam scen sport cport; do
    wanted "$name" "$@" || continue
    ran=$((ran + 1))
    if ! fsk_setup_routed; then
        echo "$name: cannot set up the routed namespaces"; failed=$((failed + 1)); continue
    fi
    if ! fsk_router_prepare "$name" "$FSK_WORK" </dev/null; then
        echo "$name: skipped (the router's middlebox cannot be set up here)"; ran=$((ran - 1))
        continue
    fi
    rc=0
    capture_one "$name" "$fam" "$scen" "$sport" "$cport" </dev/null || rc=1
    fsk_router_finish "$name" "$FSK_WORK" </dev/null || rc=1
    failed=$((failed + rc))
done <"$FSK_WORK/routed"
echo "kernel scenarios: $ran run, $failed failed"
[ "$failed" -eq 0 ]
