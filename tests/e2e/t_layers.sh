#!/bin/sh
# t_layers.sh — the modules depend on each other one way only (README "Layout"):
#   dissect/   nothing of finscope's
#   analyzer/  dissect/
#   storage/   analyzer/, dissect/ (the sink's records); the only code that includes sqlite3.h
#   report/    storage/read.h only (the read API), never cli/ or storage's other headers
#   cli/       anything below it
# Checked on the #include lines of every .c and .h file. Exit 0 pass, 1 fail.

set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
bad=0
check() {                   # DIR ALLOWED-REGEX: every project include of DIR matches the regex
    dir=$1 allowed=$2
    out=$(grep -Hn '^#include "' "$dir"/*.c "$dir"/*.h 2>/dev/null |
          grep -Ev "#include \"($allowed)\"" || true)
    if [ -n "$out" ]; then
        echo "FAIL: $dir/ includes what it must not:"
        printf '%s\n' "$out"
        bad=1
    fi
}
check dissect  'dissect/[a-z_0-9]+\.h'
check analyzer '(analyzer|dissect)/[a-z_0-9]+\.h'
check storage  '(storage|analyzer|dissect)/[a-z_0-9]+\.h'
check report   'report/[a-z_0-9]+\.h|storage/read\.h'
out=$(grep -ln '#include <sqlite3.h>' dissect/* analyzer/* report/* cli/* 2>/dev/null || true)
[ -n "$out" ] && { echo "FAIL: sqlite3.h outside storage/: $out"; bad=1; }
[ $bad = 0 ] && echo "layers: every module includes only what is below it"
exit $bad
