// mfa-page gallery: width presets, frames as tall as their pages, the live
// checks' findings, and live updates of the frames (each frame's client.js
// updates its page in place or reloads it).
(function () {
  "use strict";
  var body = document.body;
  var grid = document.querySelector(".grid");
  var cards = function () { return document.querySelectorAll(".card"); };
  var GAP = 16;
  // How many frames of each preset should share a row when there are enough
  // (four mobile frames on a 1440 px screen): they are scaled down to fit.
  var PER_ROW = { 375: 4, 768: 2, 1280: 1 };
  var MIN_SCALE = 0.8;
  var width = 375;

  // Performance marks since the last build's "reload" event (mfa:reload,
  // mfa:state, mfa:height, …), to see where a save's time goes
  // (benches/serve_latency.rs, TRACE=1).
  function mark(name, detail) {
    try {
      if (name === "reload") performance.clearMarks();
      performance.mark("mfa:" + name, { detail: detail === undefined ? null : detail });
    } catch (e) { /* no User Timing */ }
  }

  // Each frame is laid out at the preset's width (or the full width when
  // enlarged) and as tall as its page says; it is shown scaled to fit the row.
  function fit(card) {
    var frame = card.querySelector("iframe");
    var box = card.querySelector(".frame");
    var room = grid.clientWidth - 2 * GAP;
    var wide = card.classList.contains("wide");
    var w = wide ? Math.max(320, room) : width;
    // As many frames a row as the preset wants, scaled down to at most
    // MIN_SCALE; fewer when the window is narrow.
    var perRow = Math.max(1, Math.min(PER_ROW[width] || 1, cards().length));
    var scaleFor = function (n) { return Math.min(1, (room - (n - 1) * GAP) / (n * w)); };
    while (perRow > 1 && scaleFor(perRow) < MIN_SCALE) perRow--;
    var scale = wide ? 1 : scaleFor(perRow);
    scale = Math.max(0.25, Math.floor(scale * 1000) / 1000);
    var h = Number(frame.dataset.height || frame.getAttribute("height") || 150);
    frame.style.width = w + "px";
    frame.style.height = h + "px";
    frame.style.transform = scale === 1 ? "" : "scale(" + scale + ")";
    box.style.width = Math.ceil(w * scale) + "px";
    box.style.height = Math.ceil(h * scale) + "px";
    card.style.width = wide ? "100%" : Math.ceil(w * scale) + "px";
    card.dataset.scale = String(scale);
  }
  function fitAll() { cards().forEach(fit); }

  // The page's height: what it reports, or measured from here after a change
  // of width (a frame shrinks only when measured from a small height).
  function setHeight(card, height) {
    var frame = card.querySelector("iframe");
    frame.dataset.height = String(Math.max(50, Math.min(20000, Math.ceil(height))));
    fit(card);
  }
  function remeasure(card) {
    mark("remeasure", card.dataset.scenario);
    var frame = card.querySelector("iframe");
    try {
      var doc = frame.contentDocument;
      if (!doc || !doc.documentElement) return;
      frame.style.height = "50px";
      setHeight(card, doc.documentElement.scrollHeight);
    } catch (e) { /* not loaded yet: it reports once it is */ }
  }

  function later(card) {
    clearTimeout(card.__remeasure);
    card.__remeasure = setTimeout(function () { remeasure(card); }, 150);
  }

  // Width presets, remembered across reloads.
  var buttons = document.querySelectorAll(".widths button");
  function setWidth(w) {
    width = Number(w);
    buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.width === String(w))); });
    try { localStorage.setItem("mfa-page-width", String(w)); } catch (e) { /* private mode */ }
    fitAll();
    cards().forEach(remeasure);
  }
  buttons.forEach(function (b) {
    b.addEventListener("click", function () { setWidth(b.dataset.width); });
  });
  var saved = null;
  try { saved = localStorage.getItem("mfa-page-width"); } catch (e) { /* private mode */ }
  setWidth(saved && document.querySelector('.widths button[data-width="' + saved + '"]') ? saved : "375");
  addEventListener("resize", fitAll);

  // One frame at full width, in place (and back).
  cards().forEach(function (card) {
    var button = card.querySelector(".enlarge");
    button.addEventListener("click", function () {
      var wide = !card.classList.contains("wide");
      card.classList.toggle("wide", wide);
      button.setAttribute("aria-pressed", String(wide));
      button.title = wide ? "Back to the preset width" : "Full width";
      fit(card);
      remeasure(card);
      if (wide) card.scrollIntoView({ block: "nearest" });
    });
  });

  // The live checks' findings: one list for every scenario; a card's count opens its part.
  var findings = MfaFindings.mount(document, null);
  function counts() {
    var total = findings.counts(null);
    var summary = document.querySelector(".bar .findings-summary");
    if (summary) {
      summary.textContent = total.text || "no errors or warnings";
      summary.className = "findings-summary" + (total.errors ? " error" : total.warnings ? " warning" : "");
    }
    cards().forEach(function (card) {
      var c = findings.counts(card.dataset.scenario);
      var button = card.querySelector(".count");
      var n = c.errors + c.warnings;
      button.textContent = n ? MfaFindings.plural(n, "finding") : "no findings";
      button.title = c.text || "No errors or warnings";
      button.className = "count" + (c.errors ? " error" : c.warnings ? " warning" : "");
    });
  }
  function refreshFindings() {
    mark("findings-asked");
    return findings.refresh().then(function () { mark("findings-shown"); counts(); });
  }
  // `/#findings` opens the list at once (`/#findings=login`: one scenario's).
  refreshFindings().then(function () {
    var wanted = /^#findings(?:=(.+))?$/.exec(location.hash);
    if (wanted) findings.open(wanted[1] ? decodeURIComponent(wanted[1]) : null);
  });
  cards().forEach(function (card) {
    card.querySelector(".count").addEventListener("click", function () { findings.open(card.dataset.scenario); });
  });
  document.querySelector(".bar .findings-summary").addEventListener("click", function () { findings.open(null); });

  // Messages from the frames (client.js): their height, their JavaScript
  // errors; a frame that starts again clears its badge and is measured anew.
  window.addEventListener("message", function (event) {
    if (event.origin !== location.origin || !event.data) return;
    var card = document.querySelector('.card[data-scenario="' + CSS.escape(String(event.data.scenario)) + '"]');
    if (!card) return;
    var badge = card.querySelector(".js");
    if (event.data.mfaPage === "height") {
      mark("height", card.dataset.scenario + " " + event.data.height);
      setHeight(card, event.data.height);
    } else if (event.data.mfaPage === "start") {
      badge.hidden = true;
      remeasure(card);
    } else if (event.data.mfaPage === "js-error") {
      badge.hidden = false;
      badge.title = event.data.message + (event.data.at ? " (" + event.data.at + ")" : event.data.line ? " (rendered line " + event.data.line + ")" : "");
    }
  });

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  // A frame's own client updates it in place, or reloads it. `given`: its
  // page as served now ({ status, text }), else the frame fetches it.
  function updateFrame(card, given) {
    var frame = card.querySelector("iframe");
    try {
      var page = frame.contentWindow.__mfaPage;
      // Measured again a little later (not to compete with the other
      // frames' updates): the page may have become shorter.
      if (page && page.update) return page.update(given || undefined).then(function () { later(card); });
    } catch (e) { /* not loaded yet */ }
    try {
      frame.contentWindow.location.reload();
    } catch (e) {
      frame.src = frame.getAttribute("src");
    }
    return null;
  }

  // The build's errors changed: the overlay and the "stale" marks, from a
  // fresh copy of the gallery, in place.
  function errors(key) {
    body.dataset.errorsKey = key;
    return fetch("/", { cache: "no-store" })
      .then(function (r) { return r.text(); })
      .then(function (text) {
        var next = MfaUpdate.parse(text);
        if (!next.body) return;
        // A newer build may have answered: show what it says.
        body.dataset.errorsKey = next.body.dataset.errorsKey || "";
        MfaUpdate.overlay(document, next);
        document.querySelectorAll(".card").forEach(function (card) {
          var given = next.querySelector('.card[data-scenario="' + CSS.escape(card.dataset.scenario) + '"] .failed');
          card.querySelector(".failed").hidden = !given || given.hidden;
        });
      })
      .catch(function () { body.dataset.errorsKey = ""; });
  }

  function behind(card, current) {
    try {
      var page = card.querySelector("iframe").contentWindow.__mfaPage;
      return !!page && page.generation !== current;
    } catch (e) {
      return false;
    }
  }

  function within(promise, ms) {
    return Promise.race([promise, new Promise(function (done) { setTimeout(done, ms); })]);
  }

  // What the frames show (`have=<scenario>:<version>` each), so that the
  // state comes with the pages that changed: one request brings every
  // frame up to date (a request per frame, all at once, made each frame
  // wait for the others' requests). A list too long for a URL is left out:
  // the frames then fetch their own pages.
  function have() {
    var query = Array.prototype.map.call(cards(), function (card) {
      return "have=" + encodeURIComponent(card.dataset.scenario + ":" + card.dataset.version);
    }).join("&");
    return query && query.length <= 6000 ? "?" + query : "";
  }

  // Bring the labels and the frames up to the server's current build.
  // Resolves once the frames are up to date.
  var leaving = false;
  function refresh() {
    return fetch("/__mfa/state" + have(), { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        mark("state");
        if (state.key !== body.dataset.key) {
          leaving = true;
          location.reload();
          return;
        }
        if (state.errorsKey !== body.dataset.errorsKey) errors(state.errorsKey);
        var pages = state.pages || {};
        var updates = [];
        var behindOnly = [];
        state.scenarios.forEach(function (s) {
          var card = document.querySelector('.card[data-scenario="' + CSS.escape(s.name) + '"]');
          if (!card) return;
          var changed = card.dataset.version !== s.version;
          card.dataset.version = s.version;
          if (changed) {
            var given = Object.prototype.hasOwnProperty.call(pages, s.name) ? { status: 200, text: pages[s.name] } : null;
            updates.push(updateFrame(card, given));
          } else if (behind(card, state.generation)) {
            // Its page did not change, yet the frame is a build behind (it
            // loaded just before a build, or every frame after a build that
            // changed other pages): caught up after the frames that changed.
            behindOnly.push(card);
          }
        });
        var summary = document.querySelector(".bar .summary");
        if (summary) summary.textContent = plural(state.scenarios.length, "scenario");
        return Promise.all(updates).then(function () {
          return Promise.all(behindOnly.map(function (card) { return updateFrame(card); }));
        });
      })
      .catch(function () { /* the server is restarting: the event stream reconnects */ });
  }

  // tower-livereload's event stream: "init" when connected, "reload" after a
  // build (then the stream ends). Each connection starts with a check, so no
  // build is missed; a new one opens once the frames are up to date (opening
  // it at once would compete with their requests).
  var events = null;
  function connect() {
    if (events) events.close();
    var stream = (events = new EventSource(body.dataset.events));
    stream.addEventListener("init", function () {
      refresh();
      refreshFindings();
    });
    stream.addEventListener("reload", function () {
      stream.close();
      mark("reload");
      // The findings are asked for by the next stream's "init", once the
      // frames are up to date: asked now, their request (answered once the
      // checks are done) would compete with the frames' update.
      within(refresh(), 3000).then(function () {
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
