#!/bin/sh
# t_merge.sh — several input files are merged in packet-time order (docs/input.md, issue 12):
# `finscope analyze A B`, `analyze B A` and analyzing `mergecap -w M A B` store the same flows,
# anomalies and teardown events (every column but the row ids), for two captures taken side by
# side (taps-a.pcap Ethernet + taps-b.pcap Linux cooked: one connection split between them,
# so the mergecap'ed file has two link types and is read by finscope's pcapng reader) and two
# taken years apart on the same ports; first_ts of each flow is its first packet's capture
# time (from tshark, when installed); the verdicts are the ones tests/tools/mkmerge.c's header
# derives from docs/teardown.md. Then rotated files given in reverse order with few descriptors
# (the files opened in turn), and more overlapping files than can be open (one left out, said,
# exit 1).
#
# The captures are made here by $TOOLS/mkmerge. Environment: FINSCOPE, TOOLS. Exit 0 pass,
# 1 fail, 77 skip.

set -u
: "${FINSCOPE:?set FINSCOPE to the finscope binary}"
: "${TOOLS:?set TOOLS to the test tools directory}"
SQLQ="$TOOLS/sqlq"
MKMERGE="$TOOLS/mkmerge"
[ -x "$MKMERGE" ] || { echo "no $MKMERGE (make B/tests/mkmerge)"; exit 77; }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

failures=0
case_name=
fail() { echo "FAIL: $case_name: $*"; failures=$((failures + 1)); }
begin() { case_name=$1; }
q() { "$SQLQ" "$@" 2>&1 || echo "(query failed)"; }
expect_eq() { [ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"; }

# analyze DB FILE...: exit status in $rc, stderr in err.txt.
analyze() {
    db=$1; shift
    rm -f "$db" "$db-wal" "$db-shm"
    "$FINSCOPE" analyze -q "$@" -o "$db" >out.txt 2>err.txt; rc=$?
    grep -qE 'Sanitizer|runtime error' err.txt && fail "sanitizer: $(grep -m1 -E 'Sanitizer|runtime error' err.txt)"
}

# dump DB: every stored row of the run but the row ids, flows identified by their ends and
# first time, in an order that does not depend on the ids.
dump() {
    cols=$(q "$1" "SELECT group_concat(name, ', ') FROM pragma_table_info('flows')
                   WHERE name NOT IN ('id', 'run_id')")
    key="f.proto, f.orig_addr, f.orig_port, f.resp_addr, f.resp_port, f.first_ts"
    echo "[flows]"
    q "$1" "SELECT $cols FROM flows ORDER BY first_ts, orig_addr, orig_port, proto"
    for t in anomalies teardown_events; do
        c=$(q "$1" "SELECT group_concat('x.' || name, ', ') FROM pragma_table_info('$t')
                    WHERE name NOT IN ('id', 'run_id', 'flow_id')")
        echo "[$t]"
        q "$1" "SELECT $key, $c FROM $t x JOIN flows f ON f.id = x.flow_id
                ORDER BY f.first_ts, f.orig_addr, f.orig_port, x.packet, x.id"
    done
    echo "[run]"
    q "$1" "SELECT packets, bytes, flows, first_packet, last_packet, complete FROM runs"
}

VERDICTS="SELECT proto, orig_port, resp_port, IFNULL(teardown, '-'), IFNULL(closer, '-'), ended_by
          FROM flows ORDER BY first_ts, orig_port"

# first_packets FILE: "proto lowport highport first_time" per connection, from tshark: a new
# connection when the ports are new, or at a SYN (no ACK) with another ISN (port reuse).
first_packets() {
    tshark -r "$1" -T fields -e frame.time_epoch -e tcp.srcport -e tcp.dstport -e udp.srcport \
        -e udp.dstport -e tcp.flags.syn -e tcp.flags.ack -e tcp.seq_raw 2>/dev/null |
    awk -F'\t' '{
        t = substr($1, 1, index($1, ".") + 6)
        if ($2 != "") { p = "tcp"; a = $2; b = $3 } else { p = "udp"; a = $4; b = $5 }
        if (a + 0 > b + 0) { x = a; a = b; b = x }
        k = p " " a " " b
        syn = $6 == "1" && $7 == "0"
        if (!(k in seen) || (syn && isn[k] != $8)) { print k, t; seen[k] = 1 }
        if (syn) isn[k] = $8
    }' | sort
}

# same_three SET VERDICTS: A B, B A and the mergecap'ed file.
same_three() {
    set_name=$1
    begin "$set_name: analyze A B"
    analyze ab.db "$set_name-a.pcap" "$set_name-b.pcap"
    [ "$rc" = 0 ] || fail "exit $rc: $(cat err.txt)"
    [ -s err.txt ] && fail "stderr: $(cat err.txt)"
    expect_eq "verdicts" "$(q ab.db "$VERDICTS" | tr '\n' ' ')" "$2"
    expect_eq "source" "$(q ab.db "SELECT source FROM runs")" "$set_name-a.pcap $set_name-b.pcap"
    dump ab.db >ab.txt
    begin "$set_name: analyze B A"
    analyze ba.db "$set_name-b.pcap" "$set_name-a.pcap"
    [ "$rc" = 0 ] || fail "exit $rc: $(cat err.txt)"
    dump ba.db >ba.txt
    cmp -s ab.txt ba.txt || fail "differs from A B: $(diff ab.txt ba.txt | head -6)"
    if command -v mergecap >/dev/null 2>&1; then
        begin "$set_name: the mergecap'ed file"
        mergecap -w merged.pcapng "$set_name-a.pcap" "$set_name-b.pcap" ||
            { fail "mergecap failed"; return; }
        analyze m.db merged.pcapng
        [ "$rc" = 0 ] || fail "exit $rc: $(cat err.txt)"
        dump m.db >m.txt
        cmp -s ab.txt m.txt || fail "differs from A B: $(diff ab.txt m.txt | head -6)"
    else
        echo "note: mergecap not installed: the mergecap'ed file not compared"
    fi
    if command -v tshark >/dev/null 2>&1 && [ -e merged.pcapng ]; then
        begin "$set_name: first_ts is the first packet's time"
        first_packets merged.pcapng >want.txt
        q ab.db "SELECT proto, min(orig_port, resp_port), max(orig_port, resp_port),
                        printf('%.6f', first_ts) FROM flows" | tr '|' ' ' | sort >got.txt
        [ -s want.txt ] || fail "tshark gave nothing"
        cmp -s want.txt got.txt || fail "$(diff want.txt got.txt | head -6)"
    else
        echo "note: tshark not installed: first_ts not compared with it"
    fi
    rm -f merged.pcapng
}

"$MKMERGE" taps . && "$MKMERGE" years . || { echo "mkmerge failed"; exit 1; }

# mkmerge.c: taps — 41001 graceful, 42001 rst_responder, 41002 (split between the taps)
# graceful, the UDP query/answer one flow (idle at the end: end_of_input), 41003 graceful and
# then, same ports, rejected.
same_three taps "tcp|41001|443|graceful|originator|close tcp|42001|80|rst_responder|responder|close \
tcp|41002|443|graceful|originator|close udp|5353|53|-|-|end_of_input \
tcp|41003|80|graceful|originator|close tcp|41003|80|rejected|responder|close "
# years — 2019: 41001 graceful, 41002 rejected; 2026 on the same ports: 41001 rst_originator,
# 41002 graceful closed by the server. Four flows, each at its own time.
same_three years "tcp|41001|443|graceful|originator|close tcp|41002|80|rejected|responder|close \
tcp|41001|443|rst_originator|originator|close tcp|41002|80|graceful|responder|close "
begin "years: each flow at its own year"
expect_eq "first_ts" "$(q ab.db "SELECT strftime('%Y', first_ts, 'unixepoch') FROM flows
                                 ORDER BY first_ts" | tr '\n' ' ')" "2019 2019 2026 2026 "

# ---- rotated files, few descriptors ------------------------------------------------------------
# 30 files of one second each, given newest first, with 24 descriptors (16 kept back: 8 capture
# files open at most, cli/input_set.h): the same as given in order; 31 flows, all graceful; the
# keep-alive connection spans every file.
N=30
mkdir rot && "$MKMERGE" rotated rot $N || { echo "mkmerge rotated failed"; exit 1; }
begin "rotated files in reverse order, 8 open at most"
files_rev=$(ls rot/rot-*.pcap | sort -r | tr '\n' ' ')
files_fwd=$(ls rot/rot-*.pcap | sort | tr '\n' ' ')
# shellcheck disable=SC2086
(ulimit -n 24 && exec "$FINSCOPE" analyze -q $files_rev -o rev.db) >out.txt 2>err.txt; rc=$?
[ "$rc" = 0 ] || fail "exit $rc: $(cat err.txt)"
[ -s err.txt ] && fail "stderr: $(cat err.txt)"
# shellcheck disable=SC2086
analyze fwd.db $files_fwd
expect_eq "flows" "$(q rev.db "SELECT count(*), sum(teardown = 'graceful') FROM flows")" \
    "$((N + 1))|$((N + 1))"
expect_eq "the keep-alive connection spans the files" \
    "$(q rev.db "SELECT orig_pkts, resp_pkts FROM flows WHERE orig_port = 44000")" \
    "$((N + 4))|$((N + 3))"
dump rev.db >rev.txt; dump fwd.db >fwd.txt
cmp -s rev.txt fwd.txt || fail "reverse order differs: $(diff fwd.txt rev.txt | head -6)"

# Three copies of one capture: they overlap in time; with 18 descriptors only 2 can be open,
# so the third is left out, said, exit 1; the other two are analyzed (every packet twice).
begin "more overlapping files than can be open"
analyze one.db taps-a.pcap
one=$(q one.db "SELECT packets FROM runs")
cp taps-a.pcap x1.pcap; cp taps-a.pcap x2.pcap; cp taps-a.pcap x3.pcap
(ulimit -n 18 && exec "$FINSCOPE" analyze -q x1.pcap x2.pcap x3.pcap -o over.db) >out.txt \
    2>err.txt; rc=$?
expect_eq "exit" "$rc" 1
expect_eq "message" "$(cat err.txt)" "finscope: x3.pcap: not analyzed: more than 2 capture \
files overlap in time here, and finscope keeps at most 2 open at once (ulimit -n)"
expect_eq "run" "$(q over.db "SELECT packets, complete FROM runs")" "$((2 * one))|1"

if [ $failures -gt 0 ]; then
    echo "merge: $failures check(s) failed"
    exit 1
fi
echo "merge: all checks passed"
exit 0
