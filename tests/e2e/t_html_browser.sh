#!/bin/sh
# t_html_browser.sh — the HTML report in a real browser: headless Chromium (Debian's chromium
# and chromium-driver), driven over WebDriver by tests/browser/check_report.py with Debian's
# /usr/bin/python3. Pages:
#   demo     the demo capture's report: every flow in the table, a ladder for each notable flow
#   hostile  server names that are markup (mkcap --hostile): shown as text, nothing injected runs
#   large    60,000 flows (tests/tools/bigdb): 10,000 rows, 1,000 ladders, paging
#   empty    a capture without packets: an empty table and charts that say so
#   control  the demo page with an external image added: the checker must see the CSP error,
#            so that a page that does load something cannot pass
# For each page the checker fails on any console error, checks that no request is made, that
# the charts and ladders are in the DOM, that filtering (teardown, anomaly, host, port, app)
# gives the rows the database says, sorting and paging, and that a click on a reset flow's row
# opens its ladder. Screenshots: $(dirname FINSCOPE)/screenshots/ (build/screenshots/).
#
# Environment: FINSCOPE, TOOLS; CHROMIUM, CHROMEDRIVER (default /usr/bin/...). Exit 0 pass,
# 1 fail, 77 skip (no chromium, chromium-driver or /usr/bin/python3).

set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${FINSCOPE:?set FINSCOPE to the finscope binary}"
: "${TOOLS:?set TOOLS to the test tools directory}"
PY=/usr/bin/python3
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
for x in "$PY" "$CHROMIUM" "$CHROMEDRIVER"; do
    [ -x "$x" ] || { echo "$x not installed (make test-deps installs chromium," \
                          "chromium-driver, python3)"; exit 77; }
done
SQLQ="$TOOLS/sqlq"
shots=$(cd "$(dirname "$FINSCOPE")" && pwd)/screenshots
mkdir -p "$shots" || exit 1

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fail() { echo "FAIL: $*"; exit 1; }

# ---- the pages ---------------------------------------------------------------------------------
cp "$root/data/demo.pcap" demo.pcap || exit 1        # so that the page names it demo.pcap
"$FINSCOPE" analyze -q demo.pcap -o demo.db || fail "analyze demo"
"$FINSCOPE" report demo.db --format html -o demo.html || fail "report demo"
"$TOOLS/mkcap" --hostile hostile.pcap || fail "mkcap --hostile"
"$FINSCOPE" analyze -q hostile.pcap -o hostile.db || fail "analyze hostile"
"$FINSCOPE" report hostile.db --format html -o hostile.html || fail "report hostile"
"$TOOLS/bigdb" large.db 60000 || fail "bigdb"
"$FINSCOPE" report large.db --format html -o large.html || fail "report large"
sed 's|<body>|<body><img src="http://192.0.2.1/x.png" alt="">|' demo.html >control.html
printf '\324\303\262\241\2\0\4\0\0\0\0\0\0\0\0\0\377\377\0\0\1\0\0\0' >empty.pcap
"$FINSCOPE" analyze -q empty.pcap -o empty.db 2>/dev/null || fail "analyze an empty capture"
"$FINSCOPE" report empty.db --format html -o empty.html || fail "report empty"

# ---- what the database says ----------------------------------------------------------------------
q() { "$SQLQ" "$1" "$2" || fail "sqlq: $2"; }
notable="anomalies > 0 OR coalesce(orig_rsts, 0) > 0 OR coalesce(resp_rsts, 0) > 0"
flows=$(q demo.db "SELECT count(*) FROM flows")
ladders=$(q demo.db "SELECT count(*) FROM flows WHERE $notable")
n_td=$(q demo.db "SELECT count(*) FROM flows WHERE teardown = 'rst_responder'")
n_an=$(q demo.db "SELECT count(DISTINCT flow_id) FROM anomalies WHERE kind = 'rst_seq_out_of_window'")
n_port=$(q demo.db "SELECT count(*) FROM flows WHERE orig_port = 443 OR resp_port = 443")
n_host=$(q demo.db "SELECT count(*) FROM flows WHERE '198.51.100.30' IN (orig_addr, resp_addr)")
n_app=$(q demo.db "SELECT count(*) FROM flows WHERE app_proto = 'TLS'")
hostile=$(q hostile.db "SELECT server_name FROM flows WHERE resp_port = 80")
# The large page holds a selection: what its rows say, counted here from the HTML itself.
large_td=$(grep -c '<span class="chip td-rst_responder">' large.html)
large_an=$(grep '^<tr' large.html | grep -c '<td class="an">[^<]*rst_seq_inexact')

jstr() { "$PY" -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$1"; }
cat >plan.json <<EOF
{"chromedriver": "$CHROMEDRIVER", "chromium": "$CHROMIUM", "shots": "$shots", "work": "$tmp",
 "pages": [
  {"name": "demo", "path": "demo.html", "flows": $flows, "rows": $flows, "ladders": $ladders,
   "shot": true, "filters": [{"td": "rst_responder", "rows": $n_td},
     {"an": "rst_seq_out_of_window", "rows": $n_an}, {"port": "443", "rows": $n_port},
     {"host": "=198.51.100.30", "rows": $n_host}, {"app": "TLS", "rows": $n_app}]},
  {"name": "hostile", "path": "hostile.html", "flows": 2, "rows": 2, "ladders": 2,
   "hostile": $(jstr "$hostile"), "filters": [{"host": "script", "rows": 1}],
   "charts": ["chart-teardown", "chart-closer", "chart-ends", "chart-resetby", "chart-apps"]},
  {"name": "large", "path": "large.html", "flows": 60000, "rows": 10000, "ladders": 1000,
   "shot": true, "filters": [{"td": "rst_responder", "rows": $large_td},
     {"an": "rst_seq_inexact", "rows": $large_an}]},
  {"name": "empty", "path": "empty.html", "flows": 0, "rows": 0, "ladders": 0,
   "charts": [], "filters": [{"td": "graceful", "rows": 0}]},
  {"name": "control", "path": "control.html", "expect_console_error": true}
 ]}
EOF
"$PY" "$root/tests/browser/check_report.py" plan.json || {
    echo "chromedriver log:"; tail -20 chromedriver.log 2>/dev/null; exit 1; }
echo "browser: all checks passed; screenshots in $shots"
exit 0
