/* page.js — the behaviour of finscope's HTML report (report/html.c embeds it). The flow table
   filters (teardown, anomaly, host, port, application), sorts (click a column heading) and
   pages; chart items and addresses set a filter; a row that has a ladder opens it. Plain
   JavaScript, no library, no network. Without it the page still shows everything: every
   row, and each ladder through its link (CSS :target). */
(function () {
  'use strict';
  var table = document.getElementById('flows');
  if (!table) { return; }
  var body = table.tBodies[0];
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var col = {};
  heads.forEach(function (th, i) { col[th.getAttribute('data-k')] = i; });
  function $(id) { return document.getElementById(id); }
  function cell(tr, k) { var i = col[k]; return i === undefined ? '' : tr.cells[i].textContent; }
  function split(s) {                  /* "addr:port" or "[v6]:port" -> [addr, port] */
    var i = s.lastIndexOf(':');
    if (i < 0) { return [s, '']; }
    return [s.slice(0, i).replace(/^\[/, '').replace(/\]$/, ''), s.slice(i + 1)];
  }
  var rows = Array.prototype.slice.call(body.rows).map(function (tr, n) {
    var o = split(cell(tr, 'orig')), r = split(cell(tr, 'resp'));
    return { tr: tr, n: n, td: cell(tr, 'td'), app: cell(tr, 'app'),
             an: cell(tr, 'an').split(' ').filter(Boolean),
             hosts: [o[0], r[0], cell(tr, 'server')].map(function (h) { return h.toLowerCase(); }),
             ports: [o[1], r[1]] };
  });
  var ctl = { td: $('f-td'), an: $('f-an'), host: $('f-host'), port: $('f-port'),
              app: $('f-app'), size: $('f-size') };
  var state = { shown: rows, page: 0, key: null, dir: 1 };

  function addOption(select, value, label) {
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === value) { return; }
    }
    var opt = document.createElement('option');
    opt.value = value;
    opt.textContent = label || value;
    select.appendChild(opt);
  }
  function fillOptions() {
    var td = {}, an = {}, app = {};
    rows.forEach(function (r) {
      td[r.td] = 1; app[r.app] = 1;
      r.an.forEach(function (k) { an[k] = 1; });
    });
    Object.keys(td).sort().forEach(function (v) {
      addOption(ctl.td, v, v === '-' ? '(not TCP)' : v);
    });
    Object.keys(an).sort().forEach(function (v) { addOption(ctl.an, v); });
    Object.keys(app).sort().forEach(function (v) { addOption(ctl.app, v); });
  }

  function hostMatch(r, q) {
    if (!q) { return true; }
    if (q.charAt(0) === '=') {
      q = q.slice(1);
      return r.hosts.indexOf(q) >= 0;
    }
    return r.hosts.some(function (h) { return h.indexOf(q) >= 0; });
  }
  function matches(r, f) {
    if (f.td && r.td !== f.td) { return false; }
    if (f.an === '*' && !r.an.length) { return false; }
    if (f.an === '-' && r.an.length) { return false; }
    if (f.an && f.an !== '*' && f.an !== '-' && r.an.indexOf(f.an) < 0) { return false; }
    if (f.port && r.ports.indexOf(f.port) < 0) { return false; }
    if (f.app && r.app !== f.app) { return false; }
    return hostMatch(r, f.host);
  }
  function apply() {
    var f = { td: ctl.td.value, an: ctl.an.value, app: ctl.app.value,
              host: ctl.host.value.trim().toLowerCase(), port: ctl.port.value.trim() };
    state.shown = rows.filter(function (r) { return matches(r, f); });
    sortShown();
    state.page = 0;
    render();
  }

  function sortKey(r, k, numeric) {
    var t = cell(r.tr, k);
    if (!numeric) { return t; }
    var v = parseFloat(t);
    return isNaN(v) ? -Infinity : v;
  }
  function sortShown() {
    if (state.key === null) { return; }
    var th = heads[col[state.key]], numeric = th.classList.contains('n');
    var keyed = state.shown.map(function (r) {
      return { r: r, v: sortKey(r, state.key, numeric) };
    });
    keyed.sort(function (a, b) {
      if (a.v < b.v) { return -state.dir; }
      if (a.v > b.v) { return state.dir; }
      return a.r.n - b.r.n;
    });
    state.shown = keyed.map(function (x) { return x.r; });
  }
  function sortBy(th) {
    var k = th.getAttribute('data-k');
    state.dir = state.key === k ? -state.dir : (th.classList.contains('n') ? -1 : 1);
    state.key = k;
    heads.forEach(function (h) { h.classList.remove('asc', 'desc'); });
    th.classList.add(state.dir > 0 ? 'asc' : 'desc');
    sortShown();
    render();
  }

  function render() {
    var size = parseInt(ctl.size.value, 10) || 50;
    var total = state.shown.length, pages = Math.max(1, Math.ceil(total / size));
    if (state.page >= pages) { state.page = pages - 1; }
    var from = state.page * size, slice = state.shown.slice(from, from + size);
    var frag = document.createDocumentFragment();
    slice.forEach(function (r) { frag.appendChild(r.tr); });
    while (body.firstChild) { body.removeChild(body.firstChild); }
    body.appendChild(frag);
    $('pager-status').textContent = total === 0 ? 'no flow matches' :
      'flows ' + (from + 1) + '\u2013' + (from + slice.length) + ' of ' + total +
      ' matching (page ' + (state.page + 1) + ' of ' + pages + ')';
    $('match-count').textContent = total + ' of ' + rows.length + ' flows match';
    $('pager-prev').disabled = state.page === 0;
    $('pager-next').disabled = state.page + 1 >= pages;
  }

  function pick(kind, value) {
    var c = ctl[kind];
    if (!c) { return; }
    if (c.tagName === 'SELECT') { addOption(c, value); }
    c.value = value;
    apply();
    $('flows-card').scrollIntoView();
  }

  fillOptions();
  ['td', 'an', 'app', 'size'].forEach(function (k) { ctl[k].addEventListener('change', apply); });
  ['host', 'port'].forEach(function (k) { ctl[k].addEventListener('input', apply); });
  $('f-clear').addEventListener('click', function () {
    ['td', 'an', 'app', 'host', 'port'].forEach(function (k) { ctl[k].value = ''; });
    apply();
  });
  $('pager-prev').addEventListener('click', function () { state.page--; render(); });
  $('pager-next').addEventListener('click', function () { state.page++; render(); });
  heads.forEach(function (th) { th.addEventListener('click', function () { sortBy(th); }); });
  body.addEventListener('click', function (ev) {
    var tr = ev.target.closest('tr');
    if (!tr || !tr.classList.contains('has-ladder') || ev.target.closest('a')) { return; }
    location.hash = 'flow-' + tr.getAttribute('data-id');
  });
  Array.prototype.forEach.call(document.querySelectorAll('[data-filter]'), function (el) {
    el.addEventListener('click', function () {
      pick(el.getAttribute('data-filter'), el.getAttribute('data-value'));
    });
  });
  document.documentElement.classList.add('js');
  apply();
}());
