#!/bin/sh
# t_fuzz_replay.sh — replays every fuzz input kept in data/fuzz/<target>/ (crashes once found,
# kept as regressions) and seeds made from the project's captures through the fuzz targets built
# as plain programs ($TOOLS/replay_dissect, replay_analyzer, replay_capture, replay_defrag;
# fuzz/standalone_main.c). Under `make test`'s sanitizer build every read out of bounds or undefined
# behaviour is a failure; in both builds a crash, an abort (a target's own check), a hang or
# a sanitizer report fails the test.
#
# Inputs: data/fuzz/{dissect,analyzer,capture,defrag}/*; seeds from every capture under data/
# (made by $TOOLS/fuzzseeds: the capture itself, its first frames, its first TCP flow; and
# fuzzseeds' own encapsulated frames and fragment sequences); the synthetic captures of
# $TOOLS/floodcap (pcap and pcapng, with and without damage); and the crafted scenarios as
# pcapng spread over several interfaces ($TOOLS/mkcap --pcapng).
# Environment: TOOLS (FINSCOPE unused). Exit 0 pass, 1 fail, 77 skip when there is nothing.

set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${TOOLS:?set TOOLS to the test tools directory}"
for t in dissect analyzer capture defrag; do
    [ -x "$TOOLS/replay_$t" ] || { echo "no $TOOLS/replay_$t (make B/tests/replay_$t)"; exit 77; }
done

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
seeds="$tmp/seeds"
mkdir -p "$seeds/dissect" "$seeds/analyzer" "$seeds/capture" "$seeds/defrag"

# Captures of the project (data/fuzz excluded: those are inputs already).
find "$root/data" -path "$root/data/fuzz" -prune -o -type f \
    \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.pcap.gz' \) -print 2>/dev/null |
    sort >"$tmp/captures"
# Synthetic ones: complete connections, pcapng with one and two link types, a flood, and the
# first connections cut short.
if [ -x "$TOOLS/floodcap" ]; then
    "$TOOLS/floodcap" conns 4 "$tmp/conns.pcap" &&
    "$TOOLS/floodcap" pcapng 2 "$tmp/two.pcapng" &&
    "$TOOLS/floodcap" mixed 2 "$tmp/mixed.pcapng" &&
    "$TOOLS/floodcap" rst 50 "$tmp/rst.pcap" &&
    head -c 300 "$tmp/conns.pcap" >"$tmp/cut.pcap" ||
        { echo "floodcap failed"; exit 1; }
    ls "$tmp"/*.pcap "$tmp"/*.pcapng >>"$tmp/captures"
fi
if [ -s "$tmp/captures" ] && [ -x "$TOOLS/fuzzseeds" ]; then
    tr '\n' '\0' <"$tmp/captures" | xargs -0 "$TOOLS/fuzzseeds" "$seeds" >/dev/null 2>&1 ||
        { echo "fuzzseeds failed"; exit 1; }
    # gzip captures are not read by fuzzseeds (libpcap): give them to the capture target as is.
    grep '\.gz$' "$tmp/captures" | while IFS= read -r f; do cp "$f" "$seeds/capture/"; done
fi
# pcapng files libpcap refuses (every crafted scenario spread over interfaces of different link
# types, sections of both byte orders): for finscope's pcapng reader, as they are.
if [ -x "$TOOLS/mkcap" ]; then
    "$TOOLS/mkcap" --pcapng "$seeds/capture" || { echo "mkcap --pcapng failed"; exit 1; }
fi

failed=0
total=0
# replay TARGET DIR...: every file in the DIRs through replay_TARGET, 200 at a time, each batch
# limited to 300 s.
replay() {
    target=$1; shift
    list="$tmp/list.$target"
    : >"$list"
    for d in "$@"; do
        [ -d "$d" ] && find "$d" -type f | sort >>"$list"
    done
    n=$(wc -l <"$list" | tr -d ' ')
    [ "$n" -gt 0 ] || return 0
    total=$((total + n))
    out="$tmp/out.$target"
    tr '\n' '\0' <"$list" |
        xargs -0 -n 200 sh -c 'timeout 300 "$0" "$@" || { echo "exit status $?"; exit 255; }' \
            "$TOOLS/replay_$target" >"$out" 2>&1
    rc=$?
    if [ $rc -ne 0 ] || grep -qE 'Sanitizer|runtime error|exit status' "$out"; then
        failed=$((failed + 1))
        echo "FAIL: replay_$target over $n inputs:"
        grep -m5 -E 'ERROR|SUMMARY|runtime error|exit status|Running|#[0-9]' "$out"
        # Name the input that failed: replay the batch one file at a time.
        while IFS= read -r f; do
            if ! timeout 60 "$TOOLS/replay_$target" "$f" >/dev/null 2>"$tmp/one" ||
               grep -qE 'Sanitizer|runtime error' "$tmp/one"; then
                echo "  failing input: $f"
                break
            fi
        done <"$list"
    else
        echo "replay_$target: $n inputs, no crash"
    fi
}

for t in dissect analyzer capture defrag; do
    replay $t "$root/data/fuzz/$t" "$seeds/$t"
done

[ $total -gt 0 ] || { echo "no fuzz inputs and no captures to make seeds from"; exit 77; }
[ $failed -eq 0 ] || exit 1
exit 0
