// Offline stand-in for Auth0's MFA widget (mfa-widget-1.8), served by
// `mfa-page serve` in place of the CDN script. It takes the same options as
// `new Auth0MFAWidget({...})` and draws a look-alike of the Guardian screens
// in the container:
// - enrollment (`ticket`): download the app, scan the QR code, then a 6-digit check;
// - login (`requestToken`): the 6-digit code form;
// `requesterErrors` above the form, `theme.icon`, `theme.primaryColor` and the
// tenant's name applied, and its texts from `languageDictionary` (the real
// widget's keys, see DICTIONARY). Mistakes a real widget would only show as a
// broken page (no ticket and no requestToken, both, a missing container, a
// malformed or expired requestToken, a dictionary key the widget does not
// have) are shown as visible warnings.
// For tests and curious designers: `Auth0MFAWidget.last` (also
// `window.__mfaWidget`) is the latest instance, with `.options` (as received),
// `.screen`, `.warnings`, `.root` (its shadow root) and `.took` (ms spent drawing).
(function () {
  "use strict";

  var DEFAULT_COLOR = "#ea5323";
  var CSS =
    ":host{all:initial;display:block;font:14px/1.45 -apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Arial,sans-serif;color:#333}" +
    "*{box-sizing:border-box}" +
    ".widget{max-width:360px;margin:0 auto;background:#fff;border:1px solid #e3e5ea;border-radius:6px;overflow:hidden;box-shadow:0 2px 8px rgba(0,0,0,.06);overflow-wrap:anywhere}" +
    ".head{padding:18px 16px 14px;text-align:center;background:var(--primary);color:var(--on-primary)}" +
    ".logo{width:58px;height:58px;border-radius:50%;background:#fff;display:inline-flex;align-items:center;justify-content:center;overflow:hidden;box-shadow:0 1px 3px rgba(0,0,0,.2)}" +
    ".logo img{max-width:46px;max-height:46px}.logo img[hidden],.logo svg[hidden]{display:none}" +
    ".logo svg{width:34px;height:34px}" +
    ".tenant{margin:8px 0 0;font-size:12px;letter-spacing:.06em;text-transform:uppercase;opacity:.9}" +
    ".title{margin:2px 0 0;font-size:19px;font-weight:600}" +
    ".body{padding:16px 18px 18px}" +
    ".errors{margin:0;padding:0;list-style:none}" +
    ".errors li{padding:10px 16px;background:#ff3e00;color:#fff;font-size:13px;line-height:1.4;text-align:center;border-top:1px solid rgba(255,255,255,.25)}" +
    ".warn{margin:0;padding:8px 12px;background:#fff4ce;color:#5c4400;border-bottom:1px solid #f1d98a;font-size:12.5px}" +
    ".warn b{display:block;font-size:11px;letter-spacing:.05em;text-transform:uppercase}" +
    ".step{display:flex;gap:10px;margin:0 0 14px}.step>div{flex:1;min-width:0}" +
    ".step p,.step label{margin:0;font-size:14px;color:#333}" +
    ".num{flex:none;width:22px;height:22px;border-radius:50%;background:var(--primary);color:var(--on-primary);font-size:12px;font-weight:700;display:flex;align-items:center;justify-content:center}" +
    ".step .code{margin-top:8px}.step .note{font-size:11.5px;color:#777}.step .account{margin-top:4px;font-size:12.5px;color:#555}" +
    ".code::placeholder{font:400 14px/1 -apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Arial,sans-serif;letter-spacing:normal;color:#999}" +
    ".stores{display:flex;gap:8px;margin-top:8px}" +
    ".store{flex:1;padding:6px 8px;border-radius:5px;background:#111;color:#fff;font-size:11px;line-height:1.2;text-align:center}" +
    ".store b{display:block;font-size:13px}" +
    ".qr{display:block;margin:8px auto 4px;width:148px;height:148px;border:6px solid #fff;outline:1px solid #e3e5ea}" +
    ".note{margin:0;text-align:center;font-size:11.5px;color:#777}" +
    ".account{margin:6px 0 0;text-align:center;font-size:12.5px;color:#555;overflow-wrap:anywhere}" +
    ".who{margin:-2px 0 8px;font-size:13px;color:#333}" +
    "label{display:block;margin:0 0 6px;font-size:13px;color:#555}" +
    ".code{display:block;width:100%;padding:10px 12px;font:600 22px/1 ui-monospace,Menlo,Consolas,monospace;letter-spacing:.5em;text-align:center;border:1px solid #cfd3da;border-radius:4px}" +
    ".code:focus{outline:2px solid var(--primary);outline-offset:1px}" +
    ".remember{display:flex;gap:6px;align-items:center;margin:10px 0 0;font-size:13px;color:#555}" +
    ".problem{margin:6px 0 0;color:#a4161a;font-size:12.5px;min-height:1em}" +
    "button.primary{display:block;width:100%;margin-top:14px;padding:11px;border:0;border-radius:4px;background:var(--primary);color:var(--on-primary);font:600 14px/1 inherit;letter-spacing:.03em;text-transform:uppercase;cursor:pointer}" +
    ".links{margin:12px 0 0;text-align:center;font-size:12.5px}" +
    ".links a,.action{color:var(--primary);cursor:pointer;text-decoration:underline}.action{display:inline-block;margin-top:8px;font-size:12.5px}" +
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

  // The widget's texts, keyed as Auth0 documents the real widget's
  // `languageDictionary` (MFA Theme Language Dictionary: category, then
  // option). A template's `languageDictionary` overrides them key by key; a
  // key that is not here is one the real widget does not have. In the texts,
  // `{name}` is filled in and `<tag>…</tag>` marks a link, as in the real widget.
  var DICTIONARY = {
    defaults: {
      iddleHelpUrl: "#",
      rememberBrowserCheckbox: "Remember this browser",
      title: "Login to {tenantName}"
    },
    downloadApp: {
      headerText: "Get Auth0 Guardian, free:",
      pushEnrollmentAction: "I already have the app",
      smsAndTotpEnrollmentActions: "I'd rather use <sms>SMS</sms> or <ga>Google Authenticator</ga>",
      pushAndTotpEnrollmentActions: "I'd rather use <push>Guardian</push> or <ga>Google Authenticator</ga>",
      pushAndSmsEnrollmentActions: "I'd rather use <push>Guardian</push> or <sms>SMS</sms>",
      totpEnrollmentActions: "I'd rather use <ga>Google Authenticator</ga>",
      smsEnrollmentActions: "I'd rather use <sms>SMS</sms>",
      pushEnrollmentActions: "I'd rather use <push>Guardian</push>"
    },
    pushAuth: {
      pushSent: {
        useTotpFallback: "No notification yet?<br></br>You can <manualInput>type the code</manualInput> instead."
      },
      pushTimeout: {
        resendAction: "Send the notification again",
        timeoutText: "The push notification did not arrive?",
        useRecoveryCode: "Lost your device? <recovery>Use your recovery code</recovery>",
        useTotpFallback: "<manualInput>Type the code instead</manualInput>"
      }
    },
    totpAuth: {
      codePlaceholder: "Your 6-digit code",
      headerText: "Open Google Authenticator (or a similar app) for a code:",
      useRecoveryCode: "Lost your device? <recovery>Use your recovery code</recovery>"
    },
    smsAuth: {
      codePlaceholder: "Your 6-digit code",
      headerText: "Type the 6-digit code we just texted to your phone.",
      useRecoveryCode: "Lost your device? <recovery>Use your recovery code</recovery>"
    },
    guardianTotpAuth: {
      codePlaceholder: "Your 6-digit code",
      headerText: "Open the Auth0 Guardian app for a verification code."
    },
    recoveryCodeAuth: {
      codePlaceholder: "Your recovery code",
      headerText: "Once you are in, you will get a new recovery code:"
    },
    pushEnrollment: {
      headerText: "Scan this code with Auth0 Guardian:"
    },
    enrollmentCongrats: {
      congrats: "All set.<br />Keep your device at hand when you log in.",
      continueButtonText: "Continue"
    },
    reportRecoveryCode: {
      confirmationLabel: "I have written this code down",
      headerText: "Without your device you will need a recovery code to log in. Write it down and keep it safe:"
    },
    generalError: {
      errorsRecoveryHelp: {
        "default": "Something went wrong.<br />Log in again from the application.",
        globalTransactionExpired: "The login did not complete.<br />Try again.",
        guardianInvalidNonce: "Log in again from the application.",
        guardianInvalidToken: "Log in again from the application.",
        invalidLoginTokenStatus: "Log in again from the application.",
        loginTokenInvalidSignature: "Log in again from the application.",
        loginTokenTransactionExpired: "Log in again from the application."
      }
    },
    smsEnrollmentConfirm: {
      codePlaceholder: "Your 6-digit code",
      headerText: "To confirm your phone, type the code we sent to it."
    },
    totpEnrollment: {
      codePlaceholder: "Your passcode",
      headerText: "Scan this QR code with Google Authenticator (or a similar app):"
    },
    smsEnrollmentAddPhoneNumber: {
      headerText: "Enter your phone number<br />to enroll.",
      phoneNumberLabel: "We will send a code to:",
      phoneNumberPlaceholder: "Your phone number"
    },
    authCongrats: {
      congrats: "Your identity is verified. Redirecting…",
      congratsNoRedirect: "Your identity is verified.",
      continueButtonText: "Continue"
    },
    errorMessages: {
      alreadyEnrolled: "You are already enrolled.",
      authMethodDisabled: "This authentication method is disabled.",
      connectionError: "The server cannot be reached. Check your connection and try again.",
      "default": "Something went wrong. Try again.",
      defaultRequest: "There was a problem reaching the server. Try again.",
      enrollmentConflict: "You are already enrolled. Log in again from the application.",
      enrollmentMethodDisabled: "This enrollment method is disabled.",
      enrollmentNotFound: "Your enrollment was not found. Finish it on the device where you started it, or log in again from the application.",
      enrollmentTransactionNotFound: "The enrollment has expired or is no longer active. Try again.",
      errorSendingPushNotification: "The push notification could not be sent. Try again.",
      errorSendingPushNotificationManualFallback: "The push notification could not be sent. Type the code instead.",
      errorSendingSms: "The code could not be sent. Try again in a few seconds.",
      errorSendingSmsManualFallback: "The SMS could not be sent. Use your recovery code.",
      featureDisabled: "This feature is disabled.",
      featureDisabledByAdmin: "An administrator disabled this feature.",
      fieldRequired: "This field is required.",
      globalTransactionExpired: "Your login attempt timed out.",
      guardianInvalidNonce: "The origin of this request could not be verified. Are several logins open at once?",
      guardianInvalidToken: "The authentication request is malformed.",
      insufficientScope: "You are not allowed to do this.",
      invalidBearerFormat: "You are not allowed to do this.",
      invalidLoginTokenStatus: "Unexpected state of this request.",
      invalidOtp: "That code is not valid. Check it and try again.",
      invalidOtpFormat: "The code has 6 digits.",
      invalidPhoneNumber: "That phone number is not valid. Check it and try again.",
      invalidRecoveryCode: "That recovery code is not valid. Check it and try again.",
      invalidRecoveryCodeFormat: "A recovery code has 24 letters and digits.",
      invalidToken: "You are not allowed to do this.",
      loginRejected: "The login was rejected. Try again.",
      loginTokenInvalidSignature: "The issuer of this request could not be verified.",
      loginTokenTransactionExpired: "The authentication request has expired. Is the connection slow?",
      loginTransactionNotFound: "The login took too long. Try again.",
      noMethodAvailable: "No authentication method is available.",
      noPublicKeyAvailable: "Your identity cannot be verified. Contact the tenant's administrator.",
      pnEndpointDisabled: "Messages cannot reach your phone. Try again.",
      pushNotificationNotConfigured: "The enrollment was not finished. Log in again from the application.",
      pushNotificationWrongCredentials: "Your device's credentials are out of date. Enroll the device again, or wait for them to update.",
      smsNotConfigured: "You enrolled with another method, so this one is not available.",
      socketError: "The real-time channel cannot be reached.",
      tooManyPn: "Too many push notifications this minute. Wait and try again.",
      tooManyPnPerTenant: "Too many push requests right now. Wait a few minutes and try again.",
      tooManySms: "Too many SMS this hour. Wait a few minutes and try again.",
      tooManySmsPerTenant: "Too many SMS right now. Wait a few minutes and try again."
    },
    successMessages: {
      auth: "Your identity is verified. Redirecting…",
      pushSent: "We sent a push notification to: {enrollmentName}",
      smsSent: "We sent an SMS to: {phoneNumber}"
    },
    infoMessages: {
      iddle: "Need help?<br></br><iddleHelp>Learn more</iddleHelp>"
    }
  };

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  // The dictionary with `given` on top; every key `given` has that the
  // widget's dictionary has not (or of the wrong kind) is a warning.
  function dictionary(given, warn) {
    function merge(base, over, path) {
      var out = {};
      Object.keys(base).forEach(function (k) { out[k] = base[k]; });
      Object.keys(over).forEach(function (k) {
        var here = path ? path + "." + k : k;
        if (!Object.prototype.hasOwnProperty.call(base, k)) {
          var known = Object.keys(base).join(", ");
          warn("`languageDictionary." + here + "` is not a key of Auth0's MFA widget, which ignores it" +
            (known ? "; keys here: " + known : "") + ".");
        } else if (isObject(base[k])) {
          if (isObject(over[k])) out[k] = merge(base[k], over[k], here);
          else warn("`languageDictionary." + here + "` should be an object of texts, not " + typeof over[k] + ".");
        } else if (typeof over[k] === "string") {
          out[k] = over[k];
        } else {
          warn("`languageDictionary." + here + "` should be a text, not " + (over[k] === null ? "null" : typeof over[k]) + ".");
        }
      });
      return out;
    }
    if (given == null) return DICTIONARY;
    if (!isObject(given)) {
      warn("`languageDictionary` should be an object such as { guardianTotpAuth: { headerText: '…' } }, not " + typeof given + ".");
      return DICTIONARY;
    }
    return merge(DICTIONARY, given, "");
  }

  // A text as HTML: escaped, `{name}` filled in, `<br>` kept and
  // `<tag>…</tag>` turned into a link of that name.
  function rich(text, values) {
    var html = esc(text).replace(/\{(\w+)\}/g, function (whole, name) {
      return values && values[name] != null ? esc(values[name]) : whole;
    });
    return html
      .replace(/&lt;br\s*\/?&gt;(&lt;\/br&gt;)?/g, "<br>")
      .replace(/&lt;(\w+)&gt;([\s\S]*?)&lt;\/\1&gt;/g, '<a class="action" data-link="$1">$2</a>');
  }

  // The one logo fallback: a shield, in the brand colour, shown until the
  // icon has loaded and whenever it is missing or fails.
  var SHIELD = '<svg viewBox="0 0 24 24" aria-hidden="true"><path fill="var(--primary)" d="M12 1.5 3 5v6.2c0 5.6 3.8 10 9 11.3 5.2-1.3 9-5.7 9-11.3V5z"/>' +
    '<path fill="none" stroke="#fff" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round" d="m8 12.2 2.8 2.8L16.2 9.6"/></svg>';

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
    var dict = (this.dictionary = dictionary(options.languageDictionary, function (w) { self.warn(w); }));
    var given = options.requesterErrors;
    if (given != null && !Array.isArray(given)) {
      this.warn("`requesterErrors` should be a list of { message, errorCode }, not " + typeof given + ".");
    }
    var warnings = this.warnings.map(function (w) {
      return '<p class="warn" role="alert"><b>Preview warning</b>' + esc(w) + "</p>";
    }).join("");
    // As the real widget shows them: a banner across the widget, the message only.
    var errors = (Array.isArray(given) ? given : []).filter(function (e) { return e && present(e.message); });
    var errorList = errors.length
      ? '<ul class="errors" role="alert">' + errors.map(function (e) {
          return '<li data-code="' + esc(present(e.errorCode) ? e.errorCode : "") + '">' + esc(e.message) + "</li>";
        }).join("") + "</ul>"
      : "";
    var logo = SHIELD + (present(theme.icon) ? '<img alt="" hidden src="' + esc(theme.icon) + '">' : "");
    var title = rich(dict.defaults.title, { tenantName: tenant || "Auth0" });
    var code = function (placeholder) {
      return '<input class="code" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" placeholder="' +
        esc(placeholder) + '" aria-label="' + esc(placeholder) + '">';
    };

    var body;
    if (!container) {
      body = "";
    } else if (this.screen === "enrollment") {
      var label = (user.tenant || "auth0") + ":" + (user.email || user.friendlyUserId || user.userId || "user");
      body =
        '<div class="step"><span class="num">1</span><div><p>' + rich(dict.downloadApp.headerText) + "</p>" +
        '<div class="stores"><span class="store">Download on the<b>App Store</b></span>' +
        '<span class="store">Get it on<b>Google Play</b></span></div>' +
        rich("<downloaded>" + dict.downloadApp.pushEnrollmentAction + "</downloaded>") + "</div></div>" +
        '<div class="step"><span class="num">2</span><div><p>' + rich(dict.pushEnrollment.headerText) + "</p>" +
        fakeQr(String(options.ticket)) +
        '<p class="note">Preview QR code: not scannable</p>' +
        '<p class="account" data-field="account">' + esc(label) + "</p></div></div>" +
        '<form data-step="confirm" class="step"><span class="num">3</span><div>' +
        '<label for="code">' + rich(dict.guardianTotpAuth.headerText) + "</label>" + code(dict.guardianTotpAuth.codePlaceholder) +
        '<p class="problem"></p><button class="primary" type="submit">' + esc(dict.enrollmentCongrats.continueButtonText) + "</button></div></form>" +
        '<p class="links">' + rich(dict.downloadApp.smsAndTotpEnrollmentActions) + "</p>";
    } else if (this.screen === "login") {
      var who = user.friendlyUserId || user.email || "";
      body =
        '<form data-step="code"><label for="code">' + rich(dict.guardianTotpAuth.headerText) + "</label>" +
        (who ? '<p class="who"><b data-field="user">' + esc(who) + "</b></p>" : "") +
        code(dict.guardianTotpAuth.codePlaceholder) +
        '<p class="problem"></p>' +
        (options.allowRememberBrowser
          ? '<label class="remember"><input type="checkbox" name="remember"> ' + rich(dict.defaults.rememberBrowserCheckbox) + "</label>"
          : "") +
        '<button class="primary" type="submit">' + esc(dict.authCongrats.continueButtonText) + "</button></form>" +
        '<p class="links">' + rich(dict.totpAuth.useRecoveryCode) + "</p>";
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
          '<p class="title">' + title + "</p></div>" + errorList +
          '<div class="body">' + body + "</div>" +
          '<div class="mock">Offline stand-in for Auth0MFAWidget · mfa-page</div>'
        : "") +
      "</div>";

    // The icon replaces the shield once it has loaded; missing or failing, the shield stays.
    var img = root.querySelector(".logo img");
    if (img) {
      var shown = function () {
        if (!img.naturalWidth) return;
        img.hidden = false;
        root.querySelector(".logo svg").setAttribute("hidden", "");
      };
      if (img.complete) shown();
      img.addEventListener("load", shown);
    }
    var form = root.querySelector("form");
    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var code = form.querySelector(".code").value.replace(/\s+/g, "");
        var problem = form.querySelector(".problem");
        if (!/^\d{6}$/.test(code)) {
          problem.textContent = dict.errorMessages.invalidOtpFormat;
          return;
        }
        problem.textContent = "";
        var done = document.createElement("p");
        done.className = "done";
        done.innerHTML = rich(self.screen === "login" ? dict.authCongrats.congratsNoRedirect : dict.enrollmentCongrats.congrats) +
          "<br><small>" + esc(self.screen === "login"
          ? "Preview: the real widget checks the code with " + (options.mfaServerUrl || "the MFA server") +
            " and posts the result to " + (options.postActionURL || "postActionURL") + "."
          : "Preview: the real widget confirms the enrollment with " + (options.mfaServerUrl || "the MFA server") + ".") + "</small>";
        form.replaceWith(done);
      });
    }
    this.took = window.performance ? performance.now() - started : 0;
    Array.prototype.forEach.call(root.querySelectorAll("a.action"), function (link) {
      link.addEventListener("click", function () {
        var other = self.screen === "login"
          ? "In the real widget: the recovery code form (or SMS, push), as the user's enrollment allows."
          : "In the real widget: the " + link.textContent + " setup.";
        var note = document.createElement("p");
        note.className = "note";
        note.textContent = other;
        link.parentNode.appendChild(note);
      }, { once: true });
    });
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
