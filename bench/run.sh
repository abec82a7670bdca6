#!/bin/sh
# bench/run.sh — what `make bench` runs: finscope's speed and memory against the read limit and
# its peers, on captures made by bench/gencap and bench/corpusmix (issues 7, 16). Never part of
# `make test`.
#
#  1. Generates, once, into bench/work/ (regenerated only when gencap or its arguments change):
#       base.pcap     40,000 connections, at most 20,000 open at once (>= 500k packets)
#       rand.pcap     42,000 short connections of random payloads, 20,000 open at once
#                     (gencap --random-payload: nothing for nDPI to recognise)
#       corpus.pcap   the real traffic of ../shared/corpus on one 24 h timeline, 10 copies
#                     (bench/corpusmix; left out when the corpus is not there)
#       x4.pcap       4x the connections and packets, same concurrency (the scaling run)
#       open20k.pcap  20,000 / 200,000 connections all open at once (--all-open), the two
#       open200k.pcap points from which memory per open flow is measured
#  2. On each of base, rand and corpus, BENCH_RUNS runs (default 5) of each: the read limit (bench/readloop: a bare
#     pcap_next_ex loop), `finscope analyze` with nDPI and with --no-dpi, and, when installed,
#     `tcptrace -n`, `ndpiReader -q -i`, `tshark -q -z conv,tcp -r` (not with BENCH_QUICK).
#     Median wall time, packets/s, median peak RSS (/usr/bin/time %M), ratio to the read limit.
#  3. Scaling (BENCH_SCALE_RUNS runs, default 3): finscope on x4.pcap against base.pcap.
#  4. Memory per open flow: finscope's peak RSS on open200k.pcap minus that on open20k.pcap,
#     divided by the difference in connections open at the peak, with and without nDPI.
#  5. Checks the issue's targets and prints each as met / NOT MET with the numbers; prints one
#     table and writes it all to bench/results.md with the date, machine and versions.
#
# Environment: FINSCOPE, GENCAP (built binaries; default build/finscope, build/bench/gencap),
# CORPUSMIX (default build/bench/corpusmix), CORPUS (default ../shared/corpus),
# READLOOP (default: built here from bench/readloop.c), SQLQ (tests/tools/sqlq, optional: checks
# finscope's verdicts against the generator's counts), BENCH_RUNS, BENCH_SCALE_RUNS,
# BENCH_WORK (default bench/work), BENCH_RESULTS (default bench/results.md),
# BENCH_NO_INSTALL=1 (do not try to install time, tcptrace, tshark, libndpi-bin),
# BENCH_QUICK=1 (the three main tables without tshark; no scaling and no open-flow runs).
# Exit status: 0 when the benchmark ran (whether or not the targets are met), 1 when it could not.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
FINSCOPE=${FINSCOPE:-$root/build/finscope}
GENCAP=${GENCAP:-$root/build/bench/gencap}
CORPUSMIX=${CORPUSMIX:-$root/build/bench/corpusmix}
CORPUS=${CORPUS:-$root/../shared/corpus}
READLOOP=${READLOOP:-}
SQLQ=${SQLQ:-}
RUNS=${BENCH_RUNS:-5}
SCALE_RUNS=${BENCH_SCALE_RUNS:-3}
WORK=${BENCH_WORK:-$root/bench/work}
RESULTS=${BENCH_RESULTS:-$root/bench/results.md}
QUICK=${BENCH_QUICK:-0}

die() { echo "bench: $*" >&2; exit 1; }
# newer A B: file A was modified after file B (POSIX test has no -nt).
newer() { [ -n "$(find "$1" -prune -newer "$2" 2>/dev/null)" ]; }
note() { echo "bench: $*" >&2; }

[ -x "$FINSCOPE" ] || die "no finscope at $FINSCOPE (build it, or set FINSCOPE)"
[ -x "$GENCAP" ] || die "no gencap at $GENCAP (build it, or set GENCAP)"
mkdir -p "$WORK"
DB=$WORK/bench.db
TMP=$WORK/tmp
mkdir -p "$TMP"
START_S=$(date +%s)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- tools ------------------------------------------------------------------------------------
if [ "${BENCH_NO_INSTALL:-0}" != 1 ]; then
    sh tests/install-deps.sh --optional time tcptrace tshark libndpi-bin >&2 || true
fi
if [ -z "$READLOOP" ]; then
    READLOOP=$WORK/readloop
    if [ ! -x "$READLOOP" ] || newer bench/readloop.c "$READLOOP"; then
        # shellcheck disable=SC2046
        ${CC:-cc} -D_GNU_SOURCE -std=c17 -O2 -Wall -Wextra -Werror bench/readloop.c \
            $(pkg-config --cflags --libs libpcap 2>/dev/null || echo -lpcap) -o "$READLOOP" ||
            die "cannot build bench/readloop.c"
    fi
fi
have() { command -v "$1" >/dev/null 2>&1; }
TIME=/usr/bin/time
[ -x "$TIME" ] || { TIME=""; note "/usr/bin/time missing: peak RSS not measured"; }
if [ -z "$SQLQ" ]; then
    if [ -x "$root/build/tests/sqlq" ]; then SQLQ=$root/build/tests/sqlq
    elif have sqlite3; then SQLQ=sqlite3
    fi
fi

# ---- captures ---------------------------------------------------------------------------------
# gen NAME ARGS...: bench/work/NAME.pcap from gencap ARGS, unless it is there already with the
# same arguments and a gencap no newer than it; NAME.meta keeps gencap's key=value report.
gen() {
    name=$1; shift
    pcap=$WORK/$name.pcap; meta=$WORK/$name.meta
    if [ -f "$pcap" ] && [ -f "$meta" ] && ! newer "$GENCAP" "$meta" &&
       [ "$(sed -n 1p "$meta")" = "args=$*" ]; then
        return 0
    fi
    note "generating $name.pcap (gencap $*)"
    rm -f "$pcap" "$meta"
    { echo "args=$*"; "$GENCAP" "$pcap" "$@"; } > "$meta.tmp" || die "gencap $name failed"
    mv "$meta.tmp" "$meta"
}
# meta NAME KEY: a value gencap reported.
meta() { sed -n "s/^$2=//p" "$WORK/$1.meta"; }

gen base --conns 40000 --concurrent 20000 --seed 1
gen rand --conns 42000 --concurrent 20000 --random-payload --seed 1
# The real-traffic capture: from corpusmix over the corpus, remade when corpusmix changes.
CAPS="base rand"
if [ -x "$CORPUSMIX" ] && [ -d "$CORPUS" ]; then
    if [ ! -f "$WORK/corpus.pcap" ] || [ ! -f "$WORK/corpus.meta" ] ||
       newer "$CORPUSMIX" "$WORK/corpus.meta"; then
        note "generating corpus.pcap (corpusmix over $CORPUS)"
        { echo "args=$CORPUS"; "$CORPUSMIX" "$WORK/corpus.pcap" "$CORPUS"; } \
            > "$WORK/corpus.meta.tmp" || die "corpusmix failed"
        mv "$WORK/corpus.meta.tmp" "$WORK/corpus.meta"
    fi
    CAPS="$CAPS corpus"
else
    note "no corpusmix at $CORPUSMIX or no corpus at $CORPUS: real-traffic capture left out"
fi
if [ "$QUICK" != 1 ]; then
    gen x4 --conns 160000 --concurrent 20000 --seed 1
    gen open20k --conns 20000 --all-open --seed 1
    gen open200k --conns 200000 --all-open --seed 1
fi

# ---- measuring --------------------------------------------------------------------------------
# measure N CMD...: runs CMD N times (a fresh result file each time; stdout and stderr kept in
# $TMP), sets WALL (median seconds) and RSS (median peak RSS, KiB; "" when not measured).
measure() {
    n=$1; shift
    : > "$TMP/samples"
    i=0
    while [ "$i" -lt "$n" ]; do
        rm -f "$DB" "$DB-wal" "$DB-shm"
        t0=$(date +%s%N)
        if [ -n "$TIME" ]; then
            "$TIME" -f %M -o "$TMP/rss" "$@" > "$TMP/out" 2> "$TMP/err" || {
                note "failed: $* (exit $?): $(tail -n 3 "$TMP/err")"; return 1; }
        else
            "$@" > "$TMP/out" 2> "$TMP/err" || {
                note "failed: $* (exit $?): $(tail -n 3 "$TMP/err")"; return 1; }
            echo 0 > "$TMP/rss"
        fi
        t1=$(date +%s%N)
        echo "$(( (t1 - t0) / 1000 )) $(tail -n 1 "$TMP/rss")" >> "$TMP/samples"
        i=$((i + 1))
    done
    mid=$(( (n + 1) / 2 ))
    WALL=$(cut -d' ' -f1 "$TMP/samples" | sort -n | sed -n "${mid}p" |
           awk '{ printf "%.3f", $1 / 1e6 }')
    RSS=$(cut -d' ' -f2 "$TMP/samples" | sort -n | sed -n "${mid}p")
    [ -n "$TIME" ] || RSS=""
    SAMPLES=$(awk '{ printf "%s%.3f", (NR > 1 ? " " : ""), $1 / 1e6 }' "$TMP/samples")
}

# Result rows: label|wall|rss|samples, one file per table.
ROWS=$TMP/rows                # set per capture by main_table
row() { echo "$1|$WALL|$RSS|$SAMPLES" >> "$ROWS"; }

# run_tool LABEL N CMD...: measure and record a row; a failing tool is noted and left out.
run_tool() {
    label=$1; n=$2; shift 2
    note "timing $label ($n runs)"
    if measure "$n" "$@"; then row "$label"; return 0; fi
    return 1
}

warm() { cat "$WORK/$1.pcap" > /dev/null; }

# main_table NAME: every tool on NAME.pcap; rows in $TMP/rows.NAME (and $ROWS points there).
main_table() {
    ROWS=$TMP/rows.$1
    : > "$ROWS"
    cap=$WORK/$1.pcap
    warm "$1"
    run_tool "read limit (libpcap loop)" "$RUNS" "$READLOOP" "$cap" || die "readloop failed"
    run_tool "finscope analyze (nDPI)" "$RUNS" "$FINSCOPE" analyze "$cap" -o "$DB" -q ||
        die "finscope failed"
    [ -z "$SQLQ" ] || cp "$DB" "$TMP/check.$1.db"
    run_tool "finscope analyze --no-dpi" "$RUNS" "$FINSCOPE" analyze "$cap" -o "$DB" -q \
        --no-dpi || die "finscope --no-dpi failed"
    if have tcptrace; then run_tool "tcptrace -n" "$RUNS" tcptrace -n "$cap" || true; fi
    if have ndpiReader; then run_tool "ndpiReader -q -i" "$RUNS" ndpiReader -q -i "$cap" || true; fi
    if have tshark && [ "$QUICK" != 1 ]; then
        run_tool "tshark -q -z conv,tcp" "$RUNS" tshark -q -z conv,tcp -r "$cap" || true
    fi
}
for c in $CAPS; do main_table "$c"; done

# value CAP LABEL FIELD(2 wall, 3 rss): from CAP's rows file.
value() { awk -F'|' -v l="$2" -v f="$3" '$1 == l { print $f }' "$TMP/rows.$1"; }
BASE_PKTS=$(meta base packets)

# ---- scaling and open flows -------------------------------------------------------------------
SROWS=$TMP/scale_rows
ORWS=$TMP/open_rows
: > "$SROWS"; : > "$ORWS"
if [ "$QUICK" != 1 ]; then
    for cap in base x4; do
        warm "$cap"
        for mode in dpi no-dpi; do
            opt=""; [ "$mode" = no-dpi ] && opt=--no-dpi
            note "timing finscope $mode on $cap.pcap ($SCALE_RUNS runs)"
            # shellcheck disable=SC2086
            measure "$SCALE_RUNS" "$FINSCOPE" analyze "$WORK/$cap.pcap" -o "$DB" -q $opt ||
                die "finscope failed on $cap.pcap"
            echo "$cap|$mode|$WALL|$RSS|$(meta "$cap" packets)|$(meta "$cap" conns)" >> "$SROWS"
        done
    done
    for cap in open20k open200k; do
        warm "$cap"
        for mode in dpi no-dpi; do
            opt=""; [ "$mode" = no-dpi ] && opt=--no-dpi
            note "measuring finscope $mode on $cap.pcap ($SCALE_RUNS runs)"
            # shellcheck disable=SC2086
            measure "$SCALE_RUNS" "$FINSCOPE" analyze "$WORK/$cap.pcap" -o "$DB" -q $opt ||
                die "finscope failed on $cap.pcap"
            echo "$cap|$mode|$WALL|$RSS|$(meta "$cap" open_at_barrier)" >> "$ORWS"
        done
    done
fi

# ---- report -----------------------------------------------------------------------------------
OUT=$TMP/report.md
mib() { [ -n "$1" ] && awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }' || echo "n/a"; }
{
echo "# finscope benchmark results"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "- machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)," \
     "$(awk '/^MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo)," \
     "Linux $(uname -r)"
echo "- load average (1, 5, 15 min) at the start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg)" \
     "(the machine may be shared: compare runs made at a low load)"
echo "- finscope: $("$FINSCOPE" --version 2>/dev/null | tr '\n' ',' | sed 's/,$//; s/,/, /g')"
echo "- SQLite: $(pkg-config --modversion sqlite3 2>/dev/null || echo unknown); read limit:" \
     "$("$READLOOP" --version)"
for p in tcptrace tshark libndpi-bin; do
    v=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || true)
    echo "- $p: ${v:-not installed}"
done
echo "- command: \`make bench\` (bench/run.sh); $RUNS runs each, median; captures: base" \
     "\`gencap $(sed -n 's/^args=//p' "$WORK/base.meta")\`, rand" \
     "\`gencap $(sed -n 's/^args=//p' "$WORK/rand.meta")\`$(case " $CAPS " in
     *" corpus "*) echo ", corpus \`corpusmix OUT $(sed -n 's/^args=//p' "$WORK/corpus.meta")\`";;
     esac)"
echo
# title CAP: what the capture is.
title() {
    case $1 in
    base) echo "gencap's capture (base.pcap): $(meta base packets) packets, $(meta base conns)" \
              "connections, at most $(meta base max_open) open at once" \
              "($(meta base duration_s) s of traffic)" ;;
    rand) echo "random payloads (rand.pcap, gencap --random-payload): $(meta rand packets)" \
              "packets, $(meta rand conns) short connections, at most $(meta rand max_open)" \
              "open at once ($(meta rand duration_s) s)" ;;
    *) echo "real traffic (corpus.pcap, corpusmix): $(meta corpus packets) packets from" \
            "$(meta corpus files) captures, $(meta corpus copies) copies over" \
            "$(meta corpus hours) h" ;;
    esac
}
for c in $CAPS; do
pk=$(meta "$c" packets)
read_wall=$(value "$c" "read limit (libpcap loop)" 2)
echo "## Main benchmark: $(title "$c")"
echo
echo '```'
printf '%-28s %9s %12s %13s %12s\n' "tool" "wall (s)" "packets/s" "peak RSS MiB" "x read limit"
while IFS='|' read -r label wall rss samples; do
    printf '%-28s %9s %12s %13s %12s\n' "$label" "$wall" \
        "$(awk -v p="$pk" -v w="$wall" 'BEGIN { printf "%.0f", p / w }')" \
        "$(mib "$rss")" \
        "$(awk -v w="$wall" -v r="$read_wall" 'BEGIN { printf "%.2f", w / r }')"
done < "$TMP/rows.$c"
echo '```'
echo
echo "Each run's wall time (s):"
echo
while IFS='|' read -r label wall rss samples; do
    echo "- $label: $samples"
done < "$TMP/rows.$c"
if [ -f "$TMP/check.$c.db" ] && [ "$c" != corpus ]; then
    echo
    echo "Verdicts of \`finscope analyze\` against the generator's counts (by construction):"
    echo
    for v in graceful rst_originator rst_responder half_closed rejected; do
        got=$("$SQLQ" "$TMP/check.$c.db" "SELECT count(*) FROM flows WHERE teardown = '$v'")
        want=$(meta "$c" "$v")
        mark="ok"; [ "$got" = "$want" ] || mark="DIFFERS"
        echo "- $v: $got (generated $want) $mark"
    done
    an=$("$SQLQ" "$TMP/check.$c.db" "SELECT count(*) FROM anomalies")
    echo "- anomalies: $an (generated 0)"
fi
echo
done
if [ -s "$SROWS" ]; then
    echo
    echo "## Scaling: 4x the connections and packets, same concurrency"
    echo
    echo '```'
    printf '%-9s %-7s %10s %9s %9s %13s\n' capture mode packets conns "wall (s)" "peak RSS MiB"
    while IFS='|' read -r cap mode wall rss pk cn; do
        printf '%-9s %-7s %10s %9s %9s %13s\n' "$cap" "$mode" "$pk" "$cn" "$wall" "$(mib "$rss")"
    done < "$SROWS"
    for mode in dpi no-dpi; do
        awk -F'|' -v m="$mode" '$2 == m && $1 == "base" { w = $3; r = $4; p = $5 }
            $2 == m && $1 == "x4" { W = $3; R = $4; P = $5 }
            END { printf "x4/base %-7s packets x%.2f  wall x%.2f  peak RSS x%.2f\n", m,
                  P / p, W / w, (r > 0 ? R / r : 0) }' "$SROWS"
    done
    echo '```'
fi
if [ -s "$ORWS" ]; then
    echo
    echo "## Memory per open flow (every connection open at once, --all-open)"
    echo
    echo '```'
    printf '%-9s %-7s %11s %9s %13s %14s\n' capture mode "open flows" "wall (s)" "peak RSS MiB" \
        "RSS/open (B)"
    while IFS='|' read -r cap mode wall rss open; do
        printf '%-9s %-7s %11s %9s %13s %14s\n' "$cap" "$mode" "$open" "$wall" "$(mib "$rss")" \
            "$(awk -v r="$rss" -v o="$open" 'BEGIN { printf "%.0f", r * 1024 / o }')"
    done < "$ORWS"
    for mode in dpi no-dpi; do
        awk -F'|' -v m="$mode" '$2 == m && $1 == "open20k" { r = $4; o = $5 }
            $2 == m && $1 == "open200k" { R = $4; O = $5 }
            END { printf "bytes per open flow, %-6s (peak RSS difference / open flows difference): %.0f\n",
                  m, (R - r) * 1024 / (O - o) }' "$ORWS"
    done
    echo '```'
fi
} > "$OUT"

# ---- targets ----------------------------------------------------------------------------------
TGT=$TMP/targets
: > "$TGT"
# target OK TEXT: one line, met or NOT MET.
target() { if [ "$1" = 1 ]; then echo "- met: $2" >> "$TGT"; else echo "- NOT MET: $2" >> "$TGT"; fi; }
cmp_le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? 1 : 0 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# speed_targets CAP READ_MAX TCPTRACE_MIN NDPIREADER_MIN: the ratios on one capture (0: none).
speed_targets() {
    rw=$(value "$1" "read limit (libpcap loop)" 2)
    fw=$(value "$1" "finscope analyze (nDPI)" 2)
    nw=$(value "$1" "finscope analyze --no-dpi" 2)
    if [ "$2" != 0 ]; then
        r=$(ratio "$nw" "$rw")
        target "$(cmp_le "$r" "$2")" "$1: --no-dpi at most $2x the read limit: ${r}x ($nw s vs $rw s)"
    fi
    tw=$(value "$1" "tcptrace -n" 2)
    if [ "$3" != 0 ] && [ -n "$tw" ]; then
        r=$(ratio "$tw" "$nw")
        target "$(cmp_le "$3" "$r")" "$1: --no-dpi at least $3x faster than tcptrace: ${r}x ($nw s vs $tw s)"
    elif [ "$3" != 0 ]; then
        echo "- not checked: $1: --no-dpi against tcptrace (not installed)" >> "$TGT"
    fi
    dw=$(value "$1" "ndpiReader -q -i" 2)
    if [ "$4" != 0 ] && [ -n "$dw" ]; then
        r=$(ratio "$dw" "$fw")
        target "$(cmp_le "$4" "$r")" "$1: with nDPI at least $4x faster than ndpiReader: ${r}x ($fw s vs $dw s)"
    elif [ "$4" != 0 ]; then
        echo "- not checked: $1: nDPI against ndpiReader (not installed)" >> "$TGT"
    fi
}
# Issue 16's targets; issue 7's on base.pcap.
speed_targets rand 5 3 0
case " $CAPS " in *" corpus "*) speed_targets corpus 0 0 3 ;;
*) echo "- not checked: corpus: nDPI against ndpiReader (no corpus)" >> "$TGT" ;; esac
speed_targets base 4 5 3
for c in $CAPS; do
    fr=$(value "$c" "finscope analyze (nDPI)" 3); nr=$(value "$c" "finscope analyze --no-dpi" 3)
    [ -n "$fr" ] && [ -n "$nr" ] && [ -n "$TIME" ] || continue
    peak=$fr; [ "$nr" -gt "$peak" ] && peak=$nr
    target "$(cmp_le "$peak" $((150 * 1024)))" "$c: peak RSS at most 150 MiB: $(mib "$fr") MiB with nDPI, $(mib "$nr") MiB with --no-dpi"
done
if [ -s "$ORWS" ] && [ -n "$TIME" ]; then
    per=$(awk -F'|' '$2 == "no-dpi" && $1 == "open20k" { r = $4; o = $5 }
        $2 == "no-dpi" && $1 == "open200k" { R = $4; O = $5 }
        END { printf "%.0f", (R - r) * 1024 / (O - o) }' "$ORWS")
    target "$(cmp_le "$per" 600)" "memory per open flow without nDPI at most 600 bytes: $per bytes"
fi
if [ -s "$SROWS" ]; then
    # Linear or better, with 10% allowed for measurement noise.
    for mode in no-dpi dpi; do
        # shellcheck disable=SC2046
        set -- $(awk -F'|' -v m="$mode" '$2 == m && $1 == "base" { w = $3; r = $4; p = $5 }
            $2 == m && $1 == "x4" { W = $3; R = $4; P = $5 }
            END { printf "%.2f %.2f %.2f", P / p, W / w, (r > 0 ? R / r : 0) }' "$SROWS")
        target "$(cmp_le "$2" "$(awk -v p="$1" 'BEGIN { print p * 1.1 }')")" \
            "scaling, $mode: wall time grows linearly or better: x$2 for x$1 packets"
        [ -z "$TIME" ] ||
        target "$(cmp_le "$3" "$(awk -v p="$1" 'BEGIN { print p * 1.1 }')")" \
            "scaling, $mode: peak memory grows linearly or better: x$3 for x$1 packets"
    done
fi
{
    echo
    echo "## Targets (issues 16 and 7; medians)"
    echo
    cat "$TGT"
    echo
    echo "(bench/run.sh took $(( $(date +%s) - START_S )) s)"
} >> "$OUT"

cp "$OUT" "$RESULTS"
cat "$OUT"
note "written to $RESULTS"
