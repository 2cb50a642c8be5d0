// mfa-page gallery: a "diff" button on each card switches its frame to the
// difference from the scenario's `check --visual` baseline at the frame's
// width: the baseline is laid over the live page with `mix-blend-mode:
// difference`, so what is unchanged turns black and every change lights up,
// live as you edit. Meanwhile the frame is as tall as the baseline (the
// screenshot's viewport), and the overlay follows the frame if it scrolls.
(function () {
  "use strict";
  var style = document.createElement("style");
  style.textContent =
    ".frame.diffing{position:relative;overflow:hidden}" +
    ".frame img.mfa-baseline{position:absolute;left:0;top:0;max-width:none;pointer-events:none;mix-blend-mode:difference;transform-origin:0 0}" +
    ".diff-toggle{margin-left:6px;font:inherit;font-size:11px;line-height:1.6;border:1px solid #cfd3da;border-radius:4px;background:#fff;color:inherit;cursor:pointer;padding:0 7px}" +
    ".diff-toggle[aria-pressed=true]{background:#1e212a;border-color:#1e212a;color:#fff}" +
    ".diff-toggle.missing{color:#a4161a;border-color:#f1b0b0}";
  document.head.appendChild(style);

  function frameWidth(frame) {
    return parseInt(frame.style.width, 10) || parseInt(frame.getAttribute("width"), 10) || 375;
  }

  function setup(card) {
    var header = card.querySelector("header");
    var box = card.querySelector(".frame");
    var frame = box && box.querySelector("iframe");
    if (!header || !frame || header.querySelector(".diff-toggle")) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "diff-toggle";
    button.textContent = "diff";
    button.title = "Show the difference from this scenario's baseline (mfa-page check --visual): black is unchanged";
    button.setAttribute("aria-pressed", "false");
    header.appendChild(button);
    var img = null;
    var raf = 0;

    function follow() {
      if (!img) return;
      var y = 0;
      try { y = frame.contentWindow.scrollY || 0; } catch (e) { /* not loaded */ }
      img.style.transform = "translate(" + frame.offsetLeft + "px," + (frame.offsetTop - y) + "px)";
      raf = requestAnimationFrame(follow);
    }
    function off() {
      cancelAnimationFrame(raf);
      if (img && img.parentNode) img.parentNode.removeChild(img);
      img = null;
      if (frame.dataset.mfaHeight !== undefined) {
        frame.style.height = frame.dataset.mfaHeight;
        delete frame.dataset.mfaHeight;
      }
      box.classList.remove("diffing");
      button.setAttribute("aria-pressed", "false");
    }
    function on() {
      off();
      var width = frameWidth(frame);
      img = document.createElement("img");
      img.className = "mfa-baseline";
      img.alt = "";
      img.onerror = function () {
        off();
        button.classList.add("missing");
        button.title = "No baseline for " + card.dataset.scenario + " at " + width + " px: run mfa-page check --visual";
      };
      // The frame takes the baseline's full height, as the screenshot's
      // viewport did: the same `100vh`, and no scrollbar narrowing the page.
      img.onload = function () {
        button.classList.remove("missing");
        if (frame.dataset.mfaHeight === undefined) frame.dataset.mfaHeight = frame.style.height;
        frame.style.height = img.naturalHeight + "px";
      };
      img.src = "/__mfa/baseline/" + encodeURIComponent(card.dataset.scenario + "@" + width + ".png") + "?t=" + Date.now();
      box.classList.add("diffing");
      box.appendChild(img);
      button.setAttribute("aria-pressed", "true");
      follow();
    }
    button.addEventListener("click", function () {
      if (button.getAttribute("aria-pressed") === "true") off(); else on();
    });
    // A new width preset: the baseline of that width.
    document.querySelectorAll(".widths button").forEach(function (b) {
      b.addEventListener("click", function () {
        if (button.getAttribute("aria-pressed") === "true") setTimeout(on, 0);
      });
    });
  }

  function setupAll() { document.querySelectorAll(".card[data-scenario]").forEach(setup); }
  setupAll();
  // Cards come and go with the scenarios.
  var grid = document.querySelector(".grid");
  if (grid && window.MutationObserver) new MutationObserver(setupAll).observe(grid, { childList: true, subtree: true });
})();
