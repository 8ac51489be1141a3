/// The pages' style sheet and scripts. They are literals, so their sha256 (named in each page's
/// Content-Security-Policy) is fixed at build time, and nothing read from input ever becomes part of them. The
/// scripts only enhance: everything is readable with scripts off. They never build markup from strings: text goes in
/// through `textContent`.
enum Assets {
    static let style: StaticString = """
        :root{color-scheme:light dark;--fg:#1b1f24;--muted:#57606a;--bg:#fff;--panel:#f6f8fa;--line:#d0d7de;--accent:#0969da;\
        --stream:#2f6fb3;--source:#7d8fa6;--epoch:#b85c12;--acq:#6e7781;--ok:#1a7f37;--warn:#9a6700;--err:#cf222e}
        @media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9da7b3;--bg:#0d1117;--panel:#161b22;--line:#30363d;\
        --accent:#4493f8;--stream:#4c8fd6;--source:#6b7d93;--epoch:#d9822b;--acq:#8b949e;--ok:#3fb950;--warn:#d29922;--err:#f85149}}
        *{box-sizing:border-box}
        [hidden]{display:none!important}
        html{-webkit-text-size-adjust:100%}
        body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
        header.page,main,footer.page{max-width:1240px;margin:0 auto;padding:0 20px}
        header.page{padding-top:16px;border-bottom:1px solid var(--line)}
        h1{font-size:1.55em;margin:.2em 0 .3em;overflow-wrap:anywhere}
        h2{font-size:1.25em;margin:1.6em 0 .5em;padding-bottom:.2em;border-bottom:1px solid var(--line)}
        h3{font-size:1.05em;margin:1.3em 0 .4em}
        h4{font-size:.95em;margin:1em 0 .3em}
        a{color:var(--accent)}
        a:focus-visible,button:focus-visible,summary:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
        .skip{position:absolute;left:-9999px;top:0}
        .skip:focus{left:8px;top:8px;background:var(--bg);padding:6px 10px;z-index:20}
        .crumb{margin:0;font-size:.9em}
        nav ul{list-style:none;margin:.4em 0 .8em;padding:0;display:flex;flex-wrap:wrap;gap:.3em 1.2em}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.15em 1em;margin:.4em 0 .8em}
        dl.facts dt{color:var(--muted)}
        dl.facts dd{margin:0;overflow-wrap:anywhere}
        .status{display:inline-block;padding:0 .55em;border-radius:1em;border:1px solid currentColor;font-weight:600;font-size:.9em;white-space:nowrap}
        .status-ok{color:var(--ok)}
        .status-partial,.status-warning{color:var(--warn)}
        .status-refused,.status-bad_input,.status-crashed,.status-timed_out,.status-catalog_failed,.status-error,.status-unknown{color:var(--err)}
        .badge{display:inline-block;margin-left:.4em;padding:0 .45em;border-radius:.3em;background:var(--accent);color:var(--bg);font-size:.78em;font-weight:600;vertical-align:middle}
        .muted,.note{color:var(--muted)}
        .mono,code,td.hash{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.88em}
        td.hash{overflow-wrap:anywhere}
        .table-wrap{overflow-x:auto}
        table{border-collapse:collapse;width:100%;margin:.3em 0 1em}
        caption{text-align:left;color:var(--muted);padding:.2em 0;caption-side:top}
        th,td{text-align:left;vertical-align:top;padding:.3em .55em;border-bottom:1px solid var(--line);overflow-wrap:break-word}
        td.time span{white-space:nowrap}
        table.streams{table-layout:fixed;min-width:760px;font-size:.92em}
        table.streams col.c-bar{width:15%}
        table.streams col.c-label{width:12%}
        table.streams col.c-time{width:16%}
        table.streams col.c-duration{width:10%}
        thead th{background:var(--panel);font-weight:600;position:sticky;top:0}
        tbody tr:nth-child(even){background:color-mix(in srgb,var(--panel) 60%,transparent)}
        tr.diag.error td:first-child{border-left:4px solid var(--err)}
        tr.diag.warning td:first-child{border-left:4px solid var(--warn)}
        figure{margin:.5em 0 1em}
        figcaption{color:var(--muted);font-size:.9em}
        svg.timeline{display:block;width:100%;height:auto;font:12px system-ui,"DejaVu Sans",sans-serif;overflow:visible}
        svg.timeline .grid line{stroke:var(--line);stroke-width:1}
        svg.timeline .axis line{stroke:var(--muted)}
        svg.timeline .axis text,svg.timeline .group-label{fill:var(--muted)}
        svg.timeline .group-label{font-weight:600}
        svg.timeline .bar-label{fill:var(--fg)}
        svg.timeline .bar{cursor:default}
        svg.timeline .bar rect{fill:var(--stream)}
        svg.timeline .bar.source rect{fill:var(--source)}
        svg.timeline .bar.epoch rect{fill:var(--epoch)}
        svg.timeline .bar.acquisition rect{fill:var(--acq)}
        svg.timeline .bar.unplaced rect{fill:none;stroke:var(--err);stroke-dasharray:5 4}
        svg.timeline .bar:focus{outline:none}
        svg.timeline .bar:focus rect,svg.timeline .bar:hover rect{stroke:var(--fg);stroke-width:2.5}
        .tip{position:absolute;z-index:10;max-width:min(620px,92vw);background:var(--panel);color:var(--fg);border:1px solid var(--line);\
        border-radius:6px;padding:8px 11px;box-shadow:0 4px 16px rgba(0,0,0,.22);font-size:13px;pointer-events:none}
        .tip p{margin:2px 0;overflow-wrap:anywhere}
        .tip .tip-title{font-weight:600}
        .tip .tip-note{color:var(--warn)}
        .clock{border:2px solid var(--accent);border-radius:8px;padding:.3em 1em .6em;margin:.8em 0 1.2em}
        .clock h3{margin-top:.5em}
        details{margin:.35em 0}
        summary{cursor:pointer}
        pre{margin:.4em 0;padding:10px 12px;max-height:70vh;overflow:auto;background:var(--panel);border:1px solid var(--line);border-radius:6px;\
        font:12px/1.4 ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace}
        .filters{display:flex;flex-wrap:wrap;gap:.6em 1.2em;align-items:end;margin:.4em 0 .6em;padding:.6em .8em;background:var(--panel);border-radius:6px}
        .filters label{display:flex;flex-direction:column;font-size:.88em;color:var(--muted)}
        .filters input,.filters select,.filters button,th button,td button{font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--line);border-radius:5px;padding:.2em .5em}
        th button{border:0;background:none;padding:0;font-weight:600;cursor:pointer;text-align:left}
        th[aria-sort=ascending]::after{content:" \\25B2"}
        th[aria-sort=descending]::after{content:" \\25BC"}
        #shown{margin:0;color:var(--muted)}
        table.sessions{table-layout:fixed;margin:0}
        .sessions-head{position:sticky;top:0;z-index:2}
        .sessions-head th.sortable{cursor:pointer}
        .sessions-head th.sortable:hover{text-decoration:underline}
        .chunk{content-visibility:auto;contain-intrinsic-size:auto 3400px}
        .visually-hidden{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
        table.sessions col.c-session{width:18%}
        table.sessions col.c-status{width:9%}
        table.sessions col.c-mappers{width:19%}
        table.sessions col.c-recorded{width:17%}
        svg.hbar{vertical-align:middle}
        svg.hbar rect{fill:var(--stream)}
        footer.page{margin-top:2em;padding-bottom:2em;color:var(--muted);font-size:.85em;border-top:1px solid var(--line)}
        @media print{
        nav,.filters,.tip,.skip,th::after{display:none!important}
        .chunk{content-visibility:visible}
        body{font-size:10.5pt;background:#fff;color:#000}
        a{color:inherit;text-decoration:none}
        thead th{position:static}
        pre{max-height:none;white-space:pre-wrap;overflow:visible}
        svg.timeline,.status,.badge,tr{print-color-adjust:exact;-webkit-print-color-adjust:exact}
        h2,h3{break-after:avoid}
        tr,figure,.clock{break-inside:avoid}
        }
        """

    static let sessionScript: StaticString = """
        (function () {
          "use strict";
          var data = {};
          var island = document.getElementById("report-data");
          if (island) {
            try { data = JSON.parse(island.textContent); } catch (e) { data = {}; }
          }
          var timelines = data.timelines || {};
          var tip = document.createElement("div");
          tip.className = "tip";
          tip.id = "tip";
          tip.setAttribute("role", "tooltip");
          tip.hidden = true;
          document.body.appendChild(tip);
          function line(cls, text) {
            var p = document.createElement("p");
            if (cls) { p.className = cls; }
            p.textContent = text;
            return p;
          }
          function show(bar) {
            var svg = bar.closest("svg");
            var entries = timelines[svg ? svg.id : ""] || {};
            var d = entries[bar.getAttribute("data-tip")];
            if (!d) { return; }
            tip.replaceChildren(line("tip-title", d.title));
            tip.appendChild(line("", "Start: " + (d.start === null ? "\\u2014" : d.start)));
            tip.appendChild(line("", "End: " + (d.end === null ? "\\u2014" : d.end)));
            if (d.duration) { tip.appendChild(line("", "Duration: " + d.duration)); }
            if (d.devices && d.devices.length) { tip.appendChild(line("", "Active devices (" + d.devices.length + "): " + d.devices.join(", "))); }
            (d.notes || []).forEach(function (n) { tip.appendChild(line("tip-note", n)); });
            tip.hidden = false;
            var r = bar.getBoundingClientRect();
            var width = document.documentElement.clientWidth;
            var left = Math.max(8, Math.min(r.left, width - tip.offsetWidth - 8));
            tip.style.left = (window.scrollX + left) + "px";
            tip.style.top = (window.scrollY + r.bottom + 6) + "px";
            bar.setAttribute("aria-describedby", "tip");
          }
          function hide() { tip.hidden = true; }
          document.querySelectorAll("svg.timeline .bar").forEach(function (bar) {
            var title = bar.querySelector("title");
            if (title) { title.remove(); }
            bar.addEventListener("mouseenter", function () { show(bar); });
            bar.addEventListener("mouseleave", hide);
            bar.addEventListener("focus", function () { show(bar); });
            bar.addEventListener("blur", hide);
          });
          document.addEventListener("keydown", function (e) { if (e.key === "Escape") { hide(); } });
          var opened = [];
          window.addEventListener("beforeprint", function () {
            document.querySelectorAll("details:not([open]):not(.doc)").forEach(function (d) { d.open = true; opened.push(d); });
          });
          window.addEventListener("afterprint", function () {
            opened.forEach(function (d) { d.open = false; });
            opened = [];
          });
          document.documentElement.setAttribute("data-enhanced", "true");
        })();
        """

    static let batchScript: StaticString = """
        (function () {
          "use strict";
          var list = document.getElementById("sessions");
          var filters = document.getElementById("filters");
          if (!list || !filters) { return; }
          var chunks = Array.prototype.slice.call(list.querySelectorAll(".chunk"));
          var bodies = chunks.map(function (chunk) { return chunk.querySelector("tbody"); });
          var size = 0;
          bodies.forEach(function (body) { size = Math.max(size, body.rows.length); });
          var text = document.getElementById("filter-text");
          var status = document.getElementById("filter-status");
          var mapper = document.getElementById("filter-mapper");
          var sortBy = document.getElementById("sort-by");
          var shown = document.getElementById("shown");
          var ranks = { crashed: 0, timed_out: 1, refused: 2, bad_input: 3, catalog_failed: 4, partial: 6, ok: 7 };
          var rows = [];
          bodies.forEach(function (body) {
            Array.prototype.forEach.call(body.rows, function (row) {
              var s = row.getAttribute("data-status") || "";
              rows.push({
                row: row,
                order: rows.length,
                session: row.getAttribute("data-session") || "",
                status: s,
                rank: Object.prototype.hasOwnProperty.call(ranks, s) ? ranks[s] : 5,
                mappers: (row.getAttribute("data-mappers") || "").split("\\n"),
                haystack: null
              });
            });
          });
          function cell(r, i) { return r.row.cells[i] ? r.row.cells[i].textContent : ""; }
          function compare(a, b) { return a < b ? -1 : (a > b ? 1 : 0); }
          function byName(a, b) { return compare(a.session, b.session); }
          var sorters = {
            session: byName,
            status: function (a, b) { return a.rank - b.rank || byName(a, b); },
            mappers: function (a, b) { return compare(cell(a, 2), cell(b, 2)) || byName(a, b); },
            recorded: function (a, b) { return compare(cell(a, 3), cell(b, 3)) || byName(a, b); },
            diagnostic: function (a, b) { return compare(cell(a, 4), cell(b, 4)) || byName(a, b); }
          };
          var order = null;
          function matches(r, q, s, m) {
            if (q) {
              if (r.haystack === null) { r.haystack = r.row.textContent.toLowerCase(); }
              if (r.haystack.indexOf(q) < 0) { return false; }
            }
            if (s && (s === "failed" ? r.status === "ok" : r.status !== s)) { return false; }
            return !m || r.mappers.indexOf(m) >= 0;
          }
          function apply() {
            var q = text.value.trim().toLowerCase();
            var s = status.value;
            var m = mapper.value;
            var visible = (order || rows).filter(function (r) { return matches(r, q, s, m); });
            bodies.forEach(function (body, i) {
              var part = visible.slice(i * size, (i + 1) * size);
              var fragment = document.createDocumentFragment();
              part.forEach(function (r) { fragment.appendChild(r.row); });
              body.replaceChildren(fragment);
              chunks[i].hidden = part.length === 0;
            });
            shown.textContent = visible.length + " of " + rows.length + " sessions shown";
          }
          var headers = Array.prototype.slice.call(list.querySelectorAll("th[data-sort]"));
          function sort(value) {
            var descending = value.charAt(0) === "-";
            var key = descending ? value.slice(1) : value;
            if (!sorters[key]) { return; }
            order = rows.slice().sort(function (a, b) { var c = sorters[key](a, b); return descending ? -c : c; });
            headers.forEach(function (th) {
              if (th.getAttribute("data-sort") === key) {
                th.setAttribute("aria-sort", descending ? "descending" : "ascending");
              } else {
                th.removeAttribute("aria-sort");
              }
            });
            sortBy.value = value;
            apply();
          }
          headers.forEach(function (th) {
            th.classList.add("sortable");
            th.addEventListener("click", function () {
              var key = th.getAttribute("data-sort");
              sort(th.getAttribute("aria-sort") === "ascending" ? "-" + key : key);
            });
          });
          var timer = null;
          text.addEventListener("input", function () {
            if (timer !== null) { clearTimeout(timer); }
            timer = setTimeout(apply, 150);
          });
          status.addEventListener("change", apply);
          mapper.addEventListener("change", apply);
          sortBy.addEventListener("change", function () { sort(sortBy.value); });
          document.getElementById("filter-clear").addEventListener("click", function () {
            text.value = "";
            status.value = "";
            mapper.value = "";
            apply();
          });
          document.querySelectorAll("button[data-filter-status], button[data-filter-mapper]").forEach(function (button) {
            button.hidden = false;
            button.addEventListener("click", function () {
              if (button.hasAttribute("data-filter-status")) { status.value = button.getAttribute("data-filter-status"); }
              if (button.hasAttribute("data-filter-mapper")) { mapper.value = button.getAttribute("data-filter-mapper"); }
              apply();
              list.scrollIntoView();
              text.focus();
            });
          });
          filters.hidden = false;
          sortBy.value = "status";
          shown.textContent = rows.length + " of " + rows.length + " sessions shown";
          document.documentElement.setAttribute("data-enhanced", "true");
          document.documentElement.setAttribute("data-ready-ms", String(Math.round(performance.now())));
          requestAnimationFrame(function () {
            requestAnimationFrame(function () {
              document.documentElement.setAttribute("data-frame-ms", String(Math.round(performance.now())));
            });
          });
        })();
        """
}
