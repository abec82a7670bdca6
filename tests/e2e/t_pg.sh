#!/bin/sh
# t_pg.sh — finscope with a PostgreSQL database (-o postgresql://...; issue 17), against a real
# server started for the test (tests/e2e/pg_server.sh):
#   same rows   the same captures analyzed into an SQLite file and into PostgreSQL give the
#               same rows, ids aside (tests/tools/dbdump prints every row of both), and the
#               same counts per table (sqlq and psql)
#   readers     report (text, json, csv), show and export (zeek, jsonl, csv) print the same
#               from either store (the database's name aside)
#   sensor      --sensor NAME lands in runs.sensor; by default the host name
#   bad input   an unreachable server, a wrong password, a database of another schema, one
#               written by a newer finscope: exit 1, one line on stderr, nothing written
#   writers     4 concurrent analyses into one new database (the schema created once, under
#               its advisory lock): each run complete with every row
#   restart     the server restarted in the middle of a run: that run is left incomplete
#               (complete = 0, error says why), exit 1, every earlier run intact
# Environment: FINSCOPE, TOOLS. Exit 0 pass, 1 fail, 77 skip (no PostgreSQL server).

set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${FINSCOPE:?set FINSCOPE to the finscope binary}"
: "${TOOLS:?set TOOLS to the test tools directory}"
SQLQ="$TOOLS/sqlq"
for t in sqlq dbdump floodcap; do
    [ -x "$TOOLS/$t" ] || { echo "no $TOOLS/$t"; exit 77; }
done
. "$root/tests/e2e/pg_server.sh"

tmp=$(mktemp -d) || exit 1
PG_CLEANUP='rm -rf "$tmp"'
t_start=$(date +%s%3N)
pg_start
echo "server started in $(( $(date +%s%3N) - t_start )) ms"
cd "$tmp" || exit 1

fail() { echo "FAIL: $*"; exit 1; }
expect_eq() { [ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"; }
now_ms() { date +%s%3N; }
one_line() {                # NAME FILE PATTERN: FILE is one line matching PATTERN
    [ "$(wc -l < "$2")" = 1 ] || fail "$1: stderr is not one line: $(cat "$2")"
    grep -q -e "$3" "$2" || fail "$1: stderr lacks '$3': $(cat "$2")"
}

if [ -f "$root/data/demo.pcap" ]; then
    cp "$root/data/demo.pcap" demo.pcap
elif [ -x "$TOOLS/mkcap" ]; then
    "$TOOLS/mkcap" --demo demo.pcap || fail "mkcap --demo"
else
    echo "no data/demo.pcap and no \$TOOLS/mkcap"; exit 77
fi
# 1200 graceful connections (two blocks of flow ids, 9600 events) and 800 lone RSTs.
"$TOOLS/floodcap" conns 1200 conns.pcap || fail "floodcap conns"
"$TOOLS/floodcap" rst 800 rst.pcap || fail "floodcap rst"

# ---- the same rows in both stores -------------------------------------------------------------
analyze_both() {            # ARGS...: into sq.db and PostgreSQL, timing each
    t0=$(now_ms)
    "$FINSCOPE" analyze -q --sensor s1 "$@" -o sq.db 2>err || fail "analyze $* -o sq.db: $(cat err)"
    t1=$(now_ms)
    "$FINSCOPE" analyze -q --sensor s1 "$@" -o "$PG_URL" 2>err ||
        fail "analyze $* -o postgresql: $(cat err)"
    t2=$(now_ms)
    echo "analyze $*: SQLite $((t1 - t0)) ms, PostgreSQL $((t2 - t1)) ms"
}
analyze_both demo.pcap
analyze_both conns.pcap rst.pcap
"$TOOLS/dbdump" sq.db > sq.dump || fail "dbdump sq.db"
"$TOOLS/dbdump" "$PG_URL" > pg.dump || fail "dbdump postgresql"
cmp -s sq.dump pg.dump || fail "rows differ: $(diff sq.dump pg.dump | head -5)"
echo "same rows: $(wc -l < sq.dump) lines of dbdump, $(grep -c '^flow ' sq.dump) flows"
for table in runs flows teardown_events anomalies rsts decode_errors; do
    a=$("$SQLQ" sq.db "SELECT count(*) FROM $table") || fail "sqlq $table"
    b=$(pgq "SELECT count(*) FROM $table") || fail "psql $table"
    expect_eq "rows of $table" "$b" "$a"
done
expect_eq "flows" "$(pgq "SELECT count(*) FROM flows")" 2036
expect_eq "sensor" "$(pgq "SELECT DISTINCT sensor FROM runs")" s1
expect_eq "schema version" "$(pgq "SELECT schema_version FROM finscope_meta")" 4
# No password in what is recorded.
pgq "SELECT options FROM runs" | grep -q "$PG_PASS" && fail "runs.options holds the password"

# ---- the readers print the same from either store ---------------------------------------------
# The runs' wall-clock times differ between the two analyses: PostgreSQL's are set to SQLite's.
for run in 1 2; do
    times=$("$SQLQ" sq.db "SELECT printf('%.6f, finished = %.6f', started, finished) FROM runs WHERE id = $run")
    pgq "UPDATE runs SET started = $times WHERE id = $run" || fail "psql: set the times"
done
shown=$(echo "$PG_URL" | sed "s/$PG_PASS/***/")
shown_re=$(printf '%s' "$shown" | sed 's/[][\\.*^$|/]/\\&/g')
same_output() {             # NAME CMD ARGS...: `finscope CMD DB ARGS` equal for both, DB aside
    name=$1; cmd=$2; shift 2
    "$FINSCOPE" "$cmd" sq.db "$@" > out.sq 2>err || fail "$name on sq.db: $(cat err)"
    "$FINSCOPE" "$cmd" "$PG_URL" "$@" > out.pg 2>err || fail "$name on postgresql: $(cat err)"
    sed -e "s/$shown_re/DB/g" -e 's/psql/sqlite3/g' out.pg > out.pg.n
    sed -e 's/sq\.db/DB/g' out.sq > out.sq.n
    cmp -s out.sq.n out.pg.n || fail "$name differs: $(diff out.sq.n out.pg.n | head -6)"
    grep -q "$PG_PASS" out.pg && fail "$name shows the password"
    echo "same output: $name ($(wc -l < out.sq) lines)"
}
for run in 1 2; do
    same_output "report run $run" report --run $run
    same_output "report json run $run" report --run $run --format json
    same_output "report csv run $run" report --run $run --format csv
done
same_output "report --runs" report --runs
flow=$("$SQLQ" sq.db "SELECT id FROM flows WHERE run_id = 1 AND anomalies > 0 LIMIT 1")
same_output "show $flow" show "$flow"
# Run 1's flow ids are the same in both (1, 2, ...); later runs' differ in PostgreSQL, whose
# ids come in blocks (docs/schema.md), and export shows them (Zeek's uid too).
for f in zeek jsonl csv; do
    same_output "export $f" export --run 1 --format $f
done

# ---- the sensor defaults to the host name ------------------------------------------------------
"$FINSCOPE" analyze -q demo.pcap -o "$PG_URL" 2>err || fail "analyze without --sensor: $(cat err)"
expect_eq "default sensor" "$(pgq "SELECT sensor FROM runs ORDER BY id DESC LIMIT 1")" \
    "$(hostname)"

# ---- bad input: one line, exit 1, nothing written ----------------------------------------------
t0=$(now_ms)
runs_before=$(pgq "SELECT count(*) FROM runs")
refuse() {                  # NAME URL PATTERN
    "$FINSCOPE" analyze -q demo.pcap -o "$2" 2>err; rc=$?
    expect_eq "$1: exit" "$rc" 1
    one_line "$1" err "$3"
    grep -q "$PG_PASS\|:wrong@" err && fail "$1: the message shows the password"
}
refuse "unreachable server" "postgresql://postgres@127.0.0.1:1/fs" "cannot connect to"
refuse "wrong password" "$PG_BADPW" "password authentication failed"
"$FINSCOPE" report "$PG_BADPW" >/dev/null 2>err; expect_eq "report, wrong password" $? 1
one_line "report, wrong password" err "password authentication failed"
pg_createdb other
PGQ_DB=other pgq "CREATE TABLE orders (id int); INSERT INTO orders VALUES (1)" || fail "psql other"
refuse "another schema" "$(pg_url other)" "is not a finscope database (a PostgreSQL database"
expect_eq "other schema untouched" \
    "$(PGQ_DB=other pgq "SELECT string_agg(tablename, ',') FROM pg_tables WHERE schemaname = 'public'")" \
    orders
pg_createdb newer
"$FINSCOPE" analyze -q demo.pcap -o "$(pg_url newer)" 2>err || fail "analyze into newer: $(cat err)"
PGQ_DB=newer pgq "UPDATE finscope_meta SET schema_version = 99" || fail "psql newer"
refuse "newer schema" "$(pg_url newer)" "written by a newer finscope (schema 99)"
expect_eq "newer: runs" "$(PGQ_DB=newer pgq "SELECT count(*) FROM runs")" 1
expect_eq "runs after refusals" "$(pgq "SELECT count(*) FROM runs")" "$runs_before"

echo "bad input: $(( $(now_ms) - t0 )) ms"

# ---- 4 concurrent writers into one new database ------------------------------------------------
pg_createdb conc
t0=$(now_ms)
pids=""
for i in 1 2 3 4; do
    "$FINSCOPE" analyze -q --sensor "w$i" conns.pcap rst.pcap -o "$(pg_url conc)" 2>"err$i" &
    pids="$pids $!"
done
n=0
for p in $pids; do
    n=$((n + 1))
    wait "$p" || fail "writer $n failed: $(cat "err$n")"
done
echo "4 concurrent writers: $(( $(now_ms) - t0 )) ms"
c() { PGQ_DB=conc pgq "$1" || fail "psql conc: $1"; }
expect_eq "writers: runs" "$(c "SELECT count(*) || ' ' || sum(complete) FROM runs")" "4 4"
expect_eq "writers: sensors" "$(c "SELECT string_agg(sensor, ',' ORDER BY sensor) FROM runs")" \
    "w1,w2,w3,w4"
expect_eq "writers: flows per run" \
    "$(c "SELECT string_agg(DISTINCT (SELECT count(*) FROM flows f WHERE f.run_id = r.id)::text || '/' || r.flows, ',') FROM runs r")" \
    "2000/2000"
expect_eq "writers: events" "$(c "SELECT count(*) FROM teardown_events")" \
    "$((4 * $("$SQLQ" sq.db "SELECT count(*) FROM teardown_events e JOIN flows f ON f.id = e.flow_id WHERE f.run_id = 2")))"
expect_eq "writers: rsts" "$(c "SELECT count(*) FROM rsts")" \
    "$((4 * $("$SQLQ" sq.db "SELECT count(*) FROM rsts WHERE run_id = 2")))"
# Every run holds the same rows as the single writer's run 2.
"$TOOLS/dbdump" --no-events "$(pg_url conc)" > conc.dump || fail "dbdump conc"
"$TOOLS/dbdump" --no-events sq.db | awk '/^run: /{n++} n==2' > sq2.rows
for i in 1 2 3 4; do
    awk -v i=$i '/^run: /{n++} n==i' conc.dump > conc.rows
    cmp -s sq2.rows conc.rows || fail "concurrent run $i differs: $(diff sq2.rows conc.rows | head -4)"
done

# ---- live into PostgreSQL: real connections on the loopback ------------------------------------
# Needs root (a capture on lo). 20 HTTP requests to a python3 http.server on a free port, each
# its own connection (curl closes it after one response), captured by `finscope live -i lo`
# filtered to that port: every connection a row of the live run, which ends complete.
live_pg() {
    [ "$(id -u)" = 0 ] && command -v python3 >/dev/null && command -v curl >/dev/null ||
        { echo "live: skipped (needs root, python3 and curl)"; return; }
    port=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000 ))
    python3 -m http.server --bind 127.0.0.1 "$port" >/dev/null 2>&1 &
    hpid=$!
    i=0
    until curl -s -o /dev/null "http://127.0.0.1:$port/"; do   # before the capture starts
        i=$((i + 1)); [ $i -gt 50 ] && { kill $hpid; fail "live: the http server did not start"; }
        sleep 0.1
    done
    pg_createdb livedb
    "$FINSCOPE" live -q -i lo -f "tcp port $port" --sensor live1 --duration 6 \
        -o "$(pg_url livedb)" 2>err.live &
    lpid=$!
    i=0
    until [ "$(PGQ_DB=livedb pgq "SELECT count(*) FROM runs" 2>/dev/null)" = 1 ]; do
        i=$((i + 1)); [ $i -gt 50 ] && { kill $hpid; fail "live: the run's row never appeared: $(cat err.live)"; }
        sleep 0.1
    done
    n=0
    while [ $n -lt 20 ]; do
        curl -s -o /dev/null "http://127.0.0.1:$port/" || { kill $hpid; fail "live: curl $n"; }
        n=$((n + 1))
    done
    wait $lpid || { kill $hpid; fail "live into postgresql: $(cat err.live)"; }
    kill $hpid
    l() { PGQ_DB=livedb pgq "$1" || fail "psql livedb: $1"; }
    expect_eq "live: run" "$(l "SELECT mode, sensor, complete FROM runs")" "live|live1|1"
    expect_eq "live: connections" \
        "$(l "SELECT count(*), sum(CASE WHEN teardown IN ('graceful', 'half_closed') THEN 1 ELSE 0 END) FROM flows WHERE resp_port = $port")" \
        "20|20"
    "$FINSCOPE" report "$(pg_url livedb)" > out.live 2>&1 || fail "live: report: $(cat out.live)"
    grep -q "sensor *live1" out.live || fail "live: report does not name the sensor: $(head -5 out.live)"
    echo "live: 20 connections captured into PostgreSQL"
}
live_pg

# ---- the server restarts in the middle of a run ------------------------------------------------
t0=$(now_ms)
flows_before=$(pgq "SELECT count(*) FROM flows")
runs_before=$(pgq "SELECT count(*) FROM runs")
mkfifo feed
"$FINSCOPE" analyze -q --sensor restart - -o "$PG_URL" < feed 2>err.restart &
apid=$!
exec 3> feed
size=$(wc -c < conns.pcap)
head -c $((size / 2)) conns.pcap >&3
i=0
until [ "$(pgq "SELECT count(*) FROM runs")" -gt "$runs_before" ]; do
    i=$((i + 1)); [ $i -gt 100 ] && fail "the run's row never appeared"; sleep 0.1
done
t1=$(now_ms)
# Not with fd 3: the restarted server would hold the FIFO open for writing, and finscope would
# never see the end of its input.
pg_restart 3>&- || fail "the server did not come back"
echo "restart: the server was back in $(( $(now_ms) - t1 )) ms"
tail -c +$((size / 2 + 1)) conns.pcap >&3
exec 3>&-
wait $apid; rc=$?
expect_eq "restart: exit" "$rc" 1
one_line "restart" err.restart "lost the connection\|server closed\|terminat"
expect_eq "restart: the run" \
    "$(pgq "SELECT complete, error IS NOT NULL FROM runs WHERE sensor = 'restart'")" "0|t"
expect_eq "restart: earlier flows" \
    "$(pgq "SELECT count(*) FROM flows f JOIN runs r ON r.id = f.run_id WHERE r.sensor <> 'restart'")" \
    "$flows_before"
expect_eq "restart: earlier runs complete" \
    "$(pgq "SELECT count(*) FROM runs WHERE complete = 1")" "$runs_before"
# (dbdump prints every run's flows, then the events of each run's flows: left out here.)
"$TOOLS/dbdump" --no-events "$PG_URL" | awk '/^run: /{n++} n<=2' > pg.after
awk '/^run: /{n++} /^events of|^  event/{next} n<=2' pg.dump > pg.before
cmp -s pg.before pg.after || fail "earlier runs changed by the restart"
echo "restart: run left incomplete in $(( $(now_ms) - t0 )) ms: $(cat err.restart)"
echo "t_pg: $(( $(date +%s%3N) - t_start )) ms in all"
exit 0
