#!/bin/sh
# t_db_faults.sh — finscope analyze when the result file cannot be written as asked (issue 8):
# the output path in a missing directory or in a read-only one; a file that is not SQLite; an
# SQLite file of another program; a file written by a newer finscope (higher user_version); the
# file locked by another writer; the disk filling up during a run.
#
# Each case checks: exit status 1; one line on stderr naming the file and the problem; no run
# left marked complete that did not complete; every earlier run intact (its flows unchanged,
# PRAGMA integrity_check ok); a file finscope refuses is not modified at all (cmp).
#
# The read-only directory and disk-full cases mount small tmpfs file systems, so they need root
# (root ignores file permissions, so chmod cannot make a read-only directory for it); without
# root, the read-only directory is made with chmod and the disk-full case is skipped (said so).
# Environment: FINSCOPE, TOOLS ($TOOLS/sqlq, floodcap, dblock). Exit 0 pass, 1 fail, 77 skip.

set -u
: "${FINSCOPE:?set FINSCOPE to the finscope binary}"
: "${TOOLS:?set TOOLS to the test tools directory}"
SQLQ="$TOOLS/sqlq"
for t in floodcap dblock sqlq; do
    [ -x "$TOOLS/$t" ] || { echo "no $TOOLS/$t"; exit 77; }
done

tmp=$(mktemp -d) || exit 1
mounts=""
dblock_pid=""
cleanup() {
    [ -n "$dblock_pid" ] && kill "$dblock_pid" 2>/dev/null
    for m in $mounts; do umount "$m" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
cd "$tmp" || exit 1

failures=0
case_name=
fail() { echo "FAIL: $case_name: $*"; failures=$((failures + 1)); }
begin() { case_name=$1; }
note() { echo "note: $*"; }

# analyze DB FILE: finscope analyze -q FILE -o DB; exit status in $rc, stderr in err.txt.
analyze() {
    "$FINSCOPE" analyze -q "$2" -o "$1" >out.txt 2>err.txt; rc=$?
    grep -qE 'Sanitizer|runtime error' err.txt &&
        fail "sanitizer report: $(grep -m1 -E 'Sanitizer|runtime error' err.txt)"
}
expect_rc() { [ "$rc" = "$1" ] || fail "exit $rc, expected $1; stderr: $(cat err.txt)"; }
expect_line_is() {          # MSG: stderr is exactly "finscope: MSG"
    [ "$(cat err.txt)" = "finscope: $1" ] ||
        fail "stderr: '$(cat err.txt)', expected 'finscope: $1'"
}
expect_line() {             # REGEX: stderr is one line matching REGEX (grep -E)
    n=$(wc -l <err.txt | tr -d ' ')
    [ "$n" = 1 ] || fail "$n lines on stderr, expected 1: $(cat err.txt)"
    grep -qE -e "$1" err.txt || fail "stderr does not match '$1': $(cat err.txt)"
}
q() { "$SQLQ" "$@" 2>&1 || echo "(query failed)"; }
expect_eq() { [ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"; }

# Input: 20 connections closed gracefully (tests/tools/floodcap.c), 160 records.
"$TOOLS/floodcap" conns 20 small.pcap || { echo "floodcap failed"; exit 1; }

FLOW_COLS="proto, orig_addr, orig_port, resp_addr, resp_port, first_ts, last_ts, orig_pkts,
           resp_pkts, teardown, closer, orig_state, resp_state, ended_by, conn_state, history"
flows_of() { q "$1" "SELECT $FLOW_COLS FROM flows WHERE run_id = $2 ORDER BY orig_port"; }

# A result file with one complete run: the earlier run every case must leave intact.
analyze ref.db small.pcap
[ "$rc" = 0 ] || { echo "reference run failed: $(cat err.txt)"; exit 1; }
flows_of ref.db 1 >ref.flows
[ "$(wc -l <ref.flows | tr -d ' ')" = 20 ] || { echo "reference run: not 20 flows"; exit 1; }

# intact DB: one run, complete, the reference flows, integrity ok.
intact() {
    expect_eq "runs in $1" "$(q "$1" "SELECT group_concat(id || ':' || complete) FROM runs")" "1:1"
    flows_of "$1" 1 >now.flows
    cmp -s ref.flows now.flows || fail "run 1 of $1 changed"
    expect_eq "integrity of $1" "$(q "$1" "PRAGMA integrity_check")" "ok"
}

# ---- output path in a missing directory -------------------------------------------------------
begin "missing directory"
analyze nodir/r.db small.pcap
expect_rc 1
expect_line_is "cannot create nodir/r.db: directory nodir does not exist"
[ -e nodir ] && fail "the directory was created"

# ---- output path in a read-only directory ------------------------------------------------------
# ro_dir DIR: makes DIR (with a copy of ref.db in it) read-only; 1 if it cannot.
ro_dir() {
    mkdir "$1" || return 1
    if [ "$(id -u)" = 0 ]; then
        mount -t tmpfs -o size=1m tmpfs "$1" 2>/dev/null || return 1
        mounts="$tmp/$1 $mounts"
        cp ref.db "$1/r.db" && mount -o remount,ro "$1" 2>/dev/null || return 1
    else
        cp ref.db "$1/r.db" && chmod a-w "$1" || return 1
    fi
}
begin "read-only directory"
if ro_dir ro; then
    analyze ro/new.db small.pcap
    expect_rc 1
    expect_line_is "cannot create ro/new.db: directory ro is not writable"
    [ -e ro/new.db ] && fail "ro/new.db exists"
    # An existing result file there: SQLite needs the directory for its -wal and -shm files.
    analyze ro/r.db small.pcap
    expect_rc 1
    expect_line_is "cannot write ro/r.db: directory ro is not writable"
    cmp -s ro/r.db ref.db || fail "ro/r.db was modified"
    cp ro/r.db ro-copy.db && intact ro-copy.db   # sqlq itself cannot open it there
    [ "$(id -u)" != 0 ] && chmod u+w ro
else
    note "read-only directory not checked: cannot make one (tmpfs mount refused)"
fi

# ---- refused files: finscope must not modify them -----------------------------------------------
# refused NAME FILE MSG: exit 1, exactly the line MSG, FILE byte for byte unchanged.
refused() {
    begin "$1"
    cp "$2" before.bin
    analyze "$2" small.pcap
    expect_rc 1
    expect_line_is "$3"
    cmp -s "$2" before.bin || fail "$2 was modified"
    for x in "$2-wal" "$2-journal"; do [ -e "$x" ] && fail "$x left behind"; done
}

printf 'id,name\n1,this is a CSV file, not a database\n' >notsqlite.db
refused "not SQLite" notsqlite.db "notsqlite.db is not a finscope database (not SQLite)"

q other.db "CREATE TABLE contacts(name TEXT, phone TEXT);
            INSERT INTO contacts VALUES ('Ada', '555-0100')" >/dev/null
refused "SQLite file of another program" other.db \
    "other.db is not a finscope database (an SQLite file of another program)"
expect_eq "other.db content" "$(q other.db "SELECT name, phone FROM contacts")" "Ada|555-0100"

cp ref.db newer.db
newer=$(($(q ref.db "PRAGMA user_version") + 1))
q newer.db "PRAGMA user_version = $newer" >/dev/null
expect_eq "newer.db made" "$(q newer.db "PRAGMA user_version")" "$newer"
refused "written by a newer finscope" newer.db \
    "newer.db was written by a newer finscope (schema $newer); use that version or a new file"

# ---- locked by another writer ------------------------------------------------------------------
# dblock holds the write lock (BEGIN IMMEDIATE) as a second finscope would mid-run; finscope
# waits 3 s (docs/schema.md) and gives up.
begin "locked by another writer"
cp ref.db locked.db
"$TOOLS/dblock" locked.db 60 >lock.out 2>&1 &
dblock_pid=$!
i=0
while ! grep -q locked lock.out 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if grep -q locked lock.out; then
    analyze locked.db small.pcap
    expect_rc 1
    expect_line_is "locked.db is locked by another writer"
    kill "$dblock_pid"; wait "$dblock_pid" 2>/dev/null; dblock_pid=""
    intact locked.db
    # The lock gone, the same command works and adds run 2.
    analyze locked.db small.pcap
    expect_rc 0
    expect_eq "after the lock" "$(q locked.db "SELECT group_concat(id || ':' || complete) FROM runs")" \
        "1:1,2:1"
else
    fail "dblock did not get the lock: $(cat lock.out)"
fi

# ---- disk full during a run -------------------------------------------------------------------
# A tmpfs of SIZE holds the reference run; then a run of 5000 connections (about 4 MB of
# results) fills it. Depending on SIZE the disk fills while the run is being recorded, while
# flows are written, or at the last commit; in every case: exit 1, one line saying "disk full",
# run 1 intact, and a run 2 (if it could be recorded at all) with complete = 0 and the message in
# its error column.
begin "disk full"
if [ "$(id -u)" = 0 ] && mkdir full && mount -t tmpfs -o size=64k tmpfs full 2>/dev/null; then
    mounts="$tmp/full $mounts"
    umount full
    "$TOOLS/floodcap" conns 5000 big.pcap
    error_recorded=0
    for size in 200k 256k 2m; do
        begin "disk full (tmpfs $size)"
        mount -t tmpfs -o size=$size tmpfs full || { fail "mount"; continue; }
        analyze full/r.db small.pcap
        if [ "$rc" != 0 ]; then
            note "tmpfs $size cannot hold even the first run; skipped"
            umount full; continue
        fi
        analyze full/r.db big.pcap
        expect_rc 1
        expect_line "^finscope: full/r.db: disk full while "
        flows_of full/r.db 1 >now.flows
        cmp -s ref.flows now.flows || fail "run 1 changed"
        expect_eq "integrity" "$(q full/r.db "PRAGMA integrity_check")" "ok"
        expect_eq "complete runs" "$(q full/r.db "SELECT group_concat(id) FROM runs WHERE complete")" 1
        run2=$(q full/r.db "SELECT complete, finished IS NOT NULL, error FROM runs WHERE id = 2")
        if [ -n "$run2" ]; then
            expect_eq "run 2" "$run2" "0|1|$(sed 's/^finscope: //' err.txt)"
            error_recorded=$((error_recorded + 1))
            expect_eq "run 2 counts only stored flows" \
                "$(q full/r.db "SELECT flows = (SELECT count(*) FROM flows WHERE run_id = 2) FROM runs WHERE id = 2")" 1
        else
            grep -q "no run was added" err.txt || fail "no run 2, and the message does not say so"
        fi
        expect_eq "runs" "$(q full/r.db "SELECT count(*) <= 2 FROM runs")" 1
        umount full
    done
    begin "disk full"
    [ $error_recorded -gt 0 ] || fail "in no case did a run record its disk-full error"
else
    note "disk full not checked: needs root and a tmpfs mount"
fi

if [ $failures -gt 0 ]; then
    echo "database faults: $failures check(s) failed"
    exit 1
fi
echo "database faults: all checks passed"
exit 0
