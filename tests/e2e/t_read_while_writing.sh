#!/bin/sh
# t_read_while_writing.sh — reading a result file while `finscope analyze` writes it (WAL):
# queries ($TOOLS/sqlq), `finscope report` and `finscope export` run in a loop for the whole
# run and never fail; halfway through, the run is visibly unfinished (runs.complete = 0,
# finished NULL, "(unfinished)" in the report) while the flows committed so far can be read;
# at the end it is complete. A second run killed halfway (SIGKILL) stays unfinished for good,
# its committed flows readable, and the next run is appended after it.
#
# Input: `$TOOLS/floodcap conns 30000` (tests/tools/floodcap.c): 30000 connections, 8 packets
# each, all closed gracefully by the client, 240000 packets. It is fed to `analyze -` through a
# FIFO: the first 90% of the bytes, a pause (the checks), then the rest. finscope commits every
# 50000 rows (8 rows per flow here: the flow and 7 teardown events) and checkpoints every
# 200000 records (runs.packets is updated then), so at the pause exactly 200000 packets are
# counted, and at least the 3 x 6250 flows of the first three 50000-row commits are readable
# (the checkpoint adds the flows emitted by then: a flow is emitted 1 s of packet time after its
# close, so a few fewer than the 25000 connections of those 200000 packets).
#
# Environment: FINSCOPE, TOOLS. Exit 0 pass, 77 skip.

set -u
: "${FINSCOPE:?set FINSCOPE to the finscope binary}"
: "${TOOLS:?set TOOLS to the test tools directory}"
SQLQ="$TOOLS/sqlq"
[ -x "$TOOLS/floodcap" ] || { echo "no $TOOLS/floodcap to make the input"; exit 77; }
command -v mkfifo >/dev/null 2>&1 || { echo "mkfifo not available"; exit 77; }

tmp=$(mktemp -d) || exit 1
writer=; readers=
cleanup() {
    [ -n "$writer" ] && kill -9 "$writer" 2>/dev/null
    [ -n "$readers" ] && kill "$readers" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1

fail() { echo "FAIL: $*"; exit 1; }
q() { "$SQLQ" w.db "$1" || fail "sqlq: $1"; }
expect_eq() { [ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"; }

"$TOOLS/floodcap" conns 30000 big.pcap || fail "floodcap"
size=$(wc -c <big.pcap | tr -d ' ')
cut=$((size / 10 * 9))          # 90% of the bytes: ~216000 of the 240000 records

# wait_for WHAT SQL WANT: polls (up to 60 s) until the query prints WANT.
wait_for() {
    i=0
    while [ $i -lt 60 ]; do
        [ "$("$SQLQ" w.db "$2" 2>/dev/null)" = "$3" ] && return 0
        kill -0 "$writer" 2>/dev/null || fail "$1: finscope ended early"
        sleep 1; i=$((i + 1))
    done
    fail "$1: '$2' never gave '$3'"
}

# start_writer: finscope analyze reading the FIFO in the background; fd 3 feeds it.
start_writer() {
    rm -f feed; mkfifo feed || fail "mkfifo"
    "$FINSCOPE" analyze -q - -o w.db <feed >writer.out 2>&1 &
    writer=$!
    exec 3>feed
}

# ---- run 1: read all along; unfinished at the pause, complete at the end --------------------
start_writer
head -c "$cut" big.pcap >&3 &
feeder=$!
wait_for "run 1 starts" "SELECT count(*) FROM runs" 1

# Readers for the rest of the run: any failure is written to reader.err. (Without fd 3: the
# FIFO must see its end when the main shell closes it.)
(
    exec 3>&-
    n=0
    sql="SELECT count(*) FROM flows; SELECT * FROM teardown_summary;
         SELECT count(*) FROM teardown_events e JOIN flows f ON f.id = e.flow_id"
    while [ ! -e stop-readers ]; do
        "$SQLQ" w.db "$sql" >/dev/null 2>>reader.err || echo "sqlq failed ($n)" >>reader.err
        "$FINSCOPE" report w.db >/dev/null 2>>reader.err || echo "report failed ($n)" >>reader.err
        "$FINSCOPE" export w.db --format csv -o rd.csv 2>>reader.err ||
            echo "export failed (round $n)" >>reader.err
        n=$((n + 1))
        echo $n >reader.rounds
    done
) &
readers=$!

wait_for "checkpoint at record 200000" "SELECT packets FROM runs WHERE id = 1" 200000
wait "$feeder"
expect_eq "run 1 at the pause" \
    "$(q "SELECT complete, finished IS NULL FROM runs WHERE id = 1")" "0|1"
flows_mid=$(q "SELECT count(*) FROM flows WHERE run_id = 1")
[ "$flows_mid" -ge 18750 ] && [ "$flows_mid" -lt 30000 ] ||
    fail "run 1 at the pause: $flows_mid flows readable, expected 18750..29999"
# Whole flows only: every committed flow has its 7 teardown events.
expect_eq "run 1 at the pause: events per flow" \
    "$(q "SELECT count(*) FROM flows f WHERE run_id = 1 AND
            (SELECT count(*) FROM teardown_events e WHERE e.flow_id = f.id) <> 7")" "0"
"$FINSCOPE" report w.db >report.mid 2>&1 || fail "report at the pause: $(cat report.mid)"
head -1 report.mid | grep -q "^finscope report: w.db, run 1 of 1 (unfinished)$" ||
    fail "report at the pause is not marked unfinished: $(head -2 report.mid)"
grep -q "^  status      (unfinished)" report.mid || fail "no unfinished status: $(cat report.mid)"
"$FINSCOPE" report w.db --format json >mid.json || fail "report --format json at the pause"
grep -q '"complete": false' mid.json || fail "json report at the pause: complete not false"

tail -c +$((cut + 1)) big.pcap >&3
exec 3>&-
wait "$writer"; rc=$?; writer=
[ $rc = 0 ] || fail "run 1: finscope exit $rc: $(cat writer.out)"
# Let the readers do a last round on the finished file, then stop them.
r0=$(cat reader.rounds 2>/dev/null || echo 0); i=0
while [ "$(cat reader.rounds 2>/dev/null || echo 0)" -le $((r0 + 1)) ] && [ $i -lt 60 ]; do
    sleep 1; i=$((i + 1))
done
touch stop-readers; wait "$readers"; readers=
[ -s reader.err ] && fail "a reader failed while finscope wrote: $(head -5 reader.err)"
echo "readers: $(cat reader.rounds) rounds of sqlq + report + export while writing, no error"

expect_eq "run 1 at the end" \
    "$(q "SELECT complete, finished IS NOT NULL, packets, flows FROM runs WHERE id = 1")" \
    "1|1|240000|30000"
expect_eq "run 1 flows" "$(q "SELECT count(*), sum(teardown = 'graceful') FROM flows")" \
    "30000|30000"
"$FINSCOPE" report w.db >report.end || fail "report at the end"
head -1 report.end | grep -q "^finscope report: w.db, run 1 of 1$" ||
    fail "report at the end: $(head -1 report.end)"
grep -q "unfinished" report.end && fail "finished run still reported unfinished"

# ---- run 2: killed halfway; stays unfinished -------------------------------------------------
start_writer
head -c "$cut" big.pcap >&3 &
feeder=$!
wait_for "run 2 checkpoint" "SELECT packets FROM runs WHERE id = 2" 200000
wait "$feeder"
kill -9 "$writer"; wait "$writer" 2>/dev/null; writer=
exec 3>&-
expect_eq "killed run 2" \
    "$(q "SELECT complete, finished IS NULL, error IS NULL, packets FROM runs WHERE id = 2")" \
    "0|1|1|200000"
flows_2=$(q "SELECT count(*) FROM flows WHERE run_id = 2")
[ "$flows_2" -ge 18750 ] || fail "killed run 2: only $flows_2 flows kept"
"$FINSCOPE" report w.db >report.killed || fail "report on the killed run"
head -1 report.killed | grep -q "^finscope report: w.db, run 2 of 2 (unfinished)$" ||
    fail "killed run not marked unfinished: $(head -1 report.killed)"
"$FINSCOPE" report w.db --runs >runs.txt || fail "report --runs"
grep -Eq '^ +1 .* complete$' runs.txt || fail "report --runs, run 1: $(cat runs.txt)"
grep -Eq '^ +2 .* unfinished$' runs.txt || fail "report --runs, run 2: $(cat runs.txt)"
"$FINSCOPE" export w.db --format zeek >killed.log || fail "export of the killed run"
expect_eq "export of the killed run: rows" "$(grep -vc '^#' killed.log)" "$flows_2"

# ---- run 3 on the same file, after the killed one: appended, complete -----------------------
"$FINSCOPE" analyze -q big.pcap -o w.db || fail "run 3 after a killed run"
expect_eq "runs after run 3" "$(q "SELECT group_concat(id || ':' || complete, ' ') FROM runs")" \
    "1:1 2:0 3:1"
"$FINSCOPE" report w.db | head -1 | grep -q "^finscope report: w.db, run 3 of 3$" ||
    fail "report after run 3 does not show run 3"
"$FINSCOPE" report w.db --run 2 | head -1 | grep -q "run 2 of 3 (unfinished)$" ||
    fail "report --run 2 after run 3 is not marked unfinished"

echo "read while writing: all checks passed"
exit 0
