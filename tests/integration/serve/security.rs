//! The security properties of `mfa-page serve` that SECURITY.md lists, each
//! tested here over a real socket against the real binary (raw request bytes,
//! no client-side path normalisation), or at the router where that is enough.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use mfa_page::serve::WidgetMode;

use super::browser::Server;
use super::http;
use super::{SECRET, get, project, site};

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_mfa-page"))
}

/// The local addresses listening on `port`, in Linux's hex notation
/// (`/proc/net/tcp` and `tcp6`): `0100007F` is 127.0.0.1, `00000000` is 0.0.0.0.
fn listening(port: u16) -> Vec<String> {
    let mut found = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state)) = (fields.get(1), fields.get(3)) else {
                continue;
            };
            let Some((ip, p)) = local.split_once(':') else {
                continue;
            };
            // 0A: LISTEN.
            if *state == "0A" && u16::from_str_radix(p, 16) == Ok(port) {
                found.push(ip.to_owned());
            }
        }
    }
    found
}

/// Wait (a little) for a line on the server's stderr.
fn stderr_contains(server: &Server, text: &str) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        if server.stderr().contains(text) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// The answer to raw request bytes, or `None` if the server closed the
/// connection without one.
fn ask(addr: SocketAddr, request: &[u8]) -> Option<http::Response> {
    http::raw(addr, request).ok()
}

fn request_line(target: &str, addr: SocketAddr) -> Vec<u8> {
    format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").into_bytes()
}

#[test]
fn serve_listens_on_loopback_only_by_default() {
    let dir = project();
    let server = Server::start(bin(), dir.path(), &[]);
    let addr = http::addr_of(&server.url);
    assert!(
        server.url.starts_with("http://127.0.0.1:"),
        "{}",
        server.url
    );
    if cfg!(target_os = "linux") {
        assert_eq!(listening(addr.port()), ["0100007F"], "only 127.0.0.1");
    }
    assert_eq!(http::get(addr, "/").unwrap().status, 200);
    assert!(
        !server.stderr().contains("reachable from the network"),
        "{}",
        server.stderr()
    );
}

#[test]
fn host_0_0_0_0_warns_and_exposes_the_template_folder_and_the_scenarios() {
    let dir = project();
    let server = Server::start(bin(), dir.path(), &["--host", "0.0.0.0"]);
    let addr = http::addr_of(&server.url);
    assert!(
        stderr_contains(
            &server,
            "warning: listening on 0.0.0.0: the preview (your template and scenarios) is reachable from the network"
        ),
        "{}",
        server.stderr()
    );
    if cfg!(target_os = "linux") {
        assert_eq!(listening(addr.port()), ["00000000"], "every IPv4 address");
    }

    // What a visitor from the network gets (it names this machine by its IP address).
    let visitor = |target: &str| {
        http::raw(
            addr,
            format!(
                "GET {target} HTTP/1.1\r\nHost: 192.0.2.10:{}\r\nConnection: close\r\n\r\n",
                addr.port()
            )
            .as_bytes(),
        )
        .unwrap()
    };
    let template = std::fs::read_to_string(dir.path().join("templates/mfa.liquid")).unwrap();
    let source = visitor("/mfa.liquid");
    assert_eq!(source.status, 200);
    assert_eq!(source.body, template, "the template's source, beside it");
    assert_eq!(visitor("/logo.png").status, 200);
    let login = visitor("/s/login");
    assert_eq!(login.status, 200);
    assert!(
        login.body.contains("data-request-token=\"eyJ"),
        "rendered scenarios"
    );
    // Not what lies outside the template's folder (the contexts, the project root).
    for target in [
        "/../secret.txt",
        "/contexts/login.json",
        "/../contexts/login.json",
    ] {
        let r = visitor(target);
        assert_ne!(r.status, 200, "{target}");
        assert!(!r.body.contains(SECRET) && !r.body.contains("\"requestToken\""));
    }
    // A name that is neither an address nor this preview's: refused.
    let foreign = http::raw(
        addr,
        b"GET /mfa.liquid HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    assert_eq!(foreign.status, 403, "{foreign:?}");
}

#[test]
fn traversal_over_a_real_socket_is_refused() {
    let dir = project();
    let server = Server::start(bin(), dir.path(), &[]);
    let addr = http::addr_of(&server.url);
    let secret = dir.path().join("secret.txt");
    let absolute = format!("/{}", secret.display());
    let absolute_form = format!("http://{addr}/../secret.txt");
    let mut targets = vec![
        // plain
        "/../secret.txt",
        "/img/../../secret.txt",
        "/./../secret.txt",
        // encoded
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/img%2f..%2f..%2fsecret.txt",
        "/.%2e/secret.txt",
        // double-encoded
        "/%252e%252e/secret.txt",
        "/%252e%252e%252fsecret.txt",
        // backslash, raw and encoded
        "/..\\secret.txt",
        "/img\\..\\..\\secret.txt",
        "/..%5csecret.txt",
        "/%5c..%5csecret.txt",
        // absolute
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/C:%5cWindows%5cwin.ini",
        // other routes
        "/s/..%2f..%2fsecret.txt",
        "/s/../../secret.txt",
        "/__mfa/../../secret.txt",
        "/guardian/../../secret.txt",
    ];
    targets.push(&absolute);
    targets.push(&absolute_form);
    #[cfg(unix)]
    targets.extend([
        "/link.txt",
        "/up/secret.txt",
        "/etc/passwd",
        "/up/templates/../secret.txt",
    ]);
    for target in &targets {
        let r = ask(addr, &request_line(target, addr))
            .unwrap_or_else(|| panic!("{target}: the server closed without an answer"));
        assert!(
            matches!(r.status, 400 | 403 | 404),
            "{target} gave {}: {}",
            r.status,
            r.body
        );
        assert!(!r.body.contains(SECRET), "{target} leaked the file");
        assert!(!r.body.contains("root:"), "{target} leaked /etc/passwd");
    }
    // Static paths that try to leave are refused as such, not just missing.
    for target in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%252e%252e/secret.txt",
        "/..%5csecret.txt",
        &absolute,
    ] {
        let r = ask(addr, &request_line(target, addr)).unwrap();
        assert_eq!(r.status, 403, "{target}: {}", r.body);
    }
    #[cfg(unix)]
    for target in ["/link.txt", "/up/secret.txt"] {
        let r = ask(addr, &request_line(target, addr)).unwrap();
        assert_eq!(r.status, 403, "{target}: {}", r.body);
        assert!(r.body.contains("link that leads outside"), "{}", r.body);
    }
    assert_eq!(
        http::get(addr, "/logo.png").unwrap().status,
        200,
        "still serving"
    );
    // A link that stays inside the folder is served.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(
            dir.path().join("templates/logo.png"),
            dir.path().join("templates/logo-link.png"),
        )
        .unwrap();
        let r = http::get(addr, "/logo-link.png").unwrap();
        assert_eq!(r.status, 200);
        assert!(r.body.contains("PNG fake"));
    }
}

#[test]
fn request_size_limits_hold_and_the_server_stays_up() {
    let dir = project();
    let mut server = Server::start(bin(), dir.path(), &[]);
    let addr = http::addr_of(&server.url);

    // A body is refused before it is read: 100 MB announced, none sent.
    let announced = format!(
        "POST /s/login HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 104857600\r\nConnection: close\r\n\r\n"
    );
    let r = ask(addr, announced.as_bytes()).expect("an answer");
    assert_eq!(r.status, 413, "{r:?}");
    let small = format!(
        "GET / HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
    );
    assert_eq!(ask(addr, small.as_bytes()).unwrap().status, 413);
    let chunked = format!(
        "GET / HTTP/1.1\r\nHost: {addr}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    );
    assert_eq!(ask(addr, chunked.as_bytes()).unwrap().status, 413);

    // A long URL: 414 above 8 KiB; far above, hyper gives up on the request.
    let long = format!("/s/login?x={}", "a".repeat(9 * 1024));
    let r = ask(addr, &request_line(&long, addr)).unwrap();
    assert_eq!(r.status, 414, "{}", r.body);
    let huge = format!("/{}", "a".repeat(1024 * 1024));
    if let Some(r) = ask(addr, &request_line(&huge, addr)) {
        assert!(matches!(r.status, 400 | 414 | 431), "{r:?}");
    }
    // Too many headers, and one huge header.
    let mut many = format!("GET / HTTP/1.1\r\nHost: {addr}\r\n");
    for i in 0..200 {
        many.push_str(&format!("X-Filler-{i}: {}\r\n", "b".repeat(64)));
    }
    many.push_str("\r\n");
    if let Some(r) = ask(addr, many.as_bytes()) {
        assert!(matches!(r.status, 400 | 431), "{r:?}");
    }
    let big_header = format!(
        "GET / HTTP/1.1\r\nHost: {addr}\r\nX-Big: {}\r\n\r\n",
        "c".repeat(1024 * 1024)
    );
    if let Some(r) = ask(addr, big_header.as_bytes()) {
        assert!(matches!(r.status, 400 | 431), "{r:?}");
    }

    // Still up and serving.
    let r = http::get(addr, "/s/login").unwrap();
    assert_eq!(r.status, 200);
    assert!(r.complete);
    assert!(server.running());
    assert!(!server.stderr().contains("panicked"), "{}", server.stderr());
}

#[test]
fn foreign_host_names_are_refused_against_dns_rebinding() {
    let dir = project();
    let server = Server::start(bin(), dir.path(), &[]);
    let addr = http::addr_of(&server.url);
    let with_host = |host: &str, target: &str| {
        ask(
            addr,
            format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .unwrap()
    };
    let port = addr.port();
    for host in [
        "attacker.example".to_owned(),
        format!("attacker.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        format!("localhost.attacker.example:{port}"),
    ] {
        for target in [
            "/",
            "/s/login",
            "/logo.png",
            "/__mfa/state",
            "/__mfa/livereload/event-stream",
        ] {
            let r = with_host(&host, target);
            assert_eq!(r.status, 403, "{host} {target}: {r:?}");
            assert!(r.body.contains("is not this preview's"), "{}", r.body);
        }
    }
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
    ] {
        assert_eq!(with_host(&host, "/logo.png").status, 200, "{host}");
    }
}

#[tokio::test]
async fn folders_are_not_listed_inside_or_outside() {
    let dir = project();
    let site = site(dir.path());
    for uri in ["/img/", "/img", "/img/.", "/up/", "/up", "/etc/"] {
        let (status, _, body) = get(&site, WidgetMode::Mock, uri).await;
        assert!(matches!(status.as_u16(), 403 | 404), "{uri}: {status}");
        for name in ["bg.css", "secret.txt", "passwd", "logo.png"] {
            assert!(!body.contains(name), "{uri} lists {name}: {body}");
        }
    }
    for uri in ["/../", "/%2e%2e/", "//"] {
        let (status, _, _) = get(&site, WidgetMode::Mock, uri).await;
        assert_eq!(status.as_u16(), 403, "{uri}");
    }
    // The gallery lists scenarios, not files.
    let (_, _, gallery) = get(&site, WidgetMode::Mock, "/").await;
    for name in ["logo.png", "bg.css", "secret.txt", "login.json"] {
        assert!(!gallery.contains(name), "the gallery names {name}");
    }
}

#[tokio::test]
async fn nothing_in_the_project_is_executed() {
    let dir = project();
    let root = dir.path();
    let executed = root.join("executed");
    let scripts = [
        (
            "run.sh",
            format!("#!/bin/sh\ntouch '{}'\n", executed.display()),
        ),
        (
            "index.php",
            format!("<?php touch('{}'); ?>\n", executed.display()),
        ),
        (
            "test.cgi",
            format!("#!/bin/sh\ntouch '{}'\n", executed.display()),
        ),
        (
            "page.html",
            "<script>document.title = 'runs in the browser only'</script>".to_owned(),
        ),
    ];
    for (name, text) in &scripts {
        let path = root.join("templates").join(name);
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    let site = site(root);
    for (name, text) in &scripts {
        let (status, content_type, body) = get(&site, WidgetMode::Mock, &format!("/{name}")).await;
        assert_eq!(status.as_u16(), 200, "{name}");
        assert_eq!(&body, text, "{name} is sent as it is");
        if !name.ends_with(".html") {
            assert_eq!(content_type, "application/octet-stream", "{name}");
        }
    }
    assert!(
        !executed.exists(),
        "a file beside the template was executed"
    );

    // The template itself is sent as text when asked for by name, never run.
    let template = std::fs::read_to_string(root.join("templates/mfa.liquid")).unwrap();
    let (_, content_type, body) = get(&site, WidgetMode::Mock, "/mfa.liquid").await;
    assert!(content_type.starts_with("text/plain"));
    assert_eq!(body, template);

    // Templates are rendered by the Liquid engine, which has no tag that runs
    // a program or reads a file: include and render name partials, which
    // come from the partials folder only.
    std::fs::write(root.join("secret.liquid"), SECRET).unwrap();
    std::fs::create_dir_all(root.join("templates/partials")).unwrap();
    for tag in [
        "{% include '../../secret' %}",
        "{% render '../../secret' %}",
        "{% include '/etc/passwd' %}",
        "{% include '../../secret.liquid' %}",
    ] {
        std::fs::write(root.join("templates/mfa.liquid"), format!("<p>{tag}</p>")).unwrap();
        let build = site.rebuild();
        assert!(!build.errors.is_empty(), "{tag} rendered");
        let (_, _, body) = get(&site, WidgetMode::Mock, "/s/login").await;
        assert!(body.contains("<mfa-page-overlay"), "{tag}");
        assert!(
            !body.contains(SECRET),
            "{tag} read a file outside the partials"
        );
        assert!(!body.contains("root:"), "{tag}");
    }
}
