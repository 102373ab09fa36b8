/// The dashboard page: one self-contained document (no CDN, no build step; clusters are often
/// air-gapped). Plots arrive as inline SVG from `/api/figures` and `/api/curves`, drawn by the
/// same code as report.html; the script polls the JSON API every 2 s and patches the page in
/// place (no reload: scroll position, selections and the open trial stay).
enum DashboardPage {
  static let html = #"""
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Orbit dashboard</title>
    <style>
    body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
    header{background:#12263a;color:#fff;padding:12px 20px}
    header h1{margin:0;font-size:20px;display:inline-block;margin-right:12px}
    .state{display:inline-block;padding:1px 8px;border-radius:9px;background:#2e7d32;font-size:12px;vertical-align:3px}
    .state.stale,.state.interrupted{background:#b26a00}.state.failed{background:#b00020}.state.finished{background:#455a64}
    #stats{display:flex;flex-wrap:wrap;gap:6px 22px;margin-top:8px;font-size:13px}
    #stats b{font-weight:600}
    main{padding:10px 20px 40px}
    section{background:#fff;border:1px solid #e0e0e0;border-radius:6px;margin:14px 0;padding:10px 14px}
    h2{font-size:16px;margin:4px 0 8px}
    .row{display:flex;flex-wrap:wrap;gap:12px}
    svg.plot{background:#fff;max-width:100%;height:auto}
    svg .title{font-weight:600;font-size:13px} svg text{font-size:11px}
    svg .point{stroke:#fff;stroke-width:.6} svg .band{opacity:.18} svg .fit{fill:none;stroke-width:2}
    svg .grid{stroke:#eee} svg .axis{stroke:#555}
    table{border-collapse:collapse;font-size:12.5px;width:100%}
    th,td{border-bottom:1px solid #eee;padding:3px 6px;text-align:left;white-space:nowrap}
    th{background:#f3f3f3;position:sticky;top:0} th.sort{cursor:pointer;text-decoration:underline dotted}
    tr.trial{cursor:pointer} tr.trial:hover{background:#f0f6ff}
    .ok{color:#2e7d32}.failed,.timeout,.lost{color:#b00020}.diverged,.cancelled,.stopped{color:#8d6e00}
    .muted{color:#777} .warn{color:#8d6e00}
    #detail{white-space:pre-wrap;font:12px ui-monospace,monospace;background:#f6f6f6;padding:8px;max-height:320px;overflow:auto}
    .controls{margin:4px 0 8px;display:flex;gap:10px;align-items:center;flex-wrap:wrap}
    #verdict{margin:6px 0}
    #timeline rect{shape-rendering:crispEdges}
    ul.curve-families{list-style:none;display:flex;flex-wrap:wrap;gap:4px 18px;padding:0;margin:6px 0}
    #curves h2{display:none} #curves>p{color:#777;margin:2px 0}
    </style></head>
    <body>
    <header><h1 id="name">Orbit</h1><span id="state" class="state">…</span>
    <div id="stats"></div></header>
    <main>
    <section id="scaling"><h2>Scaling curves</h2>
    <p id="fitinfo" class="muted">loading…</p>
    <div id="figures" class="row"></div>
    <ul id="verdict"></ul><ul id="warnings" class="warn"></ul></section>
    <section id="learning"><h2>Learning curves</h2>
    <div class="controls">family <select id="curvefamily"><option value="">all</option></select>
    <span id="curveinfo" class="muted"></span></div><div id="curves"></div></section>
    <section id="workers-section"><h2>Workers</h2>
    <div id="timeline"></div>
    <table id="workers"><thead><tr><th>worker</th><th>host</th><th>slots</th><th>busy</th>
    <th>last heard</th><th>done</th><th>failed</th><th>refused</th><th>state</th></tr></thead><tbody></tbody></table></section>
    <section id="trials-section"><h2>Trials</h2>
    <div class="controls">status <select id="status"><option value="">any</option>
    <option>ok</option><option>failed</option><option>diverged</option><option>timeout</option>
    <option>lost</option><option>cancelled</option><option>stopped</option></select>
    family <select id="family"><option value="">any</option></select>
    <button id="prev">◀</button><span id="page"></span><button id="next">▶</button></div>
    <div style="max-height:480px;overflow:auto"><table id="trials"><thead></thead><tbody></tbody></table></div>
    <div id="detail" hidden></div></section>
    <section id="errors-section"><h2>Errors</h2><table id="errors"><tbody></tbody></table></section>
    </main>
    <script>
    "use strict";
    const token = new URLSearchParams(location.search).get("token");
    const state = {offset: 0, limit: 50, sort: "recorded", desc: true, status: "", family: "",
      finished: false, figuresAt: 0, lastRecorded: -1};
    function api(path, params) {
      const q = new URLSearchParams(params || {});
      if (token) q.set("token", token);
      const s = q.toString();
      return fetch(path + (s ? "?" + s : ""), {cache: "no-store"}).then(r => {
        if (!r.ok) return r.json().then(e => { throw new Error(e.error || r.status); });
        return r.json();
      });
    }
    const $ = id => document.getElementById(id);
    function esc(s) { return String(s).replace(/[&<>"']/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;","'":"&#39;"})[c]); }
    function dur(s) {
      if (s == null) return "–";
      if (s < 10) return Math.max(0, s).toFixed(s < 1 ? 2 : 1) + "s";
      s = Math.round(s);
      const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60), x = s % 60;
      return d ? `${d}d${h}h` : h ? `${h}h${String(m).padStart(2,"0")}m` : m ? `${m}m${String(x).padStart(2,"0")}s` : `${x}s`;
    }
    function num(v) { return typeof v === "number" ? (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : +v.toPrecision(5)) : esc(v); }
    function ago(t) { return t ? dur(Date.now() / 1000 - t) + " ago" : "–"; }
    function stat(label, value, id) { return `<span${id ? ` id="${id}"` : ""}>${label} <b>${value}</b></span>`; }

    function sweep() {
      return api("/api/sweep").then(s => {
        document.title = `${s.name} · Orbit`;
        $("name").textContent = s.name;
        const shown = s.state === "running" && !s.live ? "stale" : s.state;
        $("state").textContent = shown === "stale" ? "coordinator silent" : shown;
        $("state").className = "state " + shown;
        const counts = Object.keys(s.counts).sort().map(k => `<span class="count" data-status="${k}">${k} <b>${s.counts[k]}</b></span>`).join("");
        const best = s.best ? `${esc(s.best.metric)} ${num(s.best.value)} <span class="muted">${esc(s.best.params)}</span>` : "–";
        $("stats").innerHTML = stat("recorded", `<span id="recorded">${s.recorded}</span> / ${s.total}`) + counts +
          stat("running", s.running) + stat("queued", s.queued) +
          stat("workers", `${s.workersConnected} connected · ${s.workersSeen} seen`) +
          stat("rate", s.trialsPerSecond.toFixed(2) + " trials/s") + stat("ETA", s.finishedAt ? "done" : dur(s.etaSeconds)) +
          stat("wall", dur(s.wallSeconds)) + stat("trial time", dur(s.trialSeconds)) +
          (s.cpuSeconds != null ? stat("CPU", dur(s.cpuSeconds)) : "") + stat("best", best, "best") +
          (s.unreadable ? stat("unreadable rows", `<span class="warn" id="unreadable">${s.unreadable} (params or metrics not JSON: ${s.unreadableTrials.map(i => esc(i.slice(0, 12))).join(", ")})</span>`) : "");
        state.finished = s.finishedAt != null;
        const changed = s.recorded !== state.lastRecorded;
        state.lastRecorded = s.recorded;
        return changed;
      });
    }
    function figures() {
      return api("/api/figures").then(f => {
        if (f.pending) {
          // Never a stale fit: until the first fit, what the page waits for (the server says:
          // the first ok trial, or the fit of those recorded).
          $("fitinfo").textContent = f.waiting || "fitting…";
          $("figures").innerHTML = ""; $("verdict").innerHTML = ""; $("warnings").innerHTML = "";
          return;
        }
        $("fitinfo").textContent = `fitted on ${f.recorded} recorded trials · ${f.resamples} bootstrap resamples` +
          (f.final ? " (final)" : " (live; the full count once the sweep ends)");
        $("figures").innerHTML = f.figures.map(x => `<figure data-axis="${esc(x.axis)}" data-points="${x.points}" data-trials="${x.trials}">${x.svg}` +
          (x.aggregated ? `<figcaption class="muted">${x.trials} trials: each marker is a family's median at one scale, its bar their range</figcaption>` : "") + `</figure>`).join("");
        // One item per finding, as the report lists them.
        $("verdict").innerHTML = (f.verdictItems || [f.verdict]).map(v => `<li>${esc(v)}</li>`).join("");
        $("warnings").innerHTML = f.warnings.map(w => `<li>${esc(w)}</li>`).join("");
        for (const id of ["family", "curvefamily"]) {
          const sel = $(id), keep = sel.value;
          sel.innerHTML = `<option value="">${id === "family" ? "any" : "all"}</option>` +
            f.families.map(x => `<option${x === keep ? " selected" : ""}>${esc(x)}</option>`).join("");
        }
        state.figuresFinal = f.final;
      });
    }
    function curves() {
      return api("/api/curves", {family: $("curvefamily").value}).then(c => {
        $("curves").innerHTML = c.html || '<p class="muted">no learning curves logged (PROGRESS lines) yet</p>';
        $("curveinfo").textContent = c.trials ? `${c.metric}, the latest ${c.trials} trials` : "";
      });
    }
    function workers() {
      return api("/api/workers").then(ws => {
        $("workers").tBodies[0].innerHTML = ws.map(w => `<tr class="worker${w.connected ? "" : " muted"}"><td>${esc(w.id)}</td><td>${esc(w.host)}</td>` +
          `<td>${w.slots}</td><td>${w.busy}</td><td>${ago(w.lastHeardAt)}</td><td>${w.trialsDone}</td><td>${w.trialsFailed}</td>` +
          `<td>${w.refused}</td><td>${w.connected ? "connected" : esc(w.leftReason || "left")}</td></tr>`).join("");
      });
    }
    function timeline() {
      return api("/api/timeline").then(t => {
        if (!t.workers.length) { $("timeline").innerHTML = ""; return; }
        const W = 900, rowH = 12, left = 150, H = t.workers.length * rowH + 18;
        const index = Object.fromEntries(t.workers.map((w, i) => [w.id, i]));
        const slots = Object.fromEntries(t.workers.map(w => [w.id, w.slots]));
        const bw = (W - left) / t.bins;
        let out = `<svg class="plot" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}"><title>busy slots over time</title>`;
        t.workers.forEach((w, i) => { out += `<text x="${left - 6}" y="${i * rowH + 10}" text-anchor="end">${esc(w.id)}</text><rect x="${left}" y="${i * rowH + 1}" width="${W - left}" height="${rowH - 2}" fill="#f1f1f1"/>`; });
        for (const b of t.busy) {
          const use = Math.min(1, b.busySeconds / Math.max(1e-9, (slots[b.worker] || 1) * t.binSeconds));
          out += `<rect x="${(left + b.bin * bw).toFixed(1)}" y="${index[b.worker] * rowH + 1}" width="${(bw + 0.3).toFixed(1)}" height="${rowH - 2}" fill="#0072B2" fill-opacity="${use.toFixed(2)}"/>`;
        }
        out += `<text x="${left}" y="${H - 3}">0</text><text x="${W}" y="${H - 3}" text-anchor="end">${dur(t.end - t.start)} · shade = share of the worker's slots busy</text></svg>`;
        $("timeline").innerHTML = out;
      });
    }
    let columns = null;
    function trials() {
      const params = {offset: state.offset, limit: state.limit, sort: (state.desc ? "-" : "") + state.sort};
      if (state.status) params.status = state.status;
      if (state.family) params.family = state.family;
      return api("/api/trials", params).then(p => {
        if (!columns || p.trials.length) {
          const ps = new Set(), ms = new Set();
          for (const t of p.trials) { Object.keys(t.params).forEach(k => ps.add(k)); Object.keys(t.metrics).forEach(k => ms.add(k)); }
          columns = {params: [...ps].sort(), metrics: [...ms].sort()};
        }
        const head = [["recorded", "recorded"], ["index", "#"], ["status", "status"], ["worker", "worker"], ["wall_seconds", "wall"]]
          .concat(columns.params.map(k => ["param." + k, k]), columns.metrics.map(k => ["metric." + k, k]));
        $("trials").tHead.innerHTML = "<tr>" + head.map(([key, label]) => `<th class="sort" data-sort="${esc(key)}">${esc(label)}${state.sort === key ? (state.desc ? " ▼" : " ▲") : ""}</th>`).join("") + "</tr>";
        $("trials").tBodies[0].innerHTML = p.trials.map(t => `<tr class="trial" data-id="${t.id}"><td>${new Date(t.finishedAt * 1000).toLocaleTimeString()}</td><td>${t.index}</td><td class="${t.status}">${t.status}${t.unreadable ? ' <span class="warn">⚠ unreadable row</span>' : ""}</td>` +
          `<td>${esc(t.worker)}</td><td>${dur(t.wallSeconds)}</td>` + columns.params.map(k => `<td>${t.params[k] == null ? "" : num(t.params[k])}</td>`).join("") +
          columns.metrics.map(k => `<td>${t.metrics[k] == null ? "" : num(t.metrics[k])}</td>`).join("") + "</tr>").join("");
        $("page").textContent = p.total ? ` ${p.offset + 1}–${Math.min(p.total, p.offset + p.trials.length)} of ${p.total} ` : " none ";
      });
    }
    function errors() {
      return api("/api/errors").then(e => {
        $("errors").tBodies[0].innerHTML = e.trials.length ? e.trials.map(t => `<tr class="trial" data-id="${t.id}"><td class="${t.status}">${t.status}</td><td>${t.short}</td>` +
          `<td>${esc(t.family)}</td><td>${esc(t.worker)}</td><td style="white-space:normal">${esc((t.stderrTail || "").trim().split("\n").slice(-2).join(" ⏎ "))}</td></tr>`).join("")
          : '<tr><td class="muted">no failed, timed-out or lost trial</td></tr>';
      });
    }
    function detail(id) {
      api("/api/trials/" + id).then(t => {
        const curve = t.curve.length ? `\n\ncurve (${t.curve.length} points):\n` + t.curve.slice(-20).map(p => `  step ${p.step}: ${JSON.stringify(p.metrics)}`).join("\n") : "";
        $("detail").hidden = false;
        $("detail").textContent = `trial ${t.id} · ${t.status} · attempt ${t.attempt} · ${t.worker} · ${dur(t.wallSeconds)}\n` +
          `params  ${JSON.stringify(t.params)}\nmetrics ${JSON.stringify(t.metrics)}` +
          (t.unreadable ? `\n\nunreadable row: its params or metrics are not a JSON object: ${t.unreadableText}` : "") + curve +
          (t.stderrTail ? `\n\nstderr (tail):\n${t.stderrTail}` : "") + (t.stdoutTail ? `\n\nstdout (tail):\n${t.stdoutTail}` : "");
      }).catch(e => { $("detail").hidden = false; $("detail").textContent = String(e); });
    }
    document.addEventListener("click", ev => {
      const th = ev.target.closest("th.sort");
      if (th) { const k = th.dataset.sort; state.desc = state.sort === k ? !state.desc : false; state.sort = k; state.offset = 0; trials(); return; }
      const tr = ev.target.closest("tr.trial");
      if (tr) detail(tr.dataset.id);
    });
    $("status").onchange = () => { state.status = $("status").value; state.offset = 0; trials(); };
    $("family").onchange = () => { state.family = $("family").value; state.offset = 0; trials(); };
    $("curvefamily").onchange = curves;
    $("prev").onclick = () => { state.offset = Math.max(0, state.offset - state.limit); trials(); };
    $("next").onclick = () => { state.offset += state.limit; trials(); };

    let tick = 0, done = false;
    function refresh() {
      sweep().then(changed => {
        const work = [workers(), errors()];
        // The table and timeline every 10 s: each is a query over the whole journal.
        if (tick % 5 === 0) work.push(trials(), timeline());
        if (!state.figuresFinal && (changed || tick % 2 === 0)) work.push(figures());
        if (tick % 3 === 0 || changed) work.push(curves());
        return Promise.all(work);
      }).catch(e => { $("fitinfo").textContent = "dashboard: " + e.message; })
        .finally(() => {
          tick++;
          // A finished sweep is polled until its final fit has arrived, then left alone.
          if (state.finished && state.figuresFinal) { if (!done) { done = true; } return; }
          setTimeout(refresh, 2000);
        });
    }
    refresh();
    </script>
    </body></html>
    """#
}
