// mfa-page gallery: width presets and live reload of the frames.
(function () {
  "use strict";
  var body = document.body;
  var generation = body.dataset.generation;
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

  // JavaScript errors reported by the frames (client.js).
  window.addEventListener("message", function (event) {
    if (event.origin !== location.origin || !event.data || event.data.mfaPage !== "js-error") return;
    var card = document.querySelector('.card[data-scenario="' + CSS.escape(event.data.scenario) + '"]');
    var badge = card && card.querySelector(".js");
    if (badge) {
      badge.hidden = false;
      badge.title = event.data.message + (event.data.line ? " (rendered line " + event.data.line + ")" : "");
    }
  });

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  // Bring the view up to the server's current build.
  function refresh() {
    fetch("/__mfa/state", { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (state.generation === generation) return;
        if (state.key !== body.dataset.key) {
          location.reload();
          return;
        }
        generation = state.generation;
        var total = 0;
        state.scenarios.forEach(function (s) {
          total += s.warnings;
          var card = document.querySelector('.card[data-scenario="' + CSS.escape(s.name) + '"]');
          if (!card) return;
          var w = card.querySelector(".warnings");
          w.textContent = plural(s.warnings, "warning");
          w.classList.toggle("some", s.warnings > 0);
          // Only the frames whose page changed reload: they share one
          // renderer thread, so fewer reloads show the change sooner.
          if (card.dataset.version === s.version) return;
          card.dataset.version = s.version;
          card.querySelector(".js").hidden = true;
          var frame = card.querySelector("iframe");
          try {
            frame.contentWindow.location.reload();
          } catch (e) {
            frame.src = frame.getAttribute("src");
          }
        });
        var summary = document.querySelector(".bar .summary");
        if (summary) summary.textContent = plural(state.scenarios.length, "scenario") + " · " + plural(total, "warning");
      })
      .catch(function () { /* the server is restarting: the event stream reconnects */ });
  }

  // tower-livereload's event stream: "init" when connected, "reload" after a
  // build. Each connection starts with a check, so no build is missed.
  var events = null;
  function connect() {
    events = new EventSource(body.dataset.events);
    events.addEventListener("init", refresh);
    events.addEventListener("reload", function () {
      events.close();
      refresh();
      connect();
    });
  }
  addEventListener("pageshow", connect);
  addEventListener("pagehide", function () { if (events) events.close(); });
})();
