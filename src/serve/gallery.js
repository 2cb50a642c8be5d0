// mfa-page gallery: width presets, and live updates of the frames (each
// frame's client.js updates its page in place or reloads it).
(function () {
  "use strict";
  var body = document.body;
  var frames = function () { return document.querySelectorAll(".frame iframe"); };

  // Width presets, remembered across reloads.
  var buttons = document.querySelectorAll(".widths button");
  function setWidth(width) {
    frames().forEach(function (frame) { frame.style.width = width + "px"; });
    buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.width === String(width))); });
    try { localStorage.setItem("mfa-page-width", String(width)); } catch (e) { /* private mode */ }
  }
  buttons.forEach(function (b) {
    b.addEventListener("click", function () { setWidth(b.dataset.width); });
  });
  var saved = null;
  try { saved = localStorage.getItem("mfa-page-width"); } catch (e) { /* private mode */ }
  setWidth(saved && document.querySelector('.widths button[data-width="' + saved + '"]') ? saved : "375");

  // JavaScript errors reported by the frames (client.js); a frame that
  // starts again clears its badge.
  window.addEventListener("message", function (event) {
    if (event.origin !== location.origin || !event.data) return;
    var card = document.querySelector('.card[data-scenario="' + CSS.escape(String(event.data.scenario)) + '"]');
    var badge = card && card.querySelector(".js");
    if (badge && event.data.mfaPage === "start") {
      badge.hidden = true;
    } else if (badge && event.data.mfaPage === "js-error") {
      badge.hidden = false;
      badge.title = event.data.message + (event.data.line ? " (rendered line " + event.data.line + ")" : "");
    }
  });

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  // A frame's own client updates it in place, or reloads it.
  function updateFrame(card) {
    var frame = card.querySelector("iframe");
    try {
      var page = frame.contentWindow.__mfaPage;
      if (page && page.update) return page.update();
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

  // Bring the labels up to the server's current build, and the frames whose
  // page changed (all of them already, after a "reload" event). Resolves once
  // the frames are up to date.
  var leaving = false;
  function refresh(framesDone) {
    return fetch("/__mfa/state", { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (state.key !== body.dataset.key) {
          leaving = true;
          location.reload();
          return;
        }
        if (state.errorsKey !== body.dataset.errorsKey) errors(state.errorsKey);
        var total = 0;
        var updates = [];
        state.scenarios.forEach(function (s) {
          total += s.warnings;
          var card = document.querySelector('.card[data-scenario="' + CSS.escape(s.name) + '"]');
          if (!card) return;
          var w = card.querySelector(".warnings");
          w.textContent = plural(s.warnings, "warning");
          w.classList.toggle("some", s.warnings > 0);
          var changed = card.dataset.version !== s.version;
          card.dataset.version = s.version;
          // A frame can be a build behind (it fetched just before a build,
          // or was reloading when one came): catch it up on a new stream.
          if (!framesDone && (changed || behind(card, state.generation))) updates.push(updateFrame(card));
        });
        var summary = document.querySelector(".bar .summary");
        if (summary) summary.textContent = plural(state.scenarios.length, "scenario") + " · " + plural(total, "warning");
        return Promise.all(updates);
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
    stream.addEventListener("init", function () { refresh(false); });
    stream.addEventListener("reload", function () {
      stream.close();
      // Every frame at once, without waiting for the labels: a frame whose
      // page did not change finds nothing to do.
      var frames = Array.prototype.map.call(document.querySelectorAll(".card"), updateFrame);
      within(Promise.all(frames.concat([refresh(true)])), 3000).then(function () {
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
