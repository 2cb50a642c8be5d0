//! Soak test of `mfa-page serve`: 1,000 edits of the template, a partial,
//! two scenarios and their base, saved in four ways (in place, temporary
//! file and rename, truncate then write, delete and recreate), one in five
//! with invalid content, while clients keep loading pages and one listens to
//! the live-reload events.
//!
//! What "overlay only while the content was invalid" means here: after each
//! edit the test waits until the server has settled on the files as they now
//! are (every scenario page shows this edit's version, or the overlay shows
//! this edit's error, which carries a marker unique to the edit), then loads
//! every page and the state a second time and requires the same answer:
//! - the files are valid ⇒ no page has an overlay, the state lists no error,
//!   and each scenario page shows exactly the expected versions of the
//!   template, the partial, the scenario and the base;
//! - a file is invalid ⇒ every page (gallery included) has the overlay, and
//!   it names that file and shows the edit's marker.
//!
//! Between settled points a save may be half done (a truncated or deleted
//! file), and the server may show that for a moment. The clients that keep
//! loading pages meanwhile check what must hold at every instant: each answer
//! is complete (as long as its Content-Length), is 200 (or 404 for a scenario
//! whose file is deleted for a moment), and a page without an overlay never
//! shows invalid content.
//!
//! The figures (edits, requests, time, memory) are printed: run
//! `cargo test --test integration soak -- --nocapture` to see them.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::browser::Server;
use super::http::{self, Response};

const EDITS: usize = 1000;
/// How long the server may take to settle after one edit before the test fails.
const SETTLE: Duration = Duration::from_secs(10);
/// Memory growth allowed over the whole soak.
const RSS_GROWTH_LIMIT_KIB: u64 = 10 * 1024;

/// The editable files of the soak project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum File {
    Template,
    Partial,
    Base,
    A,
    B,
}

const FILES: [File; 5] = [File::Template, File::Partial, File::Base, File::A, File::B];

impl File {
    fn path(self) -> &'static str {
        match self {
            File::Template => "templates/mfa.liquid",
            File::Partial => "templates/partials/note.liquid",
            File::Base => "contexts/_base.json",
            File::A => "contexts/a.json",
            File::B => "contexts/b.json",
        }
    }

    /// Valid content at version `v`.
    fn valid(self, v: usize) -> String {
        match self {
            File::Template => format!(
                "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{{{ label }}}}</title>\
<link rel=\"stylesheet\" href=\"/style.css\"></head>\n\
<body><p id=\"t\">template v{v}</p>{{% include 'note' %}}<p id=\"s\">{{{{ label }}}}</p><p id=\"b\">{{{{ base }}}}</p></body></html>\n"
            ),
            File::Partial => format!("<p id=\"n\">partial v{v}</p>"),
            File::Base => format!(
                "{{\"base\": \"base v{v}\", \"requestToken\": \"a.e30.c\", \"postActionURL\": \"/p\"}}\n"
            ),
            File::A => format!("{{\"$extends\": \"_base\", \"label\": \"a v{v}\"}}\n"),
            File::B => format!("{{\"$extends\": \"_base\", \"label\": \"b v{v}\"}}\n"),
        }
    }

    /// Invalid content carrying the marker `broken<v>`.
    fn invalid(self, v: usize) -> String {
        match self {
            File::Template => format!("<html><body><p>{{% if broken{v} %}}</p></body></html>\n"),
            File::Partial => format!("<p>{{% for x in %}}broken{v}</p>"),
            File::Base | File::A | File::B => format!("{{\"label\": \"broken{v}\" oops}}\n"),
        }
    }
}

/// The ways editors save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Save {
    /// Open with truncation, write, close (one `std::fs::write`).
    InPlace,
    /// Write a temporary file beside it and rename it over the file.
    Rename,
    /// Truncate to nothing, pause, then write into the same open file.
    TruncateThenWrite,
    /// Delete the file, pause, then create it again.
    DeleteAndRecreate,
}

const SAVES: [Save; 4] = [
    Save::InPlace,
    Save::Rename,
    Save::TruncateThenWrite,
    Save::DeleteAndRecreate,
];

fn save(path: &Path, text: &str, how: Save, pause: Duration) {
    match how {
        Save::InPlace => std::fs::write(path, text).unwrap(),
        Save::Rename => {
            let name = path.file_name().unwrap().to_string_lossy();
            let temp = path.with_file_name(format!(".{name}.soak-tmp"));
            std::fs::write(&temp, text).unwrap();
            std::fs::rename(&temp, path).unwrap();
        }
        Save::TruncateThenWrite => {
            let mut file = OpenOptions::new().write(true).open(path).unwrap();
            file.set_len(0).unwrap();
            std::thread::sleep(pause);
            file.write_all(text.as_bytes()).unwrap();
        }
        Save::DeleteAndRecreate => {
            std::fs::remove_file(path).unwrap();
            std::thread::sleep(pause);
            std::fs::write(path, text).unwrap();
        }
    }
}

/// A small deterministic generator (the soak is the same on every run).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// The project as the test last wrote it.
struct Model {
    /// The version of each file's last valid content.
    versions: [usize; 5],
    /// The file that is invalid now (one at a time), with its marker's version.
    broken: Option<(File, usize)>,
}

impl Model {
    fn version(&self, file: File) -> usize {
        self.versions[FILES.iter().position(|&f| f == file).unwrap()]
    }

    /// What `/s/<scenario>` must show when every file is valid.
    fn expected(&self, scenario: File) -> String {
        let label = match scenario {
            File::A => format!("a v{}", self.version(File::A)),
            _ => format!("b v{}", self.version(File::B)),
        };
        format!(
            "<p id=\"t\">template v{}</p><p id=\"n\">partial v{}</p><p id=\"s\">{label}</p><p id=\"b\">base v{}</p>",
            self.version(File::Template),
            self.version(File::Partial),
            self.version(File::Base),
        )
    }
}

fn has_overlay(body: &str) -> bool {
    body.contains("<mfa-page-overlay data-kind=\"build\"")
}

/// What the pages say now, or why they do not match the model.
fn check_settled(addr: SocketAddr, model: &Model, requests: &AtomicU64) -> Result<(), String> {
    let mut pages = Vec::new();
    for path in ["/s/a", "/s/b", "/", "/__mfa/state"] {
        requests.fetch_add(1, Ordering::Relaxed);
        let response = http::get(addr, path)?;
        if response.status != 200 {
            return Err(format!("{path}: status {}", response.status));
        }
        pages.push((path, response));
    }
    let state: serde_json::Value =
        serde_json::from_str(&pages[3].1.body).map_err(|e| format!("state: {e}"))?;
    let errors = state["errors"].as_array().map_or(0, Vec::len);
    match model.broken {
        None => {
            if errors != 0 {
                return Err(format!("state lists errors: {}", state["errors"]));
            }
            for (path, response) in &pages[..3] {
                if has_overlay(&response.body) {
                    return Err(format!("{path} shows an overlay"));
                }
            }
            for (i, scenario) in [File::A, File::B].into_iter().enumerate() {
                let expected = model.expected(scenario);
                if !pages[i].1.body.contains(&expected) {
                    return Err(format!(
                        "{} does not show {expected:?}:\n{}",
                        pages[i].0, pages[i].1.body
                    ));
                }
            }
        }
        Some((file, v)) => {
            if errors == 0 {
                return Err("state lists no error".into());
            }
            let marker = format!("broken{v}");
            for (path, response) in &pages[..3] {
                let body = &response.body;
                let overlay = body
                    .find("<mfa-page-overlay data-kind=\"build\"")
                    .map(|at| &body[at..]);
                match overlay {
                    Some(o) if o.contains(file.path()) && o.contains(&marker) => {}
                    Some(_) => {
                        return Err(format!(
                            "{path}: the overlay does not name {} with {marker}",
                            file.path()
                        ));
                    }
                    None => return Err(format!("{path} shows no overlay")),
                }
            }
        }
    }
    Ok(())
}

/// Wait until the server shows the model, then check once more that it stays so.
fn settle(addr: SocketAddr, model: &Model, requests: &AtomicU64, what: &str) {
    let started = Instant::now();
    loop {
        match check_settled(addr, model, requests) {
            Ok(()) => break,
            Err(e) if started.elapsed() > SETTLE => {
                panic!("after {what}, the server did not settle within {SETTLE:?}: {e}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(2)),
        }
    }
    if let Err(e) = check_settled(addr, model, requests) {
        panic!("after {what}, the server had settled and then changed: {e}");
    }
}

/// What the clients that keep loading pages found.
#[derive(Default)]
struct Load {
    requests: AtomicU64,
    overlays: AtomicU64,
    missing: AtomicU64,
    problems: std::sync::Mutex<Vec<String>>,
}

impl Load {
    fn problem(&self, p: String) {
        let mut problems = self.problems.lock().unwrap();
        if problems.len() < 20 {
            problems.push(p);
        }
    }
}

/// Load pages until `stop`, checking what holds at every instant.
fn load_pages(addr: SocketAddr, seed: u64, stop: &AtomicBool, load: &Load) {
    const PATHS: [&str; 5] = ["/s/a", "/s/b", "/", "/style.css", "/__mfa/state"];
    let mut rng = Lcg(seed);
    // Bounded: at most this many, however long the edits take.
    for _ in 0..100_000 {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let path = PATHS[rng.below(PATHS.len())];
        load.requests.fetch_add(1, Ordering::Relaxed);
        let response: Response = match http::get(addr, path) {
            Ok(r) => r,
            Err(e) => {
                load.problem(format!("{path}: {e}"));
                continue;
            }
        };
        if !response.complete {
            load.problem(format!(
                "{path}: incomplete answer ({} bytes): {response:?}",
                response.body.len()
            ));
        }
        match response.status {
            200 => {}
            // A scenario's file deleted for a moment, or the template's
            // folder seen without the CSS file: never for the others.
            404 if path.starts_with("/s/") => {
                load.missing.fetch_add(1, Ordering::Relaxed);
            }
            status => load.problem(format!("{path}: status {status}")),
        }
        if path.starts_with("/s/") || path == "/" {
            if has_overlay(&response.body) {
                load.overlays.fetch_add(1, Ordering::Relaxed);
            } else if response.body.contains("broken") {
                load.problem(format!(
                    "{path}: invalid content shown without an overlay:\n{}",
                    response.body
                ));
            }
        }
        std::thread::sleep(Duration::from_millis(3));
    }
}

/// Listen to the live-reload events until `stop`, as a browser's
/// EventSource does: each stream carries one reload, then the client
/// connects again. Counts the reloads.
fn listen(addr: SocketAddr, stop: &AtomicBool) -> Result<u64, String> {
    let mut reloads = 0;
    // Bounded, as the loaders.
    for _ in 0..100_000 {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let mut stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_millis(100)))
            .map_err(|e| e.to_string())?;
        write!(
            stream,
            "GET /__mfa/livereload/event-stream HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .map_err(|e| e.to_string())?;
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while !stop.load(Ordering::Relaxed) {
            match stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        let text = String::from_utf8_lossy(&seen);
        if !text.starts_with("HTTP/1.1 200") {
            return Err(format!("the event stream answered {text:?}"));
        }
        reloads += text.matches("event: reload").count() as u64;
    }
    Ok(reloads)
}

fn write_all(root: &Path, model: &Model) {
    std::fs::create_dir_all(root.join("templates/partials")).unwrap();
    std::fs::create_dir_all(root.join("contexts")).unwrap();
    std::fs::write(root.join("templates/style.css"), "p { margin: 0 }").unwrap();
    for file in FILES {
        std::fs::write(root.join(file.path()), file.valid(model.version(file))).unwrap();
    }
}

/// The server's resident memory (Linux: `/proc/PID/status`; elsewhere none).
fn rss(server: &Server) -> Option<u64> {
    let rss = http::rss_kib(server.pid());
    assert!(
        rss.is_some() || !cfg!(target_os = "linux"),
        "cannot read VmRSS from /proc/{}/status",
        server.pid()
    );
    rss
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

#[test]
fn soak_serve_with_1000_edits_while_clients_load_pages() {
    let _turn = super::heavy_test_lock();
    let dir = tempfile::tempdir().unwrap();
    let root: PathBuf = dir.path().to_path_buf();
    let mut model = Model {
        versions: [0; 5],
        broken: None,
    };
    write_all(&root, &model);
    let mut server = Server::start(Path::new(env!("CARGO_BIN_EXE_mfa-page")), &root, &[]);
    let addr = http::addr_of(&server.url);
    let requests = AtomicU64::new(0);
    settle(addr, &model, &requests, "the start");
    // Every route once, so that what is built lazily counts as the start.
    for path in ["/s/a", "/s/b", "/", "/style.css", "/__mfa/client.js"] {
        http::get(addr, path).unwrap();
    }
    let rss_before = rss(&server);

    let stop = Arc::new(AtomicBool::new(false));
    let load = Arc::new(Load::default());
    let loaders: Vec<_> = (0..2u64)
        .map(|i| {
            let (stop, load) = (stop.clone(), load.clone());
            std::thread::spawn(move || load_pages(addr, 7 + i, &stop, &load))
        })
        .collect();
    let listener = {
        let stop = stop.clone();
        std::thread::spawn(move || listen(addr, &stop))
    };

    let started = Instant::now();
    let mut rng = Lcg(2024);
    let mut counts = [0usize; 4];
    // Some edits come in bursts, one right after the other (fast typing,
    // "save all"): only the last of a burst is waited for.
    let (mut burst_left, mut settled) = (0usize, 0usize);
    let (mut invalid_edits, mut valid_edits) = (0, 0);
    for edit in 1..=EDITS {
        let how = SAVES[rng.below(SAVES.len())];
        counts[SAVES.iter().position(|&s| s == how).unwrap()] += 1;
        // The pause inside a two-step save: mostly a few milliseconds; one
        // in ten long enough for the server to build the half-saved file.
        let pause = if rng.below(10) == 0 {
            Duration::from_millis(60)
        } else {
            Duration::from_millis(rng.below(4) as u64)
        };
        if burst_left == 0 && rng.below(10) == 0 {
            burst_left = 5;
        }
        let (file, text) = match model.broken {
            // Fix the broken file (one broken file at a time).
            Some((file, _)) => {
                model.broken = None;
                model.versions[FILES.iter().position(|&f| f == file).unwrap()] = edit;
                (file, file.valid(edit))
            }
            None => {
                let file = FILES[rng.below(FILES.len())];
                if rng.below(5) == 0 {
                    model.broken = Some((file, edit));
                    (file, file.invalid(edit))
                } else {
                    model.versions[FILES.iter().position(|&f| f == file).unwrap()] = edit;
                    (file, file.valid(edit))
                }
            }
        };
        save(&root.join(file.path()), &text, how, pause);
        if model.broken.is_some() {
            invalid_edits += 1;
        } else {
            valid_edits += 1;
        }
        if burst_left > 0 {
            burst_left -= 1;
            if burst_left > 0 {
                continue;
            }
        }
        settled += 1;
        settle(
            addr,
            &model,
            &requests,
            &format!("edit {edit} ({how:?} of {}, {text:?})", file.path()),
        );
    }
    // End on valid content.
    if let Some((file, _)) = model.broken.take() {
        model.versions[FILES.iter().position(|&f| f == file).unwrap()] = EDITS + 1;
        std::fs::write(root.join(file.path()), file.valid(EDITS + 1)).unwrap();
        settle(addr, &model, &requests, "the final fix");
    }
    let elapsed = started.elapsed();

    stop.store(true, Ordering::Relaxed);
    for loader in loaders {
        loader.join().unwrap();
    }
    let reloads = listener.join().unwrap().expect("the live-reload events");

    // Afterwards: still up, the final content, no overlay.
    assert!(server.running(), "the server is still running");
    settle(addr, &model, &requests, "the soak");
    for path in ["/s/a", "/s/b"] {
        let page = http::get(addr, path).unwrap();
        assert!(!has_overlay(&page.body));
    }
    let rss_after = rss(&server);
    let problems = load.problems.lock().unwrap().clone();
    let loaded = load.requests.load(Ordering::Relaxed);
    eprintln!(
        "soak: {EDITS} edits ({valid_edits} valid, {invalid_edits} invalid; in place {}, rename {}, \
         truncate+write {}, delete+recreate {}) in {:.1} s; {settled} settled states checked ({} requests) + {loaded} \
         background requests ({} with an overlay, {} transient 404s); {reloads} reload events; \
         {}",
        counts[0],
        counts[1],
        counts[2],
        counts[3],
        elapsed.as_secs_f64(),
        requests.load(Ordering::Relaxed),
        load.overlays.load(Ordering::Relaxed),
        load.missing.load(Ordering::Relaxed),
        match (rss_before, rss_after) {
            (Some(before), Some(after)) => format!(
                "RSS {:.1} MiB before, {:.1} MiB after ({:+.1} MiB)",
                mib(before),
                mib(after),
                mib(after) - mib(before)
            ),
            _ => "RSS not measured (no /proc on this system)".to_owned(),
        },
    );
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(reloads > 0, "the event stream carried no reload");
    if let (Some(before), Some(after)) = (rss_before, rss_after) {
        assert!(
            after < before + RSS_GROWTH_LIMIT_KIB,
            "RSS grew from {before} KiB to {after} KiB"
        );
    }
    let stderr = server.stderr();
    assert!(!stderr.contains("panicked"), "{stderr}");
}
