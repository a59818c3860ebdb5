// Fido staff dashboard. Contract: asks for an API key once (sessionStorage "fido.apiKey", this tab
// only), sends it as X-API-Key to this origin's API only, refreshes every panel every 10 s, and
// shows every failure (401, 503, network) in the page. Each panel sets data-state to "ok" (drawn
// with data), "empty" or "error"; charts also set data-points (how many points they drew) and
// data-key (what they show, e.g. "24hEUR").
(function () {
  "use strict";
  var KEY_NAME = "fido.apiKey", REFRESH_MS = 10000;
  var RANGES = { "1h": [3600, "1m"], "24h": [86400, "5m"], "7d": [604800, "1h"], "30d": [2592000, "1d"] };
  var charts = {}, timer = null;
  var $ = function (id) { return document.getElementById(id); };

  function apiKey() { return sessionStorage.getItem(KEY_NAME); }

  function ApiError(status, message) { this.status = status; this.message = message; }

  function api(path, allow) {
    return fetch(path, { headers: { "X-API-Key": apiKey() || "", "Accept": "application/json" } })
      .catch(function () { throw new ApiError(0, "the service did not answer"); })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (body) {
          if (res.ok || (allow && allow.indexOf(res.status) >= 0)) return { status: res.status, body: body };
          throw new ApiError(res.status, body.message || res.statusText);
        });
      });
  }

  function panel(name) { return document.querySelector('[data-panel="' + name + '"]'); }

  function setState(name, state, message) {
    var el = panel(name), err = el.querySelector(".panel-error");
    el.dataset.state = state;
    err.hidden = !message;
    err.textContent = message || "";
  }

  function fail(name, e) {
    var text = e.status ? e.message + " (" + e.status + ")" : "Error: " + e.message;
    setState(name, "error", text);
    if (e.status === 401) banner("The API key was refused (401): " + e.message + " Enter another key.");
  }

  function banner(text) { var el = $("error"); el.hidden = !text; el.textContent = text || ""; }

  function cell(row, text, cls) {
    var td = document.createElement("td");
    td.textContent = text == null ? "" : String(text);
    if (cls) td.className = cls;
    row.appendChild(td);
  }

  function fill(tbodyId, rows, build) {
    var body = $(tbodyId);
    body.textContent = "";
    rows.forEach(function (item) { var tr = document.createElement("tr"); build(tr, item); body.appendChild(tr); });
  }

  // One uPlot per box, rebuilt when its options change (`key`: range, currency), else fed new data.
  function draw(id, key, opts, data) {
    var el = $(id), width = Math.max(240, el.clientWidth || 300);
    opts.width = width; opts.height = 240;
    if (charts[id] && charts[id].fidoKey === key) {
      charts[id].setData(data);
      if (charts[id].width !== width) charts[id].setSize({ width: width, height: 240 });
    } else {
      if (charts[id]) charts[id].destroy();
      el.textContent = "";
      charts[id] = new uPlot(opts, data, el);
      charts[id].fidoKey = key;
    }
    el.dataset.points = String(data[0].length);
    el.dataset.key = key;
  }

  function ready() {
    return api("/health/ready", [503]).then(function (r) {
      var list = $("ready");
      list.textContent = "";
      Object.keys(r.body.checks || {}).forEach(function (name) {
        var c = r.body.checks[name], li = document.createElement("li"), label = document.createElement("span");
        var value = document.createElement("span");
        label.textContent = name + (c.count != null ? " (" + c.count + ")" : "");
        value.textContent = (c.ok ? "ok" : "down") + " · " + c.latency_ms + " ms";
        value.className = c.ok ? "ok" : "bad";
        li.appendChild(label); li.appendChild(value); list.appendChild(li);
      });
      setState("ready", "ok", r.status === 503 ? "Degraded (503): a dependency is down." : "");
    }).catch(function (e) { fail("ready", e); });
  }

  function queues() {
    return api("/api/v1/queues").then(function (r) {
      fill("queues", r.body.items, function (tr, q) { cell(tr, q.queue); cell(tr, q.length); });
      setState("queues", "ok");
    }).catch(function (e) { fail("queues", e); });
  }

  function cap() {
    return api("/api/v1/orders/summary").then(function (r) {
      var s = r.body, used = Number(s.total_btc), total = Number(s.cap_btc), dl = $("cap");
      $("cap-meter").max = total || 1; $("cap-meter").value = used;
      dl.textContent = "";
      [["used", s.total_btc + " BTC"], ["remaining", s.remaining_btc + " BTC"], ["cap", s.cap_btc + " BTC"],
       ["orders", s.orders_count]].forEach(function (p) {
        var dt = document.createElement("dt"), dd = document.createElement("dd");
        dt.textContent = p[0]; dd.textContent = p[1]; dl.appendChild(dt); dl.appendChild(dd);
      });
      setState("cap", "ok");
    }).catch(function (e) { fail("cap", e); });
  }

  var priceAsked = 0;

  function price() {
    var asked = ++priceAsked, range = RANGES[$("range").value], currency = $("currency").value;
    var to = new Date(), from = new Date(to.getTime() - range[0] * 1000);
    var q = "?currency=" + currency + "&interval=" + range[1] + "&from=" + encodeURIComponent(from.toISOString()) +
      "&to=" + encodeURIComponent(to.toISOString());
    return api("/api/v1/prices/btc/history" + q).then(function (r) {
      if (asked !== priceAsked) return; // a newer request (another range or currency) is on its way
      var pts = r.body.points;
      draw("price-chart", $("range").value + currency, {
        series: [{}, { label: currency + " close", stroke: "#2f6fed", width: 2 },
          { label: "high", stroke: "#9db7f5" }, { label: "low", stroke: "#9db7f5" }],
        scales: { x: { time: true, range: [from.getTime() / 1000, to.getTime() / 1000] } },
        axes: [{}, { size: 70 }], legend: { live: false }
      }, [pts.map(function (p) { return Date.parse(p.at) / 1000; }), pts.map(function (p) { return Number(p.close); }),
        pts.map(function (p) { return Number(p.high); }), pts.map(function (p) { return Number(p.low); })]);
      $("price-last").textContent = pts.length ? "last " + pts[pts.length - 1].close + " " + currency : "";
      setState("price", pts.length ? "ok" : "empty", pts.length ? "" : "No quote in this range yet.");
    }).catch(function (e) { fail("price", e); });
  }

  function runs() {
    return api("/api/v1/ingestions?page_size=20").then(function (r) {
      fill("runs", r.body.items, function (tr, run) {
        cell(tr, run.created_at.replace("T", " ").slice(0, 19));
        cell(tr, run.status, run.status === "succeeded" ? "ok" : run.status === "failed" ? "bad" : "");
        cell(tr, run.trigger);
        cell(tr, run.duration_ms == null ? "…" : (run.duration_ms / 1000).toFixed(1) + " s");
        cell(tr, run.assets_ingested); cell(tr, (run.errors || []).length);
      });
      setState("runs", r.body.items.length ? "ok" : "empty", r.body.items.length ? "" : "No run yet.");
    }).catch(function (e) { fail("runs", e); });
  }

  function assets() {
    return api("/api/v1/assets?limit=10").then(function (r) {
      fill("assets", r.body.items, function (tr, a) {
        cell(tr, a.rank); cell(tr, a.symbol); cell(tr, a.name); cell(tr, a.price_usd == null ? "–" : a.price_usd);
      });
      setState("assets", "ok");
    }).catch(function (e) { fail("assets", e); });
  }

  function user() {
    var id = $("user-id").value.trim();
    if (!id) { setState("user", "empty", ""); return Promise.resolve(); }
    var base = "/api/v1/users/" + encodeURIComponent(id) + "/analytics";
    return Promise.all([api(base + "/daily"), api(base)]).then(function (rs) {
      var days = rs[0].body.items, score = rs[1].body.credit_score;
      draw("user-chart", "user", {
        series: [{}, { label: "balance", stroke: "#1a7f37", width: 2, scale: "money" },
          { label: "transactions", stroke: "#f79009", fill: "rgba(247,144,9,.35)", scale: "n",
            paths: uPlot.paths.bars({ size: [0.6, 40] }) }],
        scales: { n: { range: function (u, lo, hi) { return [0, Math.max(1, hi)]; } } },
        axes: [{}, { scale: "money", size: 70 }, { scale: "n", side: 1, grid: { show: false } }],
        legend: { live: false }
      }, [days.map(function (d) { return Date.parse(d.date + "T00:00:00Z") / 1000; }),
        days.map(function (d) { return Number(d.balance); }), days.map(function (d) { return d.transactions; })]);
      var box = $("score"), head = document.createElement("p"), list = document.createElement("ul");
      box.textContent = "";
      head.textContent = "Credit score " + score.score + " (" + score.band + "), balance " + rs[1].body.balance;
      score.factors.forEach(function (f) {
        var li = document.createElement("li");
        li.textContent = f.name + ": " + f.impact + " (" + f.points + " pts), " + f.detail;
        list.appendChild(li);
      });
      box.appendChild(head); box.appendChild(list);
      setState("user", "ok");
    }).catch(function (e) { fail("user", e); });
  }

  function refresh() {
    if (!apiKey()) return;
    banner("");
    Promise.all([ready(), queues(), cap(), price(), runs(), assets(), user()]).then(function () {
      $("status").textContent = "Updated " + new Date().toLocaleTimeString() + " · every 10 s";
    });
  }

  function start() {
    if (timer) clearInterval(timer);
    refresh();
    timer = setInterval(refresh, REFRESH_MS);
  }

  $("key-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var value = $("key").value.trim();
    if (!value) return;
    sessionStorage.setItem(KEY_NAME, value);
    $("key").value = "";
    start();
  });
  $("forget").addEventListener("click", function () {
    sessionStorage.removeItem(KEY_NAME);
    if (timer) clearInterval(timer);
    $("status").textContent = "Key forgotten. Enter an API key.";
  });
  $("user-form").addEventListener("submit", function (ev) { ev.preventDefault(); user(); });
  $("currency").addEventListener("change", price);
  $("range").addEventListener("change", price);
  // Charts follow their box; body[data-width] tells a test the layout caught up with the window.
  function fit() {
    Object.keys(charts).forEach(function (id) {
      var width = Math.max(240, $(id).clientWidth || 300);
      if (charts[id].width !== width) charts[id].setSize({ width: width, height: 240 });
    });
    document.body.dataset.width = String(window.innerWidth);
  }
  window.addEventListener("resize", fit);
  fit();
  if (apiKey()) start();
}());
