#!/bin/sh
# Runs each Criterion unit-test binary given, then prints one closing line for all of them.
pass=0; fail=0
for t in "$@"; do
    out=$("$t" --jobs 1 2>&1); rc=$?
    line=$(printf '%s\n' "$out" | grep -E '^\[====\] Synthesis:' | tail -1)
    p=$(printf '%s' "$line" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
    f=$(printf '%s' "$line" | sed -n 's/.*Failing: \([0-9]*\).*/\1/p')
    c=$(printf '%s' "$line" | sed -n 's/.*Crashing: \([0-9]*\).*/\1/p')
    [ -z "$p" ] && { p=0; f=1; c=0; }
    # Criterion reports a leak (or an ASan error in a forked test) without failing the test.
    if printf '%s\n' "$out" | grep -qE 'ERROR: (Leak|Address)Sanitizer|runtime error:'; then
        printf '%s\n' "$out" | grep -E -A12 'ERROR: (Leak|Address)Sanitizer|runtime error:' | head -40
        c=$((c + 1))
    fi
    pass=$((pass + p)); fail=$((fail + f + c))
    if [ $rc -ne 0 ] || [ "$f" != 0 ] || [ "$c" != 0 ]; then
        printf '%s\n' "$out" | grep -vE '^\[----\]' | tail -40
        echo "FAIL: $(basename "$t")"
        [ $f = 0 ] && [ $c = 0 ] && fail=$((fail + 1))
    else
        echo "ok:   $(basename "$t") ($p tests)"
    fi
done
echo "unit: $pass passed, $fail failed"
[ $fail -eq 0 ]
