/**
 * The dashboard page's script, served inline under the page's CSP nonce.
 *
 * It builds the whole page with DOM calls (`textContent`, `className`, `setAttribute`):
 * never `innerHTML` or any other HTML sink, so a key such as
 * `<img src=x onerror=alert(1)>` is text. The page's CSP also requires Trusted Types,
 * so an HTML sink would throw rather than parse. It talks only to its own origin: the
 * stream at `<page>/events` and the controls at `<page>/actions`.
 *
 * @internal
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var cfg = JSON.parse(document.getElementById('bw-config').textContent);
  var base = location.pathname.replace(/\/+$/, '');
  var ORDER = ['open', 'forced_open', 'half_open', 'disabled', 'closed'];
  var LABEL = { open: 'Open', forced_open: 'Forced open', half_open: 'Half-open', disabled: 'Disabled', closed: 'Closed' };
  var ICON = { open: '\u2715', forced_open: '\u25A0', half_open: '\u25D0', disabled: '\u25CB', closed: '\u25CF' };
  var ACTIONS = [
    { action: 'force_open', label: 'Force open' },
    { action: 'disable', label: 'Disable' },
    { action: 'reset', label: 'Reset' }
  ];
  var canControl = cfg.access === 'control' && typeof cfg.token === 'string';
  var view = { q: '', open: '', page: 0 };
  var data = null;
  var receivedAt = 0;
  var es = null;
  var groupViews = new Map();
  var rowKeys = new WeakMap();
  var countdowns = [];

  var $groups = document.getElementById('groups');
  var $live = document.getElementById('live');
  var $totals = document.getElementById('totals');
  var $summary = document.getElementById('summary');
  var $log = document.getElementById('log');
  var $search = document.getElementById('search');
  var $toast = document.getElementById('toast');
  var $reg = document.getElementById('registry');

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function setText(node, text) {
    text = String(text);
    if (node.textContent !== text) node.textContent = text;
  }
  function setClass(node, cls) {
    if (node.className !== cls) node.className = cls;
  }
  function badge() {
    var b = el('span', 'badge');
    var icon = el('span');
    icon.setAttribute('aria-hidden', 'true');
    var text = el('span');
    b.appendChild(icon);
    b.appendChild(text);
    return { root: b, icon: icon, text: text };
  }
  function setBadge(b, state) {
    setClass(b.root, 'badge s-' + state);
    setText(b.icon, ICON[state] || '?');
    setText(b.text, LABEL[state] || state);
  }
  function pct(perMille) {
    return perMille === null || perMille === undefined ? '\u2013' : (perMille / 10).toFixed(1) + '%';
  }
  function num(n) {
    return n >= 100 ? String(Math.round(n)) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
  }
  function ms(n) {
    if (n === null || n === undefined) return '\u2013';
    if (n >= 1000) return (n / 1000).toFixed(n >= 10000 ? 0 : 1) + ' s';
    return (n >= 10 ? Math.round(n) : n.toFixed(1)) + ' ms';
  }
  function ago(msAgo) {
    var s = Math.max(0, Math.round(msAgo / 1000));
    if (s < 60) return s + ' s ago';
    var m = Math.round(s / 60);
    if (m < 60) return m + ' min ago';
    return Math.round(m / 60) + ' h ago';
  }
  function secs(msLeft) {
    return Math.max(0, Math.ceil(msLeft / 1000)) + ' s';
  }
  function elapsed() {
    return Date.now() - receivedAt;
  }

  // ---- sparklines ------------------------------------------------------------
  var SVG = 'http://www.w3.org/2000/svg';
  function spark(label, rate) {
    var svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('class', rate ? 'spark rate' : 'spark');
    svg.setAttribute('viewBox', '0 0 59 20');
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label + ' over the last 5 minutes');
    var path = document.createElementNS(SVG, 'path');
    svg.appendChild(path);
    return { svg: svg, path: path };
  }
  function drawSpark(s, points, max) {
    var d = '';
    var pen = false;
    var top = max;
    if (top === undefined) {
      top = 0;
      for (var i = 0; i < points.length; i++) if (points[i] > top) top = points[i];
    }
    if (!(top > 0)) top = 1;
    for (var j = 0; j < points.length; j++) {
      var v = points[j];
      if (v < 0) { pen = false; continue; }
      var y = (19 - (Math.min(v, top) / top) * 18).toFixed(1);
      d += (pen ? 'L' : 'M') + j + ' ' + y;
      pen = true;
    }
    if (s.path.getAttribute('d') !== d) s.path.setAttribute('d', d || 'M0 19');
  }

  // ---- groups ------------------------------------------------------------------
  function metric(parent, label, withSpark, rate, wide) {
    var m = el('div', wide ? 'metric wide' : 'metric');
    m.appendChild(el('span', 'label', label));
    var value = el('span', 'value');
    m.appendChild(value);
    var sp = null;
    if (withSpark) {
      sp = spark(label, rate);
      m.appendChild(sp.svg);
    }
    parent.appendChild(m);
    return { root: m, value: value, spark: sp };
  }

  function makeGroup(name) {
    var g = { name: name, rows: new Map() };
    g.root = el('article', 'group');
    var head = el('header', 'g-head');
    g.badge = badge();
    head.appendChild(g.badge.root);
    g.title = el('h2', 'g-name', name);
    head.appendChild(g.title);
    g.counts = el('span', 'g-counts');
    head.appendChild(g.counts);
    g.root.appendChild(head);
    var m = el('div', 'metrics');
    g.fr = metric(m, 'Failure rate', true, true);
    g.sr = metric(m, 'Slow-call rate', true, true);
    g.cps = metric(m, 'Calls/s', true, false);
    g.rps = metric(m, 'Rejections/s', true, false);
    g.lat = metric(m, 'Latency p50 / p99', false);
    g.half = metric(m, 'Half-open in', false);
    g.last = metric(m, 'Last transition', false, false, true);
    g.root.appendChild(m);
    g.keys = el('div', 'keys');
    g.keys.setAttribute('role', 'table');
    g.keys.setAttribute('aria-label', 'Breakers of ' + name);
    g.root.appendChild(g.keys);
    var foot = el('div', 'g-foot');
    g.more = el('button', 'more');
    g.more.type = 'button';
    g.more.addEventListener('click', function () {
      view.open = view.open === name ? '' : name;
      view.page = 0;
      connect();
    });
    g.prev = el('button', 'prev', 'Previous');
    g.prev.type = 'button';
    g.prev.addEventListener('click', function () { if (view.page > 0) { view.page--; connect(); } });
    g.next = el('button', 'next', 'Next');
    g.next.type = 'button';
    g.next.addEventListener('click', function () { view.page++; connect(); });
    g.range = el('span', 'note');
    foot.appendChild(g.more);
    foot.appendChild(g.prev);
    foot.appendChild(g.next);
    foot.appendChild(g.range);
    g.root.appendChild(foot);
    return g;
  }

  function makeRow(key) {
    var r = { key: key };
    r.root = el('div', 'krow');
    r.root.setAttribute('role', 'row');
    r.badge = badge();
    var b = el('span');
    b.setAttribute('role', 'cell');
    b.appendChild(r.badge.root);
    r.root.appendChild(b);
    r.name = el('code', 'k-key', key);
    r.name.setAttribute('role', 'cell');
    r.root.appendChild(r.name);
    r.rates = el('span', 'k-cell');
    r.rates.setAttribute('role', 'cell');
    r.root.appendChild(r.rates);
    r.timing = el('span', 'k-cell');
    r.timing.setAttribute('role', 'cell');
    r.root.appendChild(r.timing);
    r.last = el('span', 'k-cell');
    r.last.setAttribute('role', 'cell');
    r.root.appendChild(r.last);
    r.ctl = el('span', 'k-ctl');
    r.ctl.setAttribute('role', 'cell');
    r.buttons = {};
    if (canControl) {
      var list = ACTIONS.concat([{ action: 'mode', label: 'Observe' }]);
      for (var i = 0; i < list.length; i++) {
        var btn = el('button', 'ctl', list[i].label);
        btn.type = 'button';
        btn.dataset.action = list[i].action;
        btn.dataset.label = list[i].label;
        rowKeys.set(btn, r);
        r.buttons[list[i].action] = btn;
        r.ctl.appendChild(btn);
      }
    }
    r.root.appendChild(r.ctl);
    return r;
  }

  function updateRow(r, k) {
    r.state = k.state;
    r.mode = k.mode;
    setBadge(r.badge, k.state);
    setText(r.rates, 'failures ' + pct(k.fr) + ' \u00B7 slow ' + pct(k.sr) + ' \u00B7 ' + k.calls + ' in window');
    var timing = 'mode ' + k.mode;
    if (k.state === 'open' && k.retryAfterMs !== null) {
      countdowns.push({ node: r.timing, left: k.retryAfterMs, prefix: 'half-open in ', suffix: ' \u00B7 ' + timing });
      timing = 'half-open in ' + secs(k.retryAfterMs - elapsed()) + ' \u00B7 ' + timing;
    } else if (k.halfOpen) {
      timing = 'probes ' + k.halfOpen.recorded + '/' + k.halfOpen.maxCalls + ' (' + k.halfOpen.inFlight + ' in flight) \u00B7 ' + timing;
    }
    setText(r.timing, timing);
    setText(r.last, k.last ? k.last.from + ' \u2192 ' + k.last.to + ' (' + k.last.reason + ') ' + ago(k.last.ageMs) : 'no transition yet');
    if (canControl) {
      var b = r.buttons;
      if (b.force_open) b.force_open.disabled = k.state === 'forced_open';
      if (b.disable) b.disable.disabled = k.state === 'disabled';
      if (b.mode) {
        var next = k.mode === 'observe' ? 'Enforce' : 'Observe';
        b.mode.dataset.label = next;
        b.mode.dataset.mode = k.mode === 'observe' ? 'enforce' : 'observe';
        if (!b.mode.classList.contains('confirm')) setText(b.mode, next);
        b.mode.disabled = k.mode === 'off';
      }
    }
  }

  function updateGroup(g, d) {
    setClass(g.root, 'group s-' + d.worst);
    setBadge(g.badge, d.worst);
    var parts = [d.keys + (d.keys === 1 ? ' breaker' : ' breakers')];
    for (var i = 0; i < ORDER.length; i++) {
      if (d.states[i] > 0 && !(d.states[i] === d.keys && ORDER[i] === 'closed')) parts.push(d.states[i] + ' ' + LABEL[ORDER[i]].toLowerCase());
    }
    setText(g.counts, parts.join(' \u00B7 '));
    setText(g.fr.value, pct(d.fr));
    setText(g.sr.value, pct(d.sr));
    setText(g.cps.value, num(d.cps));
    setText(g.rps.value, num(d.rps));
    setText(g.lat.value, ms(d.p50) + ' / ' + ms(d.p99));
    if (d.nextHalfOpenMs !== null) {
      countdowns.push({ node: g.half.value, left: d.nextHalfOpenMs, prefix: '', suffix: '' });
      setText(g.half.value, secs(d.nextHalfOpenMs - elapsed()));
    } else {
      setText(g.half.value, '\u2013');
    }
    setText(g.last.value, d.last
      ? d.last.from + ' \u2192 ' + d.last.to + ' (' + d.last.reason + ') ' + ago(d.last.ageMs) + ' \u00B7 ' + d.last.key
      : 'none seen');
    if (d.spark) {
      drawSpark(g.fr.spark, d.spark.f, 1000);
      drawSpark(g.sr.spark, d.spark.s, 1000);
      drawSpark(g.cps.spark, d.spark.c);
      drawSpark(g.rps.spark, d.spark.r);
    }
    // Rows, keyed by breaker key, in the server's order.
    var seen = new Set();
    for (var j = 0; j < d.rows.length; j++) {
      var k = d.rows[j];
      var r = g.rows.get(k.key);
      if (!r) {
        r = makeRow(k.key);
        g.rows.set(k.key, r);
      }
      seen.add(k.key);
      updateRow(r, k);
      if (g.keys.children[j] !== r.root) g.keys.insertBefore(r.root, g.keys.children[j] || null);
    }
    g.rows.forEach(function (r, key) {
      if (!seen.has(key)) {
        r.root.remove();
        g.rows.delete(key);
      }
    });
    var opened = view.open === d.name;
    g.more.hidden = d.matched <= d.rows.length && !opened;
    setText(g.more, opened ? 'Show fewer' : 'Show all ' + d.matched + ' breakers');
    g.prev.hidden = !opened;
    g.next.hidden = !opened;
    g.prev.disabled = d.offset === 0;
    g.next.disabled = d.offset + d.rows.length >= d.matched;
    g.range.hidden = !opened;
    setText(g.range, d.rows.length === 0 ? 'none' : (d.offset + 1) + '\u2013' + (d.offset + d.rows.length) + ' of ' + d.matched);
  }

  function render() {
    if (!data) return;
    countdowns = [];
    setText($reg, data.registry);
    // Totals: every state, with its count, as text and colour.
    $totals.replaceChildren();
    for (var i = 0; i < ORDER.length; i++) {
      if (data.states[i] === 0 && ORDER[i] !== 'closed') continue;
      var b = badge();
      setBadge(b, ORDER[i]);
      setText(b.text, LABEL[ORDER[i]] + ' ' + data.states[i]);
      $totals.appendChild(b.root);
    }
    var shown = data.groups.length;
    var summary = data.size + (data.size === 1 ? ' breaker' : ' breakers') + ' in ' + data.groupsTotal + (data.groupsTotal === 1 ? ' group' : ' groups');
    if (view.q) summary += ' \u00B7 ' + data.groupsMatched + ' matching';
    if (shown < data.groupsMatched) summary += ' \u00B7 showing the ' + shown + ' most urgent';
    if (data.truncated) summary += ' \u00B7 trimmed to stay small';
    setText($summary, shown === 0 && data.size === 0 ? 'No breakers yet: they appear with the first requests.' : summary);
    var seen = new Set();
    for (var j = 0; j < data.groups.length; j++) {
      var d = data.groups[j];
      var g = groupViews.get(d.name);
      if (!g) {
        g = makeGroup(d.name);
        groupViews.set(d.name, g);
      }
      seen.add(d.name);
      updateGroup(g, d);
      if ($groups.children[j] !== g.root) $groups.insertBefore(g.root, $groups.children[j] || null);
    }
    groupViews.forEach(function (g, name) {
      if (!seen.has(name)) {
        g.root.remove();
        groupViews.delete(name);
      }
    });
    renderLog();
  }

  function renderLog() {
    var items = [];
    for (var i = 0; i < data.log.length; i++) {
      var e = data.log[i];
      var li = el('li');
      var what = el('span', 'what');
      var b = badge();
      setBadge(b, e.to);
      what.appendChild(b.root);
      what.appendChild(el('code', 'k-key', e.key));
      li.appendChild(what);
      var meta = e.from + ' \u2192 ' + e.to + ' \u00B7 ' + (e.action ? 'action ' + e.action : e.reason);
      if (e.actor) meta += ' by ' + e.actor;
      meta += ' \u00B7 ' + ago(e.ageMs + elapsed());
      li.appendChild(el('span', 'meta', meta));
      items.push(li);
    }
    if (items.length === 0) items.push(el('li', 'note', 'No transitions yet.'));
    $log.replaceChildren.apply($log, items);
  }

  // The countdowns tick between updates.
  setInterval(function () {
    if (!data) return;
    var passed = elapsed();
    for (var i = 0; i < countdowns.length; i++) {
      var c = countdowns[i];
      setText(c.node, c.prefix + secs(c.left - passed) + c.suffix);
    }
  }, 500);

  // ---- the stream ----------------------------------------------------------------
  function setLive(on) {
    setClass($live, on ? 'live on' : 'live off');
    setText($live, on ? 'Live' : 'Reconnecting\u2026');
  }
  function connect() {
    if (es) es.close();
    var qs = new URLSearchParams();
    if (view.q) qs.set('q', view.q);
    if (view.open) qs.set('open', view.open);
    if (view.page) qs.set('page', String(view.page));
    var s = qs.toString();
    es = new EventSource(base + '/events' + (s ? '?' + s : ''));
    es.addEventListener('update', function (ev) {
      var next;
      try { next = JSON.parse(ev.data); } catch (e) { return; }
      data = next;
      receivedAt = Date.now();
      setLive(true);
      render();
    });
    es.addEventListener('error', function () { setLive(false); });
  }

  var searchTimer = 0;
  $search.addEventListener('input', function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () {
      var q = $search.value.trim().slice(0, 200);
      if (q === view.q) return;
      view.q = q;
      view.page = 0;
      connect();
    }, 250);
  });

  // ---- controls --------------------------------------------------------------------
  var toastTimer = 0;
  function toast(text) {
    setText($toast, text);
    $toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { $toast.hidden = true; }, 4000);
  }
  function disarm(btn) {
    btn.classList.remove('confirm');
    setText(btn, btn.dataset.label);
  }
  document.addEventListener('click', function (ev) {
    var target = ev.target;
    var btn = target && target.closest ? target.closest('button.ctl') : null;
    if (!btn || !canControl) return;
    var row = rowKeys.get(btn);
    if (!row) return;
    if (!btn.classList.contains('confirm')) {
      btn.classList.add('confirm');
      setText(btn, 'Confirm ' + btn.dataset.label.toLowerCase());
      setTimeout(function () { disarm(btn); }, 5000);
      return;
    }
    disarm(btn);
    var action = btn.dataset.action === 'mode' ? btn.dataset.mode : btn.dataset.action;
    btn.disabled = true;
    fetch(base + '/actions', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-breakwater-csrf': cfg.token },
      body: JSON.stringify({ action: action, key: row.key })
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (res.ok) toast('Done: ' + action.replace('_', ' ') + ' \u00B7 ' + row.key + ' is ' + (LABEL[body.state] || body.state) + ', mode ' + body.mode);
        else toast('Refused (' + res.status + '): ' + (body && typeof body.title === 'string' ? body.title : 'error'));
      });
    }, function () {
      toast('The dashboard could not be reached.');
    }).then(function () { btn.disabled = false; });
  });

  setLive(false);
  connect();
})();
`;
