#!/bin/sh
# tests/corpus_compare.sh [-v] [-m MIN_PCT] [CORPUS_DIR] — how many of the TCP conversations
# tshark finds in the public captures finscope finds too (issue 12). `make corpus-compare` runs
# it over ../shared/corpus (SHARED_CORPUS=DIR for another) with -m 99.9; it is not part of
# `make test`: it takes 4 to 7 minutes on 2 shared cores, most of it tshark.
#
# For each capture: `tshark -n -q -z conv,tcp -r F` (its TCP conversation table) and
# `finscope analyze -q --no-dpi F -o DB` (its flows with proto = 'tcp'). A conversation is
# the unordered pair of its two (address, port) ends; addresses are compared as inet_ntop
# writes them, which is how both tools print them.
#
# Counting (a tshark conversation is "found" when finscope has a TCP flow with its pair):
#  - tshark may list one pair several times (a new TCP stream on reused ports), and finscope may
#    split one pair into several flows (port reuse after a close, an idle timeout, different
#    VLANs or tunnels) or merge what tshark splits. Neither tool is wrong there, so every tshark
#    row counts, and it is found when finscope has the pair at all: splitting or merging
#    differently is not a miss. Rows whose pair finscope lacks are misses.
#  - A capture finscope refuses counts all its conversations as missed. A refusal because
#    libpcap cannot read the pcapng file (interfaces of different link types or snapshot
#    lengths) is listed as "pcapng reader (i12-input)": the share is printed with and without
#    those captures.
#
# Prints one line per capture below 100% (and with -v every capture): tshark rows, found,
# missed, and finscope's message when it refused; then the totals. Exit status: 0; 1 when, with
# -m, the share (all captures) is below MIN_PCT; 77 when tshark, finscope, sqlq or the corpus
# is missing. Environment: FINSCOPE (default ./build/finscope), TOOLS (dir holding sqlq,
# default ./build/tests), JOBS (captures analyzed at once, default 2).
set -u

verbose=0
min_pct=
while [ $# -gt 0 ]; do
    case $1 in
        -v) verbose=1; shift ;;
        -m) [ $# -ge 2 ] || { echo "corpus_compare: -m needs a percentage" >&2; exit 2; }
            min_pct=$2; shift 2 ;;
        --one) shift; break ;;
        -*) echo "usage: $0 [-v] [-m MIN_PCT] [CORPUS_DIR]" >&2; exit 2 ;;
        *) break ;;
    esac
done
finscope=${FINSCOPE:-./build/finscope}
sqlq=${TOOLS:-./build/tests}/sqlq

# ---- one capture: prints "TSHARK_ROWS FOUND STATUS<TAB>FILE<TAB>MESSAGE" ----------------------
# STATUS: ok, refused (finscope exit status not 0), pcapng (refused by libpcap's pcapng reader),
# crash (killed by a signal or hung).
one() {
    f=$1; work=$2
    db=$work/o.db
    rm -f "$db" "$db-wal" "$db-shm"
    timeout 300 tshark -n -q -z conv,tcp -r "$f" 2>/dev/null |
        awk -F' <-> ' 'NF == 2 { split($2, r, " "); print $1 "\t" r[1] }' |
        awk -F'\t' '{ a = $1; sub(/ +$/, "", a); b = $2
                      print (a < b) ? a "|" b : b "|" a }' > "$work/tshark"
    timeout 300 "$finscope" analyze -q --no-dpi "$f" -o "$db" > "$work/out" 2>&1
    rc=$?
    msg=$(grep -m1 -v '^$' "$work/out" | tr '\t' ' ')
    status=ok
    if [ $rc -ge 124 ]; then status=crash
    elif [ $rc -ne 0 ]; then status=refused
    fi
    if grep -q 'different from the type of the first interface\|different link types\|snapshot length' "$work/out"; then
        status=pcapng
    fi
    : > "$work/fin"
    [ -f "$db" ] && "$sqlq" "$db" "SELECT orig_addr, orig_port, resp_addr, resp_port FROM flows
                                   WHERE proto = 'tcp'" 2>/dev/null |
        awk -F'|' '{ a = $1 ":" $2; b = $3 ":" $4; print (a < b) ? a "|" b : b "|" a }' \
            > "$work/fin"
    counts=$(awk -v fin="$work/fin" 'BEGIN { while ((getline l < fin) > 0) have[l] = 1 }
                                     { n++; if ($0 in have) f++ }
                                     END { printf "%d %d", n, f }' "$work/tshark")
    printf '%s %s\t%s\t%s\n' "$counts" "$status" "$f" "$msg"
}

if [ "${1:-}" != "" ] && [ -n "${CORPUS_COMPARE_ONE:-}" ]; then
    w=$(mktemp -d) || exit 1
    one "$1" "$w"
    rm -rf "$w"
    exit 0
fi

corpus=${1:-$(dirname "$0")/../../shared/corpus}
[ -d "$corpus" ] || { echo "corpus_compare: no corpus directory $corpus"; exit 77; }
[ -x "$finscope" ] || { echo "corpus_compare: no finscope at $finscope (set FINSCOPE)"; exit 77; }
[ -x "$sqlq" ] || { echo "corpus_compare: no sqlq at $sqlq (set TOOLS)"; exit 77; }
command -v tshark >/dev/null 2>&1 ||
    { echo "corpus_compare: tshark not found (apt-get install tshark)"; exit 77; }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
find "$corpus" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \
    -o -name '*.trace' -o -name '*.gz' -o -name '*.pcap*' \) | sort > "$tmp/list"
finscope=$(cd "$(dirname "$finscope")" && pwd)/$(basename "$finscope")
sqlq=$(cd "$(dirname "$sqlq")" && pwd)/$(basename "$sqlq")
export FINSCOPE="$finscope" TOOLS="$(dirname "$sqlq")" CORPUS_COMPARE_ONE=1
tr '\n' '\0' < "$tmp/list" | xargs -0 -n 1 -P "${JOBS:-2}" sh "$0" --one > "$tmp/results"

sort -t"$(printf '\t')" -k2 "$tmp/results" |
awk -F'\t' -v verbose="$verbose" -v corpus="$corpus/" -v min="$min_pct" '
    {
        split($1, c, " "); n = c[1]; f = c[2]; st = c[3]; file = $2; msg = $3
        sub("^" corpus, "", file)
        files++; rows += n; found += f
        if (st == "pcapng") { prow += n; pfound += f; pfiles++ }
        if (st == "crash") crashes++
        if (f < n || verbose || st == "crash") {
            why = st == "pcapng" ? "  pcapng reader (i12-input): " msg : \
                  st != "ok" ? "  " st ": " msg : ""
            printf "%-60s %6d %6d %6d%s\n", file, n, f, n - f, why
        }
    }
    END {
        printf "corpus-compare: %d captures, %d tshark TCP conversations, %d found by finscope: %.2f%%\n",
               files, rows, found, rows ? 100 * found / rows : 100
        r2 = rows - prow; f2 = found - pfound
        printf "corpus-compare: without the %d pcapng captures libpcap refuses (%d conversations): %d of %d: %.2f%%\n",
               pfiles, prow, f2, r2, r2 ? 100 * f2 / r2 : 100
        if (crashes) printf "corpus-compare: %d captures crashed or hung finscope\n", crashes
        bad = crashes > 0 || (min != "" && rows && 100 * found / rows < min)
        exit bad ? 1 : 0
    }'
