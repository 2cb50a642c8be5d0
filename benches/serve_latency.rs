//! How fast a save shows up in the browser, and how much memory the server
//! holds. Not a timed test: a measurement to read.
//!
//!     cargo bench --bench serve_latency            # 30 edits per view
//!     EDITS=100 cargo bench --bench serve_latency
//!
//! `mfa-page serve` (release build) runs on a copy of this repository's
//! starter project; headless Chromium (Debian's chromium + chromium-driver)
//! shows the gallery, then the login page on its own. Two kinds of edit:
//!
//! - markup: the template's heading gets a new text. The page takes it in
//!   place (`serve --update in-place`, the default). Before each write a
//!   MutationObserver goes into the page (through WebDriver) and records,
//!   in the page, when the new heading reached the DOM and when the next
//!   frame was drawn (`requestAnimationFrame`); every edit must be taken in
//!   place, or the bench says how many were reloads;
//! - script: an inline script after the heading changes too, so the page
//!   must reload; that script records the same two times in the new page.
//!
//! - markup and a finding: the heading changes and the template reads a new
//!   unknown variable (`userData.probeN`, which renders as nothing): the page
//!   updates in place and the live checks' panel (open) lists the new
//!   warning; both times are recorded, so save → page updated and save →
//!   findings shown are reported separately.
//!
//! `TRACE=1` also prints, for each markup edit, where its time went: the
//! gallery's performance marks (`mfa:reload`, `mfa:state`, …), each page's
//! update steps and the requests' resource timing, in ms after the write.
//!
//! The latency is that time (`performance.timeOrigin + performance.now()`)
//! minus the wall-clock time just before the write. The browser records the
//! times itself, so polling over WebDriver adds nothing to them. For scale,
//! the bench also reloads a one-line static page: Chromium's own floor here.

#[allow(dead_code)]
#[path = "../tests/integration/serve/browser.rs"]
mod browser;

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use browser::{Browser, Chromium, Server, starter_project};

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs_f64()
        * 1000.0
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// (median, 95th percentile), nearest rank.
fn summary(values: &mut [f64]) -> (f64, f64) {
    values.sort_by(f64::total_cmp);
    let rank =
        |p: f64| values[((p * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1];
    (rank(0.5), rank(0.95))
}

/// Where the bench looks: the page itself, or the login frame of the gallery.
#[derive(Clone, Copy)]
enum View {
    Page,
    GalleryLogin,
}

impl View {
    /// JavaScript for the window that shows the login scenario.
    fn window(self) -> &'static str {
        match self {
            View::Page => "window",
            View::GalleryLogin => {
                "document.querySelector('.card[data-scenario=\"login\"] iframe').contentWindow"
            }
        }
    }
}

/// Markup edits: write the template `edits` times with a new heading text;
/// the times to DOM and to paint, in ms, and how many edits reloaded.
async fn measure_in_place(
    browser: &Browser,
    view: View,
    template: &Path,
    original: &str,
    first: usize,
    edits: usize,
) -> (Vec<f64>, Vec<f64>, usize) {
    let mut dom = Vec::new();
    let mut paint = Vec::new();
    let mut reloads = 0;
    let win = view.window();
    for n in first..first + edits {
        // Wait until the window is loaded and has its observer.
        browser
            .wait_for(
                "the page to be ready",
                &format!(
                    "var w = {win}; if (!w || w.document.readyState !== 'complete' || !w.__mfaPage) return false;\
                     var d = w.document; w.__bench = w.__bench || {{}};\
                     var mo = new w.MutationObserver(function () {{\
                       var h = d.querySelector('h1');\
                       if (!h || h.textContent.indexOf('#{n}') < 0) return;\
                       var t = w.performance.timeOrigin + w.performance.now(); mo.disconnect();\
                       w.requestAnimationFrame(function () {{ w.__bench[{n}] = {{ dom: t, paint: w.performance.timeOrigin + w.performance.now() }}; }});\
                     }});\
                     mo.observe(d, {{ subtree: true, childList: true, characterData: true }});\
                     return true;"
                ),
                Duration::from_secs(10),
            )
            .await;
        let text = original.replace(
            "Verify it's you</h1>",
            &format!("Verify it's you #{n}</h1>"),
        );
        let written = now_ms();
        std::fs::write(template, text).expect("write the template");
        // Ask only once the page has had time to update: a WebDriver call
        // meanwhile would compete with it for the renderer.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let seen = browser
            .wait_for(
                &format!("edit {n}"),
                &format!(
                    "var w = {win}; if (!w || !w.__mfaPage) return false;\
                     if (!w.__bench) return {{ reloaded: w.__mfaPage.reloadedBecause || 'yes' }};\
                     return w.__bench[{n}];"
                ),
                Duration::from_secs(10),
            )
            .await;
        if let Some(reason) = seen.get("reloaded") {
            eprintln!("edit {n} reloaded the page: {reason}");
            reloads += 1;
            continue;
        }
        if std::env::var_os("TRACE").is_some() {
            trace_edit(browser, view, n, written, &seen).await;
        }
        dom.push(seen["dom"].as_f64().unwrap() - written);
        paint.push(seen["paint"].as_f64().unwrap() - written);
    }
    (dom, paint, reloads)
}

/// `TRACE=1`: where an in-place edit's time went, in ms after the write:
/// the gallery's performance marks (`mfa:reload`, `mfa:state`, `mfa:height`,
/// …), each page's update steps (`__mfaPage.updates[].times`: update →
/// response (when it fetched its page itself) → parsed → planned → applied)
/// and the requests' resource timing.
async fn trace_edit(
    browser: &Browser,
    view: View,
    n: usize,
    written: f64,
    seen: &serde_json::Value,
) {
    let marks = "function marks(w) { var o = w.performance.timeOrigin; \
                 var steps = []; ((w.__mfaPage && w.__mfaPage.updates) || []).forEach(function (u) { \
                   if (u.times && u.times.update >= __written) Object.keys(u.times).forEach(function (k) { steps.push([k, u.times[k], null]); }); }); \
                 return w.performance.getEntriesByType('mark').filter(function (m) { return m.name.indexOf('mfa:') === 0; })\
                 .map(function (m) { return [m.name.slice(4), o + m.startTime, m.detail]; }).concat(steps)\
                 .concat(w.performance.getEntriesByType('resource').filter(function (r) { return r.initiatorType === 'fetch'; })\
                 .map(function (r) { var u = r.name.replace(location.origin, ''); \
                   return ['fetch(' + u.slice(0, 14) + ')', o + r.fetchStart, 'conn ' + (r.connectEnd - r.connectStart).toFixed(1) + \
                   ' req ' + (o + r.requestStart - __written).toFixed(1) + ' resp ' + (o + r.responseStart - __written).toFixed(1) + \
                   ' end ' + (o + r.responseEnd - __written).toFixed(1)]; })); }";
    let script = match view {
        View::GalleryLogin => format!(
            "{marks} var frames = {{}}; document.querySelectorAll('.card').forEach(function (c) {{ \
             frames[c.dataset.scenario] = marks(c.querySelector('iframe').contentWindow); }}); \
             return {{ gallery: marks(window), frames: frames }};"
        ),
        View::Page => {
            format!("{marks} return {{ gallery: [], frames: {{ login: marks(window) }} }};")
        }
    };
    let script = format!("var __written = {written}; {script}");
    let got = browser.eval(&script).await;
    browser
        .eval(
            "document.querySelectorAll('iframe').forEach(function (f) { f.contentWindow.performance.clearResourceTimings(); }); \
             performance.clearResourceTimings(); return true;",
        )
        .await;
    let at = |v: &serde_json::Value| v.as_f64().map_or(f64::NAN, |t| t - written);
    let mut line = format!(
        "edit {n}: login dom {:.1} paint {:.1} |",
        at(&seen["dom"]),
        at(&seen["paint"])
    );
    for m in got["gallery"].as_array().into_iter().flatten() {
        let detail = m[2].as_str().map(|d| format!("({d})")).unwrap_or_default();
        line.push_str(&format!(
            " {}{detail} {:.1}",
            m[0].as_str().unwrap_or("?"),
            at(&m[1])
        ));
    }
    for (name, marks) in got["frames"].as_object().into_iter().flatten() {
        line.push_str(&format!(" | {name}:"));
        for m in marks.as_array().into_iter().flatten() {
            let detail = m[2].as_str().map(|d| format!("({d})")).unwrap_or_default();
            line.push_str(&format!(
                " {}{detail} {:.1}",
                m[0].as_str().unwrap_or("?"),
                at(&m[1])
            ));
        }
    }
    eprintln!("{line}");
}

/// Markup edits that also add a finding: the times to the new heading in the
/// DOM and to the new warning in the open findings panel, in ms.
async fn measure_findings(
    browser: &Browser,
    view: View,
    template: &Path,
    original: &str,
    first: usize,
    edits: usize,
) -> (Vec<f64>, Vec<f64>) {
    let mut page = Vec::new();
    let mut findings = Vec::new();
    let win = view.window();
    // The findings panel: on the page itself, or the gallery's own.
    let dock = match view {
        View::Page => "w.document",
        View::GalleryLogin => "document",
    };
    for n in first..first + edits {
        browser
            .wait_for(
                "the page and its findings to be ready",
                &format!(
                    "var w = {win}; if (!w || w.document.readyState !== 'complete' || !w.__mfaPage) return false;                     var host = {dock}.querySelector('mfa-page-findings'); if (!host) return false;                     var root = host.shadowRoot; if (root.querySelector('.panel').hidden) root.querySelector('.badge').click();                     var d = w.document; w.__bench = w.__bench || {{}}; var b = w.__bench[{n}] = {{}};                     var mo = new w.MutationObserver(function () {{                       var h = d.querySelector('h1');                       if (!h || h.textContent.indexOf('#{n}') < 0) return;                       b.dom = w.performance.timeOrigin + w.performance.now(); mo.disconnect();                     }});                     mo.observe(d, {{ subtree: true, childList: true, characterData: true }});                     var fo = new MutationObserver(function () {{                       if (root.querySelector('.list').textContent.indexOf('probe{n}`') < 0) return;                       b.findings = performance.timeOrigin + performance.now(); fo.disconnect();                     }});                     fo.observe(root, {{ subtree: true, childList: true, characterData: true }});                     return true;"
                ),
                Duration::from_secs(10),
            )
            .await;
        let text = original.replace(
            "Verify it's you</h1>",
            &format!("Verify it's you #{n}{{{{ userData.probe{n} }}}}</h1>"),
        );
        let written = now_ms();
        std::fs::write(template, text).expect("write the template");
        tokio::time::sleep(Duration::from_millis(400)).await;
        let seen = browser
            .wait_for(
                &format!("edit {n} and its finding"),
                &format!(
                    "var w = {win}; var b = w && w.__bench && w.__bench[{n}];                     return b && b.dom && b.findings && b;"
                ),
                Duration::from_secs(10),
            )
            .await;
        page.push(seen["dom"].as_f64().unwrap() - written);
        findings.push(seen["findings"].as_f64().unwrap() - written);
    }
    (page, findings)
}

/// Script edits: the heading and an inline script after it change, so the
/// page reloads; the script records the times in the new page.
async fn measure_reload(
    browser: &Browser,
    template: &Path,
    original: &str,
    first: usize,
    edits: usize,
) -> (Vec<f64>, Vec<f64>) {
    let mut dom = Vec::new();
    let mut paint = Vec::new();
    for n in first..first + edits {
        let marker = format!(
            "Verify it's you #{n}</h1><script>(function(){{var t=performance.timeOrigin+performance.now();\
             requestAnimationFrame(function(){{var s=(window.parent.__seen=window.parent.__seen||{{}});\
             s[{n}]={{dom:t,paint:performance.timeOrigin+performance.now(),origin:performance.timeOrigin,nav:performance.getEntriesByType('navigation')[0].toJSON()}};}});}})();</script>"
        );
        let text = original.replace("Verify it's you</h1>", &marker);
        let written = now_ms();
        std::fs::write(template, text).expect("write the template");
        tokio::time::sleep(Duration::from_millis(400)).await;
        let seen = browser
            .wait_for(
                &format!("edit {n}"),
                &format!("return window.__seen && window.__seen[{n}];"),
                Duration::from_secs(10),
            )
            .await;
        if std::env::var_os("TRACE").is_some() {
            // When the navigation started, and its steps from there.
            let nav = &seen["nav"];
            let f = |k: &str| nav[k].as_f64().unwrap_or(-1.0);
            eprintln!(
                "edit {n}: navigation starts {:.1} ms after the write; then request {:.1}, response {:.1}..{:.1}, DOM interactive {:.1}, heading {:.1}",
                seen["origin"].as_f64().unwrap() - written,
                f("requestStart"),
                f("responseStart"),
                f("responseEnd"),
                f("domInteractive"),
                seen["dom"].as_f64().unwrap() - seen["origin"].as_f64().unwrap()
            );
        }
        dom.push(seen["dom"].as_f64().unwrap() - written);
        paint.push(seen["paint"].as_f64().unwrap() - written);
    }
    (dom, paint)
}

/// Write → the server's "reload" event, without a browser: mfa-page's own share.
fn server_only(url: &str, template: &Path, original: &str, edits: usize) -> Vec<f64> {
    use std::io::{Read, Write};
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let read_until = |stream: &mut std::net::TcpStream, what: &str| {
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while !String::from_utf8_lossy(&seen).contains(what) {
            let n = stream.read(&mut buf).expect("read the event stream");
            assert!(n > 0, "the event stream ended before `{what}`");
            seen.extend_from_slice(&buf[..n]);
        }
    };
    let mut times = Vec::new();
    for n in 0..edits {
        let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
        write!(
            stream,
            "GET /__mfa/livereload/event-stream HTTP/1.1\r\nHost: {addr}\r\n\r\n"
        )
        .unwrap();
        read_until(&mut stream, "event: init");
        let text = original.replace("Verify it's you</h1>", &format!("Verify it's you {n}</h1>"));
        let written = now_ms();
        std::fs::write(template, text).expect("write the template");
        read_until(&mut stream, "event: reload");
        times.push(now_ms() - written);
        std::thread::sleep(Duration::from_millis(100));
    }
    times
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let chromium = match Chromium::find() {
        Ok(c) => c,
        Err(reason) => {
            eprintln!("serve_latency: {reason}");
            std::process::exit(1);
        }
    };
    let edits: usize = std::env::var("EDITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let warmup = 3;
    let dir = starter_project();
    let template = dir.path().join("templates/mfa.liquid");
    let original = std::fs::read_to_string(&template).unwrap();
    // The floor's static page (see below), written before the server starts:
    // a new file beside the template makes open pages reload.
    std::fs::write(
        dir.path().join("templates/floor.html"),
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>floor</title></head><body><h1>floor</h1>\
         <script>window.__t = performance.timeOrigin + performance.now();</script></body></html>",
    )
    .unwrap();
    let extra = std::env::var("SERVE_ARGS").unwrap_or_default();
    let extra: Vec<&str> = extra.split_whitespace().collect();
    let server = Server::start(
        Path::new(env!("CARGO_BIN_EXE_mfa-page")),
        dir.path(),
        &extra,
    );
    let pid = server.pid();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = rss_kib(pid);

    let mut server_times = server_only(&server.url, &template, &original, edits);

    let browser = Browser::start(&chromium, 1600, 1000).await;
    browser.client.goto(&server.url).await.unwrap();
    browser
        .wait_for(
            "the gallery",
            "var f = document.querySelector('.card[data-scenario=\"login\"] iframe'); \
             return !!(f && f.contentWindow.Auth0MFAWidget && f.contentWindow.Auth0MFAWidget.last);",
            Duration::from_secs(20),
        )
        .await;
    measure_in_place(
        &browser,
        View::GalleryLogin,
        &template,
        &original,
        1,
        warmup,
    )
    .await;
    let (mut gallery_dom, mut gallery_paint, gallery_reloads) = measure_in_place(
        &browser,
        View::GalleryLogin,
        &template,
        &original,
        1000,
        edits,
    )
    .await;
    let (mut gallery_updated, mut gallery_findings) = measure_findings(
        &browser,
        View::GalleryLogin,
        &template,
        &original,
        1500,
        edits,
    )
    .await;

    browser
        .client
        .goto(&format!("{}s/login", server.url))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    measure_in_place(&browser, View::Page, &template, &original, 2000, warmup).await;
    let (mut page_dom, mut page_paint, page_reloads) =
        measure_in_place(&browser, View::Page, &template, &original, 3000, edits).await;
    let (mut page_updated, mut page_findings) =
        measure_findings(&browser, View::Page, &template, &original, 3500, edits).await;
    measure_reload(&browser, &template, &original, 4000, warmup).await;
    let (mut script_dom, mut script_paint) =
        measure_reload(&browser, &template, &original, 5000, edits).await;
    // Chromium's own floor on this machine: reload a one-line static page
    // (served beside the template, nothing injected), from the call to
    // `location.reload()` to its heading in the DOM.
    browser
        .client
        .goto(&format!("{}floor.html", server.url))
        .await
        .unwrap();
    let mut floor = Vec::new();
    for _ in 0..edits {
        browser
            .eval("setTimeout(function () { sessionStorage.t0 = performance.timeOrigin + performance.now(); location.reload(); }, 0); return true;")
            .await;
        tokio::time::sleep(Duration::from_millis(400)).await;
        let ms = browser
            .wait_for(
                "the static page",
                "return window.__t && sessionStorage.t0 && (window.__t - Number(sessionStorage.t0));",
                Duration::from_secs(10),
            )
            .await;
        floor.push(ms.as_f64().unwrap());
    }

    let used = rss_kib(pid);
    browser.close().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = rss_kib(pid);

    let show = |label: &str, dom: &mut [f64], paint: &mut [f64]| {
        let (dm, dp) = summary(dom);
        let (pm, pp) = summary(paint);
        println!(
            "{label:<22} in the DOM: median {dm:5.1} ms, p95 {dp:5.1} ms | painted: median {pm:5.1} ms, p95 {pp:5.1} ms"
        );
    };
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    println!(
        "save → new content, {edits} edits each (after {warmup} warm-up edits); load average at the end: {load}"
    );
    let (sm, sp) = summary(&mut server_times);
    println!(
        "{:<22} write → reload event: median {sm:5.1} ms, p95 {sp:5.1} ms",
        "server alone"
    );
    show(
        "markup, gallery frame",
        &mut gallery_dom,
        &mut gallery_paint,
    );
    show("markup, page /s/login", &mut page_dom, &mut page_paint);
    if gallery_reloads + page_reloads > 0 {
        println!(
            "{:<22} {gallery_reloads} gallery and {page_reloads} page edits reloaded instead (not counted above)",
            "NOT IN PLACE:"
        );
    }
    let findings = |label: &str, updated: &mut [f64], shown: &mut [f64]| {
        let (um, up) = summary(updated);
        let (fm, fp) = summary(shown);
        println!(
            "{label:<22} page updated: median {um:5.1} ms, p95 {up:5.1} ms | findings shown: median {fm:5.1} ms, p95 {fp:5.1} ms"
        );
    };
    findings(
        "markup + finding, gal.",
        &mut gallery_updated,
        &mut gallery_findings,
    );
    findings(
        "markup + finding, page",
        &mut page_updated,
        &mut page_findings,
    );
    show("script, page (reload)", &mut script_dom, &mut script_paint);
    let (fm, fp) = summary(&mut floor);
    println!(
        "{:<22} location.reload() → heading in the DOM: median {fm:5.1} ms, p95 {fp:5.1} ms",
        "floor: static page"
    );
    let mib = |k: Option<u64>| k.map_or("n/a".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0));
    println!(
        "server RSS: idle after start {}; with the browser open after {} edits {}; idle after the browser closed {}",
        mib(idle),
        3 * (edits + warmup),
        mib(used),
        mib(after)
    );
}
