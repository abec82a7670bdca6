#!/bin/sh
# tests/workers_compare.sh [-w N] [-j JOBS] [-o DPI_OPT] (-m FILE... | -e FILE... | -d DIR)
# — `finscope analyze --workers N` stores what `--workers 1` stores (issue 16).
#
# Each comparison analyzes the same input twice, with --workers 1 and with --workers N
# (default 4: more workers than cores, so their interleaving varies), and compares every
# stored row but the row ids: the flows (every column), and each flow's rsts, anomalies and
# teardown_events (joined to their flow by its ends, VLAN, tunnel and first packet time), the
# run's totals (runs: every column but id, started, finished and options, which name the
# command line) and decode_errors. Rows are compared as sorted sets: the order in which
# flows are emitted, and so their ids, legitimately differ.
#
#   -m FILE...  one run over all the files (merged by time, as analyze merges them)
#   -e FILE...  one run per file
#   -d DIR      one run per capture found under DIR (what `make workers-compare` does over
#               ../shared/corpus), JOBS at once (default 2)
#   -o OPT      an extra analyze option for both runs (e.g. --no-dpi)
#
# Prints one line per run that differs (with the first differing rows), then a total line:
# "workers-compare: R runs, C captures, F flows, N rows compared: all the same" or how many
# differ. Runs that differ only in nDPI labels (flows.app_proto, app_category), which nDPI may
# take from other flows it saw (its caches of hosts; each worker has its own), are listed as
# such and counted apart. Exit 0 when all are the same but for those labels, 1 when a run
# differs otherwise or crashed, 77 when finscope
# or sqlq is missing. Environment: FINSCOPE (default ./build/finscope), TOOLS (the directory
# holding sqlq, default ./build/tests).
set -u

workers=4
jobs=2
opt=
mode=
while [ $# -gt 0 ]; do
    case $1 in
        -w) workers=$2; shift 2 ;;
        -j) jobs=$2; shift 2 ;;
        -o) opt=$2; shift 2 ;;
        -m|-e|-d|--one) mode=$1; shift; break ;;
        *) echo "usage: $0 [-w N] [-j JOBS] [-o OPT] (-m FILE... | -e FILE... | -d DIR)" >&2
           exit 2 ;;
    esac
done
[ -n "$mode" ] || { echo "usage: $0 [-w N] [-j JOBS] [-o OPT] (-m|-e|-d) ..." >&2; exit 2; }
finscope=${FINSCOPE:-./build/finscope}
sqlq=${TOOLS:-./build/tests}/sqlq
[ -x "$finscope" ] || { echo "workers-compare: no finscope at $finscope (set FINSCOPE)"; exit 77; }
[ -x "$sqlq" ] || { echo "workers-compare: no sqlq at $sqlq (set TOOLS)"; exit 77; }

q() { "$sqlq" "$@" 2>&1 || echo "(query failed)"; }

# nDPI's labels: it gives some flows the label it learnt from other flows (its caches of
# hosts), and each worker has its own nDPI state (docs/teardown.md, "Several worker threads").
LABELS="'app_proto', 'app_category'"

# dump DB [COLUMNS]: the run's rows but the ids (and the flows' COLUMNS, a quoted SQL list),
# one per line, sorted.
dump() {
    fcols=$(q "$1" "SELECT group_concat(name, ', ') FROM pragma_table_info('flows')
                    WHERE name NOT IN ('id', 'run_id', ${2:-''})")
    key="f.proto, f.orig_addr, f.orig_port, f.resp_addr, f.resp_port, f.vlan, f.tunnel, f.first_ts"
    {
        q "$1" "SELECT 'flows', $fcols FROM flows"
        for t in rsts anomalies teardown_events; do
            c=$(q "$1" "SELECT group_concat('x.' || name, ', ') FROM pragma_table_info('$t')
                        WHERE name NOT IN ('id', 'run_id', 'flow_id')")
            q "$1" "SELECT '$t', $key, $c FROM $t x JOIN flows f ON f.id = x.flow_id"
        done
        rcols=$(q "$1" "SELECT group_concat(name, ', ') FROM pragma_table_info('runs')
                        WHERE name NOT IN ('id', 'started', 'finished', 'options')")
        q "$1" "SELECT 'runs', $rcols FROM runs"
        q "$1" "SELECT 'decode_errors', reason, count FROM decode_errors"
    } | LC_ALL=C sort
}

# compare NAME FILE...: prints "same FLOWS ROWS<TAB>NAME" or "diff FLOWS ROWS<TAB>NAME<TAB>why".
compare() {
    name=$1; shift
    w=$(mktemp -d) || exit 1
    for n in 1 "$workers"; do
        timeout 600 "$finscope" analyze -q $opt --workers "$n" "$@" -o "$w/$n.db" \
            > "$w/$n.out" 2>&1
        echo $? > "$w/$n.rc"
        if grep -qE 'Sanitizer|runtime error' "$w/$n.out"; then
            printf 'diff 0 0\t%s\t--workers %s: %s\n' "$name" "$n" \
                "$(grep -m1 -E 'Sanitizer|runtime error' "$w/$n.out")"
            rm -rf "$w"; return
        fi
        [ -f "$w/$n.db" ] && dump "$w/$n.db" > "$w/$n.dump" || : > "$w/$n.dump"
    done
    flows=$(grep -c '^flows|' "$w/1.dump")
    rows=$(wc -l < "$w/1.dump")
    rc1=$(cat "$w/1.rc"); rcn=$(cat "$w/$workers.rc")
    if [ "$rc1" -ge 124 ] || [ "$rcn" -ge 124 ]; then
        printf 'diff %s %s\t%s\tcrashed or hung (exit %s and %s)\n' "$flows" "$rows" "$name" "$rc1" "$rcn"
    elif [ "$rc1" != "$rcn" ]; then
        printf 'diff %s %s\t%s\texit %s with --workers 1, %s with --workers %s\n' \
            "$flows" "$rows" "$name" "$rc1" "$rcn" "$workers"
    elif cmp -s "$w/1.dump" "$w/$workers.dump"; then
        printf 'same %s %s\t%s\n' "$flows" "$rows" "$name"
    elif dump "$w/1.db" "$LABELS" > "$w/1.nolabels" &&
         dump "$w/$workers.db" "$LABELS" > "$w/$workers.nolabels" &&
         cmp -s "$w/1.nolabels" "$w/$workers.nolabels"; then
        printf 'labels %s %s %s\t%s\t%s\n' "$flows" "$rows" \
            "$(diff "$w/1.dump" "$w/$workers.dump" | grep -c '^<')" "$name" \
            "$(diff "$w/1.dump" "$w/$workers.dump" | grep '^[<>]' | head -2 | cut -c1-300 |
               tr '\n' ' ')"
    else
        printf 'diff %s %s\t%s\t%s\n' "$flows" "$rows" "$name" \
            "$(diff "$w/1.dump" "$w/$workers.dump" | grep '^[<>]' | head -4 | cut -c1-300 | tr '\n' ' ')"
    fi
    rm -rf "$w"
}

summary() {
    awk -F'\t' -v captures="$1" '
        { split($1, c, " "); runs++; flows += c[2]; rows += c[3]
          if (c[1] == "labels") { lab++; labflows += c[4]; print "nDPI labels: " $2 ": " $3 }
          else if (c[1] != "same") { bad++; print "DIFF: " $2 ": " $3 } }
        END {
            printf "workers-compare: %d runs, %d captures, %d flows, %d rows compared: %s",
                   runs, captures, flows, rows, bad ? bad " runs differ" : "all the same"
            if (lab) printf " (but the nDPI label of %d flows in %d runs)", labflows, lab
            printf "\n"
            exit bad || runs == 0 ? 1 : 0
        }'
}

case $mode in
    --one) compare "$1" "$1" ;;
    -m) n=$#; compare "merged run of $n files" "$@" | summary "$n" ;;
    -e) n=$#; for f in "$@"; do compare "$f" "$f"; done | summary "$n" ;;
    -d)
        [ -d "${1:-}" ] || { echo "workers-compare: no corpus directory ${1:-}"; exit 77; }
        list=$(mktemp) || exit 1
        trap 'rm -f "$list"' EXIT
        find "$1" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \
            -o -name '*.gz' -o -name '*.pcap*' \) | sort > "$list"
        n=$(wc -l < "$list")
        finscope=$(cd "$(dirname "$finscope")" && pwd)/$(basename "$finscope")
        export FINSCOPE="$finscope" TOOLS="$(cd "$(dirname "$sqlq")" && pwd)"
        tr '\n' '\0' < "$list" |
            xargs -0 -n 1 -P "$jobs" sh "$0" -w "$workers" -o "$opt" --one | summary "$n" ;;
esac
