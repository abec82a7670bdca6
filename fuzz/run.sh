#!/bin/sh
# fuzz/run.sh BUILD_DIR SECONDS — runs each libFuzzer target for SECONDS, seeded from data/.
# Corpora grow in fuzz/corpus/<target>/ (ignored by git); crashes land in fuzz/crashes/.
# A crash found: copy its input to data/fuzz/<target>/ so `make test` replays it forever.
set -u
b=$1; secs=$2
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$top/fuzz/corpus" "$top/fuzz/crashes"
"$b/tests/fuzzseeds" "$top/fuzz/corpus" "$top"/data/crafted/*.pcap "$top"/data/kernel/*.pcap \
    "$top"/data/demo.pcap >/dev/null 2>&1 || true
# pcapng files that libpcap refuses, for finscope's pcapng reader: the crafted scenarios spread
# over interfaces of three link types, in sections of both byte orders.
mkdir -p "$top/fuzz/corpus/capture"
"$b/tests/mkcap" --pcapng "$top/fuzz/corpus/capture" >/dev/null 2>&1 || true
# Compressed input too (zlib behind the stream, gz_stream_peek): two small captures gzipped.
for f in "$top/fuzz/corpus/capture/graceful_client.pcapng" "$top/data/crafted/rejected.pcap"; do
    [ -e "$f" ] && gzip -c "$f" >"$top/fuzz/corpus/capture/$(basename "$f").gz"
done
# Plus a sample of the small captures of the shared public corpus, when it is there: many link
# types, pcapng, real payloads for nDPI. They seed fuzz/corpus/ only (ignored by git), never data/.
shared="$top/../shared/corpus"
if [ -d "$shared" ]; then
    find "$shared" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) -size -16k |
        sort | awk 'NR % 4 == 1' | head -200 | tr '\n' '\0' |
        xargs -0 "$b/tests/fuzzseeds" "$top/fuzz/corpus" >/dev/null 2>&1 || true
fi
status=0
for t in dissect analyzer capture defrag; do
    c="$top/fuzz/corpus/$t"; mkdir -p "$c"
    [ -d "$top/data/fuzz/$t" ] && cp "$top/data/fuzz/$t"/* "$c"/ 2>/dev/null
    echo "== fuzz_$t for ${secs}s"
    "$b/fuzz/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 -max_len=65536 \
        -artifact_prefix="$top/fuzz/crashes/$t-" "$c" 2>"$top/fuzz/crashes/$t.log"
    rc=$?
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$top/fuzz/crashes/$t.log"
    grep -E '^#[0-9]+.*(DONE|cov:)' "$top/fuzz/crashes/$t.log" | tail -1
    if [ $rc -ne 0 ]; then
        status=1
        grep -m3 -E 'ERROR|SUMMARY|runtime error' "$top/fuzz/crashes/$t.log"
        echo "fuzz_$t: FOUND A CRASH (rc=$rc): see fuzz/crashes/"
    fi
done
exit $status
