#!/bin/sh
# tests/ndpi_compare.sh [-v] [-m MIN_PCT] [CORPUS_DIR] — measures finscope's nDPI labels
# (flows.app_proto) against nDPI's own ndpiReader on every capture in CORPUS_DIR
# (default ../shared/corpus/ndpi, relative to the repo root; issue 6).
#
# For each capture it runs `finscope analyze -q F -o DB` and `ndpiReader -i F -v 2`, takes the
# TCP flows of both, and matches them by unordered 5-tuple (address:port <-> address:port; VLAN
# ids are ignored, ndpiReader keeps only the innermost tag). finscope stores app_proto as
# ndpi_protocol2name() makes it ("TLS.Google", "HTTP", "Unknown"), which is the name ndpiReader
# prints in "[proto: 91.126/TLS.Google]", so the two are compared as they are.
# When one 5-tuple names several flows on a side (port reuse, VLANs), labels are matched as
# multisets: equal labels agree first, the rest are paired in order as disagreements, and what
# is left over counts as seen by one side only.
#
# Prints one line per capture (matched, agreeing, disagreeing, only-finscope, only-ndpiReader),
# each disagreement with both labels (and with -v the one-sided flows), then the totals and a
# tally of the most frequent disagreement pairs. A capture a tool refuses (exit status not 0) is
# reported and its flows on the other side count as one-sided. Exit status: 0; 1 when a tool
# crashed (killed by a signal) or hung (300 s) or, with -m, when agreement over matched flows is below MIN_PCT
# percent; 77 when ndpiReader, finscope, sqlq or the corpus is missing.
#
# Environment: FINSCOPE (default ./build/finscope), TOOLS (dir holding sqlq, default
# ./build/tests), NDPIREADER (default ndpiReader), TOP (disagreement pairs shown, default 20).
set -u

verbose=0
min_pct=
while [ $# -gt 0 ]; do
    case $1 in
        -v) verbose=1; shift ;;
        -m) [ $# -ge 2 ] || { echo "ndpi_compare: -m needs a percentage" >&2; exit 2; }
            min_pct=$2; shift 2 ;;
        --) shift; break ;;
        -*) echo "usage: $0 [-v] [-m MIN_PCT] [CORPUS_DIR]" >&2; exit 2 ;;
        *) break ;;
    esac
done
corpus=${1:-../shared/corpus/ndpi}
finscope=${FINSCOPE:-./build/finscope}
sqlq=${TOOLS:-./build/tests}/sqlq
ndpireader=${NDPIREADER:-ndpiReader}
top=${TOP:-20}

[ -d "$corpus" ] || { echo "ndpi_compare: no corpus directory $corpus"; exit 77; }
[ -x "$finscope" ] || { echo "ndpi_compare: no finscope at $finscope (set FINSCOPE)"; exit 77; }
[ -x "$sqlq" ] || { echo "ndpi_compare: no sqlq at $sqlq (set TOOLS)"; exit 77; }
command -v "$ndpireader" >/dev/null 2>&1 ||
    { echo "ndpi_compare: $ndpireader not found (apt-get install libndpi-bin)"; exit 77; }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# finscope's TCP flows of one result file as "key<TAB>label" lines.
finscope_flows() {
    "$sqlq" "$1" "SELECT orig_addr, orig_port, resp_addr, resp_port,
                         coalesce(app_proto, '(null)')
                  FROM flows WHERE proto = 'tcp'" |
    awk -F'|' '
        # ndpiReader 4.2 prints IPv6 addresses its own way: every run of zero groups, even a
        # single one and even several runs, becomes "::" (2600:1901:0:7a0b:: is printed
        # 2600:1901::7a0b::). finscope stores inet_ntop text; rewrite it to that form.
        function ndpi6(a,    n, g, i, j, k, out, prevz, h, q) {
            if (a !~ /:/) return a
            if (a ~ /\./) {            # trailing dotted quad (::ffff:1.2.3.4)
                k = match(a, /[0-9.]+$/)
                split(substr(a, k), q, ".")
                a = substr(a, 1, k - 1) sprintf("%x:%x", q[1] * 256 + q[2], q[3] * 256 + q[4])
            }
            if (a ~ /::/) {
                n = split(a, h, "::")
                k = (h[1] == "" ? 0 : split(h[1], g, ":"))
                j = (h[2] == "" ? 0 : split(h[2], q, ":"))
                for (i = k + 1; i <= 8 - j; i++) g[i] = "0"
                for (i = 1; i <= j; i++) g[8 - j + i] = q[i]
            } else
                split(a, g, ":")
            out = ""; prevz = 0
            for (i = 1; i <= 8; i++) {
                sub(/^0+/, "", g[i])
                if (g[i] == "") { if (!prevz) out = out "::"; prevz = 1; continue }
                out = out ((i > 1 && !prevz) ? ":" : "") g[i]
                prevz = 0
            }
            return out
        }
        function ep(a, p) { return ndpi6(a) "/" p }
        NF >= 5 {
            a = ep($1, $2); b = ep($3, $4)
            print (a < b ? a " " b : b " " a) "\t" $5
        }'
}

# ndpiReader's TCP flow lines ("\t<n>\tTCP A:pa <-> B:pb [VLAN: v][proto: M.A/NAME]...") as
# "key<TAB>label" lines. IPv6 addresses come in brackets: [2001:db8::1]:443.
ndpireader_flows() {
    awk '
        function ep(s,    a) {
            if (!match(s, /:[0-9]+$/)) return ""
            a = substr(s, 1, RSTART - 1)
            gsub(/[][]/, "", a)
            return a "/" substr(s, RSTART + 1)
        }
        /^\t[0-9]+\tTCP / {
            line = $0
            sub(/^\t[0-9]+\tTCP /, "", line)
            n = split(line, t, " ")
            if (n < 4 || (t[2] != "<->" && t[2] != "->")) next
            a = ep(t[1]); b = ep(t[3])
            if (a == "" || b == "") next
            label = "(none)"
            if (match(line, /\[proto: [^]]*\]/)) {
                label = substr(line, RSTART + 8, RLENGTH - 9)
                sub(/^[^\/]*\//, "", label)
            }
            print (a < b ? a " " b : b " " a) "\t" label
        }' "$1"
}

# Matches the two flow lists of one capture; prints records
#   A key label            (agree)
#   D key flabel nlabel    (disagree)
#   F key flabel how       (only finscope)
#   N key nlabel how       (only ndpiReader)
# how: "split<TAB>label" when the other side has fewer flows on that 5-tuple (one side split a
# connection the other kept whole; label: the other side's first flow there), "alone" when the
# other side has none.
# fields separated by tabs.
match_flows() {
    awk -F'\t' '
        FILENAME == ARGV[1] { fk[$1]; fl[$1, ++fn[$1]] = $2; next }
        FILENAME == ARGV[2] { fk[$1]; nl[$1, ++nn[$1]] = $2; next }
        END {
            for (k in fk) {
                for (i = 1; i <= fn[k]; i++) fused[i] = 0
                for (j = 1; j <= nn[k]; j++) nused[j] = 0
                for (i = 1; i <= fn[k]; i++)
                    for (j = 1; j <= nn[k]; j++)
                        if (!nused[j] && fl[k, i] == nl[k, j]) {
                            print "A\t" k "\t" fl[k, i]
                            fused[i] = nused[j] = 1
                            break
                        }
                j = 1
                for (i = 1; i <= fn[k]; i++) {
                    if (fused[i]) continue
                    while (j <= nn[k] && nused[j]) j++
                    if (j <= nn[k]) {
                        print "D\t" k "\t" fl[k, i] "\t" nl[k, j]
                        nused[j] = 1
                    } else
                        print "F\t" k "\t" fl[k, i] "\t" (nn[k] ? "split\t" nl[k, 1] : "alone")
                }
                for (j = 1; j <= nn[k]; j++)
                    if (!nused[j]) print "N\t" k "\t" nl[k, j] "\t" (fn[k] ? "split\t" fl[k, 1] : "alone")
            }
        }' "$1" "$2" | sort
}

list=$tmp/list
find -L "$corpus" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \
    -o -name '*.pcap.gz' -o -name '*.pcapng.gz' \) | sort > "$list"

all=$tmp/all          # every record, prefixed with the capture name
refused=0             # captures a tool exited non-zero on
crashed=0             # ... of which by a signal or a 300 s timeout (exit status >= 124)
: > "$all"
printf '%-52s %7s %7s %7s %7s %7s\n' capture matched agree differ only-fs only-nd
while IFS= read -r f; do
    rel=${f#"$corpus"/}
    db=$tmp/o.db
    rm -f "$db" "$db-wal" "$db-shm"
    # A capture one tool refuses (a link type finscope does not decode, an empty file) still
    # counts: the other tool's flows in it are flows only that side saw.
    : > "$tmp/fs.flows"; : > "$tmp/nd.flows"
    timeout 300 "$finscope" analyze -q "$f" -o "$db" >"$tmp/fs.out" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then
        finscope_flows "$db" > "$tmp/fs.flows"
    else
        refused=$((refused + 1))
        [ $rc -ge 124 ] && crashed=$((crashed + 1))
        echo "$rel: finscope exit $rc: $(head -1 "$tmp/fs.out")"
    fi
    timeout 300 "$ndpireader" -i "$f" -v 2 >"$tmp/nd.out" 2>"$tmp/nd.err"
    rc=$?
    if [ $rc -eq 0 ]; then
        ndpireader_flows "$tmp/nd.out" > "$tmp/nd.flows"
    else
        refused=$((refused + 1))
        [ $rc -ge 124 ] && crashed=$((crashed + 1))
        echo "$rel: ndpiReader exit $rc: $(head -1 "$tmp/nd.err")"
    fi
    match_flows "$tmp/fs.flows" "$tmp/nd.flows" > "$tmp/rec"
    [ -s "$tmp/rec" ] || continue
    awk -F'\t' -v cap="$rel" -v verbose="$verbose" '
        { c[$1]++ }
        $1 == "D" { d[++nd] = "    differ  " $2 "  finscope=" $3 "  ndpiReader=" $4 }
        $1 == "F" { o[++no] = "    only-fs " $2 "  finscope=" $3 \
                              ($4 == "split" ? "  (split; ndpiReader has it as " $5 ")" : "") }
        $1 == "N" { o[++no] = "    only-nd " $2 "  ndpiReader=" $3 \
                              ($4 == "split" ? "  (split; finscope has it as " $5 ")" : "") }
        END {
            printf "%-52s %7d %7d %7d %7d %7d\n", cap, c["A"] + c["D"], c["A"], c["D"],
                   c["F"], c["N"]
            for (i = 1; i <= nd; i++) print d[i]
            if (verbose) for (i = 1; i <= no; i++) print o[i]
        }' "$tmp/rec"
    awk -v cap="$rel" '{ print cap "\t" $0 }' "$tmp/rec" >> "$all"
done < "$list"

echo
awk -F'\t' -v top="$top" -v min_pct="$min_pct" -v refused="$refused" -v crashed="$crashed" -v tmp="$tmp" '
    { c[$2]++; caps[$1] }
    ($2 == "F" || $2 == "N") && $5 == "split" { split_[$2]++; if ($4 == $6) same_[$2]++ }
    $2 == "D" { pair[$4 " -> " $5]++ }
    END {
        ncap = 0; for (k in caps) ncap++
        m = c["A"] + c["D"]
        pct = m ? 100 * c["A"] / m : 0
        printf "total: %d captures with TCP flows, %d TCP flows matched, %d agree (%.2f%%), " \
               "%d disagree, %d only finscope (%d on a 5-tuple where ndpiReader has fewer flows, " \
               "%d of them with its label), %d only ndpiReader (%d likewise, %d with finscope\047s label)", \
               ncap, m, c["A"], pct, c["D"], c["F"], split_["F"], same_["F"], c["N"], split_["N"], same_["N"]
        if (refused) printf "; a tool refused %d captures (%d crashes)", refused, crashed
        printf "\n"
        if (c["D"]) {
            printf "\ntop disagreements (finscope -> ndpiReader: flows):\n"
            for (p in pair) print pair[p] "\t" p > (tmp "/pairs")
            close(tmp "/pairs")
            cmd = "sort -t \"\t\" -k1,1nr -k2,2 " tmp "/pairs | head -n " top
            while ((cmd | getline l) > 0) {
                split(l, x, "\t"); printf "  %6d  %s\n", x[1], x[2]
            }
            close(cmd)
        }
        if (crashed) exit 1
        if (min_pct != "" && pct < min_pct + 0) {
            printf "agreement %.2f%% is below the required %s%%\n", pct, min_pct
            exit 1
        }
    }' "$all"
