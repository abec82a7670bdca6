#!/bin/sh
# t_cli_errors.sh — `finscope` and `finscope analyze` at their edges: usage errors (--workers
# out of range among them), --help, --version, inputs that are missing, empty, not captures or
# truncated, gzip and stdin input,
# a filter that does not compile, and two files in one run. Exit codes, the one-line messages,
# and what reaches the result file (checked with $TOOLS/sqlq).
#
# Inputs are built in a temporary directory from the project's own captures (data/crafted/).
# Environment: FINSCOPE = the binary, TOOLS = directory of the test tools. Exit 0 pass, 77 skip.

set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${FINSCOPE:?set FINSCOPE to the finscope binary}"
: "${TOOLS:?set TOOLS to the test tools directory}"
SQLQ="$TOOLS/sqlq"

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

fail() { echo "FAIL: $*"; exit 1; }

# run NAME CMD...: runs CMD with stdout/stderr in $tmp/out, $tmp/err; exit status in $rc.
run() {
    name=$1; shift
    "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
}
expect_rc() {
    [ "$rc" = "$1" ] || fail "$name: exit $rc, expected $1; stderr: $(cat "$tmp/err")"
}
expect_err() {
    grep -q -e "$1" "$tmp/err" || fail "$name: stderr lacks '$1': $(cat "$tmp/err")"
}
expect_out() {
    grep -q -e "$1" "$tmp/out" || fail "$name: stdout lacks '$1': $(head -5 "$tmp/out")"
}
expect_lines() {            # FILE N: exactly N lines
    n=$(wc -l <"$tmp/$1" | tr -d ' ')
    [ "$n" = "$2" ] || fail "$name: $n lines on std$1, expected $2: $(cat "$tmp/$1")"
}
q() { "$SQLQ" "$@" || fail "sqlq $*"; }
expect_eq() {               # WHAT GOT WANT
    [ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"
}

# Inputs: the two largest crafted captures that finscope reads cleanly (exit 0, no warning,
# some flows): A, the main input, and B, the first file of a two-file run.
ls "$root"/data/crafted/*.pcap >/dev/null 2>&1 || { echo "no captures in data/crafted/"; exit 77; }
A=; B=
for f in $(ls -S "$root"/data/crafted/*.pcap | head -10); do
    rm -f probe.db probe.db-wal probe.db-shm
    "$FINSCOPE" analyze -q "$f" -o probe.db >/dev/null 2>probe.err || continue
    [ -s probe.err ] && continue
    [ "$("$SQLQ" probe.db "SELECT count(*) > 0 FROM flows")" = 1 ] || continue
    if [ -z "$A" ]; then A=$f; else B=$f; break; fi
done
[ -n "$A" ] || fail "finscope reads none of the 10 largest data/crafted/*.pcap cleanly"
[ -n "$B" ] || B=$A

# ---- usage, help, version ------------------------------------------------------------------
run "no arguments" "$FINSCOPE"
expect_rc 2; expect_err "finscope --help"

run "analyze without files" "$FINSCOPE" analyze -o x.db
expect_rc 2; expect_err "no capture FILE"; expect_err "finscope analyze --help"; expect_lines err 2

run "unknown option" "$FINSCOPE" analyze --frobnicate "$A"
expect_rc 2; expect_err "unknown option --frobnicate"; expect_err "finscope analyze --help"
expect_lines err 2

run "unknown short option" "$FINSCOPE" analyze -Z "$A"
expect_rc 2; expect_err "unknown option -Z"

run "missing option argument" "$FINSCOPE" analyze "$A" -o
expect_rc 2; expect_err "missing argument for -o"

for gap in 0 -3 abc 1e7 nan; do
    run "--idle-gap $gap" "$FINSCOPE" analyze "$A" --idle-gap "$gap" -o x.db
    expect_rc 2; expect_err "--idle-gap must be a number of seconds above 0"; expect_lines err 2
done
for n in 0 65 -1 +2 abc 2x 1.5 ''; do
    run "--workers '$n'" "$FINSCOPE" analyze "$A" --workers "$n" -o x.db
    expect_rc 2; expect_err "--workers must be a whole number from 1 to 64"; expect_lines err 2
done
run "live --workers 0" "$FINSCOPE" live -i lo --workers 0 -o x.db
expect_rc 2; expect_err "--workers must be a whole number from 1 to 64"
run "live --idle-gap" "$FINSCOPE" live -i lo --idle-gap 0 -o x.db
expect_rc 2; expect_err "--idle-gap must be a number of seconds above 0"
for iv in 0 0s 2 abc 1.5h -1m 2w 367d; do
    run "live --rotate $iv" "$FINSCOPE" live -i lo --rotate "$iv" -o x.db
    expect_rc 2; expect_err "--rotate must be a whole number above 0 with a unit"
    expect_lines err 2
done
run "live --keep without --rotate" "$FINSCOPE" live -i lo --keep 3 -o x.db
expect_rc 2; expect_err "--keep needs --rotate"; expect_lines err 2
run "live --keep 0" "$FINSCOPE" live -i lo --rotate 1h --keep 0 -o x.db
expect_rc 2; expect_err "--keep must be a whole number from 1"
for url in postgresql://u@h:5432/db postgres://h/db; do
    run "live --rotate into $url" "$FINSCOPE" live -i lo --rotate 1h -o "$url"
    expect_rc 2; expect_err "cannot rotate a PostgreSQL database"; expect_lines err 2
done

run "unknown command" "$FINSCOPE" frobnicate
expect_rc 2; expect_err "unknown command 'frobnicate'"

[ ! -e x.db ] && [ ! -e finscope.db ] || fail "a usage error created a result file"

run "--help" "$FINSCOPE" --help
expect_rc 0; expect_out "analyze"; expect_out "Usage: finscope COMMAND"; expect_out "Example"
[ -s "$tmp/err" ] && fail "--help wrote to stderr"

run "analyze --help" "$FINSCOPE" analyze --help
expect_rc 0; expect_out "Usage: finscope analyze FILE"; expect_out "--no-dpi"
expect_out "--filter"; expect_out "Exit status"; expect_out "Examples"
expect_out "--idle-gap SECONDS"; expect_out "idle_timeout"; expect_out "--workers N"
run "live --help" "$FINSCOPE" live --help
expect_rc 0; expect_out "--idle-gap SECONDS"; expect_out "idle_timeout"; expect_out "--workers N"

run "help analyze" "$FINSCOPE" help analyze
expect_rc 0; expect_out "Usage: finscope analyze FILE"

run "--version" "$FINSCOPE" --version
expect_rc 0
head -1 "$tmp/out" | grep -Eq '^finscope [0-9]+\.[0-9]+\.[0-9]+$' ||
    fail "--version: $(cat "$tmp/out")"
expect_out "libpcap"; expect_out "nDPI"

# ---- inputs that cannot be used: exit 1, one line naming the file, no result file ----------
run "missing file" "$FINSCOPE" analyze nosuch.pcap -o r.db
expect_rc 1; expect_lines err 1
expect_err "^finscope: nosuch.pcap: .*No such file or directory"

: >empty.pcap
run "empty file" "$FINSCOPE" analyze empty.pcap -o r.db
expect_rc 1; expect_lines err 1; expect_err "^finscope: empty.pcap: .*empty"

printf 'this is not a capture, just some text\n' >notes.pcap
run "not a capture" "$FINSCOPE" analyze notes.pcap -o r.db
expect_rc 1; expect_lines err 1; expect_err "^finscope: notes.pcap: .*unknown file format"

[ ! -e r.db ] || fail "unusable inputs alone created a result file"

run "filter that does not compile" "$FINSCOPE" analyze "$A" -o r.db -f 'tcp port'
expect_rc 2; expect_err "filter does not compile"; expect_err "syntax error"
[ ! -e r.db ] || fail "a bad filter created a result file"

# ---- a plain run: the reference for the others ---------------------------------------------
run "plain capture" "$FINSCOPE" analyze "$A" -o ref.db
expect_rc 0; expect_out "results in ref.db (run 1)"
[ -s "$tmp/err" ] && fail "plain capture: stderr not empty (progress shown?): $(cat "$tmp/err")"
expect_eq "plain run" "$(q ref.db "SELECT complete, error IS NULL, source FROM runs")" "1|1|$A"
packets_a=$(q ref.db "SELECT packets FROM runs")
flows_a=$(q ref.db "SELECT count(*) FROM flows")
[ "$flows_a" -gt 0 ] || fail "plain capture: no flows"

FLOW_COLS="proto, orig_addr, orig_port, resp_addr, resp_port, vlan, first_ts, last_ts,
  orig_pkts, resp_pkts, orig_bytes, resp_bytes, teardown, closer, orig_state, resp_state,
  conn_state, history, app_proto"
# flows_of DB RUN: the run's flows, one per line, in a stable order.
flows_of() {
    q "$1" "SELECT $FLOW_COLS FROM flows WHERE run_id = $2
            ORDER BY first_ts, orig_addr, orig_port, resp_addr, resp_port, proto"
}
flows_of ref.db 1 >ref.flows

# ---- quiet: nothing on stdout ----------------------------------------------------------------
run "quiet" "$FINSCOPE" analyze -q "$A" -o quiet.db
expect_rc 0; expect_lines out 0

# ---- stdin, from a file and from a pipe: the same flows --------------------------------------
run "stdin from a file" "$FINSCOPE" analyze - -o stdin.db <"$A"
expect_rc 0
expect_eq "stdin run" "$(q stdin.db "SELECT source, packets, complete FROM runs")" "-|$packets_a|1"
flows_of stdin.db 1 >stdin.flows
cmp -s ref.flows stdin.flows || fail "stdin: flows differ from the plain run"

cat "$A" | "$FINSCOPE" analyze - -o pipe.db >/dev/null 2>"$tmp/err" || fail "stdin pipe: exit $?"
flows_of pipe.db 1 >pipe.flows
cmp -s ref.flows pipe.flows || fail "stdin pipe: flows differ from the plain run"

# ---- gzip: recognised by content (whatever the name), same flows -----------------------------
if command -v gzip >/dev/null 2>&1; then
    gzip -c "$A" >a.pcap.gz
    cp a.pcap.gz compressed.cap
    for f in a.pcap.gz compressed.cap; do
        run "gzip $f" "$FINSCOPE" analyze "$f" -o gz.db
        expect_rc 0
    done
    expect_eq "gzip runs" \
        "$(q gz.db "SELECT group_concat(packets || ':' || complete, ' ') FROM runs")" \
        "$packets_a:1 $packets_a:1"
    for r in 1 2; do
        flows_of gz.db $r >gz.flows
        cmp -s ref.flows gz.flows || fail "gzip (run $r): flows differ from the plain run"
    done
    gzip -c "$A" | "$FINSCOPE" analyze - -o gzpipe.db >/dev/null 2>&1 ||
        fail "gzip on stdin: exit $?"
    flows_of gzpipe.db 1 >gzpipe.flows
    cmp -s ref.flows gzpipe.flows || fail "gzip on stdin: flows differ from the plain run"

    # Compressed data cut short: a warning, the records before the cut analyzed, exit 0.
    gz_size=$(wc -c <a.pcap.gz | tr -d ' ')
    head -c $((gz_size * 2 / 3)) a.pcap.gz >cut.pcap.gz
    run "gzip cut short" "$FINSCOPE" analyze cut.pcap.gz -o gzcut.db
    expect_rc 0; expect_lines err 1; expect_err "^finscope: cut.pcap.gz: truncated at record"
    expect_eq "gzip cut short: complete, error, fewer packets" \
        "$(q gzcut.db "SELECT complete, error LIKE '%truncated%', packets < $packets_a
                       FROM runs")" \
        "1|1|1"
else
    echo "note: gzip not installed, gzip input not checked"
fi

# ---- truncated capture: records before the cut are analyzed and stored ------------------------
# The pcap headers are read with od, so this needs a little-endian file (as the project writes
# them) on a little-endian host.
host_le=$(printf '\001\000\000\000' | od -An -tu4 | tr -d ' ')
case $host_le:$(od -An -tx1 -N4 "$A" | tr -d ' \n') in
    1:d4c3b2a1|1:4d3cb2a1) le_pcap=1 ;;
    *) le_pcap=0; echo "note: $A is not a little-endian pcap here; truncation not checked" ;;
esac
# Walks the record headers to cut the file a few bytes into record K+1: exactly K readable.
check_truncated() {
    size=$(wc -c <"$A" | tr -d ' ')
    off=24; k=0
    while [ $k -lt 20 ]; do
        caplen=$(od -An -tu4 -j $((off + 8)) -N4 "$A" | tr -d ' ')
        next=$((off + 16 + caplen))
        [ $((next + 16)) -lt "$size" ] || break   # keep a next record to cut into
        off=$next; k=$((k + 1))
    done
    [ $k -ge 1 ] || fail "truncation: $A has too few records"
    head -c $((off + 7)) "$A" >cut.pcap
    run "truncated capture" "$FINSCOPE" analyze cut.pcap -o cut.db
    expect_rc 0; expect_lines err 1
    expect_err "^finscope: cut.pcap: truncated at record $((k + 1)) ($k records analyzed)$"
    expect_eq "truncated run" "$(q cut.db "SELECT complete, packets, error FROM runs")" \
        "1|$k|cut.pcap: truncated at record $((k + 1)) ($k records analyzed)"
    # Every record before the cut is in a flow or counted as a decode error.
    in_flows=$(q cut.db "SELECT coalesce(sum(orig_pkts + resp_pkts), 0) FROM flows")
    undecoded=$(q cut.db "SELECT coalesce(sum(count), 0) FROM decode_errors")
    expect_eq "truncated: records in flows + decode errors" "$((in_flows + undecoded))" "$k"
    [ "$(q cut.db "SELECT count(*) > 0 FROM flows")" = 1 ] || fail "truncated: no flows stored"
}
[ $le_pcap = 1 ] && check_truncated

# ---- two files, one run; an unusable file among them is skipped with exit 1 ------------------
# B first, then A, so that A's packet numbers continue after B's.
run "B alone" "$FINSCOPE" analyze "$B" -o b.db
expect_rc 0
packets_b=$(q b.db "SELECT packets FROM runs")

run "two files" "$FINSCOPE" analyze "$B" "$A" -o two.db
expect_rc 0
expect_eq "two files: one run" \
    "$(q two.db "SELECT count(*), source, packets, complete FROM runs")" \
    "1|$B $A|$((packets_a + packets_b))|1"
# A's last event keeps its number, shifted by B's packets.
max_a=$(q ref.db "SELECT coalesce(max(packet), 0) FROM teardown_events")
if [ "$max_a" -gt 0 ]; then
    expect_eq "two files: number of A's last event" \
        "$(q two.db "SELECT max(packet) FROM teardown_events")" "$((packets_b + max_a))"
else
    echo "note: $A has no teardown events; packet numbering across files not checked"
fi

# A usable file among unusable ones (missing; a link type finscope does not decode, made by
# patching A's header to LINKTYPE_USER0): each refused with one line, A stored, exit 1.
if [ $le_pcap = 1 ]; then
    { head -c 20 "$A"; printf '\223\000\000\000'; tail -c +25 "$A"; } >user0.pcap
    set -- nosuch.pcap user0.pcap
else
    set -- nosuch.pcap
fi
run "unusable files among usable ones" "$FINSCOPE" analyze "$A" "$@" -o skip.db
expect_rc 1; expect_lines err $#; expect_err "^finscope: nosuch.pcap: "
[ $# = 2 ] && expect_err "^finscope: user0.pcap: link type .* is not supported$"
expect_eq "run with skipped files" \
    "$(q skip.db "SELECT packets, complete, error LIKE 'nosuch.pcap: %' FROM runs")" \
    "$packets_a|1|1"

echo "cli errors: all checks passed"
exit 0
