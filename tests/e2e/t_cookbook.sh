#!/bin/sh
# t_cookbook.sh — every ```sql block of the "## Cookbook" section of docs/schema.md, run with
# $TOOLS/sqlq on a result file made from the demo capture, must print exactly what
# tests/e2e/cookbook.expect says (block "== N" for the N-th query), so that the cookbook never
# rots. A block "== N PATH" runs its query on the project's capture PATH (relative to the
# checkout) instead, for questions the demo has no answer to. Also: at least 12 queries, as
# many expected blocks as queries.
#
# The capture: data/demo.pcap; when it is missing, `$TOOLS/mkcap --demo` writes the same file
# (t_mkcap_deterministic.sh checks that they are identical).
# Environment: FINSCOPE, TOOLS. Run from anywhere; exit 0 pass, 1 fail, 77 skip.

set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${FINSCOPE:?set FINSCOPE to the finscope binary}"
: "${TOOLS:?set TOOLS to the test tools directory}"
SQLQ="$TOOLS/sqlq"
doc="$root/docs/schema.md"
expect="$root/tests/e2e/cookbook.expect"

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

if [ -f "$root/data/demo.pcap" ]; then
    cap="$root/data/demo.pcap"
elif [ -x "$TOOLS/mkcap" ]; then
    cap="$tmp/demo.pcap"
    "$TOOLS/mkcap" --demo "$cap" || fail "mkcap --demo"
else
    echo "no data/demo.pcap and no \$TOOLS/mkcap"; exit 77
fi
db="$tmp/cookbook.db"
"$FINSCOPE" analyze -q "$cap" -o "$db" || fail "finscope analyze $cap"

# The queries: q1.sql, q2.sql, ... in document order, from the Cookbook section only.
awk -v dir="$tmp" '
    /^## / { in_cook = ($0 == "## Cookbook") }
    in_cook && /^```sql[ \t]*$/ { n++; file = dir "/q" n ".sql"; in_sql = 1; next }
    in_sql && /^```[ \t]*$/ { in_sql = 0; close(file); next }
    in_sql { print > file }
    END { print n + 0 > (dir "/nqueries") }
' "$doc"
nq=$(cat "$tmp/nqueries")
[ "$nq" -ge 12 ] || fail "the cookbook has $nq queries, at least 12 expected"

# The expected outputs: e1.txt, e2.txt, ... ('#' comments and blank lines are not output).
awk -v dir="$tmp" '
    /^== [0-9]+/ { n = $2; file = dir "/e" n ".txt"; printf "" > file
                   if (NF > 2) print $3 > (dir "/c" n ".txt"); next }
    /^#/ || /^[ \t]*$/ { next }
    n { print > file }
    END { print n + 0 > (dir "/nexpect") }
' "$expect"
ne=$(cat "$tmp/nexpect")
[ "$ne" = "$nq" ] || fail "cookbook.expect has $ne blocks for $nq queries"

bad=0
i=1
while [ $i -le "$nq" ]; do
    [ -f "$tmp/e$i.txt" ] || fail "cookbook.expect has no block == $i"
    qdb=$db
    if [ -f "$tmp/c$i.txt" ]; then
        qdb="$tmp/c$i.db"
        "$FINSCOPE" analyze -q "$root/$(cat "$tmp/c$i.txt")" -o "$qdb" ||
            fail "finscope analyze $(cat "$tmp/c$i.txt") (block $i)"
    fi
    if ! "$SQLQ" "$qdb" "$(cat "$tmp/q$i.sql")" >"$tmp/o$i.txt" 2>"$tmp/err"; then
        echo "query $i fails: $(cat "$tmp/err")"
        sed 's/^/    /' "$tmp/q$i.sql"
        bad=$((bad + 1))
    elif ! cmp -s "$tmp/e$i.txt" "$tmp/o$i.txt"; then
        echo "query $i: output differs from cookbook.expect (- expected, + got):"
        sed 's/^/    /' "$tmp/q$i.sql"
        diff -u "$tmp/e$i.txt" "$tmp/o$i.txt" | tail -n +3
        bad=$((bad + 1))
    fi
    i=$((i + 1))
done
[ $bad = 0 ] || fail "$bad of $nq cookbook queries"
echo "cookbook: all $nq queries give the expected output"
exit 0
