// mfa-page preview client, deferred in every preview page (never in
// `render` or `export` output); an inline line before it (`__mfaBoot`, see
// inject.rs) records errors until this script takes over. It
// - shows JavaScript errors thrown by the rendered page, with the rendered line;
// - brings the page up to each new build: in place when MfaUpdate (update.js,
//   served with this file) says that is the same as a reload, else by
//   reloading. A page on its own listens to the server's events; in the
//   gallery, the gallery tells its frames (one event stream per browser tab
//   keeps under the browser's six connections per host).
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
  page.inGallery = !!boot.inGallery;

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // The page as served at load, to quote the line an error points at (set
  // up below, before any error is reported).
  var sourceText = null;
  function source() { return sourceText; }

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
      if (page.observeSize) page.observeSize(root.querySelector(".panel"));
    }
    var section = document.createElement("section");
    section.className = "error";
    var where = error.line
      ? "rendered page line " + error.line + ":" + error.column + " (scenario " + page.scenario + ")"
      : error.file || "scenario " + page.scenario;
    section.innerHTML =
      '<p class="where">' + esc(where) + '</p><p class="message">' + esc(error.message) + "</p>";
    overlay.shadowRoot.querySelector(".errors").appendChild(section);
    // The template (or partial) line that wrote the failing line, as check names it.
    if (error.line && error.sameDocument && error.template) {
      error.template.then(function (place) {
        if (!place) return;
        section.querySelector(".where").innerHTML =
          '<a href="' + esc(place.editor) + '" title="Open in the editor">' +
          esc(place.file + ":" + place.line + ":" + place.column) + "</a>" +
          esc(" (rendered line " + error.line + ":" + error.column + ", scenario " + page.scenario + ")");
        var pre = document.createElement("pre");
        pre.className = "frame template";
        pre.textContent = place.text.split("\n").slice(1).join("\n").replace(/^\s*\n/, "").replace(/\s+$/, "");
        section.insertBefore(pre, section.querySelector(".message").nextSibling);
        if (page.measure) page.measure();
      });
    }
    if (error.line && error.sameDocument) {
      source().then(function (text) {
        if (!text) return;
        error.source = text.split("\n")[error.line - 1] || "";
        var pre = document.createElement("pre");
        pre.className = "frame";
        pre.innerHTML = frame(text, error.line, error.column);
        section.appendChild(pre);
        if (page.measure) page.measure();
      });
    }
  }

  // Ask the server which template line the rendered line comes from.
  function locate(error) {
    var query = "scenario=" + encodeURIComponent(page.scenario) + "&generation=" + encodeURIComponent(page.generation) +
      "&line=" + error.line + "&column=" + error.column + "&message=" + encodeURIComponent(error.message);
    return fetch("/__mfa/locate?" + query, { cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; });
  }

  function report(error) {
    page.jsErrors.push(error);
    if (error.line && error.sameDocument) {
      error.template = locate(error).then(function (place) {
        if (place) error.at = place.file + ":" + place.line + ":" + place.column;
        return place;
      });
    }
    show(error);
    if (page.inGallery) {
      var tell = function () {
        try {
          window.parent.postMessage(
            { mfaPage: "js-error", scenario: page.scenario, message: error.message, line: error.line, at: error.at || null },
            location.origin
          );
        } catch (e) { /* the parent is not the gallery */ }
      };
      tell();
      if (error.template) error.template.then(function (place) { if (place) tell(); });
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
  // A request that did not reach the server (browsers word it differently).
  function offline(e) {
    var error = new Error("cannot reach mfa-page serve: " + e);
    error.offline = true;
    throw error;
  }

  // The page as served, parsed (no script run): what an in-place update
  // compares the new build with. Fetched once at load; if the build moved on
  // meanwhile, the next update reloads.
  function fetchPage(times) {
    return fetch(location.href, { cache: "no-store", credentials: "same-origin" }).catch(offline).then(function (r) {
      if (times) times.response = performance.timeOrigin + performance.now();
      return r.text().catch(offline).then(function (text) { return read(r.status, text); });
    });
  }
  function read(status, text) {
    var doc = MfaUpdate.parse(text);
    var client = doc.querySelector("script[data-mfa-page][data-generation]");
    return {
      status: status,
      text: text,
      doc: doc,
      generation: client ? client.getAttribute("data-generation") : null,
      assets: client ? client.getAttribute("data-assets") : null,
      locale: client ? client.getAttribute("data-locale") : null
    };
  }
  var served = null;
  sourceText = fetchPage().then(function (p) {
    if (p.generation === page.generation) served = p;
    // A build came between the page and this request: catch up (a reload).
    else if (p.generation) setTimeout(update, 0);
    return p.generation === page.generation ? p.text : "";
  }).catch(function () { return ""; });

  // In the gallery: a new start clears the frame's error badge; the errors
  // of this load follow.
  if (page.inGallery) {
    try {
      window.parent.postMessage({ mfaPage: "start", scenario: page.scenario }, location.origin);
    } catch (e) { /* the parent is not the gallery */ }
  }

  // Errors thrown before this script ran, then the ones after.
  (boot.errors || []).forEach(handle);
  boot.errors = [];
  boot.report = handle;
  if (!window.__mfaBoot) {
    window.addEventListener("error", handle);
    window.addEventListener("unhandledrejection", handle);
  }

  // What happened after each build (the last 50), for tests and curious people.
  page.updates = [];
  function record(entry) {
    page.updates.push(entry);
    if (page.updates.length > 50) page.updates.shift();
  }
  // Why the page reloaded, for the page after the reload (gallery frames
  // share one sessionStorage, hence the address in the key).
  var reloadKey = "mfa-page reloaded " + location.href;
  var leaving = false;
  function reload(reason) {
    leaving = true;
    // Still here later (a reload refused by a beforeunload prompt): listen again.
    setTimeout(function () {
      leaving = false;
      if (!page.inGallery) connect();
    }, 5000);
    try { sessionStorage.setItem(reloadKey, reason); } catch (e) { /* private mode */ }
    if (window.console) console.info("mfa-page: reloading: " + reason);
    record({ how: "reload", reason: reason });
    location.reload();
  }
  try {
    var why = sessionStorage.getItem(reloadKey);
    if (why) {
      page.reloadedBecause = why;
      sessionStorage.removeItem(reloadKey);
    }
  } catch (e) { /* private mode */ }

  // Bring the page up to the server's current build (one update at a time;
  // a request during one runs once it is done). `given` ({ status, text }):
  // the page as the server serves it now, handed over by the gallery (which
  // asks for every changed frame's page in one request); else it is fetched.
  var running = null;
  var again = false;
  // When each step of an update happened (epoch ms; kept in page.updates),
  // to see where a save's time goes (benches/serve_latency.rs, TRACE=1).
  function now() { return performance.timeOrigin + performance.now(); }
  function update(given) {
    if (running) {
      again = true;
      return running;
    }
    var times = { update: now() };
    running = Promise.resolve(sourceText)
      .then(function () { return given ? read(given.status, given.text) : fetchPage(times); })
      .then(function (next) {
        times.parsed = now();
        if (next.generation === page.generation) return;
        if (data.update === "reload") return reload("serve --reload-mode reload");
        if (!served) return reload("the page changed while it loaded");
        if (next.status !== served.status) return reload("the page's status changed to " + next.status);
        if (next.assets !== served.assets) return reload("a file beside the template changed");
        if (next.locale !== served.locale) return reload("the scenario's $locale changed");
        var planned = MfaUpdate.plan(served.doc, next.doc, document);
        times.planned = now();
        if (planned.reload) return reload(planned.reload);
        MfaUpdate.apply(planned);
        MfaUpdate.overlay(document, next.doc);
        times.applied = now();
        served = next;
        page.generation = next.generation;
        record({ how: "in-place", generation: next.generation, changes: planned.changes, times: times });
      })
      .catch(function (e) {
        // The server is restarting (the event stream reconnects and brings
        // the page up to date), or the update failed: a reload shows the truth.
        if (e && e.offline) return;
        reload("the in-place update failed: " + e);
      })
      .then(function () {
        running = null;
        if (again) {
          again = false;
          update();
        }
      });
    return running;
  }
  page.update = update;

  // In the gallery: the page reports its height, so that its frame shows
  // all of it (no clipping, no inner scroll bar).
  if (page.inGallery) {
    var reported = 0;
    var measure = function () {
      var height = Math.ceil(document.documentElement.scrollHeight);
      // An error panel (fixed over the page) is shown whole too.
      document.querySelectorAll("mfa-page-overlay").forEach(function (o) {
        var panel = o.shadowRoot && o.shadowRoot.querySelector(".panel");
        if (panel && getComputedStyle(o).display !== "none") {
          height = Math.max(height, Math.ceil(panel.getBoundingClientRect().bottom + 24));
        }
      });
      if (height === reported) return;
      reported = height;
      try {
        window.parent.postMessage({ mfaPage: "height", scenario: page.scenario, height: height }, location.origin);
      } catch (e) { /* the parent is not the gallery */ }
    };
    page.measure = function () { reported = 0; measure(); };
    if (window.ResizeObserver) {
      var sizes = new ResizeObserver(measure);
      sizes.observe(document.documentElement);
      if (document.body) sizes.observe(document.body);
      page.observeSize = function (element) { sizes.observe(element); };
    }
    addEventListener("load", measure);
    addEventListener("resize", measure);
    measure();
  }

  // In the gallery, the gallery tells its frames (one event stream per tab
  // keeps under the browser's six connections per host) and shows the
  // findings; a page in any other frame listens itself.
  if (page.inGallery) return;

  // The live checks' findings that concern this scenario.
  var findings = MfaFindings.mount(document, page.scenario);
  page.findings = findings;
  findings.refresh();

  // tower-livereload's event stream says when a build is done. The first
  // event ("init") comes once the stream is open; a build that finished
  // before that is caught by comparing generations.
  // The stream ends after each "reload"; a new one starts at once, and its
  // "init" triggers an update too, so no build is missed in between.
  var events = null;
  function connect() {
    if (events) events.close();
    var stream = (events = new EventSource(data.events));
    stream.addEventListener("init", function () {
      update();
      findings.refresh();
    });
    stream.addEventListener("reload", function () {
      stream.close();
      // The findings of this build are asked for by the next stream's
      // "init", once the page is up to date: asked now, their request would
      // go out before the page's own and compete with it.
      // With --reload-mode reload, at once: nothing to compare.
      if (data.update === "reload") return reload("serve --reload-mode reload");
      // Reconnect once the page is up to date (unless it is reloading, or
      // another stream took over): opening the new stream at once would
      // compete with the update's request. Its "init" checks again, so no
      // build is missed.
      Promise.race([update(), new Promise(function (done) { setTimeout(done, 3000); })]).then(function () {
        if (!leaving && stream === events) connect();
      });
    });
  }
  addEventListener("pageshow", connect);
  addEventListener("pagehide", function () {
    if (events) events.close();
    events = null;
  });
})();
