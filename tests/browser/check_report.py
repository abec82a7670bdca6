"""check_report.py — opens finscope HTML reports in headless Chromium and checks them
(tests/e2e/t_html_browser.sh runs it; Debian's /usr/bin/python3, standard library only).

    check_report.py PLAN.json

PLAN.json: {"chromedriver": PATH, "chromium": PATH, "shots": DIR, "work": DIR,
            "pages": [PAGE, ...]}
PAGE: {"name": N, "path": FILE, "flows": total flows of the run, "rows": rows in the table,
       "ladders": ladders expected, "charts": ids of the charts that must be there (default:
       teardown, closer, ends, anomalies, apps), "filters": [{"td"|"an"|"host"|"port"|"app": VALUE,
       "rows": matching rows}, ...], "hostile": TEXT that must appear as text, never as markup,
       "expect_console_error": true for the negative control, "shot": true}

For every page: it loads with no console message of level SEVERE (a script error, a CSP
violation, a failed load), makes no network request (no resource entries; the CSP is
default-src 'none'; nothing refers to http(s)), has its charts and ladders in the DOM, counts
the table's rows as expected, filters (each filter gives the expected rows, every shown row
matching), sorts (packets, descending), pages (next page when there are more rows than fit),
and opens a ladder from a row of a reset flow. Screenshots go to DIR. Exit 0 when all pass.
"""

import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webdriver import Browser  # noqa: E402

FAILED = []


def check(ok, what):
    print(("ok:   " if ok else "FAIL: ") + what)
    if not ok:
        FAILED.append(what)
    return ok


def severe(entries):
    return [e for e in entries if e.get("level") == "SEVERE"]


STATE_JS = """
const q = s => document.querySelectorAll(s);
const meta = document.querySelector('meta[http-equiv="Content-Security-Policy"]');
return {
  resources: performance.getEntriesByType('resource').map(e => e.name),
  csp: meta ? meta.content : '',
  external: Array.from(q('[src],[href],[srcset],[action]')).map(e =>
      e.getAttribute('src') || e.getAttribute('href') || e.getAttribute('srcset') ||
      e.getAttribute('action')).filter(v => !v.startsWith('#')),
  scripts: q('script').length,
  charts: Array.from(q('svg.chart')).map(s => [s.id, s.querySelectorAll('rect').length]),
  ladders: q('section.ladder svg.ladder-svg').length,
  ladderRows: q('#flows tr.has-ladder').length + 0,
  matchCount: document.getElementById('match-count').textContent,
  shown: document.querySelectorAll('#flows tbody tr').length,
  pwned: typeof window.__pwned,
  images: q('img').length,
};
"""

ROWS_JS = """
const col = {};
Array.from(document.querySelectorAll('#flows thead th')).forEach((th, i) =>
    col[th.dataset.k] = i);
return Array.from(document.querySelectorAll('#flows tbody tr')).map(tr => {
  const c = k => tr.cells[col[k]].textContent;
  return {id: c('id'), td: c('td'), an: c('an'), orig: c('orig'), resp: c('resp'),
          app: c('app'), server: c('server'), pkts: +c('pkts')};
});
"""

SET_FILTER_JS = """
const [kind, value] = arguments;
for (const k of ['td', 'an', 'app', 'host', 'port'])
  document.getElementById('f-' + k).value = '';
const el = document.getElementById('f-' + kind);
el.value = value;
el.dispatchEvent(new Event(el.tagName === 'SELECT' ? 'change' : 'input'));
return [el.value, document.getElementById('match-count').textContent];
"""


def row_matches(row, kind, value):
    port = lambda a: a.rsplit(":", 1)[-1]
    host = lambda a: a.rsplit(":", 1)[0].strip("[]")
    if kind == "td":
        return row["td"] == value
    if kind == "an":
        return value in row["an"].split()
    if kind == "port":
        return value in (port(row["orig"]), port(row["resp"]))
    if kind == "app":
        return row["app"] == value
    if value.startswith("="):
        return value[1:] in (host(row["orig"]), host(row["resp"]), row["server"].lower())
    return any(value in h.lower() for h in (row["orig"], row["resp"], row["server"]))


def check_filters(b, page):
    name = page["name"]
    for f in page.get("filters", []):
        kind, value = next((k, v) for k, v in f.items() if k != "rows")
        b.execute(SET_FILTER_JS, kind, value)
        b.execute("document.getElementById('f-size').value = '1000';"
                  "document.getElementById('f-size').dispatchEvent(new Event('change'));")
        rows = b.execute(ROWS_JS)
        count = b.execute("return document.getElementById('match-count').textContent")
        check(count.startswith("%d of " % f["rows"]),
              "%s: filter %s=%s: %s (expected %d)" % (name, kind, value, count, f["rows"]))
        check(len(rows) == min(f["rows"], 1000) and all(row_matches(r, kind, value) for r in rows),
              "%s: filter %s=%s: every shown row matches (%d shown)" % (name, kind, value,
                                                                        len(rows)))
    b.execute("document.getElementById('f-clear').click();"
              "document.getElementById('f-size').value = '50';"
              "document.getElementById('f-size').dispatchEvent(new Event('change'));")


def check_sort_and_pages(b, page):
    name = page["name"]
    b.execute("document.querySelector('#flows th[data-k=pkts]').click()")
    rows = b.execute(ROWS_JS)
    pk = [r["pkts"] for r in rows]
    check(pk == sorted(pk, reverse=True) and len(pk) == min(50, page["rows"]),
          "%s: sorted by packets, descending (%s ...)" % (name, pk[:3]))
    if page["rows"] > 50:
        b.execute("document.getElementById('pager-next').click()")
        status = b.execute("return document.getElementById('pager-status').textContent")
        shown = b.execute("return document.querySelectorAll('#flows tbody tr').length")
        last = min(100, page["rows"])
        check(status.startswith("flows 51\u2013%d of %d" % (last, page["rows"])) and
              shown == last - 50, "%s: next page: %s" % (name, status))
        b.execute("document.getElementById('pager-prev').click()")
    b.execute("document.querySelector('#flows th[data-k=id]').click();"
              "document.querySelector('#flows th[data-k=id]').click()")


def check_ladder(b, page, shots):
    name = page["name"]
    if not page["ladders"]:
        return
    b.execute(SET_FILTER_JS, "an", "*")
    b.execute("document.getElementById('f-clear').click()")
    fid = b.execute("const tr = Array.from(document.querySelectorAll('#flows tbody "
                    "tr.has-ladder')).find(tr => /rst_/.test(tr.textContent)) || "
                    "document.querySelector('#flows tbody tr.has-ladder');"
                    "tr.scrollIntoView(); return tr.dataset.id;")
    b.click("#flows tbody tr[data-id='%s'] td:nth-child(3)" % fid)
    st = b.execute("const s = document.getElementById('flow-' + arguments[0]);"
                   "return {hash: location.hash, display: getComputedStyle(s).display,"
                   " height: s.offsetHeight, arrows: s.querySelectorAll('polygon').length,"
                   " text: s.textContent};", fid)
    check(st["hash"] == "#flow-" + fid and st["display"] != "none" and st["height"] > 100,
          "%s: a click on flow %s's row shows its ladder (%s, %dpx)" % (name, fid, st["hash"],
                                                                       st["height"]))
    check(st["arrows"] >= 2 and "RST" in st["text"] and "(originator)" in st["text"],
          "%s: the ladder has %d arrows, a RST and the endpoints" % (name, st["arrows"]))
    if page.get("shot"):
        b.screenshot(os.path.join(shots, "%s-ladder.png" % name), "#flow-%s" % fid)


def check_page(b, page, shots):
    name = page["name"]
    b.window_size(1400, 1000)
    b.get("file://" + os.path.abspath(page["path"]))
    st = b.execute(STATE_JS)
    errors = severe(b.console())
    if page.get("expect_console_error"):
        check(len(errors) > 0, "%s: the checker sees the console error (%s)" %
              (name, errors[0]["message"][:100] if errors else "none"))
        return
    check(not errors, "%s: no console error%s" % (name, (": " + errors[0]["message"][:300])
                                                  if errors else ""))
    check(st["resources"] == [] and not st["external"],
          "%s: no network request (resources %s, references %s)" % (name, st["resources"][:3],
                                                                     st["external"][:3]))
    check(st["csp"].startswith("default-src 'none';") and "'unsafe-inline'" not in st["csp"],
          "%s: CSP %s" % (name, st["csp"][:60]))
    charts = dict(st["charts"])
    want = page.get("charts", ["chart-teardown", "chart-closer", "chart-ends",
                               "chart-anomalies", "chart-apps"])
    check(all(charts.get(c, 0) > 0 for c in want),
          "%s: charts in the DOM with their bars: %s" % (name, st["charts"]))
    check(st["ladders"] == page["ladders"] and st["ladderRows"] <= page["ladders"],
          "%s: %d ladders in the DOM (expected %d)" % (name, st["ladders"], page["ladders"]))
    check(st["matchCount"] == "%d of %d flows match" % (page["rows"], page["rows"]) and
          st["shown"] == min(50, page["rows"]),
          "%s: table: %s, %d shown" % (name, st["matchCount"], st["shown"]))
    check(st["scripts"] == 1 and st["pwned"] == "undefined" and st["images"] == 0,
          "%s: no injected script or image ran (scripts %d, images %d)" %
          (name, st["scripts"], st["images"]))
    if page.get("hostile"):
        found = b.execute("return document.body.textContent.includes(arguments[0])",
                          page["hostile"])
        check(found, "%s: the hostile name shows as text" % name)
    if page.get("shot"):         # the top of the page, as docs/report.png shows it
        b.window_size(1280, 1160)
        b.execute("window.scrollTo(0, 0)")
        b.screenshot(os.path.join(shots, "%s-overview.png" % name))
        b.window_size(1400, 1000)
    check_filters(b, page)
    check_sort_and_pages(b, page)
    check_ladder(b, page, shots)
    errors = severe(b.console())
    check(not errors, "%s: no console error while using the page%s" %
          (name, (": " + errors[0]["message"][:300]) if errors else ""))


def main():
    plan = json.load(open(sys.argv[1]))
    os.makedirs(plan["shots"], exist_ok=True)
    profile = tempfile.mkdtemp(prefix="chromium-", dir=plan["work"])
    b = Browser(plan["chromedriver"], plan["chromium"], profile,
                os.path.join(plan["work"], "chromedriver.log"))
    try:
        for page in plan["pages"]:
            check_page(b, page, plan["shots"])
    finally:
        b.quit()
    print("browser: %d failed" % len(FAILED))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
