#!/bin/sh
# t_live_rotate.sh — `finscope live --rotate`, `--keep` and `--jsonl` on real Linux TCP (issue
# 17): finscope captures on the veth of the namespace ${FSK_PREFIX}-a (tests/kernel/netns.sh;
# FSK_PREFIX names them, so that two runs do not take each other's namespaces) while
# tests/tools/kpeer makes connections to ${FSK_PREFIX}-b, each from a client port of its own.
#
# 1. Under load: live -o live.db --rotate 2s --jsonl flows.jsonl -w all.pcap for ~10 s while
#    kpeer's "mixed" scenario (200 concurrent connections of nine kinds) and single
#    connections run in a loop; then SIGINT. Checks: exit 0; at least 5 files, named
#    live-YYYY-MM-DDTHH-MM-SS.db; each passes PRAGMA integrity_check and has one complete run
#    row with the same source, options and start; every connection the clients made (by its
#    client port) is in exactly one file, and no other TCP flow is; the same set as
#    `finscope analyze all.pcap` finds; each file's JSON lines (flows-STAMP.jsonl) are valid
#    JSON, one per flow of that file, for the same connections.
# 2. --keep: old files of the pattern (and one JSON file) are made beforehand, with -wal and
#    -shm, beside files of other patterns; live --rotate 1s --keep 2 removes the oldest as soon
#    as it opens its first file, never one still open, and at the end leaves exactly the two
#    newest files of each pattern; the files of other patterns stay.
#
# Prints the files, flows per file, duplicates and missing connections. Skips (77) unless root
# with working `ip netns` and the tools. About 20 s.
# Environment: FINSCOPE = the binary, TOOLS = directory of the test tools.

set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${FINSCOPE:?set FINSCOPE to the finscope binary}"
: "${TOOLS:?set TOOLS to the test tools directory}"
SQLQ="$TOOLS/sqlq"
KPEER="$TOOLS/kpeer"
. "$root/tests/kernel/netns.sh"
fsk_require_live "$SQLQ" "$KPEER"

LOAD_S=10
STAMP='[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
tmp=$(mktemp -d) || exit 1
FSK_WORK="$tmp/work"
mkdir -p "$FSK_WORK" "$tmp/out" "$tmp/keep" || exit 1
live_pid=
cleanup() {
    [ -n "$live_pid" ] && kill -9 "$live_pid" 2>/dev/null
    fsk_cleanup
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
expect_eq() {
    [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}

# start_live DIR ARGS...: finscope live in the client namespace writing DIR/live.db (rotated)
# with ARGS; waits until a rotated file of this run holds its run row.
start_live() {
    d=$1; shift
    ip netns exec "$FSK_A" "$FINSCOPE" live -i "$FSK_IF_A" -f tcp -o "$d/live.db" -q "$@" \
        >"$d/live.out" 2>"$d/live.err" &
    live_pid=$!
    i=0
    while [ $i -lt 200 ]; do
        for f in "$d"/live-2*.db; do
            case $f in *-2020-01-01T*) continue ;; esac    # part 2's old files
            [ -s "$f" ] && [ "$("$SQLQ" "$f" "SELECT count(*) FROM runs" 2>/dev/null)" = 1 ] &&
                return 0
        done
        kill -0 "$live_pid" 2>/dev/null || break
        sleep 0.05
        i=$((i + 1))
    done
    echo "FAIL finscope live did not start: $(head -3 "$d/live.err")"
    exit 1
}

stop_live() {
    kill -INT "$live_pid"
    wait "$live_pid"; rc=$?; live_pid=
    expect_eq "finscope live exit status after SIGINT ($(head -1 "$1/live.err"))" 0 "$rc"
}

# single NAME SCENARIO SPORT CPORT: one connection from client port CPORT, recorded.
single() {
    fsk_run "$1" 4 "$2" "$3" "$4" "$FSK_WORK" </dev/null || fail "$1 from port $4 did not run"
    echo "$4" >>"$tmp/ports.made"
}

# mixed CPORT: kpeer's 200 connections from CPORT..CPORT+199; the ones it holds open are then
# closed (their FINs are captured too).
mixed() {
    fsk_run "mixed$1" 4 mixed 7010 "$1" "$FSK_WORK" </dev/null || fail "mixed from $1 did not run"
    fsk_kill_held "$FSK_WORK"
    seq "$1" $(($1 + 199)) >>"$tmp/ports.made"
}

fsk_setup || { echo "FAIL cannot set up the namespaces"; exit 1; }

# ---- 1. rotation under load ----------------------------------------------------------------------
out="$tmp/out"
: >"$tmp/ports.made"
start_live "$out" --rotate 2s --jsonl "$out/flows.jsonl" -w "$tmp/all.pcap"
begin=$(date +%s)
j=0
while [ $(($(date +%s) - begin)) -lt $LOAD_S ]; do
    mixed $((42000 + 200 * j))
    single "g$j" graceful_client 7001 $((50000 + 4 * j))
    single "a$j" abort_client 7005 $((50001 + 4 * j))
    single "u$j" unread 7007 $((50002 + 4 * j))
    single "r$j" refused 7008 $((50003 + 4 * j))
    j=$((j + 1))
done
sleep 1.5                         # the last closes are written 1 s after them
stop_live "$out"

ls "$out" | grep -x "live-$STAMP\.db" >"$tmp/dbs"
nfiles=$(wc -l <"$tmp/dbs")
[ "$nfiles" -ge 5 ] || fail "only $nfiles rotated files in $LOAD_S s with --rotate 2s"
ls "$out" | grep -v -x -e "live-$STAMP\.db" -e "live-$STAMP\.db-wal" -e "live-$STAMP\.db-shm" \
    -e "flows-$STAMP\.jsonl" -e 'live\.out' -e 'live\.err' >"$tmp/other"
[ -s "$tmp/other" ] && fail "files of no pattern: $(tr '\n' ' ' <"$tmp/other")"
[ -e "$out/live.db" ] && fail "live.db itself was written under --rotate"
: >"$tmp/ports.stored"
per_file=
jsonl_lines=0
for db in $(cat "$tmp/dbs"); do
    f="$out/$db"
    expect_eq "$db: integrity_check" ok "$("$SQLQ" "$f" "PRAGMA integrity_check;")"
    "$SQLQ" "$f" "SELECT count(*), min(complete), max(complete), source, options, started
                  FROM runs" >>"$tmp/runs"
    "$SQLQ" "$f" "SELECT orig_port FROM flows WHERE proto = 'tcp'" >>"$tmp/ports.stored"
    n=$("$SQLQ" "$f" "SELECT count(*) FROM flows;")
    per_file="$per_file $n"
    j=$out/flows-${db#live-}; j=${j%.db}.jsonl
    if [ ! -f "$j" ]; then
        fail "$db: no $(basename "$j")"
        continue
    fi
    expect_eq "$(basename "$j"): lines (one per flow of $db)" "$n" "$(wc -l <"$j")"
    jsonl_lines=$((jsonl_lines + $(wc -l <"$j")))
    "$SQLQ" "$f" "SELECT orig_port FROM flows ORDER BY orig_port" >"$tmp/db.ports"
    sed 's/.*"orig_port": \([0-9]*\),.*/\1/' "$j" | sort -n >"$tmp/j.ports"
    cmp -s "$tmp/db.ports" "$tmp/j.ports" || fail "$(basename "$j"): not the flows of $db"
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import json, sys
for line in open(sys.argv[1]): json.loads(line)' "$j" || fail "$(basename "$j"): invalid JSON"
    fi
done
expect_eq "run rows (one per file, complete, same source, options, start)" 1 \
    "$(sort -u "$tmp/runs" | wc -l)"
grep -qv '^1|1|1|' "$tmp/runs" && fail "a file's run row: $(grep -v '^1|1|1|' "$tmp/runs" | head -1)"
made=$(wc -l <"$tmp/ports.made")
sort -n "$tmp/ports.made" >"$tmp/made.sorted"
sort -n "$tmp/ports.stored" >"$tmp/stored.sorted"
dups=$(uniq -d "$tmp/stored.sorted" | wc -l)
missing=$(comm -23 "$tmp/made.sorted" "$tmp/stored.sorted" | wc -l)
extra=$(sort -u "$tmp/stored.sorted" | comm -13 "$tmp/made.sorted" - | wc -l)
expect_eq "connections stored twice or more" 0 "$dups"
expect_eq "connections made but not stored (of $made)" 0 "$missing"
expect_eq "TCP flows stored that no client made" 0 "$extra"
"$FINSCOPE" analyze "$tmp/all.pcap" -o "$tmp/ref.db" >/dev/null 2>&1 ||
    fail "finscope analyze all.pcap failed"
"$SQLQ" "$tmp/ref.db" "SELECT orig_port FROM flows WHERE proto = 'tcp' ORDER BY orig_port" \
    >"$tmp/ref.ports"
cmp -s "$tmp/ref.ports" "$tmp/stored.sorted" ||
    fail "the rotated files' connections differ from 'finscope analyze -w capture' ($(wc -l <"$tmp/ref.ports") there)"
echo "rotate: $nfiles files, flows per file:$per_file; $made connections made, $dups duplicate(s),"\
     "$missing missing; $jsonl_lines JSON lines"

# ---- 2. --keep -----------------------------------------------------------------------------------
kd="$tmp/keep"
for s in 00 01 02; do
    : >"$kd/live-2020-01-01T00-00-$s.db"
    : >"$kd/flows-2020-01-01T00-00-$s.jsonl"
done
: >"$kd/live-2020-01-01T00-00-00.db-wal"; : >"$kd/live-2020-01-01T00-00-00.db-shm"
others="live-2020-01-01T00-00-00.db.bak live-2020-01-01T00-00-00.jsonl other-2020-01-01T00-00-00.db live-2020-01-01.db"
for o in $others; do : >"$kd/$o"; done
start_live "$kd" --rotate 1s --keep 2 --jsonl "$kd/flows.jsonl"
for gone in live-2020-01-01T00-00-00.db live-2020-01-01T00-00-00.db-wal \
            live-2020-01-01T00-00-00.db-shm live-2020-01-01T00-00-01.db \
            flows-2020-01-01T00-00-00.jsonl; do
    [ -e "$kd/$gone" ] && fail "--keep 2: $gone not removed when the first file opened"
done
[ -e "$kd/live-2020-01-01T00-00-02.db" ] || fail "--keep 2 removed more than the oldest"
for k in 0 1 2; do
    single "k$k" graceful_client 7001 $((51000 + k))   # flows that linger: files stay open
    sleep 1
done
sleep 1.2
stop_live "$kd"
ls "$kd" | grep -x "live-$STAMP\.db" >"$tmp/kept"
ls "$kd" | grep -x "flows-$STAMP\.jsonl" >"$tmp/kept.jsonl"
expect_eq "--keep 2: result files left" 2 "$(wc -l <"$tmp/kept")"
expect_eq "--keep 2: JSON files left" 2 "$(wc -l <"$tmp/kept.jsonl")"
grep -q 2020 "$tmp/kept" && fail "--keep 2 kept an old file: $(tr '\n' ' ' <"$tmp/kept")"
for k in $(cat "$tmp/kept"); do
    expect_eq "--keep 2: $k's run" "1|$FSK_IF_A" \
        "$("$SQLQ" "$kd/$k" "SELECT complete, source FROM runs;")"
done
ls "$kd" | grep -q '2020.*db-wal$' && fail "--keep 2 left a removed file's -wal"
for o in $others; do
    [ -e "$kd/$o" ] || fail "--keep 2 removed $o, which is not of the pattern"
done

echo "live rotate: $failures failure(s)"
[ "$failures" -eq 0 ]
