// mfa-page preview client, deferred in every preview page (never in
// `render` or `export` output); an inline line before it (`__mfaBoot`, see
// inject.rs) records errors until this script takes over. It
// - shows JavaScript errors thrown by the rendered page, with the rendered line;
// - reloads the page when the build changes, if the page is not inside the
//   gallery (the gallery reloads its frames itself: one event stream per
//   browser tab keeps under the browser's six connections per host).
(function () {
  "use strict";
  var me = document.currentScript;
  var data = me.dataset;
  var page = (window.__mfaPage = {
    scenario: data.scenario,
    generation: data.generation,
    jsErrors: []
  });
  var boot = window.__mfaBoot || { errors: [] };
  var inFrame = window.parent !== window;
  page.inGallery = !!boot.inGallery;

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // The served page, to quote the line an error points at.
  var sourceText = null;
  function source() {
    if (!sourceText) {
      sourceText = fetch(location.href, { cache: "no-store", credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .catch(function () { return ""; });
    }
    return sourceText;
  }

  function frame(text, line, column) {
    var lines = text.split("\n");
    var from = Math.max(1, line - 2);
    var to = Math.min(lines.length, line + 2);
    var width = String(to).length;
    var out = "";
    for (var n = from; n <= to; n++) {
      var number = String(n);
      while (number.length < width) number = " " + number;
      var content = lines[n - 1];
      if (content.length > 200) {
        var start = n === line ? Math.max(0, column - 100) : 0;
        content = (start > 0 ? "…" : "") + content.slice(start, start + 200) + "…";
      }
      var row = esc(number + " | " + content);
      out += n === line ? '<span class="hit">' + row + "</span>\n" : row + "\n";
      if (n === line && column > 0 && lines[n - 1].length <= 200) {
        out += esc(new Array(width + 1).join(" ") + " | " + new Array(column).join(" ") + "^") + "\n";
      }
    }
    return out;
  }

  var overlay = null;
  function show(error) {
    if (!overlay) {
      overlay = document.createElement("mfa-page-overlay");
      overlay.setAttribute("data-kind", "js");
      var root = overlay.attachShadow({ mode: "open" });
      root.innerHTML =
        '<link rel="stylesheet" href="/__mfa/overlay.css?v=' + esc(me.src.split("?v=")[1] || "") + '">' +
        '<div class="backdrop" role="alertdialog" aria-label="mfa-page: JavaScript error"><div class="panel">' +
        '<header><span class="brand">mfa-page</span><span class="count">JavaScript error in the rendered page</span>' +
        '<button type="button">hide</button></header><div class="errors"></div>' +
        "<footer>The template renders, but the page's script fails in the browser. " +
        "Fix the template and save; the page reloads.</footer></div></div>";
      root.querySelector("button").addEventListener("click", function () { overlay.remove(); });
      document.documentElement.appendChild(overlay);
    }
    var section = document.createElement("section");
    section.className = "error";
    var where = error.line
      ? "rendered page line " + error.line + ":" + error.column + " (scenario " + page.scenario + ")"
      : error.file || "scenario " + page.scenario;
    section.innerHTML =
      '<p class="where">' + esc(where) + '</p><p class="message">' + esc(error.message) + "</p>";
    overlay.shadowRoot.querySelector(".errors").appendChild(section);
    if (error.line && error.sameDocument) {
      source().then(function (text) {
        if (!text) return;
        error.source = text.split("\n")[error.line - 1] || "";
        var pre = document.createElement("pre");
        pre.className = "frame";
        pre.innerHTML = frame(text, error.line, error.column);
        section.appendChild(pre);
      });
    }
  }

  function report(error) {
    page.jsErrors.push(error);
    show(error);
    if (inFrame) {
      try {
        window.parent.postMessage(
          { mfaPage: "js-error", scenario: page.scenario, message: error.message, line: error.line },
          location.origin
        );
      } catch (e) { /* the parent is not the gallery */ }
    }
  }

  function handle(event) {
    if (event.type === "unhandledrejection") {
      var reason = event.reason;
      report({
        message: "Unhandled promise rejection: " + (reason && reason.message ? reason.message : String(reason)),
        line: 0,
        column: 0
      });
      return;
    }
    if (!event.message) return;
    var here = location.href.split("#")[0];
    report({
      message: event.message,
      file: event.filename,
      line: event.lineno || 0,
      column: event.colno || 0,
      sameDocument: event.filename === here
    });
  }
  // Errors thrown before this script ran, then the ones after.
  (boot.errors || []).forEach(handle);
  boot.errors = [];
  boot.report = handle;
  if (!window.__mfaBoot) {
    window.addEventListener("error", handle);
    window.addEventListener("unhandledrejection", handle);
  }

  if (inFrame) return;

  // Live reload: tower-livereload's event stream says when a build is done.
  // The first event ("init") comes once the stream is open; a build that
  // finished before that is caught by comparing generations.
  function check() {
    fetch("/__mfa/state", { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (state.generation !== page.generation) location.reload();
      })
      .catch(function () {});
  }
  addEventListener("pageshow", function () {
    var events = new EventSource(data.events);
    events.addEventListener("init", check);
    events.addEventListener("reload", function () {
      events.close();
      location.reload();
    });
    addEventListener("pagehide", function () { events.close(); });
  });
})();
