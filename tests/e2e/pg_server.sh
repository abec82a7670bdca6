# pg_server.sh — sourced by the PostgreSQL tests (t_pg_*.sh): a throwaway PostgreSQL server.
#
# pg_start initdb's a cluster into a new temporary directory, starts it on a free localhost
# port (its unix socket in the same directory), with password authentication over TCP, and
# creates database `fs`. Then:
#   PG_URL       postgresql://postgres:PASSWORD@127.0.0.1:PORT/fs   (finscope -o)
#   PG_BADPW     the same URL with a wrong password
#   pgq SQL      runs SQL in `fs` with psql (unaligned, tuples only)
#   pg_createdb NAME, pg_url NAME   another database, and its URL
#   pg_restart   stops the server at once (immediate) and starts it again on the same port
#   pg_stop      stops it and removes the directory (pg_start sets a trap for it)
# Debian's postgresql 15 (/usr/lib/postgresql/15/bin); the server runs as user postgres when
# the test runs as root (the server refuses root), as the test's user otherwise. Skips the
# test (exit 77) when there is no server or it cannot start.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_PASS=fs-test-pw

pg_as() {                     # CMD...: as the server's user
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_stop() {
    [ -n "${PG_DIR:-}" ] || return 0
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1
    rm -rf "$PG_DIR"
    PG_DIR=
}

pgq() {
    PGPASSWORD=$PG_PASS "$PG_BIN/psql" -X -A -t -q -v ON_ERROR_STOP=1 -h 127.0.0.1 \
        -p "$PG_PORT" -U postgres -d "${PGQ_DB:-fs}" -c "$1"
}

pg_url() { echo "postgresql://postgres:$PG_PASS@127.0.0.1:$PG_PORT/$1"; }
pg_createdb() { PGQ_DB=postgres pgq "CREATE DATABASE $1" >/dev/null; }

pg_server_up() {
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 30 \
        -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start \
        >/dev/null 2>&1
}

pg_restart() {
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1
    pg_server_up
}

pg_start() {
    [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] && [ -x "$PG_BIN/psql" ] ||
        { echo "no PostgreSQL server ($PG_BIN/initdb)"; exit 77; }
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || { echo "no user postgres to run the server"; exit 77; }
        command -v runuser >/dev/null 2>&1 || { echo "no runuser"; exit 77; }
    fi
    PG_DIR=$(mktemp -d /tmp/fspg.XXXXXX) || exit 1
    trap 'pg_stop; ${PG_CLEANUP:-:}' EXIT
    [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
    echo "$PG_PASS" > "$PG_DIR/pw"
    [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR/pw"
    pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --pwfile="$PG_DIR/pw" -E UTF8 \
        --locale=C --auth-local=trust --auth-host=scram-sha-256 >"$PG_DIR/initdb.log" 2>&1 ||
        { echo "initdb failed: $(tail -1 "$PG_DIR/initdb.log")"; exit 77; }
    for try in 1 2 3 4 5; do
        PG_PORT=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000 ))
        pg_server_up && break
        PG_PORT=
    done
    [ -n "$PG_PORT" ] || { echo "the PostgreSQL server did not start: $(tail -1 "$PG_DIR/log")"; exit 77; }
    pg_createdb fs || { echo "cannot create a database"; exit 77; }
    PG_URL=$(pg_url fs)
    PG_BADPW="postgresql://postgres:wrong@127.0.0.1:$PG_PORT/fs"
}
