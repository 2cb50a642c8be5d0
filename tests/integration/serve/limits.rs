//! Render limits in `serve`: a scenario whose render runs away (a nested
//! loop stopped only by the render budget) leaves every other route
//! answering, ends with the overlay error, and does not hold up Ctrl-C.
//!
//! "Meanwhile" is proved by order, not by a timer: the other routes' answers
//! all arrive while `/__mfa/state` still says the build is under way (or
//! while the stuck request has not been answered). Their latencies are printed.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use super::browser::Server;
use super::http::{self, Response};

/// Runs until the render budget (5 s) stops it when `stuck` is true.
const TEMPLATE: &str = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ label }}</title></head>\n\
<body><p class=\"label\">{{ label }}</p>\
{% if stuck %}{% for i in (1..10000) %}{% for j in (1..10000) %}{% endfor %}{% endfor %}{% endif %}</body></html>\n";

fn write(root: &Path, path: &str, text: &str) {
    std::fs::write(root.join(path), text).unwrap();
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::create_dir_all(root.join("contexts")).unwrap();
    write(root, "templates/mfa.liquid", TEMPLATE);
    write(root, "templates/style.css", "p { color: teal }");
    write(
        root,
        "contexts/fast.json",
        r#"{"label": "fast page", "requestToken": "a.e30.c", "postActionURL": "/p"}"#,
    );
    write(
        root,
        "contexts/stuck.json",
        r#"{"label": "stuck page", "ticket": "gten_1", "stuck": false}"#,
    );
    dir
}

/// Poll `path` until its body contains `text`; panic after `timeout`.
fn wait_page(addr: SocketAddr, path: &str, text: &str, timeout: Duration) {
    let started = Instant::now();
    loop {
        let page = http::get(addr, path).unwrap();
        if page.body.contains(text) {
            return;
        }
        assert!(
            started.elapsed() < timeout,
            "timed out waiting for {text:?} at {path}; last page: {}",
            page.body
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn state(addr: SocketAddr) -> serde_json::Value {
    let response = http::get(addr, "/__mfa/state").unwrap();
    assert_eq!(response.status, 200, "{response:?}");
    serde_json::from_str(&response.body).unwrap()
}

/// Poll `/__mfa/state` until `done` holds; panic after `timeout`.
fn wait_state(
    addr: SocketAddr,
    what: &str,
    timeout: Duration,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let started = Instant::now();
    loop {
        let state = state(addr);
        if done(&state) {
            return state;
        }
        assert!(
            started.elapsed() < timeout,
            "timed out waiting for {what}; last state: {state}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The routes that must keep answering, with what each must contain.
const OTHERS: [(&str, &str); 5] = [
    ("/style.css", "color: teal"),
    ("/s/fast", "fast page"),
    ("/", "data-scenario=\"fast\""),
    ("/__mfa/state", "\"generation\""),
    ("/__mfa/widget.js", "Auth0MFAWidget"),
];

/// Request every route in [`OTHERS`] at once; check and time the answers.
fn load_others(addr: SocketAddr) -> Vec<(&'static str, Duration)> {
    let threads: Vec<_> = OTHERS
        .iter()
        .map(|&(path, expect)| {
            std::thread::spawn(move || {
                let started = Instant::now();
                let response = http::get(addr, path).unwrap();
                let took = started.elapsed();
                assert_eq!(response.status, 200, "{path}: {response:?}");
                assert!(response.body.contains(expect), "{path}: {}", response.body);
                if path == "/style.css" {
                    assert_eq!(
                        response.header("content-type"),
                        Some("text/css; charset=utf-8")
                    );
                }
                (path, took)
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

fn print(what: &str, timings: &[(&str, Duration)]) {
    let list: Vec<String> = timings
        .iter()
        .map(|(path, took)| format!("{path} {:.1} ms", took.as_secs_f64() * 1000.0))
        .collect();
    eprintln!("{what}: {}", list.join(", "));
}

fn has_overlay(response: &Response) -> bool {
    response
        .body
        .contains("<mfa-page-overlay data-kind=\"build\"")
}

#[test]
fn a_runaway_render_leaves_every_other_route_answering() {
    let _turn = super::heavy_test_lock();
    let dir = project();
    let root = dir.path();
    let mut server = Server::start(
        Path::new(env!("CARGO_BIN_EXE_mfa-page")),
        root,
        &["--step-limit", "1000000000"],
    );
    let addr = http::addr_of(&server.url);
    let wait = Duration::from_secs(30);

    let first = wait_state(addr, "the first build", wait, |s| {
        s["scenarios"].as_array().is_some_and(|a| a.len() == 2)
    });
    assert_eq!(first["errors"], serde_json::json!([]), "{first}");

    // 1. A save makes one scenario's render run away: the build is stuck in it.
    write(
        root,
        "contexts/stuck.json",
        r#"{"label": "stuck page 2", "ticket": "gten_1", "stuck": true}"#,
    );
    let during = wait_state(addr, "the stuck build to start", wait, |s| {
        s["building"] == true
    });
    let others = load_others(addr);
    let after = state(addr);
    assert_eq!(
        (&after["building"], &after["generation"]),
        (&during["building"], &during["generation"]),
        "every other route answered while the runaway build was still rendering"
    );
    print("while a build is stuck in a runaway render", &others);

    // The build ends by the render budget, with the overlay error; the
    // scenario keeps its last good render behind it.
    let ended = wait_state(addr, "the stuck build to end", wait, |s| {
        s["building"] == false && s["generation"] != during["generation"]
    });
    let error = ended["errors"].to_string();
    assert!(
        error.contains("ran longer than the time limit (5 s)"),
        "{ended}"
    );
    assert!(error.contains("mfa.liquid"), "{ended}");
    for path in ["/s/stuck", "/s/fast", "/"] {
        let response = http::get(addr, path).unwrap();
        assert_eq!(response.status, 200, "{path}");
        assert!(has_overlay(&response), "{path} shows no overlay");
        assert!(
            response
                .body
                .contains("ran longer than the time limit (5 s)"),
            "{path}"
        );
    }
    assert!(
        http::get(addr, "/s/stuck")
            .unwrap()
            .body
            .contains("<p class=\"label\">stuck page</p>"),
        "the last good render stays behind the overlay"
    );

    // 2. The enrollment link renders per request, with the current (runaway)
    // template: two such requests are stuck while the rest still answers.
    let stuck: Vec<_> = (0..2)
        .map(|i| {
            std::thread::spawn(move || {
                let started = Instant::now();
                let r = http::get(addr, &format!("/guardian/enroll?ticket=gten_{i}")).unwrap();
                (r, started.elapsed())
            })
        })
        .collect();
    // Give them time to reach the server (not an assertion: if they were
    // slower to arrive, the check below would still hold).
    std::thread::sleep(Duration::from_millis(300));
    let others = load_others(addr);
    assert!(
        stuck.iter().all(|t| !t.is_finished()),
        "every other route answered while two enrollment-link renders were stuck"
    );
    print("while two enrollment-link renders are stuck", &others);
    for t in stuck {
        let (response, took) = t.join().unwrap();
        assert_eq!(response.status, 500, "{response:?}");
        assert!(has_overlay(&response), "{}", response.body);
        assert!(
            response
                .body
                .contains("ran longer than the time limit (5 s)")
        );
        eprintln!(
            "a stuck enrollment-link render answered after {:.1} s",
            took.as_secs_f64()
        );
    }

    // 3. Fixed: the overlay goes, the new content shows.
    write(
        root,
        "contexts/stuck.json",
        r#"{"label": "unstuck page", "ticket": "gten_1", "stuck": false}"#,
    );
    wait_state(addr, "the fixed build", wait, |s| {
        s["building"] == false && s["errors"] == serde_json::json!([])
    });
    let fixed = http::get(addr, "/s/stuck").unwrap();
    assert!(!has_overlay(&fixed), "{}", fixed.body);
    assert!(fixed.body.contains("<p class=\"label\">unstuck page</p>"));

    // 4. Ctrl-C during a stuck build stops the server at once, not after the budget.
    write(
        root,
        "contexts/stuck.json",
        r#"{"label": "stuck again", "ticket": "gten_1", "stuck": true}"#,
    );
    wait_state(addr, "the second stuck build", wait, |s| {
        s["building"] == true
    });
    let started = Instant::now();
    let status = server.interrupt(Duration::from_secs(10));
    let stderr = server.stderr();
    assert!(
        status.is_some_and(|s| s.success()),
        "Ctrl-C during a stuck render: {status:?}\n{stderr}"
    );
    eprintln!(
        "Ctrl-C during a stuck render: stopped after {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_runaway_build_gives_way_to_the_next_save_and_big_files_stream() {
    let _turn = super::heavy_test_lock();
    let dir = project();
    let root = dir.path();
    // A 64 MiB file beside the template, made here (not committed).
    let big = vec![b'x'; 64 << 20];
    std::fs::write(root.join("templates/big.bin"), &big).unwrap();
    drop(big);
    // Budgets so large that only abandonment can end the stuck build in time.
    let mut server = Server::start(
        Path::new(env!("CARGO_BIN_EXE_mfa-page")),
        root,
        &["--time-limit", "600", "--step-limit", "1000000000000"],
    );
    let addr = http::addr_of(&server.url);
    let wait = Duration::from_secs(60);
    wait_state(addr, "the first build", wait, |s| {
        s["scenarios"].as_array().is_some_and(|a| a.len() == 2) && s["building"] == false
    });

    // Static files stream: a range is answered as a range, a whole file
    // costs the server no more than a buffer.
    let ranged = http::raw(
        addr,
        format!("GET /big.bin HTTP/1.1\r\nHost: {addr}\r\nRange: bytes=10-19\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(ranged.status, 206, "{ranged:?}");
    assert_eq!(ranged.body, "xxxxxxxxxx");
    assert_eq!(ranged.header("content-range"), Some("bytes 10-19/67108864"));
    let before = http::rss_kib(server.pid());
    for _ in 0..3 {
        let whole = http::get(addr, "/big.bin").unwrap();
        assert_eq!(whole.status, 200);
        assert_eq!(whole.body.len(), 64 << 20);
    }
    let head = http::raw(
        addr,
        format!("HEAD /big.bin HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .unwrap();
    assert_eq!(head.header("content-length"), Some("67108864"));
    if let (Some(before), Some(after)) = (before, http::rss_kib(server.pid())) {
        eprintln!("server RSS {before} KiB before three 64 MiB downloads, {after} KiB after");
        assert!(after < before + 24 * 1024, "{before} → {after} KiB");
    }

    // A save that runs away (600 s budget) gives way to the next save.
    write(
        root,
        "contexts/stuck.json",
        r#"{"label": "stuck page", "ticket": "gten_1", "stuck": true}"#,
    );
    wait_state(addr, "the stuck build", wait, |s| s["building"] == true);
    std::thread::sleep(Duration::from_millis(200));
    write(
        root,
        "contexts/stuck.json",
        r#"{"label": "unstuck page", "ticket": "gten_1", "stuck": false}"#,
    );
    // The stuck build is abandoned and the newer save shows (a 600 s budget
    // could not end in time otherwise).
    let started = Instant::now();
    wait_page(addr, "/s/stuck", "unstuck page", wait);
    eprintln!(
        "after a runaway save, the next save showed {:.0} ms after it was written",
        started.elapsed().as_secs_f64() * 1000.0
    );
    assert!(
        server
            .stderr()
            .contains("build abandoned: a newer save arrived")
    );

    // Templates that once crashed the server or exhausted its memory: it
    // survives each and shows the next good save.
    let hostile = [
        (
            format!(
                "{}x{}",
                "{% if true %}".repeat(10_000),
                "{% endif %}".repeat(10_000)
            ),
            "nested more than 100 deep",
        ),
        (
            "{% assign s = 'x' %}{% for i in (1..64) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% endfor %}".to_owned(),
            "memory limit (64 MiB)",
        ),
        (
            "{{ 0 | date: '%4294967296N' }}".to_owned(),
            "memory limit (64 MiB)",
        ),
    ];
    for (i, (template, error)) in hostile.iter().enumerate() {
        write(root, "templates/mfa.liquid", template);
        wait_state(addr, error, wait, |s| {
            s["errors"].to_string().contains(error)
        });
        write(
            root,
            "templates/mfa.liquid",
            &format!("<p>{{{{ label }}}} again {i}</p>"),
        );
        wait_page(addr, "/s/fast", &format!("fast page again {i}"), wait);
    }
    assert!(server.running(), "{}", server.stderr());
    assert!(!server.stderr().contains("panicked"), "{}", server.stderr());
}
