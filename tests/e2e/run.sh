#!/bin/sh
# Runs every end-to-end test script in tests/e2e/ (t_*.sh) with FINSCOPE and TOOLS set.
# A script passes with exit 0, is skipped with exit 77, and fails otherwise. Each line gives
# the script's wall time, so that what makes `make test` long is plain in CI's log.
dir=$(dirname "$0")
pass=0; fail=0; skip=0
for t in "$dir"/t_*.sh; do
    [ -e "$t" ] || continue
    name=$(basename "$t" .sh)
    start=$(date +%s)
    out=$(sh "$t" 2>&1); rc=$?
    took="($(($(date +%s) - start)) s)"
    case $rc in
        0)  pass=$((pass + 1)); echo "ok:   $name $took" ;;
        77) skip=$((skip + 1)); echo "skip: $name $took: $(printf '%s' "$out" | tail -1)" ;;
        *)  fail=$((fail + 1)); printf '%s\n' "$out" | tail -30; echo "FAIL: $name (exit $rc) $took" ;;
    esac
done
echo "e2e: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
