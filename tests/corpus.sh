#!/bin/sh
# tests/corpus.sh FINSCOPE [CORPUS_DIR] — runs finscope over every capture in the shared corpus
# (../shared/corpus by default; public captures from other projects, never copied into data/).
# Reports, per file that is not analyzed cleanly, the exit status and finscope's message; any
# crash, hang (60 s) or sanitizer report fails the run. Prints a closing tally.
set -u
bin=$1
corpus=${2:-$(dirname "$0")/../../shared/corpus}
[ -d "$corpus" ] || { echo "corpus: no $corpus; nothing to do"; exit 0; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ok=0; refused=0; bad=0; n=0
list=$tmp/list
find "$corpus" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' -o -name '*.trace' \
    -o -name '*.gz' -o -name '*.pcap*' \) | sort > "$list"
while IFS= read -r f; do
    n=$((n + 1))
    rm -f "$tmp/o.db" "$tmp/o.db-wal" "$tmp/o.db-shm"
    timeout 60 "$bin" analyze -q "$f" -o "$tmp/o.db" >"$tmp/out" 2>&1
    rc=$?
    rel=${f#"$corpus"/}
    if [ $rc -ge 124 ] || grep -qE 'Sanitizer|runtime error|Segmentation' "$tmp/out"; then
        bad=$((bad + 1))
        echo "CRASH rc=$rc $rel: $(grep -m1 -E 'Sanitizer|runtime error|.' "$tmp/out")"
    elif [ $rc -ne 0 ]; then
        refused=$((refused + 1))
        echo "refused rc=$rc $rel: $(head -1 "$tmp/out")"
    else
        ok=$((ok + 1))
    fi
done < "$list"
echo "corpus: $n captures: $ok analyzed, $refused refused, $bad crashed or hung"
[ $bad -eq 0 ]
