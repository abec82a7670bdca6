#!/bin/sh
# t_pcapng.sh — pcapng files libpcap refuses, read by finscope's pcapng reader (docs/input.md):
# every crafted scenario written by `mkcap --pcapng` (its packets spread over three interfaces
# of different link types, snapshot lengths and timestamp resolutions, in sections of both
# byte orders, as Enhanced and obsolete Packet Blocks, with blocks to skip between) gives the
# verdicts of its hand-written data/crafted/NAME.expect; each file's records (time to the
# nanosecond, lengths) are tshark's, when tshark is installed; the same file gzip-compressed,
# on a pipe, and gzip-compressed on a pipe gives the same rows; -f applies to every record with
# the program for its own link type, and a filter a link type cannot take is said.
#
# Environment: FINSCOPE, TOOLS. Exit 0 pass, 1 fail, 77 skip.

set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${FINSCOPE:?set FINSCOPE to the finscope binary}"
: "${TOOLS:?set TOOLS to the test tools directory}"
SQLQ="$TOOLS/sqlq"
for t in mkcap capdump sqlq; do
    [ -x "$TOOLS/$t" ] || { echo "no $TOOLS/$t"; exit 77; }
done

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
. "$root/tests/e2e/expect_lib.sh"

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
q() { "$SQLQ" "$@" 2>&1 || echo "(query failed)"; }

"$TOOLS/mkcap" --pcapng "$tmp" || { echo "mkcap --pcapng failed"; exit 1; }

# ---- the verdicts of every crafted scenario -------------------------------------------------
checked=0
for exp in "$root"/data/crafted/*.expect; do
    name=$(basename "$exp" .expect)
    checked=$((checked + 1))
    check_capture "$name" "$tmp/$name.pcapng" "$exp" "$tmp" || failures=$((failures + 1))
    grep -qE 'Sanitizer|runtime error' "$tmp/$name.out" && fail "$name: sanitizer report"
done
[ "$checked" -gt 30 ] || fail "only $checked scenarios"

# ---- the records, against tshark ------------------------------------------------------------
if command -v tshark >/dev/null 2>&1; then
    for f in "$tmp"/*.pcapng; do
        name=$(basename "$f")
        "$TOOLS/capdump" "$f" >"$tmp/cd.out" 2>"$tmp/cd.err" ||
            fail "$name: capdump: $(cat "$tmp/cd.err")"
        awk '{print $3, $4, $5}' "$tmp/cd.out" >"$tmp/got"
        # tshark shows custom blocks as records without a link type: they are not packets.
        tshark -r "$f" -T fields -e frame.encap_type -e frame.time_epoch -e frame.cap_len \
            -e frame.len 2>/dev/null | awk -F'\t' '$1 != "" {print $2, $3, $4}' >"$tmp/want"
        [ -s "$tmp/want" ] || fail "$name: tshark read nothing"
        cmp -s "$tmp/got" "$tmp/want" ||
            fail "$name: records differ from tshark's: $(diff "$tmp/want" "$tmp/got" | head -4)"
    done
else
    echo "note: tshark not installed: records not compared with it"
fi
# The records carry their own interface's link type (EN10MB 1, RAW 12, LINUX_SLL2 276).
links=$("$TOOLS/capdump" "$tmp/graceful_client.pcapng" | awk '{print $2}' | sort -un | tr '\n' ' ')
[ "$links" = "1 12 276 " ] || fail "graceful_client.pcapng: link types '$links', want '1 12 276 '"

# ---- gzip and pipes --------------------------------------------------------------------------
f="$tmp/rst_inexact_challenge.pcapng"
rows() { q "$1" "SELECT orig_port, teardown, closer, history, first_ts, last_ts, orig_pkts,
                        resp_pkts FROM flows ORDER BY first_ts, orig_port"; }
"$FINSCOPE" analyze -q "$f" -o "$tmp/file.db" 2>"$tmp/err" || fail "file: $(cat "$tmp/err")"
want=$(rows "$tmp/file.db")
[ -n "$want" ] || fail "no flows from $f"
gzip -c "$f" >"$tmp/gz.pcapng.gz"
"$FINSCOPE" analyze -q "$tmp/gz.pcapng.gz" -o "$tmp/gz.db" 2>"$tmp/err" || fail "gzip: $(cat "$tmp/err")"
[ "$(rows "$tmp/gz.db")" = "$want" ] || fail "gzip file: other rows"
cat "$f" | "$FINSCOPE" analyze -q - -o "$tmp/pipe.db" 2>"$tmp/err" || fail "pipe: $(cat "$tmp/err")"
[ "$(rows "$tmp/pipe.db")" = "$want" ] || fail "pipe: other rows"
cat "$tmp/gz.pcapng.gz" | "$FINSCOPE" analyze -q - -o "$tmp/gzpipe.db" 2>"$tmp/err" ||
    fail "gzip pipe: $(cat "$tmp/err")"
[ "$(rows "$tmp/gzpipe.db")" = "$want" ] || fail "gzip on a pipe: other rows"
[ "$(q "$tmp/pipe.db" "SELECT source FROM runs")" = "-" ] || fail "pipe: source not '-'"

# ---- the filter, per link type ----------------------------------------------------------------
# graceful_client (data/crafted/graceful_client.expect): 40011 and 40012, their packets spread
# over EN10MB, RAW and LINUX_SLL2 interfaces. 'tcp port 40012' takes all of 40012's and none
# of 40011's; 'ether host ... or tcp' cannot be compiled for RAW (no MAC addresses): those
# records are said and left out, the others all match.
f="$tmp/graceful_client.pcapng"
"$FINSCOPE" analyze -q -f 'tcp port 40012' "$f" -o "$tmp/f1.db" 2>"$tmp/err" ||
    fail "filter: $(cat "$tmp/err")"
[ -s "$tmp/err" ] && fail "filter: stderr: $(cat "$tmp/err")"
got=$(q "$tmp/f1.db" "SELECT group_concat(orig_port || ':' || teardown), sum(orig_pkts + resp_pkts)
                      FROM flows")
all=$(q "$tmp/graceful_client.db" "SELECT orig_pkts + resp_pkts FROM flows WHERE orig_port = 40012")
[ "$got" = "40012:graceful|$all" ] || fail "filter 'tcp port 40012': got '$got', want '40012:graceful|$all'"
[ "$(q "$tmp/f1.db" "SELECT packets FROM runs")" = "$all" ] || fail "filter: packets counted"
"$FINSCOPE" analyze -q -f 'ether host 02:00:00:00:00:01 or tcp' "$f" -o "$tmp/f2.db" \
    2>"$tmp/err"; rc=$?
[ "$rc" = 0 ] || fail "ether filter: exit $rc"
# libpcap compiles 'ether host' for Ethernet only: the RAW and LINUX_SLL2 records are left out.
raw=$("$TOOLS/capdump" "$f" | awk '$2 == 12' | wc -l | tr -d ' ')
sll=$("$TOOLS/capdump" "$f" | awk '$2 == 276' | wc -l | tr -d ' ')
[ "$raw" -gt 0 ] && [ "$sll" -gt 0 ] || fail "no RAW or SLL2 records in $f"
msg="finscope: $f: $((raw + sll)) records on interfaces of a link type the filter cannot be used with"
[ "$(cat "$tmp/err")" = "$msg (RAW (12): $raw, LINUX_SLL2 (276): $sll), not analyzed" ] ||
    [ "$(cat "$tmp/err")" = "$msg (LINUX_SLL2 (276): $sll, RAW (12): $raw), not analyzed" ] ||
    fail "ether filter: stderr: $(cat "$tmp/err")"
total=$("$TOOLS/capdump" "$f" | wc -l | tr -d ' ')
[ "$(q "$tmp/f2.db" "SELECT packets FROM runs")" = "$((total - raw - sll))" ] ||
    fail "ether filter: packets $(q "$tmp/f2.db" "SELECT packets FROM runs"), want $((total - raw - sll))"

if [ $failures -gt 0 ]; then
    echo "pcapng: $failures check(s) failed"
    exit 1
fi
echo "pcapng: $checked scenarios as pcapng, all checks passed"
exit 0
