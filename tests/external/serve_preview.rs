//! What the preview shows besides the pages, in real headless Chromium: the
//! live checks' findings (gallery and page), JavaScript errors at their
//! template line, frames as tall as their pages at every width preset, the
//! `$locale` of a scenario, and no 404 on the starter.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::browser::{Browser, Chromium, Server, starter_project};
use crate::heavy_test_lock;

const WAIT: Duration = Duration::from_secs(30);

fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_mfa-page"))
}

/// The 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle}"))
        + 1
}

/// Script: the `.where` texts of the findings listed in `dock` (an expression).
fn listed(dock: &str) -> String {
    format!(
        "var d = {dock}; if (!d || !d.shadowRoot) return null; \
         return Array.prototype.map.call(d.shadowRoot.querySelectorAll('.finding'), function (f) {{ \
           return f.className.split(' ')[1] + ' ' + f.querySelector('.where a, .where').textContent.replace(/^(error|warning)/, ''); }});"
    )
}

const GALLERY_DOCK: &str = "document.querySelector('mfa-page-findings')";

#[allow(clippy::await_holding_lock)]
pub async fn findings_show_and_go_and_js_errors_name_their_template_line() {
    let _turn = heavy_test_lock();
    let Some(chromium) = Chromium::for_test("findings_show_and_go") else {
        return;
    };
    let dir = starter_project();
    let template = dir.path().join("templates/mfa.liquid");
    let original = std::fs::read_to_string(&template).unwrap();
    let mut server = Server::start(
        binary(),
        dir.path(),
        &["--editor-url", "editor://{path}@{line}:{column}"],
    );
    let browser = Browser::start(&chromium, 1440, 1000).await;

    browser.client.goto(&server.url).await.unwrap();
    browser
        .wait_for(
            "the gallery's findings, none on the starter",
            "var s = document.querySelector('.findings-summary'); return s && s.textContent === 'no errors or warnings';",
            WAIT,
        )
        .await;

    // A warning (a typo in a variable) and an error (a script that does not parse).
    let broken = original
        .replace(
            "<footer class=\"card__foot\">",
            "<footer class=\"card__foot\">{{ userData.emial }}",
        )
        .replace(
            "  <script src=\"//cdn.auth0.com",
            "  <script>var broken = ;</script>\n  <script src=\"//cdn.auth0.com",
        );
    let warning_line = line_of(&broken, "userData.emial");
    let error_line = line_of(&broken, "var broken = ;");
    std::fs::write(&template, &broken).unwrap();
    let shown = browser
        .wait_for(
            "a warning and an error in the gallery's panel",
            &format!(
                "var l = (function () {{ {} }})(); return l && l.length === 2 && l;",
                listed(GALLERY_DOCK)
            ),
            WAIT,
        )
        .await;
    let shown: Vec<String> = serde_json::from_value(shown).unwrap();
    assert!(
        shown[0].starts_with(&format!("warning templates/mfa.liquid:{warning_line}:")),
        "{shown:?}"
    );
    assert!(
        shown[1].starts_with(&format!("error templates/mfa.liquid:{error_line}:")),
        "{shown:?}"
    );
    // The same text as `check`, the editor link, and the counts on the cards.
    let detail = browser
        .eval(&format!(
            "var root = {GALLERY_DOCK}.shadowRoot; var f = root.querySelectorAll('.finding'); \
             return {{ code: f[1].dataset.code, text: f[1].querySelector('pre').textContent, \
                       link: f[0].querySelector('.where a').getAttribute('href'), \
                       summary: document.querySelector('.findings-summary').textContent, \
                       login: document.querySelector('.card[data-scenario=\"login\"] .count').textContent }};"
        ))
        .await;
    assert_eq!(detail["code"], "js-syntax", "{detail}");
    assert!(
        detail["text"].as_str().unwrap().contains("var broken = ;"),
        "{detail}"
    );
    let link = detail["link"].as_str().unwrap();
    assert!(
        link.starts_with("editor://")
            && link.contains(&format!("/templates/mfa.liquid@{warning_line}:")),
        "{link}"
    );
    assert_eq!(detail["summary"], "1 error · 1 warning", "{detail}");
    assert_eq!(detail["login"], "2 findings", "{detail}");
    // A card's count opens the panel on its scenario.
    browser
        .eval(
            "document.querySelector('.card[data-scenario=\"login\"] .count').click(); return true;",
        )
        .await;
    let panel = browser
        .eval(&format!(
            "var r = {GALLERY_DOCK}.shadowRoot; return [r.querySelector('.panel').hidden, r.querySelector('.filter').textContent];"
        ))
        .await;
    assert_eq!(panel, json!([false, "scenario login"]));

    // The terminal: each new finding's first line, and the counts.
    let started = std::time::Instant::now();
    while !server
        .stderr()
        .contains("checks: 1 error, 1 warning (2 new)")
        && started.elapsed() < WAIT
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stderr = server.stderr();
    assert!(
        stderr.contains(&format!(
            "warning[unknown-variable]: templates/mfa.liquid:{warning_line}:"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "error[js-syntax]: templates/mfa.liquid:{error_line}:"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("checks: 1 error, 1 warning (2 new)"),
        "{stderr}"
    );
    assert!(!stderr.contains("1 warnings"), "{stderr}");

    // The same findings on the page of a scenario, with its badge.
    browser
        .client
        .goto(&format!("{}s/login", server.url))
        .await
        .unwrap();
    let page = browser
        .wait_for(
            "the findings on /s/login",
            &format!(
                "var d = document.querySelector('mfa-page-findings'); var l = (function () {{ {} }})(); \
                 return l && l.length === 2 && {{ list: l, badge: d.shadowRoot.querySelector('.badge').textContent }};",
                listed("document.querySelector('mfa-page-findings')")
            ),
            WAIT,
        )
        .await;
    assert_eq!(page["badge"], "1 error · 1 warning", "{page}");
    assert!(
        page["list"][0]
            .as_str()
            .unwrap()
            .starts_with(&format!("warning templates/mfa.liquid:{warning_line}:")),
        "{page}"
    );

    // The page's own syntax error, thrown in the browser, names its template line.
    let runtime = browser
        .wait_for(
            "the JavaScript error panel at the template line",
            "var o = document.querySelector('mfa-page-overlay[data-kind=\"js\"]'); \
             var a = o && o.shadowRoot.querySelector('.where a'); \
             return a && { where: a.textContent, frame: o.shadowRoot.querySelector('pre.template').textContent };",
            WAIT,
        )
        .await;
    assert!(
        runtime["where"]
            .as_str()
            .unwrap()
            .starts_with(&format!("templates/mfa.liquid:{error_line}:")),
        "{runtime}"
    );
    assert!(
        runtime["frame"]
            .as_str()
            .unwrap()
            .contains("var broken = ;"),
        "{runtime}"
    );

    // Fixed: the findings go, on the page and in the terminal.
    std::fs::write(&template, &original).unwrap();
    browser
        .wait_for(
            "the findings to go from /s/login",
            "var d = document.querySelector('mfa-page-findings'); \
             return d && d.shadowRoot.querySelector('.badge').hidden && d.shadowRoot.querySelectorAll('.finding').length === 0;",
            WAIT,
        )
        .await;
    let started = std::time::Instant::now();
    while !server
        .stderr()
        .contains("checks: 0 errors, 0 warnings (2 fixed)")
        && started.elapsed() < WAIT
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        server
            .stderr()
            .contains("checks: 0 errors, 0 warnings (2 fixed)"),
        "{}",
        server.stderr()
    );

    // A runtime error (not a syntax error): a call on something undefined,
    // inside a partial, names the partial's line.
    let partials = dir.path().join("templates/partials");
    std::fs::create_dir_all(&partials).unwrap();
    std::fs::write(
        partials.join("boom.liquid"),
        "<p>partial</p>\n<script>\n  window.notThere.call();\n</script>\n",
    )
    .unwrap();
    std::fs::write(
        &template,
        original.replace(
            "<main class=\"card\">",
            "<main class=\"card\">{% include 'boom' %}",
        ),
    )
    .unwrap();
    let located = browser
        .wait_for(
            "the runtime error at the partial's line",
            "var o = document.querySelector('mfa-page-overlay[data-kind=\"js\"]'); \
             var a = o && o.shadowRoot.querySelector('.where a'); return a && a.textContent;",
            WAIT,
        )
        .await;
    assert!(
        located
            .as_str()
            .unwrap()
            .starts_with("templates/partials/boom.liquid:3:"),
        "{located}"
    );

    browser.close().await;
    assert!(server.interrupt(Duration::from_secs(10)).is_some());
}

/// For every card: the iframe's height, its page's scroll height, the
/// page's viewport height, the visible box's height over the scale, and its top.
const FRAMES: &str = "function frames() { return Array.prototype.map.call(document.querySelectorAll('.card'), function (card) { \
  var f = card.querySelector('iframe'); var d = f.contentDocument; \
  var scale = Number(card.dataset.scale || 1); \
  return { name: card.dataset.scenario, frame: f.offsetHeight, page: d && d.documentElement ? d.documentElement.scrollHeight : -1, \
           viewport: f.contentWindow.innerHeight, box: Math.round(card.querySelector('.frame').clientHeight / scale), \
           top: Math.round(card.getBoundingClientRect().top), left: Math.round(card.getBoundingClientRect().left), \
           right: Math.round(document.querySelector('.grid').clientWidth - card.getBoundingClientRect().right), \
           width: f.offsetWidth, scale: scale, loaded: !!(f.contentWindow.Auth0MFAWidget && f.contentWindow.Auth0MFAWidget.last) }; }); }";

fn fits(frames: &Value) -> bool {
    frames.as_array().is_some_and(|cards| {
        cards.iter().all(|c| {
            c["loaded"] == true
                && c["frame"] == c["page"]
                && c["viewport"] == c["page"]
                && c["box"].as_i64().unwrap_or(0) >= c["frame"].as_i64().unwrap_or(1) - 1
        })
    })
}

#[allow(clippy::await_holding_lock)]
pub async fn every_frame_shows_its_whole_page_and_nothing_is_missing() {
    let _turn = heavy_test_lock();
    let Some(chromium) = Chromium::for_test("every_frame_shows_its_whole_page") else {
        return;
    };
    let dir = starter_project();
    let mut server = Server::start(binary(), dir.path(), &[]);
    let browser = Browser::start(&chromium, 1440, 1000).await;
    browser.client.goto(&server.url).await.unwrap();

    for width in [375, 768, 1280, 375] {
        browser
            .eval(&format!(
                "document.querySelector('.widths button[data-width=\"{width}\"]').click(); return true;"
            ))
            .await;
        let frames = browser
            .wait_for(
                &format!("every frame as tall as its page at {width} px"),
                &format!("{FRAMES} var f = frames(); return f.every(function (c) {{ return c.width === {width}; }}) && f;"),
                WAIT,
            )
            .await;
        let mut frames = frames;
        let started = std::time::Instant::now();
        while !fits(&frames) && started.elapsed() < WAIT {
            tokio::time::sleep(Duration::from_millis(50)).await;
            frames = browser.eval(&format!("{FRAMES} return frames();")).await;
        }
        assert!(fits(&frames), "at {width} px: {frames:#}");
        if width == 375 {
            // Four mobile frames on one row at 1440 px, the row centred.
            let cards = frames.as_array().unwrap();
            assert_eq!(cards.len(), 4);
            assert!(
                cards.iter().all(|c| c["top"] == cards[0]["top"]),
                "{frames:#}"
            );
            let (left, right) = (
                cards[0]["left"].as_i64().unwrap(),
                cards[3]["right"].as_i64().unwrap(),
            );
            assert!(
                (left - right).abs() <= 2,
                "centred: {left} vs {right}: {frames:#}"
            );
        }
    }

    // A save that makes the login page taller, then shorter again, taken in
    // place (the gallery hands the frame its new page): the frame follows
    // the page's height both ways.
    let login_height = |frames: &Value| frames[2]["frame"].as_i64().unwrap();
    let before = browser.eval(&format!("{FRAMES} return frames();")).await;
    assert_eq!(before[2]["name"], "login");
    let short = login_height(&before);
    browser
        .eval("document.querySelector('.card[data-scenario=\"login\"] iframe').contentWindow.__kept = true; return true;")
        .await;
    let template = dir.path().join("templates/mfa.liquid");
    let original = std::fs::read_to_string(&template).unwrap();
    let taller = original.replace(
        "Verify it's you</h1>",
        "Verify it's you</h1><p style=\"height:400px\">A tall note</p>",
    );
    assert_ne!(taller, original);
    for (text, grown) in [(&taller, true), (&original, false)] {
        std::fs::write(&template, text).unwrap();
        let frames = browser
            .wait_for(
                if grown {
                    "the login frame to grow with its page"
                } else {
                    "the login frame to shrink back"
                },
                &format!(
                    "{FRAMES} var f = frames(); var h = f[2].frame; \
                     return ({grown} ? h >= {short} + 400 : h === {short}) && f;"
                ),
                WAIT,
            )
            .await;
        let mut frames = frames;
        let started = std::time::Instant::now();
        while !fits(&frames) && started.elapsed() < WAIT {
            tokio::time::sleep(Duration::from_millis(50)).await;
            frames = browser.eval(&format!("{FRAMES} return frames();")).await;
        }
        assert!(fits(&frames), "grown: {grown}: {frames:#}");
    }
    let login = browser
        .eval("var w = document.querySelector('.card[data-scenario=\"login\"] iframe').contentWindow; \
               var u = w.__mfaPage.updates; return { kept: w.__kept === true, how: u.map(function (x) { return x.how; }) };")
        .await;
    assert_eq!(login["kept"], true, "taken in place: {login}");

    // One frame at full width, in place, and back.
    browser
        .eval("document.querySelector('.card[data-scenario=\"enroll\"] .enlarge').click(); return true;")
        .await;
    let wide = browser
        .wait_for(
            "the enlarged enroll frame",
            &format!("{FRAMES} var f = frames(); var e = f[1]; \
                      return e.width > 1300 && e.scale === 1 && e.frame === e.page && e.viewport === e.page && e;"),
            WAIT,
        )
        .await;
    assert_eq!(wide["name"], "enroll");
    browser
        .eval("document.querySelector('.card[data-scenario=\"enroll\"] .enlarge').click(); return true;")
        .await;
    browser
        .wait_for(
            "the enroll frame back at 375 px",
            &format!(
                "{FRAMES} var f = frames(); return f[1].width === 375 && f[1].frame === f[1].page;"
            ),
            WAIT,
        )
        .await;

    // Every request of the gallery and of its frames, and the favicon the
    // browser asks for: none is a 404.
    let statuses = browser
        .eval(
            "var urls = ['/favicon.ico', location.href]; \
             var add = function (w) { w.performance.getEntriesByType('resource').forEach(function (e) { \
               if (e.name.indexOf(location.origin) === 0 && e.initiatorType !== 'fetch' && e.name.indexOf('event-stream') < 0) urls.push(e.name); }); }; \
             add(window); document.querySelectorAll('iframe').forEach(function (f) { add(f.contentWindow); urls.push(f.contentWindow.location.href); }); \
             return Promise.all(urls.map(function (u) { return fetch(u, { method: 'GET' }).then(function (r) { return [u, r.status]; }); }));",
        )
        .await;
    let statuses = statuses.as_array().unwrap();
    assert!(statuses.len() >= 8, "{statuses:?}");
    for s in statuses {
        assert_ne!(s[1], 404, "{s}");
    }
    assert!(
        statuses
            .iter()
            .any(|s| s[0].as_str().unwrap().ends_with("/favicon.ico") && s[1] == 200),
        "{statuses:?}"
    );

    browser.close().await;
    assert!(server.interrupt(Duration::from_secs(10)).is_some());
}

#[allow(clippy::await_holding_lock)]
pub async fn a_scenario_locale_reaches_the_page_and_the_widget_speaks_it() {
    let _turn = heavy_test_lock();
    let Some(chromium) = Chromium::for_test("a_scenario_locale_reaches_the_page") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::create_dir_all(root.join("contexts")).unwrap();
    // A template that picks the widget's dictionary from the browser's language.
    std::fs::write(
        root.join("templates/mfa.liquid"),
        r#"<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>MFA</title></head>
<body>
  <div id="container"></div>
  <script src="//cdn.auth0.com/js/mfa-widget/mfa-widget-1.8.min.js"></script>
  <script>
    var dictionaries = {
      de: { guardianTotpAuth: { headerText: "Öffnen Sie die Auth0-Guardian-App für einen Code." }, authCongrats: { continueButtonText: "Weiter" } },
      fr: { guardianTotpAuth: { headerTxt: "Ouvrez l'application" } }
    };
    var language = (navigator.language || "en").split("-")[0];
    new Auth0MFAWidget({
      container: "container",
      requestToken: document.getElementById("container").dataset.token || "a.eyJleHAiOjQxMDI0NDQ4MDB9.c",
      postActionURL: "/post",
      languageDictionary: dictionaries[language]
    });
  </script>
</body>
</html>
"#,
    )
    .unwrap();
    std::fs::write(
        root.join("contexts/_base.json"),
        r#"{"requestToken": "a.eyJleHAiOjQxMDI0NDQ4MDB9.c", "postActionURL": "/post"}"#,
    )
    .unwrap();
    std::fs::write(root.join("contexts/login.json"), r#"{"$extends": "_base"}"#).unwrap();
    std::fs::write(
        root.join("contexts/login-de.json"),
        r#"{"$extends": "_base", "$locale": "de-DE"}"#,
    )
    .unwrap();
    std::fs::write(
        root.join("contexts/login-fr.json"),
        r#"{"$extends": "_base", "$locale": "fr-FR"}"#,
    )
    .unwrap();
    let mut server = Server::start(binary(), root, &[]);
    let browser = Browser::start(&chromium, 1440, 1000).await;
    browser.client.goto(&server.url).await.unwrap();
    let seen = browser
        .wait_for(
            "the three widgets",
            "var out = {}; var all = true; document.querySelectorAll('.card').forEach(function (card) { \
               var w = card.querySelector('iframe').contentWindow; var m = w.Auth0MFAWidget && w.Auth0MFAWidget.last; \
               if (!m) { all = false; return; } \
               out[card.dataset.scenario] = { language: w.navigator.language, languages: w.navigator.languages, \
                 label: m.root.querySelector('label').textContent, button: m.root.querySelector('button.primary').textContent, \
                 warnings: m.warnings, shown: Array.prototype.map.call(m.root.querySelectorAll('.warn'), function (e) { return e.textContent; }), \
                 locale: (card.querySelector('.locale') || {}).textContent || null }; }); \
             return all && Object.keys(out).length === 3 && out;",
            WAIT,
        )
        .await;
    let de = &seen["login-de"];
    assert_eq!(de["language"], "de-DE", "{seen:#}");
    assert_eq!(de["languages"], json!(["de-DE", "de"]));
    assert_eq!(de["locale"], "de-DE");
    assert_eq!(
        de["label"],
        "Öffnen Sie die Auth0-Guardian-App für einen Code."
    );
    assert_eq!(de["button"], "Weiter");
    assert_eq!(de["warnings"], json!([]));
    // Without $locale: the browser's own language, the widget's English.
    let en = &seen["login"];
    assert_eq!(en["locale"], Value::Null);
    assert_eq!(
        en["label"],
        "Open the Auth0 Guardian app for a verification code."
    );
    // A key the real widget does not have is a visible warning.
    let fr = &seen["login-fr"];
    assert!(
        fr["shown"][0].as_str().unwrap().contains(
            "`languageDictionary.guardianTotpAuth.headerTxt` is not a key of Auth0's MFA widget"
        ),
        "{fr}"
    );
    browser.close().await;
    assert!(server.interrupt(Duration::from_secs(10)).is_some());
}
