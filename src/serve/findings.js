// mfa-page live findings (served with client.js and gallery.js): what the
// checks of `mfa-page check` (all but the snapshots) find after each build,
// read from /__mfa/findings. A button at the bottom right ("1 error ·
// 2 warnings") opens the list: each finding with file:line:col (a link to
// the editor), the same text as `check` (message, code frame, help) and the
// scenarios it was seen in. It lives in a shadow root, so the page's CSS
// and this panel's cannot touch each other.
var MfaFindings = (function () {
  "use strict";
  var CSS =
    ":host{all:initial}" +
    ".dock{position:fixed;right:12px;bottom:12px;z-index:2147483646;display:flex;flex-direction:column;align-items:flex-end;gap:8px;" +
    "font:13px/1.45 -apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Arial,sans-serif;color:#1e212a}" +
    ".badge{font:600 12.5px/1 inherit;padding:8px 12px;border-radius:16px;border:0;cursor:pointer;box-shadow:0 2px 10px rgba(0,0,0,.25);background:#1e212a;color:#fff}" +
    ".badge.warning{background:#8a6100;color:#fff}.badge.error{background:#b3261e;color:#fff}.badge[hidden]{display:none}" +
    ".panel{width:min(760px,calc(100vw - 24px));max-height:min(70vh,720px);overflow:auto;background:#fff;border-radius:8px;" +
    "box-shadow:0 12px 40px rgba(0,0,0,.35);border-top:4px solid #635dff}" +
    ".panel[hidden]{display:none}" +
    "header{position:sticky;top:0;display:flex;gap:8px;align-items:center;padding:8px 14px;background:#f5f5fa;border-bottom:1px solid #e3e5ea}" +
    "header b{flex:1}header button{font:inherit;font-size:12px;padding:2px 9px;border-radius:4px;border:1px solid #d6d8df;background:#fff;cursor:pointer}" +
    ".filter{font-size:12px;color:#444}" +
    ".finding{padding:10px 14px 6px;border-bottom:1px solid #eceef3;border-left:4px solid #d09a00}" +
    ".finding.error{border-left-color:#d0312d}" +
    ".where{margin:0;font:600 12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}" +
    ".where a{color:#1f5fbf}.sev{text-transform:uppercase;font-size:10.5px;letter-spacing:.05em;margin-right:6px;color:#8a6100}" +
    ".error .sev{color:#b3261e}.code{color:#65676e;font-weight:400}" +
    ".message{margin:3px 0 6px;font-size:13.5px;font-weight:600;overflow-wrap:anywhere}" +
    ".scenarios{margin:0 0 6px;color:#65676e;font-size:12px}" +
    "pre{margin:0 0 8px;padding:8px 10px;overflow:auto;background:#1e212a;color:#e8e9ee;border-radius:6px;font:12px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre}" +
    ".none{padding:14px;color:#65676e}";

  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  // The findings that concern `scenario`: seen in it, or about the project as a whole.
  function concern(findings, scenario) {
    if (!scenario) return findings;
    return findings.filter(function (f) {
      return !f.scenarios.length || f.scenarios.indexOf(scenario) >= 0;
    });
  }
  function counts(findings) {
    var e = 0, w = 0;
    findings.forEach(function (f) { if (f.severity === "error") e++; else if (f.severity === "warning") w++; });
    return { errors: e, warnings: w, text: [e ? plural(e, "error") : "", w ? plural(w, "warning") : ""].filter(Boolean).join(" · ") };
  }

  function item(f) {
    var place = f.file ? f.file + (f.line ? ":" + f.line + ":" + f.column : "") : "project";
    var where = f.editor ? '<a href="' + esc(f.editor) + '" title="Open in the editor">' + esc(place) + "</a>" : esc(place);
    // check's text: the title line, then the code frame and the help.
    var rest = String(f.text || "").split("\n").slice(1).join("\n").replace(/^\s*\n/, "").replace(/\s+$/, "");
    return '<section class="finding ' + esc(f.severity) + '" data-code="' + esc(f.code) + '">' +
      '<p class="where"><span class="sev">' + esc(f.severity) + "</span>" + where + ' <span class="code">' + esc(f.code) + "</span></p>" +
      '<p class="message">' + esc(f.message) + "</p>" +
      (f.scenarios.length ? '<p class="scenarios">' + esc(f.scenarios.length === 1 ? "scenario " : "scenarios ") + esc(f.scenarios.join(", ")) + "</p>" : "") +
      (rest ? "<pre>" + esc(rest) + "</pre>" : "") +
      "</section>";
  }

  // A findings dock in `doc`. `scenario`: show only what concerns it
  // (a page); none: everything, filterable by scenario (the gallery).
  function mount(doc, scenario) {
    var host = doc.createElement("mfa-page-findings");
    host.setAttribute("data-mfa-page", "");
    var root = host.attachShadow({ mode: "open" });
    root.innerHTML = "<style>" + CSS + "</style>" +
      '<div class="dock"><div class="panel" role="dialog" aria-label="mfa-page findings" hidden>' +
      '<header><b>mfa-page check</b><span class="filter"></span><button type="button" data-all hidden>all scenarios</button>' +
      '<button type="button" data-close>close</button></header><div class="list"></div></div>' +
      '<button type="button" class="badge" hidden></button></div>';
    var panel = root.querySelector(".panel");
    var badge = root.querySelector(".badge");
    var state = { data: null, filter: scenario || null };
    function draw() {
      var all = state.data ? state.data.findings : [];
      var mine = concern(all, scenario);
      var c = counts(mine);
      badge.hidden = !c.text;
      badge.textContent = c.text;
      badge.className = "badge " + (c.errors ? "error" : c.warnings ? "warning" : "");
      var shown = concern(mine, state.filter);
      root.querySelector(".filter").textContent = state.filter ? "scenario " + state.filter : "";
      root.querySelector("[data-all]").hidden = !state.filter || !!scenario;
      root.querySelector(".list").innerHTML = shown.length
        ? shown.map(item).join("")
        : '<p class="none">No errors or warnings' + (state.filter ? " in this scenario" : "") + ".</p>";
      host.setAttribute("data-errors", String(c.errors));
      host.setAttribute("data-warnings", String(c.warnings));
    }
    badge.addEventListener("click", function () {
      if (!panel.hidden) { panel.hidden = true; return; }
      state.filter = scenario || null;
      draw();
      panel.hidden = false;
    });
    root.querySelector("[data-close]").addEventListener("click", function () { panel.hidden = true; });
    root.querySelector("[data-all]").addEventListener("click", function () { state.filter = null; draw(); });
    doc.documentElement.appendChild(host);
    var api = {
      host: host,
      version: null,
      // The findings as read from the server.
      show: function (data) { state.data = data; api.version = data.version; draw(); },
      // Open the list, on one scenario's findings (or all).
      open: function (only) { state.filter = only || scenario || null; draw(); panel.hidden = false; },
      counts: function (only) { return counts(concern(state.data ? state.data.findings : [], only)); },
      // Fetch and show them, unless they are the ones shown.
      refresh: function () {
        return fetch("/__mfa/findings", { cache: "no-store" })
          .then(function (r) { return r.json(); })
          .then(function (data) {
            if (data.version !== api.version) api.show(data);
            return data;
          })
          .catch(function () { return null; });
      }
    };
    draw();
    return api;
  }

  return { mount: mount, counts: counts, concern: concern, plural: plural };
})();
