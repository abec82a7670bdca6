#!/bin/sh
# t_html_report.sh — `finscope report --format html` and `finscope show --format svg`, without
# a browser (t_html_browser.sh opens the pages in one):
#   page     one file: doctype, a Content-Security-Policy of default-src 'none' whose hashes are
#            those of the page's only <style> and only <script> (recomputed here), nothing that
#            refers outside the file; every SVG in it well-formed XML; valid UTF-8
#   content  the demo's numbers: classes and anomaly kinds in the charts, every flow in the
#            table, one ladder per notable flow (a RST or an anomaly), each reached by its row
#   hostile  server names that are markup (mkcap --hostile) and bytes that are not UTF-8 or are
#            control characters: escaped everywhere, one <script> in the page
#   bounds   --rows and --ladders are obeyed and said on the page; the page's size does not
#            grow with the run's (20,000 vs 40,000 flows)
#   later    a file with the columns of later schema versions (flows.rst_cause, rst_origin,
#            tunnel, gaps; runs.capture_loss; teardown_events.inferred, filled here by UPDATE
#            as issues 12-14 write them): reset causes chart, their table columns, capture loss,
#            an inferred segment dashed in the SVG ladder and dotted in the text one
#   svg      show --format svg: one SVG document (XML) with an arrow per event, the states, the
#            anomaly marks; -o FILE
#   errors   bad --format, --rows without html, out-of-range bounds, unwritable -o, no such
#            run (FILE not created)
#
# Environment: FINSCOPE, TOOLS. Exit 0 pass, 1 fail.

set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${FINSCOPE:?set FINSCOPE to the finscope binary}"
: "${TOOLS:?set TOOLS to the test tools directory}"
SQLQ="$TOOLS/sqlq"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

fail() { echo "FAIL: $*"; exit 1; }
q() { "$SQLQ" "$1" "$2" || fail "sqlq: $2"; }
expect_eq() { [ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"; }
has() { grep -qF -e "$2" "$1" || fail "$1 lacks '$2'"; }
lacks() { grep -qF -e "$2" "$1" && fail "$1 has '$2'"; return 0; }
count() { grep -oF -e "$2" "$1" | wc -l | tr -d ' '; }
PY=""
for p in /usr/bin/python3 python3; do command -v "$p" >/dev/null 2>&1 && { PY=$p; break; }; done

# Checks a page: CSP hashes, one style and one script, no outside reference, SVGs are XML,
# UTF-8. Without python3 only the grep-able parts.
check_page() {
    head -1 "$1" | grep -qx '<!DOCTYPE html>' || fail "$1: no doctype"
    has "$1" "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-"
    expect_eq "$1: <script> elements" "$(count "$1" '<script')" 1
    expect_eq "$1: <style> elements" "$(count "$1" '<style')" 1
    grep -Eq '(src|href|action)="(https?:)?//' "$1" && fail "$1 refers outside the file"
    [ -z "$PY" ] && return 0
    "$PY" - "$1" <<'EOF' || fail "$1: page check"
import base64, hashlib, re, sys, xml.etree.ElementTree as ET
raw = open(sys.argv[1], "rb").read()
page = raw.decode("utf-8")                       # strict: the page is valid UTF-8
csp = re.search(r'Content-Security-Policy" content="([^"]*)"', page).group(1)
def h(text):
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"
style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
assert "style-src %s;" % h(style) in csp, ("style hash", csp)
assert "script-src %s;" % h(script) in csp, ("script hash", csp)
assert "unsafe-inline" not in csp and "default-src 'none';" in csp
svgs = re.findall(r"<svg\b.*?</svg>", page, re.S)
for s in svgs:
    ET.fromstring(s)                             # every chart and ladder is well-formed XML
print(len(svgs), "svg")
EOF
}

# ---- the demo page ----------------------------------------------------------------------------
"$FINSCOPE" analyze -q "$root/data/demo.pcap" -o demo.db || fail "analyze demo"
"$FINSCOPE" report demo.db --format html -o demo.html || fail "report --format html -o"
check_page demo.html
notable="anomalies > 0 OR coalesce(orig_rsts, 0) > 0 OR coalesce(resp_rsts, 0) > 0"
flows=$(q demo.db "SELECT count(*) FROM flows")
n_notable=$(q demo.db "SELECT count(*) FROM flows WHERE $notable")
expect_eq "demo: rows" "$(grep -c '^<tr.*data-id=' demo.html)" "$flows"
expect_eq "demo: ladders" "$(count demo.html '<section class="ladder card" id="flow-')" "$n_notable"
expect_eq "demo: rows with a ladder" "$(count demo.html '<tr class="has-ladder"')" "$n_notable"
for id in $(q demo.db "SELECT id FROM flows WHERE $notable"); do
    has demo.html "<a href=\"#flow-$id\">$id</a>"
    has demo.html "id=\"flow-$id\""
done
has demo.html "All $flows flows of the run are in this table"
has demo.html "Every notable flow ($n_notable) has its teardown ladder"
# The charts hold the database's numbers: each class and kind with its count.
for row in $(q demo.db "SELECT teardown || ':' || flows FROM teardown_summary"); do
    cls=${row%:*} n=${row#*:}
    grep -q "data-value=\"$cls\"><rect class=\"hit\".*>$cls</text><text [^>]*>$n</text>" \
        demo.html || fail "demo: teardown chart lacks $cls $n"
done
for row in $(q demo.db "SELECT kind || ':' || count FROM anomaly_summary"); do
    grep -q "data-value=\"${row%:*}\"><rect class=\"hit\".*>${row%:*}</text><text [^>]*>${row#*:}</text>" \
        demo.html || fail "demo: anomaly chart lacks $row"
done
for row in $(q demo.db "SELECT closer || ':' || count(*) FROM flows WHERE teardown IS NOT NULL
                        GROUP BY closer"); do
    grep -q "<text x=\"20.0\" [^>]*>${row%:*}</text><text [^>]*>${row#*:}</text>" demo.html ||
        fail "demo: closer chart lacks $row"
done
# Connection ends over time: the bins add up to the TCP connections, per class too.
ends() { sed -n '/<svg class="chart" id="chart-ends"/,/<\/svg>/p' "$1" |
         grep -o "UTC: [0-9]* $2</title>" | awk '{ n += $2 } END { print n + 0 }'; }
for row in $(q demo.db "SELECT teardown || ':' || flows FROM teardown_summary"); do
    expect_eq "demo: ends of ${row%:*}" "$(ends demo.html "${row%:*}")" "${row#*:}"
done
for id in chart-teardown chart-closer chart-ends chart-anomalies chart-apps; do
    has demo.html "<svg class=\"chart\" id=\"$id\""
done
# The demo's ack_of_unseen_data connection misses bytes on purpose: runs.capture_loss > 1%.
loss=$(q demo.db "SELECT printf('%.2f%%', 100 * capture_loss) FROM runs")
has demo.html "<div class=\"tile warn\"><b>$loss</b><span>capture loss (acknowledged bytes not captured)"
# The demo's reset connections by the cause of the RST that ended them (flows.rst_cause).
has demo.html '<svg class="chart" id="chart-causes"'
has demo.html '<th data-k="cause">reset cause</th>'
has demo.html '<td>refused / unknown</td>'
# Standard output works too, and gives the same page.
"$FINSCOPE" report demo.db --format html >stdout.html || fail "report html to stdout"
cmp -s stdout.html demo.html || fail "report html: stdout and -o differ"

# ---- hostile text -----------------------------------------------------------------------------
"$TOOLS/mkcap" --hostile hostile.pcap || fail "mkcap --hostile"
"$FINSCOPE" analyze -q hostile.pcap -o hostile.db || fail "analyze hostile"
expect_eq "hostile server names stored as sent" "$(q hostile.db "SELECT count(*) FROM flows
    WHERE server_name LIKE '%<script>%' OR server_name LIKE '%<img %'")" 2
"$SQLQ" hostile.db "UPDATE flows SET app_proto = 'TLS' || char(1) || cast(x'ff' AS TEXT) || '<i>'
    WHERE resp_port = 443" || fail "sqlq update"
"$FINSCOPE" report hostile.db --format html -o hostile.html || fail "report hostile"
check_page hostile.html
lacks hostile.html "<script>window"
lacks hostile.html "<img"
lacks hostile.html "<b>x"
lacks hostile.html "<i>"
has hostile.html "&lt;script&gt;window.__pwned=1&lt;/script&gt;&quot;&#39;&amp;amp;&lt;b&gt;x"
has hostile.html "&quot;&gt;&lt;img src=x onerror=window.__pwned=2&gt;"
has hostile.html "TLS$(printf '\357\277\275\357\277\275')&lt;i&gt;"
for id in $(q hostile.db "SELECT id FROM flows"); do
    "$FINSCOPE" show hostile.db "$id" --format svg -o "h$id.svg" || fail "show --format svg $id"
done

# ---- bounds -------------------------------------------------------------------------------------
"$TOOLS/bigdb" b20.db 20000 || fail "bigdb 20000"
"$TOOLS/bigdb" b40.db 40000 || fail "bigdb 40000"
for n in 20 40; do
    "$FINSCOPE" report b$n.db --format html --rows 500 --ladders 40 -o b$n.html ||
        fail "report b$n --rows 500 --ladders 40"
done
check_page b20.html
expect_eq "bounded rows" "$(grep -c '^<tr.*data-id=' b20.html)" 500
expect_eq "bounded ladders" "$(count b20.html '<section class="ladder card"')" 40
expect_eq "bounded rows with a ladder" "$(count b20.html '<tr class="has-ladder"')" 40
n20=$(q b20.db "SELECT count(*) FROM flows WHERE $notable")
has b20.html "This table holds 500 of the run's 20000 flows: 500 of its $n20 notable flows"
has b20.html "The other 19500 flows are left out of this page"
has b20.html "40 of the $n20 notable flows have their teardown ladder on this page"
# A varied selection: every teardown class with a notable flow, and every anomaly kind, shows.
for cls in $(q b20.db "SELECT DISTINCT teardown FROM flows WHERE $notable"); do
    grep -q "^<tr.*<span class=\"chip td-$cls\">" b20.html || fail "bounded: no $cls row"
done
for kind in $(q b20.db "SELECT DISTINCT kind FROM anomalies"); do
    grep -q "^<tr.*<td class=\"an\">[^<]*$kind" b20.html || fail "bounded: no $kind row"
done
s20=$(wc -c <b20.html) s40=$(wc -c <b40.html)
[ $((s40 * 100 / s20)) -le 105 ] || fail "page grows with the run: $s20 -> $s40 bytes"
# More notable flows than rows: the others are left out; fewer: all notable, then others.
"$FINSCOPE" report demo.db --format html --rows 20 --ladders 5 -o d20.html || fail "demo --rows 20"
expect_eq "demo --rows 20" "$(grep -c '^<tr.*data-id=' d20.html)" 20
has d20.html "This table holds 20 of the run's $flows flows: all $n_notable notable flows, then $((20 - n_notable)) others"
"$FINSCOPE" report demo.db --format html --ladders 0 -o d0.html || fail "demo --ladders 0"
expect_eq "--ladders 0" "$(count d0.html '<section class="ladder card"')" 0

# ---- columns of later schema versions ----------------------------------------------------------
cp demo.db later.db
"$SQLQ" later.db "UPDATE flows SET rst_cause = 'abort', rst_origin = 'endpoint'
        WHERE teardown IN ('rst_originator', 'rst_responder');
    UPDATE flows SET rst_cause = 'injected', rst_origin = 'other' WHERE orig_port = 50070;
    UPDATE flows SET tunnel = 'vxlan 10.0.0.1>10.0.0.2 vni 42' WHERE orig_port = 50001;
    UPDATE flows SET gaps = 2 WHERE orig_port = 50001; UPDATE runs SET capture_loss = 0.0234;
    UPDATE teardown_events SET inferred = 1 WHERE id = (SELECT max(e.id) FROM teardown_events e
        JOIN flows f ON f.id = e.flow_id WHERE f.orig_port = 50070)" || fail "sqlq alter"
"$FINSCOPE" report later.db --format html -o later.html || fail "report later"
check_page later.html
has later.html '<svg class="chart" id="chart-causes"'
has later.html '>injected</text>'
has later.html '<th data-k="cause">reset cause</th>'
has later.html '<td>injected / other</td>'
has later.html '<td>vxlan 10.0.0.1&gt;10.0.0.2 vni 42</td>'
has later.html '<th data-k="gaps" class="n">gaps</th>'
has later.html '<b>2.34%</b>'
id=$(q later.db "SELECT id FROM flows WHERE orig_port = 50070")
"$FINSCOPE" show later.db "$id" --format svg -o inferred.svg || fail "show inferred"
has inferred.svg 'stroke-dasharray="6 4"'
has inferred.svg '(inferred)'
"$FINSCOPE" show later.db "$id" >inferred.txt || fail "show inferred text"
grep -Eq -- '\|<?\.+ inferred RST,ACK .*\.+>?\|' inferred.txt || fail "text ladder: inferred not dotted"
lacks demo.html 'stroke-dasharray'

# ---- show --format svg --------------------------------------------------------------------------
id=$(q demo.db "SELECT id FROM flows WHERE orig_port = 51022")   # the blind reset attempt
"$FINSCOPE" show demo.db "$id" --format svg >ssh.svg || fail "show --format svg"
head -1 ssh.svg | grep -qx '<?xml version="1.0" encoding="UTF-8"?>' || fail "svg: no XML declaration"
nev=$(q demo.db "SELECT count(*) FROM teardown_events WHERE flow_id = $id")
has ssh.svg "! rst_seq_out_of_window: expected seq in [1592591629,1592655885), observed seq=1595591629"
has ssh.svg '>RST seq=3001293 len=0</text>'
has ssh.svg '>ESTABLISHED</text>'
expect_eq "svg: arrows" "$(count ssh.svg '<polygon')" "$nev"
if [ -n "$PY" ]; then
    for f in ssh.svg h*.svg inferred.svg; do
        "$PY" -c 'import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
assert r.tag == "{http://www.w3.org/2000/svg}svg", r.tag' "$f" || fail "$f is not an SVG document"
    done
fi
udp=$(q demo.db "SELECT min(id) FROM flows WHERE proto = 'udp'")
"$FINSCOPE" show demo.db "$udp" --format svg -o udp.svg || fail "show udp svg"
has udp.svg "not a TCP flow"

# ---- errors -------------------------------------------------------------------------------------
run() { name=$1; shift; "$@" >out 2>err; rc=$?; }
expect_rc() { [ "$rc" = "$1" ] || fail "$name: exit $rc, expected $1; stderr: $(cat err)"; }
has_err() { grep -qF -e "$1" err || fail "$name: stderr lacks '$1': $(cat err)"; }
run "rows without html" "$FINSCOPE" report demo.db --rows 10
expect_rc 2; has_err "--rows and --ladders apply to --format html only"
run "rows 0" "$FINSCOPE" report demo.db --format html --rows 0
expect_rc 2; has_err "--rows wants a number from 1 to 1000000, not 0"
run "ladders -1" "$FINSCOPE" report demo.db --format html --ladders -1
expect_rc 2; has_err "--ladders wants a number from 0 to 100000, not -1"
run "unwritable -o" "$FINSCOPE" report demo.db --format html -o nodir/x.html
expect_rc 1; has_err "finscope report: cannot create nodir/x.html"
run "no such run" "$FINSCOPE" report demo.db --format html --run 9 -o never.html
expect_rc 1; has_err "finscope report: demo.db has no run 9"
[ -e never.html ] && fail "report created its output for a run that does not exist"
run "show bad format" "$FINSCOPE" show demo.db 1 --format png
expect_rc 2; has_err "--format must be text or svg, not png"
run "show no such flow" "$FINSCOPE" show demo.db 99999 --format svg -o never.svg
expect_rc 1; has_err "demo.db has no flow 99999"
[ -e never.svg ] && fail "show created its output for a flow that does not exist"
run "text report to a file" "$FINSCOPE" report demo.db -o report.txt
expect_rc 0; grep -q "^finscope report: demo.db, run 1 of 1$" report.txt || fail "report -o text"
grep -q "$(printf '\033')" report.txt && fail "report -o: colour in a file"

echo "html report, svg ladder: all checks passed"
exit 0
