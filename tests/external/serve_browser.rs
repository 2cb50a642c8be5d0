//! `mfa-page serve` end to end in real headless Chromium (Debian's `chromium`
//! and `chromium-driver`, driven over WebDriver): the in-place update gives
//! the page a reload gives, and the gallery follows edits.

use std::path::Path;
use std::time::Duration;

use crate::browser::{Browser, Chromium, Server, starter_project};

use crate::heavy_test_lock;

// ---------------------------------------------------------------- Chromium

/// JavaScript helpers for the gallery page.
const HELPERS: &str = r#"
var frame = function (name) {
  var f = document.querySelector('.card[data-scenario="' + name + '"] iframe');
  return f && f.contentWindow;
};
var widget = function (name) {
  var w = frame(name);
  return w && w.Auth0MFAWidget && w.Auth0MFAWidget.last;
};
var text = function (name) {
  var w = frame(name);
  return w && w.document && w.document.body ? w.document.body.textContent : '';
};
"#;

fn js(body: &str) -> String {
    format!("{HELPERS}\n{body}")
}

/// The in-place update (src/serve/update.js) on the cases of
/// tests/fixtures/serve-updates/cases.js: each comes out as an in-place
/// update equal, byte for byte, to what a reload gives, or as a reload for
/// the expected reason.
#[allow(clippy::await_holding_lock)]
pub async fn in_place_updates_give_the_page_a_reload_gives() {
    let _turn = heavy_test_lock();
    let chromium = Chromium::find().expect("the harness checked for Chromium");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let update = std::fs::read_to_string(root.join("src/serve/update.js")).unwrap();
    let cases =
        std::fs::read_to_string(root.join("tests/fixtures/serve-updates/cases.js")).unwrap();
    // The live and the reloaded copies are parsed by the browser itself, in
    // frames (scripting on, as in a window: <noscript> holds text), under a
    // policy that runs no script; a case's `scripts` stands for the page's
    // scripts, and what BOOT (inject.rs) records is recorded the same way.
    let runner = r#"
function load(html) {
  return new Promise(function (done) {
    var f = document.createElement("iframe");
    f.onload = function () {
      var w = f.contentWindow, touched = new WeakSet();
      var listen = w.EventTarget.prototype.addEventListener, shadow = w.Element.prototype.attachShadow;
      w.__mfaBoot = { touched: touched };
      w.EventTarget.prototype.addEventListener = function () { if (this instanceof w.Node) touched.add(this); return listen.apply(this, arguments); };
      w.Element.prototype.attachShadow = function () { touched.add(this); return shadow.apply(this, arguments); };
      done(f.contentDocument);
    };
    f.srcdoc = html;
    document.body.appendChild(f);
  });
}
function bare(doc) {
  doc.querySelectorAll("mfa-page-overlay, [data-mfa-page]").forEach(function (n) { n.remove(); });
  // Attribute order is no part of the page.
  doc.querySelectorAll("*").forEach(function (el) {
    var all = Array.prototype.map.call(el.attributes, function (a) { return [a.namespaceURI, a.name, a.value, a.localName]; });
    all.sort(function (x, y) { return x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0; });
    all.forEach(function (a) { el.removeAttributeNS(a[0], a[3]); });
    all.forEach(function (a) { if (a[0]) el.setAttributeNS(a[0], a[1], a[2]); else el.setAttribute(a[1], a[2]); });
  });
  return (doc.doctype ? "<!DOCTYPE " + doc.doctype.name + ">" : "") + doc.documentElement.outerHTML;
}
return (async function () {
  var out = [];
  for (var c of CASES) {
    var live = await load(c.old);
    if (c.scripts) c.scripts(live);
    var planned = MfaUpdate.plan(MfaUpdate.parse(c.old), MfaUpdate.parse(c.next), live);
    if (planned.reload) { out.push({ name: c.name, expect: c.expect, got: "reload: " + planned.reload }); continue; }
    MfaUpdate.apply(planned);
    var reloaded = await load(c.next);
    if (c.scripts) c.scripts(reloaded);
    var probe = c.probe ? [c.probe(live), c.probe(reloaded)] : ["", ""];
    out.push({ name: c.name, expect: c.expect, got: "in-place", changes: planned.changes,
               live: bare(live) + probe[0], reloaded: bare(reloaded) + probe[1] });
  }
  return out;
})();"#;
    let browser = Browser::start(&chromium, 800, 600).await;
    // A plain page (the start page of a new profile is under Trusted Types)
    // whose frames run no script.
    browser
        .client
        .goto("data:text/html,<!DOCTYPE html><meta http-equiv=\"Content-Security-Policy\" content=\"script-src 'none'\"><title>cases</title><body>")
        .await
        .unwrap();
    let results = browser.eval(&format!("{update}\n{cases}\n{runner}")).await;

    // `serve --reload-mode reload`: every change reloads, and the page says so.
    let dir = starter_project();
    let template = dir.path().join("templates/mfa.liquid");
    let original = std::fs::read_to_string(&template).unwrap();
    let server = Server::start(
        Path::new(env!("CARGO_BIN_EXE_mfa-page")),
        dir.path(),
        &["--reload-mode", "reload"],
    );
    browser
        .client
        .goto(&format!("{}s/login", server.url))
        .await
        .unwrap();
    let wait = Duration::from_secs(30);
    browser
        .wait_for(
            "the login page",
            "return window.__mfaPage && document.readyState === 'complete' && (window.__kept = true);",
            wait,
        )
        .await;
    std::fs::write(
        &template,
        original.replace("Verify it's you</h1>", "Verify it's you (reloaded)</h1>"),
    )
    .unwrap();
    let why = browser
        .wait_for(
            "the page to reload with the edit",
            "return window.__kept === undefined && document.body && document.body.innerText.indexOf('(reloaded)') >= 0 \
             && window.__mfaPage && __mfaPage.reloadedBecause;",
            wait,
        )
        .await;
    assert_eq!(why, "serve --reload-mode reload");
    browser.close().await;
    let results = results.as_array().expect("a list of results");
    assert!(results.len() >= 40, "{results:?}");
    let mut failures = Vec::new();
    for r in results {
        let (name, expect, got) = (
            &r["name"],
            r["expect"].as_str().unwrap(),
            r["got"].as_str().unwrap(),
        );
        let ok = if expect == "in-place" {
            got == "in-place" && r["live"] == r["reloaded"]
        } else {
            got.starts_with("reload: ") && got.contains(expect.trim_start_matches("reload: "))
        };
        if !ok {
            failures.push(format!(
                "{name}: expected {expect}, got {got}\n  changes: {}\n  updated:  {}\n  reloaded: {}",
                r["changes"], r["live"], r["reloaded"]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Save like an editor that writes a new file and renames it over the old one.
fn save_by_rename(path: &Path, text: &str) {
    let temp = path.with_extension("liquid.tmp");
    std::fs::write(&temp, text).unwrap();
    std::fs::rename(&temp, path).unwrap();
}

// The lock only orders whole tests; nothing else on this runtime takes it.
#[allow(clippy::await_holding_lock)]
pub async fn gallery_in_chromium_reloads_as_the_template_changes() {
    let _turn = heavy_test_lock();
    let chromium = Chromium::find().expect("the harness checked for Chromium");
    let dir = starter_project();
    let template = dir.path().join("templates/mfa.liquid");
    let original = std::fs::read_to_string(&template).unwrap();
    std::fs::write(
        dir.path().join("templates/widget-cases.html"),
        r#"<!DOCTYPE html><html><body><div id="box"></div>
<script src="/__mfa/widget.js"></script>
<script>
var both = new Auth0MFAWidget({ container: 'box', ticket: 'gten_1', requestToken: 'a.e30.c', postActionURL: '/p' });
var neither = new Auth0MFAWidget({ container: 'box' });
var missing = new Auth0MFAWidget({ container: 'nope', requestToken: 'x.eyJleHAiOjF9.y', postActionURL: '/p' });
window.cases = [both, neither, missing].map(function (w) {
  return { warnings: w.warnings, shown: w.root.querySelectorAll('.warn').length, screen: w.screen };
});
</script></body></html>"#,
    )
    .unwrap();
    let mut server = Server::start(Path::new(env!("CARGO_BIN_EXE_mfa-page")), dir.path(), &[]);
    let browser = Browser::start(&chromium, 1600, 1000).await;
    let wait = Duration::from_secs(30);

    browser.client.goto(&server.url).await.unwrap();
    browser
        .wait_for(
            "every frame's widget",
            &js("return ['branded','enroll','login','login-errors'].every(function (n) { return widget(n); });"),
            wait,
        )
        .await;

    // Enrollment: the mock's app-download / QR step, with the scenario's values.
    let enroll = browser
        .eval(&js(r#"
            var w = widget('enroll');
            return { screen: w.screen, ticket: w.options.ticket, warnings: w.warnings,
                     text: w.root.textContent, tenant: w.root.querySelector('[data-field=tenant]').textContent,
                     qr: !!w.root.querySelector('svg.qr') };"#))
        .await;
    assert_eq!(enroll["screen"], "enrollment", "{enroll}");
    assert_eq!(enroll["ticket"], "gten_e3a5de9d39d000129e2d623a");
    assert_eq!(enroll["warnings"], serde_json::json!([]));
    assert_eq!(enroll["tenant"], "acme-dev");
    assert_eq!(enroll["qr"], true);
    let enroll_text = enroll["text"].as_str().unwrap();
    assert!(enroll_text.contains("Get Auth0 Guardian"), "{enroll_text}");
    assert!(
        enroll_text.contains("Scan this code with Auth0 Guardian"),
        "{enroll_text}"
    );
    assert!(enroll_text.contains("acme-dev:jordan.rivera@example.com"));

    // Login: the 6-digit code form, with the token and the user.
    let login = browser
        .eval(&js(r#"
            var w = widget('login');
            var input = w.root.querySelector('input.code');
            return { screen: w.screen, token: w.options.requestToken, post: w.options.postActionURL,
                     maxlength: input && input.maxLength, remember: !!w.root.querySelector('.remember'),
                     user: w.root.querySelector('[data-field=user]').textContent, warnings: w.warnings };"#))
        .await;
    let login_json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("contexts/login.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(login["screen"], "login", "{login}");
    assert_eq!(login["token"], login_json["requestToken"]);
    assert_eq!(login["post"], login_json["postActionURL"]);
    assert_eq!(login["maxlength"], 6);
    assert_eq!(login["remember"], true);
    assert_eq!(login["user"], "jordan.rivera@example.com");
    assert_eq!(login["warnings"], serde_json::json!([]));

    // Requester errors above the form; branding applied.
    let errors = browser
        .eval(&js(r#"
            var w = widget('login-errors');
            return Array.prototype.map.call(w.root.querySelectorAll('.errors li'), function (li) { return li.dataset.code + ': ' + li.textContent; });"#))
        .await;
    assert_eq!(errors.as_array().map(Vec::len), Some(2), "{errors}");
    assert!(
        errors[0]
            .as_str()
            .unwrap()
            .starts_with("invalid_otp: The code")
    );
    let branded = browser
        .eval(&js(r#"
            var w = widget('branded');
            return { color: getComputedStyle(w.root.querySelector('.head')).backgroundColor,
                     tenant: w.root.querySelector('[data-field=tenant]').textContent,
                     icon: w.options.theme.icon };"#))
        .await;
    assert_eq!(branded["color"], "rgb(10, 124, 102)", "{branded}");
    assert_eq!(branded["tenant"], "Acme Health");
    assert_eq!(
        branded["icon"],
        "https://images.example.com/acme/logo-mark.png"
    );

    // Width presets switch every frame at once.
    for width in [768, 1280, 375] {
        let widths = browser
            .eval(&format!(
                "document.querySelector('.widths button[data-width=\"{width}\"]').click(); \
                 return Array.prototype.map.call(document.querySelectorAll('.frame iframe'), \
                 function (f) {{ return f.offsetWidth; }});"
            ))
            .await;
        assert_eq!(widths, serde_json::json!([width, width, width, width]));
    }

    // An edit shows up without reloading the gallery itself, and the frames
    // take it in place (their window lives on).
    browser
        .eval(&js(
            "window.__notReloaded = true; frame('login').__kept = true; return true;",
        ))
        .await;
    let edited = original.replace("Verify it's you</h1>", "Verify it's you (edited)</h1>");
    std::fs::write(&template, &edited).unwrap();
    browser
        .wait_for(
            "the edit in the login frame",
            &js("return text('login').indexOf('(edited)') >= 0;"),
            wait,
        )
        .await;
    assert_eq!(
        browser.eval("return window.__notReloaded === true;").await,
        true
    );
    let login_update = browser
        .eval(&js("var w = frame('login'); var u = w.__mfaPage.updates; \
                   return { kept: w.__kept === true, last: u[u.length - 1], widget: !!widget('login') };"))
        .await;
    assert_eq!(login_update["kept"], true, "{login_update}");
    assert_eq!(login_update["last"]["how"], "in-place", "{login_update}");
    // Its new page came with the gallery's one request for every changed
    // frame (`/__mfa/state?have=…`): the frame did not fetch it itself.
    assert!(
        login_update["last"]["times"]["applied"].is_number()
            && login_update["last"]["times"].get("response").is_none(),
        "{login_update}"
    );
    assert_eq!(
        login_update["widget"], true,
        "the widget's drawing stays: {login_update}"
    );

    // A broken template: the overlay, at the right line, over the last good render.
    let broken = edited.replace("{% for error in errors %}", "{% for error in %}");
    let line = broken
        .lines()
        .position(|l| l.contains("{% for error in %}"))
        .unwrap()
        + 1;
    std::fs::write(&template, &broken).unwrap();
    let location = browser
        .wait_for(
            "the overlay in the gallery",
            "var o = document.querySelector('mfa-page-overlay'); \
             return o && o.shadowRoot && o.shadowRoot.querySelector('.where').textContent;",
            wait,
        )
        .await;
    assert!(
        location
            .as_str()
            .unwrap()
            .starts_with(&format!("templates/mfa.liquid:{line}:")),
        "overlay says {location}, expected line {line}"
    );
    // The frames keep their last good render; the gallery shows the error once.
    browser
        .wait_for(
            "the login frame to show the last good render with its overlay hidden",
            &js("var w = frame('login'); var o = w && w.document.querySelector('mfa-page-overlay'); \
                 return o && getComputedStyle(o).display === 'none' && text('login').indexOf('(edited)') >= 0;"),
            wait,
        )
        .await;
    assert_eq!(
        browser
            .eval(r#"return document.querySelector('.card[data-scenario="login"] .failed:not([hidden])').textContent;"#)
            .await,
        "stale"
    );

    // Fixed: the overlay goes away by itself.
    std::fs::write(&template, &edited).unwrap();
    browser
        .wait_for(
            "the overlay to go",
            &js("var w = frame('login'); return !document.querySelector('mfa-page-overlay') && w && w.document.readyState === 'complete' && !w.document.querySelector('mfa-page-overlay') && text('login').indexOf('(edited)') >= 0;"),
            wait,
        )
        .await;
    assert_eq!(
        browser
            .eval(r#"return [window.__notReloaded === true, !!document.querySelector('.card[data-scenario="login"] .failed[hidden]')];"#)
            .await,
        serde_json::json!([true, true]),
        "the gallery showed the error and took it away in place, and the stale mark went"
    );

    // Write-to-temp-and-rename, as vim and JetBrains save.
    save_by_rename(
        &template,
        &original.replace("Verify it's you</h1>", "Verify it's you (renamed)</h1>"),
    );
    browser
        .wait_for(
            "the renamed save in the login frame",
            &js("return text('login').indexOf('(renamed)') >= 0;"),
            wait,
        )
        .await;

    // Vim's save with a backup: rename the file away, write a new one, delete the backup.
    let backup = template.with_extension("liquid~");
    std::fs::rename(&template, &backup).unwrap();
    std::fs::write(
        &template,
        original.replace("Verify it's you</h1>", "Verify it's you (vim)</h1>"),
    )
    .unwrap();
    std::fs::remove_file(&backup).unwrap();
    browser
        .wait_for(
            "vim's save in the login frame, with no error left",
            &js("return text('login').indexOf('(vim)') >= 0 && !document.querySelector('mfa-page-overlay');"),
            wait,
        )
        .await;

    // Scenarios: a new one appears, a base change reaches every scenario, a
    // deleted one goes.
    let contexts = dir.path().join("contexts");
    std::fs::write(
        contexts.join("extra.json"),
        r#"{"$extends": "login", "userData": {"friendlyUserId": "extra.user@example.com"}}"#,
    )
    .unwrap();
    browser
        .wait_for(
            "the new scenario in the gallery",
            &js("return text('extra').indexOf('extra.user@example.com') >= 0;"),
            wait,
        )
        .await;
    let base = std::fs::read_to_string(contexts.join("_base.json")).unwrap();
    std::fs::write(
        contexts.join("_base.json"),
        base.replace("\"tenant\": \"acme-dev\"", "\"tenant\": \"acme-edited\""),
    )
    .unwrap();
    browser
        .wait_for(
            "the base change in the enroll and extra frames",
            &js("return text('enroll').indexOf('acme-edited') >= 0 && text('extra').indexOf('acme-edited') >= 0;"),
            wait,
        )
        .await;
    std::fs::remove_file(contexts.join("extra.json")).unwrap();
    browser
        .wait_for(
            "the deleted scenario to leave the gallery",
            &js("return !document.querySelector('.card[data-scenario=\"extra\"]') && !!frame('login');"),
            wait,
        )
        .await;

    // Partials: the folder is created while serving, then a partial changes.
    let partials = dir.path().join("templates/partials");
    std::fs::create_dir(&partials).unwrap();
    std::fs::write(partials.join("note.liquid"), "<p>Partial one</p>").unwrap();
    std::fs::write(
        &template,
        original.replace(
            "<section class=\"card__body\">",
            "<section class=\"card__body\">{% include 'note' %}",
        ),
    )
    .unwrap();
    browser
        .wait_for(
            "the partial in the login frame",
            &js("return text('login').indexOf('Partial one') >= 0;"),
            wait,
        )
        .await;
    std::fs::write(partials.join("note.liquid"), "<p>Partial two</p>").unwrap();
    browser
        .wait_for(
            "the partial's change in the login frame",
            &js("return text('login').indexOf('Partial two') >= 0;"),
            wait,
        )
        .await;

    // A JavaScript error in the rendered page: shown at its template line,
    // with the rendered line.
    let js_broken = original.replace(
        "return new Auth0MFAWidget(options);",
        "return new Auth0MFAWidget(options;",
    );
    let js_line = js_broken
        .lines()
        .position(|l| l.contains("Auth0MFAWidget(options;"))
        .unwrap()
        + 1;
    std::fs::write(&template, &js_broken).unwrap();
    let frame_text = browser
        .wait_for(
            "the JavaScript error overlay in the login frame",
            &js("var w = frame('login'); var o = w && w.document.querySelector('mfa-page-overlay[data-kind=js]'); \
                 var pre = o && o.shadowRoot.querySelector('.frame:not(.template)'); \
                 return pre && o.shadowRoot.querySelector('.where a') && (o.shadowRoot.querySelector('.where').textContent + '\\n' + pre.textContent);"),
            wait,
        )
        .await;
    let frame_text = frame_text.as_str().unwrap();
    assert!(
        frame_text.starts_with(&format!("templates/mfa.liquid:{js_line}:")),
        "{frame_text}"
    );
    assert!(
        frame_text.contains("(rendered line ") && frame_text.contains("scenario login)"),
        "{frame_text}"
    );
    assert!(
        frame_text.contains("Auth0MFAWidget(options;"),
        "{frame_text}"
    );
    // A script changed: the frame reloaded, and says why.
    let reloaded = browser
        .eval(&js("var w = frame('login'); return { kept: w.__kept === true, why: w.__mfaPage.reloadedBecause };"))
        .await;
    assert_eq!(reloaded["kept"], false, "{reloaded}");
    assert_eq!(
        reloaded["why"], "a script or template changed",
        "{reloaded}"
    );
    browser
        .wait_for(
            "the gallery to mark the login frame with its JavaScript error",
            r#"return !!document.querySelector('.card[data-scenario="login"] .js:not([hidden])');"#,
            wait,
        )
        .await;

    // A scenario page on its own reloads by itself too.
    std::fs::write(&template, &original).unwrap();
    browser
        .client
        .goto(&format!("{}s/enroll", server.url))
        .await
        .unwrap();
    browser
        .wait_for(
            "the enroll page",
            "return window.Auth0MFAWidget && Auth0MFAWidget.last && Auth0MFAWidget.last.screen;",
            wait,
        )
        .await;
    browser.eval("window.__kept = true; return true;").await;
    std::fs::write(
        &template,
        original.replace("Set up two-step verification</h1>", "Set up 2FA</h1>"),
    )
    .unwrap();
    browser
        .wait_for(
            "the edit on the full page",
            "return document.body && document.body.innerText.indexOf('Set up 2FA') >= 0;",
            wait,
        )
        .await;
    // CSS too, in place: the page keeps its window and its widget.
    let restyled = original
        .replace("Set up two-step verification</h1>", "Set up 2FA</h1>")
        .replace("--ink: #1e212a;", "--ink: #7a1f1f;");
    std::fs::write(&template, &restyled).unwrap();
    browser
        .wait_for(
            "the new colour on the full page",
            "return getComputedStyle(document.querySelector('h1')).color === 'rgb(122, 31, 31)';",
            wait,
        )
        .await;
    assert_eq!(
        browser
            .eval(
                "return window.__kept === true && Auth0MFAWidget.last.screen === 'enrollment' \
                   && __mfaPage.updates.every(function (u) { return u.how === 'in-place'; });"
            )
            .await,
        true,
        "text and CSS edits are taken in place"
    );
    // The page's first script records what the page's scripts listen to.
    assert_eq!(
        browser
            .eval("var h = document.querySelector('h1'); var before = __mfaBoot.touched.has(h); \
                   h.addEventListener('click', function () {}); return [before, __mfaBoot.touched.has(h)];")
            .await,
        serde_json::json!([false, true])
    );
    std::fs::write(&template, &broken).unwrap();
    let location = browser
        .wait_for(
            "the overlay on the full page",
            "var o = document.querySelector('mfa-page-overlay[data-kind=build]'); \
             return o && getComputedStyle(o).display !== 'none' && o.shadowRoot.querySelector('.where').textContent;",
            wait,
        )
        .await;
    assert!(
        location
            .as_str()
            .unwrap()
            .starts_with(&format!("templates/mfa.liquid:{line}:")),
        "{location}"
    );
    assert!(
        browser
            .eval("return document.body.innerText.indexOf('Set up 2FA') >= 0;")
            .await
            == true,
        "the last good render stays behind the overlay"
    );
    std::fs::write(&template, &original).unwrap();
    browser
        .wait_for(
            "the overlay to go from the full page",
            "return document.readyState === 'complete' && !document.querySelector('mfa-page-overlay') \
             && document.body.innerText.indexOf('Set up two-step verification') >= 0;",
            wait,
        )
        .await;
    assert_eq!(
        browser.eval("return window.__kept === true;").await,
        true,
        "the build overlay came and went in place"
    );
    // Data the widget reads (a data-* attribute): the page reloads, and the
    // widget gets the new value.
    let enroll_file = contexts.join("enroll.json");
    let enroll_json = std::fs::read_to_string(&enroll_file).unwrap();
    let ticket = "gten_e3a5de9d39d000129e2d623a";
    std::fs::write(&enroll_file, enroll_json.replace(ticket, "gten_changed")).unwrap();
    let why = browser
        .wait_for(
            "the page to reload with the new ticket",
            "return window.Auth0MFAWidget && Auth0MFAWidget.last && Auth0MFAWidget.last.options.ticket === 'gten_changed' \
             && window.__kept === undefined && __mfaPage.reloadedBecause;",
            wait,
        )
        .await;
    assert!(
        why.as_str().unwrap().contains("the data-ticket attribute"),
        "{why}"
    );
    std::fs::write(&enroll_file, &enroll_json).unwrap();
    // A file beside the template (an image, a stylesheet): the page reloads.
    browser
        .wait_for(
            "the original ticket",
            "return window.Auth0MFAWidget && Auth0MFAWidget.last && Auth0MFAWidget.last.options.ticket !== 'gten_changed' \
             && (window.__kept = true);",
            wait,
        )
        .await;
    std::fs::write(dir.path().join("templates/logo.png"), b"\x89PNG new").unwrap();
    let why = browser
        .wait_for(
            "the page to reload for the new file",
            "return window.__kept === undefined && window.__mfaPage && __mfaPage.reloadedBecause;",
            wait,
        )
        .await;
    assert_eq!(why, "a file beside the template changed");

    // The mock's warnings, on a static page beside the template (written
    // before the server starts: creating it later triggers a rebuild whose
    // reload event races the navigation to it).
    browser
        .client
        .goto(&format!("{}widget-cases.html", server.url))
        .await
        .unwrap();
    let cases = browser
        .wait_for("the widget cases", "return window.cases;", wait)
        .await;
    let warnings = |i: usize| cases[i]["warnings"].to_string();
    assert!(
        warnings(0).contains("Both `ticket` and `requestToken`"),
        "{cases}"
    );
    assert!(warnings(1).contains("Neither `ticket`"), "{cases}");
    assert!(
        warnings(2).contains("No element has id=\\\"nope\\\""),
        "{cases}"
    );
    assert!(warnings(2).contains("expired"), "{cases}");
    for i in 0..3 {
        assert_eq!(
            cases[i]["shown"].as_u64(),
            cases[i]["warnings"].as_array().map(|w| w.len() as u64),
            "every warning is shown in the page: {cases}"
        );
    }

    browser.close().await;
    let status = server.interrupt(Duration::from_secs(10));
    let stderr = server.stderr();
    assert!(
        status.is_some_and(|s| s.success()),
        "Ctrl-C should stop the server cleanly: {status:?}\n{stderr}"
    );
    assert!(stderr.contains("stopped"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
