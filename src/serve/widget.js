// Offline stand-in for Auth0's MFA widget (mfa-widget-1.8), served by
// `mfa-page serve` in place of the CDN script. It takes the same options as
// `new Auth0MFAWidget({...})` and draws a look-alike of the Guardian screens
// in the container:
// - enrollment (`ticket`): download the app, scan the QR code, then a 6-digit check;
// - login (`requestToken`): the 6-digit code form;
// `requesterErrors` above the form, `theme.icon`, `theme.primaryColor` and the
// tenant's name applied. Mistakes a real widget would only show as a broken
// page (no ticket and no requestToken, both, a missing container, a malformed
// or expired requestToken) are shown as visible warnings.
// For tests and curious designers: `Auth0MFAWidget.last` (also
// `window.__mfaWidget`) is the latest instance, with `.options` (as received),
// `.screen`, `.warnings`, `.root` (its shadow root) and `.took` (ms spent drawing).
(function () {
  "use strict";

  var DEFAULT_COLOR = "#ea5323";
  var CSS =
    ":host{all:initial;display:block;font:14px/1.45 -apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Arial,sans-serif;color:#333}" +
    "*{box-sizing:border-box}" +
    ".widget{max-width:360px;margin:0 auto;background:#fff;border:1px solid #e3e5ea;border-radius:6px;overflow:hidden;box-shadow:0 2px 8px rgba(0,0,0,.06)}" +
    ".head{padding:18px 16px 14px;text-align:center;background:var(--primary);color:var(--on-primary)}" +
    ".logo{width:56px;height:56px;border-radius:50%;background:#fff;display:inline-flex;align-items:center;justify-content:center;overflow:hidden;box-shadow:0 1px 3px rgba(0,0,0,.2)}" +
    ".logo img{max-width:44px;max-height:44px}" +
    ".logo .initial{font-size:24px;font-weight:700;color:var(--primary)}" +
    ".tenant{margin:8px 0 0;font-size:12px;letter-spacing:.06em;text-transform:uppercase;opacity:.9}" +
    ".title{margin:2px 0 0;font-size:19px;font-weight:600}" +
    ".body{padding:16px 18px 18px}" +
    ".errors{margin:0 0 12px;padding:0;list-style:none}" +
    ".errors li{margin:0 0 6px;padding:8px 10px;border-radius:4px;background:#fdecea;color:#a4161a;font-size:13px}" +
    ".errors code{opacity:.7;font-size:11px}" +
    ".warn{margin:0;padding:8px 12px;background:#fff4ce;color:#5c4400;border-bottom:1px solid #f1d98a;font-size:12.5px}" +
    ".warn b{display:block;font-size:11px;letter-spacing:.05em;text-transform:uppercase}" +
    ".step{display:flex;gap:10px;margin:0 0 14px}" +
    ".num{flex:none;width:22px;height:22px;border-radius:50%;background:var(--primary);color:var(--on-primary);font-size:12px;font-weight:700;display:flex;align-items:center;justify-content:center}" +
    ".step p{margin:0}" +
    ".stores{display:flex;gap:8px;margin-top:8px}" +
    ".store{flex:1;padding:6px 8px;border-radius:5px;background:#111;color:#fff;font-size:11px;line-height:1.2;text-align:center}" +
    ".store b{display:block;font-size:13px}" +
    ".qr{display:block;margin:8px auto 4px;width:148px;height:148px;border:6px solid #fff;outline:1px solid #e3e5ea}" +
    ".note{margin:0;text-align:center;font-size:11.5px;color:#777}" +
    ".account{margin:6px 0 0;text-align:center;font-size:12.5px;color:#555;overflow-wrap:anywhere}" +
    "label{display:block;margin:0 0 6px;font-size:13px;color:#555}" +
    ".code{display:block;width:100%;padding:10px 12px;font:600 22px/1 ui-monospace,Menlo,Consolas,monospace;letter-spacing:.5em;text-align:center;border:1px solid #cfd3da;border-radius:4px}" +
    ".code:focus{outline:2px solid var(--primary);outline-offset:1px}" +
    ".remember{display:flex;gap:6px;align-items:center;margin:10px 0 0;font-size:13px;color:#555}" +
    ".problem{margin:6px 0 0;color:#a4161a;font-size:12.5px;min-height:1em}" +
    "button.primary{display:block;width:100%;margin-top:14px;padding:11px;border:0;border-radius:4px;background:var(--primary);color:var(--on-primary);font:600 14px/1 inherit;letter-spacing:.03em;text-transform:uppercase;cursor:pointer}" +
    ".links{margin:12px 0 0;text-align:center;font-size:12.5px}" +
    ".links a{color:var(--primary);cursor:pointer;text-decoration:underline}" +
    ".done{margin:12px 0 0;padding:8px 10px;border-radius:4px;background:#eef6ee;color:#25632a;font-size:12.5px;overflow-wrap:anywhere}" +
    ".mock{padding:6px 10px;border-top:1px solid #eceef3;background:#fafafb;color:#8a8d96;font-size:10.5px;text-align:center}";

  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function present(value) {
    return value !== undefined && value !== null && String(value) !== "";
  }

  function isColor(value) {
    if (!present(value)) return false;
    if (window.CSS && CSS.supports) return CSS.supports("color", String(value));
    return /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(String(value));
  }

  // Dark text on light brand colours, white text on dark ones.
  function onColor(color) {
    var hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(color));
    if (hex) {
      var h = hex[1].length === 3 ? hex[1].replace(/./g, "$&$&") : hex[1];
      return luminance([parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)]);
    }
    var probe = document.createElement("span");
    probe.style.color = color;
    probe.style.display = "none";
    document.documentElement.appendChild(probe);
    var rgb = getComputedStyle(probe).color.match(/\d+(\.\d+)?/g) || [0, 0, 0];
    probe.remove();
    return luminance(rgb.map(Number));
  }

  function luminance(rgb) {
    var lum = (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) / 255;
    return lum > 0.62 ? "#1e212a" : "#ffffff";
  }

  function decodeJwt(token) {
    var parts = String(token).split(".");
    if (parts.length !== 3) return null;
    try {
      var b64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
      while (b64.length % 4) b64 += "=";
      return JSON.parse(decodeURIComponent(escape(atob(b64))));
    } catch (e) {
      return null;
    }
  }

  // A QR-looking pattern derived from the ticket: finder squares in three
  // corners, modules from a hash. Only a picture: it is not scannable.
  function fakeQr(seed) {
    var n = 25;
    var h = 2166136261;
    for (var i = 0; i < seed.length; i++) {
      h ^= seed.charCodeAt(i);
      h = Math.imul(h, 16777619) >>> 0;
    }
    function next() {
      h ^= h << 13; h >>>= 0;
      h ^= h >>> 17;
      h ^= h << 5; h >>>= 0;
      return h;
    }
    function finder(x, y) {
      return '<rect x="' + x + '" y="' + y + '" width="7" height="7"/>' +
        '<rect x="' + (x + 1) + '" y="' + (y + 1) + '" width="5" height="5" fill="#fff"/>' +
        '<rect x="' + (x + 2) + '" y="' + (y + 2) + '" width="3" height="3"/>';
    }
    function inFinder(x, y) {
      return (x < 8 && y < 8) || (x > n - 9 && y < 8) || (x < 8 && y > n - 9);
    }
    var cells = "";
    for (var y = 0; y < n; y++) {
      for (var x = 0; x < n; x++) {
        if (!inFinder(x, y) && next() % 2) cells += "M" + x + " " + y + "h1v1h-1z";
      }
    }
    return '<svg class="qr" viewBox="0 0 ' + n + " " + n + '" shape-rendering="crispEdges" role="img" aria-label="QR code (preview)">' +
      '<rect width="' + n + '" height="' + n + '" fill="#fff"/><path d="' + cells + '"/>' +
      finder(0, 0) + finder(n - 7, 0) + finder(0, n - 7) + "</svg>";
  }

  function Auth0MFAWidget(options) {
    if (!(this instanceof Auth0MFAWidget)) return new Auth0MFAWidget(options);
    var started = window.performance ? performance.now() : 0;
    var self = this;
    options = options || {};
    this.options = options;
    this.warnings = [];
    Auth0MFAWidget.instances.push(this);
    Auth0MFAWidget.last = this;
    window.__mfaWidget = this;

    var theme = options.theme && typeof options.theme === "object" ? options.theme : {};
    var user = options.userData && typeof options.userData === "object" ? options.userData : {};
    var hasTicket = present(options.ticket);
    var hasToken = present(options.requestToken);

    var container = null;
    if (typeof options.container === "string") {
      container = document.getElementById(options.container);
      if (!container) {
        this.warn("No element has id=\"" + options.container + "\": the widget has nowhere to draw. " +
          "Give the widget's container element that id, or pass its id as `container`.");
      }
    } else if (options.container && options.container.nodeType === 1) {
      container = options.container;
    } else {
      this.warn("`container` is missing: pass the id of the element the widget draws in (e.g. container: 'container').");
    }

    if (hasTicket && hasToken) {
      this.warn("Both `ticket` and `requestToken` were passed. Auth0 passes `ticket` only for enrollment " +
        "and `requestToken` only for login: pass one of them.");
    } else if (!hasTicket && !hasToken) {
      this.warn("Neither `ticket` (enrollment) nor `requestToken` (login) was passed: " +
        "the real widget shows nothing. Check the template's `{% if ticket %}` branch.");
    }
    if (hasToken) {
      var claims = decodeJwt(options.requestToken);
      if (!claims) {
        this.warn("`requestToken` is not a JWT (header.payload.signature): the real widget cannot start.");
      } else if (typeof claims.exp === "number" && claims.exp * 1000 < Date.now()) {
        this.warn("`requestToken` expired at " + new Date(claims.exp * 1000).toISOString() +
          ": the real widget shows an expired-transaction error.");
      }
      if (!hasTicket && !present(options.postActionURL)) {
        this.warn("Login without `postActionURL`: the real widget has nowhere to post the result.");
      }
    }
    var color = theme.primaryColor;
    if (present(color) && !isColor(color)) {
      this.warn("theme.primaryColor `" + color + "` is not a CSS colour; the default is used.");
    }
    if (!isColor(color)) color = DEFAULT_COLOR;

    this.screen = hasTicket ? "enrollment" : hasToken ? "login" : "none";
    this.container = container;

    var host = document.createElement("div");
    host.className = "auth0-mfa-widget-mock";
    host.setAttribute("data-screen", this.screen);
    var root = host.attachShadow({ mode: "open" });
    this.root = root;
    if (container) {
      container.setAttribute("data-mfa-mock", this.screen);
      container.appendChild(host);
    } else {
      // Still visible: a banner at the top of the page.
      host.style.cssText = "position:fixed;top:8px;left:8px;right:8px;z-index:2147483646";
      (document.body || document.documentElement).appendChild(host);
    }

    var tenant = user.tenantFriendlyName || user.tenant || "";
    var given = options.requesterErrors;
    if (given != null && !Array.isArray(given)) {
      this.warn("`requesterErrors` should be a list of { message, errorCode }, not " + typeof given + ".");
    }
    var warnings = this.warnings.map(function (w) {
      return '<p class="warn" role="alert"><b>Preview warning</b>' + esc(w) + "</p>";
    }).join("");
    var errors = (Array.isArray(given) ? given : []).filter(function (e) { return e && present(e.message); });
    var errorList = errors.length
      ? '<ul class="errors" role="alert">' + errors.map(function (e) {
          return "<li>" + esc(e.message) + (present(e.errorCode) ? " <code>" + esc(e.errorCode) + "</code>" : "") + "</li>";
        }).join("") + "</ul>"
      : "";
    var logo = present(theme.icon)
      ? '<img alt="" src="' + esc(theme.icon) + '">'
      : '<span class="initial">' + esc((tenant || "?").charAt(0).toUpperCase()) + "</span>";
    var title = this.screen === "enrollment" ? "Secure Your Account" : "Verify Your Identity";

    var body;
    if (!container) {
      body = "";
    } else if (this.screen === "enrollment") {
      var label = (user.tenant || "auth0") + ":" + (user.email || user.friendlyUserId || user.userId || "user");
      body =
        '<div class="step"><span class="num">1</span><div><p>Install <b>Auth0 Guardian</b> on your phone.</p>' +
        '<div class="stores"><span class="store">Download on the<b>App Store</b></span>' +
        '<span class="store">Get it on<b>Google Play</b></span></div></div></div>' +
        '<div class="step"><span class="num">2</span><div><p>Scan this QR code with the app.</p></div></div>' +
        fakeQr(String(options.ticket)) +
        '<p class="note">Preview QR code: not scannable</p>' +
        '<p class="account" data-field="account">' + esc(label) + "</p>" +
        '<form data-step="confirm"><label for="code" style="margin-top:12px">' +
        '<span class="num" style="display:inline-flex;margin-right:6px">3</span>Enter the 6-digit code from the app</label>' +
        '<input class="code" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" placeholder="······">' +
        '<p class="problem"></p><button class="primary" type="submit">Continue</button></form>' +
        '<p class="links"><a data-link="sms">Use SMS instead</a></p>';
    } else if (this.screen === "login") {
      var who = user.friendlyUserId || user.email || "";
      body =
        "<form data-step=\"code\"><label for=\"code\">Enter the 6-digit code from your Auth0 Guardian app" +
        (who ? ' for <b data-field="user">' + esc(who) + "</b>" : "") + "</label>" +
        '<input class="code" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" placeholder="······">' +
        '<p class="problem"></p>' +
        (options.allowRememberBrowser
          ? '<label class="remember"><input type="checkbox" name="remember"> Remember this browser for 30 days</label>'
          : "") +
        '<button class="primary" type="submit">Verify</button></form>' +
        '<p class="links"><a data-link="methods">Try another method</a></p>';
    } else {
      body = '<p class="note">No screen: the widget needs a ticket or a requestToken.</p>';
    }

    root.innerHTML =
      "<style>" + CSS + "</style>" +
      '<div class="widget" style="--primary:' + esc(color) + ";--on-primary:" + onColor(color) + '">' +
      warnings +
      (container
        ? '<div class="head"><span class="logo">' + logo + "</span>" +
          '<p class="tenant" data-field="tenant">' + esc(tenant) + "</p>" +
          '<p class="title">' + title + "</p></div>" +
          '<div class="body">' + errorList + body + "</div>" +
          '<div class="mock">Offline stand-in for Auth0MFAWidget · mfa-page</div>'
        : "") +
      "</div>";

    var img = root.querySelector(".logo img");
    if (img) {
      img.addEventListener("error", function () {
        img.replaceWith(Object.assign(document.createElement("span"), {
          className: "initial",
          textContent: (tenant || "?").charAt(0).toUpperCase()
        }));
      });
    }
    var form = root.querySelector("form");
    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var code = form.querySelector(".code").value.replace(/\s+/g, "");
        var problem = form.querySelector(".problem");
        if (!/^\d{6}$/.test(code)) {
          problem.textContent = "Enter the 6-digit code.";
          return;
        }
        problem.textContent = "";
        var done = document.createElement("p");
        done.className = "done";
        done.textContent = self.screen === "login"
          ? "Preview: the real widget checks the code with " + (options.mfaServerUrl || "the MFA server") +
            " and posts the result to " + (options.postActionURL || "postActionURL") + "."
          : "Preview: the real widget confirms the enrollment with " + (options.mfaServerUrl || "the MFA server") + ".";
        form.replaceWith(done);
      });
    }
    this.took = window.performance ? performance.now() - started : 0;
    var link = root.querySelector(".links a");
    if (link) {
      link.addEventListener("click", function () {
        link.parentNode.textContent = self.screen === "login"
          ? "Other methods in the real widget: push notification, SMS, recovery code."
          : "In the real widget: enter a phone number and receive the code by SMS.";
      });
    }
  }

  Auth0MFAWidget.prototype.warn = function (message) {
    this.warnings.push(message);
    if (window.console && console.warn) console.warn("Auth0MFAWidget (preview): " + message);
  };
  Auth0MFAWidget.instances = [];
  Auth0MFAWidget.last = null;
  Auth0MFAWidget.mock = true;
  window.Auth0MFAWidget = Auth0MFAWidget;
})();
