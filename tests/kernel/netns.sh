# netns.sh — sourced (POSIX sh) by tests/kernel/run-scenarios.sh and tests/e2e/t_live.sh: sets up
# two network namespaces joined by a veth pair and runs the real-kernel TCP scenarios of
# tests/tools/kpeer.c between them. Needs root. Nothing here touches the host's own network.
#
#   fsk-a: veth fsk-va, 10.77.0.1/24, fd77::1/64 — the clients (and the capturer)
#   fsk-b: veth fsk-vb, 10.77.0.2/24, fd77::2/64 — the servers
#
# Functions:
#   fsk_netns_ok          true when `ip netns` can be used here (root, iproute2, netns support)
#   fsk_setup             (re)creates both namespaces; returns non-zero on failure
#   fsk_setup_routed      the same two hosts on two subnets with a router namespace between:
#                         ${FSK_PREFIX}-r forwards (IPv4 and IPv6), so nftables there gives real
#                         middleboxes and real loss (fsk_router_nft); see below
#   fsk_router_nft RULES  loads an nftables ruleset (text, as `nft -f -` reads it) in the router
#   fsk_routed_scenarios  the scenarios that need the router (same columns as fsk_scenarios)
#   fsk_router_prepare NAME WORKDIR / fsk_router_finish NAME WORKDIR
#                         sets up / takes down the router's part of a routed scenario: for
#                         v4_idle_timeout a conntrack firewall that forgets an established
#                         connection after 2 s of silence and resets what it no longer knows;
#                         for v4_injected tests/tools/kinject forging a RST (KINJECT = its path)
#   fsk_cleanup           kills every peer still running (FSK_WORK = the WORKDIR given to
#                         fsk_run), deletes both namespaces
#   fsk_scenarios         prints the scenario table: NAME FAMILY SCENARIO SERVER_PORT CLIENT_PORT
#   fsk_run NAME FAMILY SCENARIO SPORT CPORT WORKDIR
#                         runs one scenario (server in fsk-b, client in fsk-a) until both
#                         peers print "done"; peers holding connections open stay alive (their
#                         pids go to WORKDIR/held.pids, killed by fsk_kill_held / fsk_cleanup)
#   fsk_kill_held WORKDIR kills those peers (their sockets then close outside any capture)
# Needs KPEER (path of the kpeer binary).

# FSK_PREFIX (default fsk) names the namespaces, so that two test runs on one machine (two
# checkouts, say) do not take each other's namespaces: ${FSK_PREFIX}-a and ${FSK_PREFIX}-b.
# Interface names live inside the namespaces and need no prefix.
FSK_PREFIX=${FSK_PREFIX:-fsk}
FSK_A=$FSK_PREFIX-a
FSK_B=$FSK_PREFIX-b
FSK_IF_A=fsk-va
FSK_IF_B=fsk-vb
FSK_V4_A=10.77.0.1
FSK_V4_B=10.77.0.2
FSK_V6_A=fd77::1
FSK_V6_B=fd77::2
FSK_WAIT_TICKS=200   # x 0.05 s: how long a scenario may take
# The routed topology (fsk_setup_routed) changes the addresses above to:
#   ${FSK_PREFIX}-a  fsk-va 10.77.1.1/24 fd77:1::1/64, default via the router
#   ${FSK_PREFIX}-r  fsk-ra 10.77.1.254 fd77:1::fe (towards a), fsk-rb 10.77.2.254 fd77:2::fe
#   ${FSK_PREFIX}-b  fsk-vb 10.77.2.1/24 fd77:2::1/64, default via the router
# Every host sees the other's packets with TTL / hop limit one less than sent (63, not 64).
FSK_R=$FSK_PREFIX-r

fsk_netns_ok() {
    [ "$(id -u)" -eq 0 ] || return 1
    command -v ip >/dev/null 2>&1 || return 1
    ip netns add "$FSK_PREFIX-probe" >/dev/null 2>&1 || return 1
    ip netns exec "$FSK_PREFIX-probe" true >/dev/null 2>&1; ok=$?
    ip netns del "$FSK_PREFIX-probe" >/dev/null 2>&1
    return $ok
}

# What a live-capture test needs before it starts: each tool given built, root, and `ip netns`.
# Exits the test with 77 (skipped), saying why, when one is missing.
fsk_require_live() {
    for t in "$@"; do
        [ -x "$t" ] || { echo "no $t (build it first)"; exit 77; }
    done
    [ "$(id -u)" -eq 0 ] || { echo "needs root"; exit 77; }
    fsk_netns_ok || { echo "ip netns does not work here"; exit 77; }
}

fsk_cleanup() {
    if [ -n "${FSK_WORK:-}" ]; then
        fsk_kill_held "$FSK_WORK"
        fsk_kill_listed "$FSK_WORK/all.pids"
        if [ -f "$FSK_WORK/kinject.pid" ]; then
            pid=$(cat "$FSK_WORK/kinject.pid")
            grep -q kinject "/proc/$pid/cmdline" 2>/dev/null && kill "$pid" 2>/dev/null
            rm -f "$FSK_WORK/kinject.pid"
        fi
    fi
    ip netns del "$FSK_A" >/dev/null 2>&1
    ip netns del "$FSK_B" >/dev/null 2>&1
    ip netns del "$FSK_R" >/dev/null 2>&1
    return 0
}

# MAC address of interface $2 in namespace $1.
fsk_mac() {
    ip netns exec "$1" cat "/sys/class/net/$2/address"
}

# The "forget" scenarios destroy a server socket (SOCK_DESTROY, as `ss -K`) whose RST must
# not reach the wire: the server namespace drops RSTs with the socket's mark 0x77
# (tests/tools/kpeer.c). They run only where the kernel can destroy sockets
# (CONFIG_INET_DIAG_DESTROY) and nft exists: fsk_setup sets FSK_FORGET=1 then.
fsk_forget_setup() {
    FSK_FORGET=0
    command -v nft >/dev/null 2>&1 || return 0
    ip netns exec "$FSK_B" "$KPEER" can-destroy 2>/dev/null || return 0
    printf '%s\n' 'table inet fsk_forget {' ' chain out {' \
        '  type filter hook output priority 0; policy accept;' \
        '  meta mark 0x77 tcp flags & rst == rst drop' ' }' '}' |
        ip netns exec "$FSK_B" nft -f - || return 0
    FSK_FORGET=1
}

fsk_setup() {
    fsk_cleanup
    ip netns add "$FSK_A" && ip netns add "$FSK_B" || return 1
    ip link add "$FSK_IF_A" netns "$FSK_A" type veth peer name "$FSK_IF_B" netns "$FSK_B" || return 1
    for ns in "$FSK_A" "$FSK_B"; do
        ip -n "$ns" link set lo up || return 1
    done
    ip -n "$FSK_A" addr add "$FSK_V4_A/24" dev "$FSK_IF_A" &&
    ip -n "$FSK_B" addr add "$FSK_V4_B/24" dev "$FSK_IF_B" &&
    ip -n "$FSK_A" addr add "$FSK_V6_A/64" dev "$FSK_IF_A" nodad &&
    ip -n "$FSK_B" addr add "$FSK_V6_B/64" dev "$FSK_IF_B" nodad &&
    ip -n "$FSK_A" link set "$FSK_IF_A" up &&
    ip -n "$FSK_B" link set "$FSK_IF_B" up || return 1
    # Static neighbours: no ARP / neighbour discovery in the middle of a scenario.
    mac_a=$(fsk_mac "$FSK_A" "$FSK_IF_A") && mac_b=$(fsk_mac "$FSK_B" "$FSK_IF_B") || return 1
    ip -n "$FSK_A" neigh replace "$FSK_V4_B" lladdr "$mac_b" dev "$FSK_IF_A" nud permanent &&
    ip -n "$FSK_A" neigh replace "$FSK_V6_B" lladdr "$mac_b" dev "$FSK_IF_A" nud permanent &&
    ip -n "$FSK_B" neigh replace "$FSK_V4_A" lladdr "$mac_a" dev "$FSK_IF_B" nud permanent &&
    ip -n "$FSK_B" neigh replace "$FSK_V6_A" lladdr "$mac_a" dev "$FSK_IF_B" nud permanent ||
        return 1
    # Offloads: ethtool is optional; the payloads are far below the MTU, so TSO never splits.
    if command -v ethtool >/dev/null 2>&1; then
        ip netns exec "$FSK_A" ethtool -K "$FSK_IF_A" tso off gso off gro off >/dev/null 2>&1
        ip netns exec "$FSK_B" ethtool -K "$FSK_IF_B" tso off gso off gro off >/dev/null 2>&1
    fi
    fsk_forget_setup
    return 0
}

# fsk_link NS_1 IF_1 ADDR4_1 ADDR6_1 NS_2 IF_2 ADDR4_2 ADDR6_2 (prefixes /24 and /64): a veth
# pair between two namespaces, both ends up, with static neighbours (no ARP or neighbour
# discovery in the middle of a scenario) and offloads off where ethtool exists.
fsk_link() {
    ip link add "$2" netns "$1" type veth peer name "$6" netns "$5" || return 1
    ip -n "$1" addr add "$3/24" dev "$2" && ip -n "$1" addr add "$4/64" dev "$2" nodad &&
    ip -n "$5" addr add "$7/24" dev "$6" && ip -n "$5" addr add "$8/64" dev "$6" nodad &&
    ip -n "$1" link set "$2" up && ip -n "$5" link set "$6" up || return 1
    m1=$(fsk_mac "$1" "$2") && m2=$(fsk_mac "$5" "$6") || return 1
    ip -n "$1" neigh replace "$7" lladdr "$m2" dev "$2" nud permanent &&
    ip -n "$1" neigh replace "$8" lladdr "$m2" dev "$2" nud permanent &&
    ip -n "$5" neigh replace "$3" lladdr "$m1" dev "$6" nud permanent &&
    ip -n "$5" neigh replace "$4" lladdr "$m1" dev "$6" nud permanent || return 1
    if command -v ethtool >/dev/null 2>&1; then
        ip netns exec "$1" ethtool -K "$2" tso off gso off gro off >/dev/null 2>&1
        ip netns exec "$5" ethtool -K "$6" tso off gso off gro off >/dev/null 2>&1
    fi
    return 0
}

fsk_setup_routed() {
    fsk_cleanup
    FSK_V4_A=10.77.1.1; FSK_V6_A=fd77:1::1; FSK_V4_B=10.77.2.1; FSK_V6_B=fd77:2::1
    for ns in "$FSK_A" "$FSK_R" "$FSK_B"; do
        ip netns add "$ns" && ip -n "$ns" link set lo up || return 1
    done
    fsk_link "$FSK_A" "$FSK_IF_A" "$FSK_V4_A" "$FSK_V6_A" \
             "$FSK_R" fsk-ra 10.77.1.254 fd77:1::fe || return 1
    fsk_link "$FSK_R" fsk-rb 10.77.2.254 fd77:2::fe \
             "$FSK_B" "$FSK_IF_B" "$FSK_V4_B" "$FSK_V6_B" || return 1
    ip netns exec "$FSK_R" sysctl -q -w net.ipv4.ip_forward=1 \
        net.ipv6.conf.all.forwarding=1 >/dev/null || return 1
    ip -n "$FSK_A" route add default via 10.77.1.254 &&
    ip -n "$FSK_A" -6 route add default via fd77:1::fe &&
    ip -n "$FSK_B" route add default via 10.77.2.254 &&
    ip -n "$FSK_B" -6 route add default via fd77:2::fe || return 1
    return 0
}

fsk_router_nft() {
    command -v nft >/dev/null 2>&1 || return 1
    printf '%s\n' "$1" | ip netns exec "$FSK_R" nft -f -
}

fsk_scenarios() {
    cat <<'EOF'
v4_graceful_client 4 graceful_client 7001 41001
v4_graceful_server 4 graceful_server 7002 41002
v4_halfclose_data  4 halfclose_data  7003 41003
v4_halfclose_open  4 halfclose_open  7004 41004
v4_abort_client    4 abort_client    7005 41005
v4_abort_server    4 abort_server    7006 41006
v4_unread          4 unread          7007 41007
v4_refused         4 refused         7008 41008
v4_open            4 open            7009 41009
v6_graceful_client 6 graceful_client 7101 41101
v6_graceful_server 6 graceful_server 7102 41102
v6_halfclose_data  6 halfclose_data  7103 41103
v6_halfclose_open  6 halfclose_open  7104 41104
v6_abort_client    6 abort_client    7105 41105
v6_abort_server    6 abort_server    7106 41106
v6_unread          6 unread          7107 41107
v6_refused         6 refused         7108 41108
v6_open            6 open            7109 41109
v4_mixed           4 mixed           7010 42000
v4_after_close     4 after_close     7012 41012
v6_after_close     6 after_close     7112 41112
EOF
    [ "${FSK_FORGET:-0}" = 1 ] || return 0
    cat <<'EOF'
v4_forget          4 forget          7013 41013
v6_forget          6 forget          7113 41113
EOF
}

fsk_routed_scenarios() {
    cat <<'EOF'
v4_idle_timeout    4 idle            7014 41014
v4_injected        4 stream          7015 41015
EOF
}

# v4_idle_timeout: conntrack forgets an established connection after 2 s without packets
# (nf_conntrack_tcp_timeout_established), no longer picks connections up mid-stream
# (nf_conntrack_tcp_loose = 0), so the client's segment after the silence is invalid, and
# `reject with tcp reset` answers it, to the client, in the server's name (the kernel's
# nf_send_reset: TTL 64, IP ID 0, DF; seq = the segment's ack, no ACK flag).
# v4_injected: kinject on the router's server side forges an exact RST+ACK towards the client
# after the server's 5th data segment.
fsk_router_prepare() {
    case $1 in
    v4_idle_timeout)
        command -v nft >/dev/null 2>&1 || return 1
        fsk_router_nft 'table ip fsk_idle {
 chain guard {
  type filter hook forward priority 0; policy accept;
  ct state invalid reject with tcp reset
 }
}' || return 1
        ip netns exec "$FSK_R" sysctl -q -w net.netfilter.nf_conntrack_tcp_loose=0 \
            net.netfilter.nf_conntrack_tcp_timeout_established=2 >/dev/null || return 1
        ;;
    v4_injected)
        ip netns exec "$FSK_R" "$KINJECT" fsk-rb "$FSK_V4_B" 7015 "$FSK_V4_A" 41015 5 \
            >"$2/kinject.out" 2>"$2/kinject.err" &
        echo $! >"$2/kinject.pid"
        fsk_wait_line "$2/kinject.out" ready "$(cat "$2/kinject.pid")" ||
            { echo "kinject did not start: $(head -2 "$2/kinject.err")"; return 1; }
        ;;
    esac
    return 0
}

fsk_router_finish() {
    case $1 in
    v4_idle_timeout)
        ip netns exec "$FSK_R" nft delete table ip fsk_idle >/dev/null 2>&1
        ;;
    v4_injected)
        pid=$(cat "$2/kinject.pid" 2>/dev/null)
        wait "$pid" 2>/dev/null
        grep -qx injected "$2/kinject.out" ||
            { echo "kinject did not inject: $(head -2 "$2/kinject.err")"; return 1; }
        ;;
    esac
    return 0
}

# fsk_wait_line FILE WORD PID: waits until FILE has the line WORD; fails if PID exits first
# without printing it, or after FSK_WAIT_TICKS.
fsk_wait_line() {
    i=0
    while [ $i -lt $FSK_WAIT_TICKS ]; do
        grep -qx "$2" "$1" 2>/dev/null && return 0
        if ! kill -0 "$3" 2>/dev/null; then
            grep -qx "$2" "$1" 2>/dev/null && return 0
            return 1
        fi
        sleep 0.05
        i=$((i + 1))
    done
    return 1
}

fsk_run() {
    name=$1; fam=$2; scen=$3; sport=$4; cport=$5; work=$6
    if [ "$fam" = 6 ]; then srv=$FSK_V6_B; else srv=$FSK_V4_B; fi
    : >"$work/$name.srv.out"; : >"$work/$name.cli.out"
    ip netns exec "$FSK_B" "$KPEER" server "$srv" "$sport" "$scen" "$cport" \
        >"$work/$name.srv.out" 2>"$work/$name.srv.err" &
    spid=$!
    echo "$spid" >>"$work/all.pids"
    if ! fsk_wait_line "$work/$name.srv.out" listening "$spid"; then
        echo "$name: server did not start: $(head -2 "$work/$name.srv.err")"
        kill "$spid" 2>/dev/null; return 1
    fi
    ip netns exec "$FSK_A" "$KPEER" client "$srv" "$sport" "$scen" "$cport" \
        >"$work/$name.cli.out" 2>"$work/$name.cli.err" &
    cpid=$!
    echo "$cpid" >>"$work/all.pids"
    rc=0
    fsk_wait_line "$work/$name.cli.out" done "$cpid" ||
        { echo "$name: client failed: $(head -2 "$work/$name.cli.err")"; rc=1; }
    fsk_wait_line "$work/$name.srv.out" done "$spid" ||
        { echo "$name: server failed: $(head -2 "$work/$name.srv.err")"; rc=1; }
    for pid in $cpid $spid; do
        if kill -0 "$pid" 2>/dev/null; then echo "$pid" >>"$work/held.pids"; fi
    done
    return $rc
}

fsk_kill_held() {
    fsk_kill_listed "$1/held.pids"
}

# fsk_kill_listed FILE: kills the kpeer processes whose pids FILE lists (still alive and still
# kpeer, so that a recycled pid is left alone), waits for them, removes FILE.
fsk_kill_listed() {
    [ -f "$1" ] || return 0
    for pid in $(cat "$1"); do
        grep -q kpeer "/proc/$pid/cmdline" 2>/dev/null && kill "$pid" 2>/dev/null
    done
    for pid in $(cat "$1"); do
        wait "$pid" 2>/dev/null
    done
    rm -f "$1"
}
