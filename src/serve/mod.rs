//! The live preview behind `mfa-page serve`: an axum server on tokio that
//! shows every scenario in a gallery and brings every open page up to date
//! after each save (in place where that equals a reload: `update.js`).
//!
//! - [`build`]: the current build (last good renders, current errors), in one place;
//! - [`watch`]: folder watching, debouncing, rebuilding off the async runtime;
//! - [`routes`]: the HTTP routes; [`files`]: static files, with traversal protection;
//! - [`guard`]: requests refused before any route (bodies, long targets, foreign hosts);
//!   [`connections`]: the accept loop, with a connection limit and a request-head timeout;
//! - [`inject`]: turning a rendered page into a preview page (client script,
//!   offline widget, overlay); [`overlay`]: the error overlay; [`gallery`]: `/`;
//! - in the browser: `client.js` (errors, live updates) with `update.js`
//!   (the in-place update), `gallery.js`, `widget.js` (the offline widget).

pub mod build;
pub mod connections;
pub mod files;
pub mod findings;
pub mod gallery;
pub mod guard;
pub mod inject;
pub mod overlay;
pub mod routes;
pub mod watch;

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use tokio::net::TcpListener;
use tower_livereload::LiveReloadLayer;

use crate::diagnostic::CmdResult;
use crate::diagnostic::Diagnostic;

pub use build::{Project, Site};

/// The widget that `serve` gives the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WidgetMode {
    /// A local stand-in for Auth0MFAWidget, shipped in mfa-page (works offline)
    Mock,
    /// Auth0's widget script from its CDN, as the template names it
    Cdn,
}

/// How an open page takes a new build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UpdateMode {
    /// Patch the page where it changed, without reloading, when only markup,
    /// text or CSS changed (scripts keep their state, scroll and form input stay);
    /// reload when a script, an id or a data-* attribute changed
    InPlace,
    /// Reload the page after every change
    Reload,
}

impl UpdateMode {
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateMode::InPlace => "in-place",
            UpdateMode::Reload => "reload",
        }
    }
}

/// How many ports after `--port` are tried when it is taken.
pub const PORT_TRIES: u16 = 10;

/// Everything `serve` needs, from the command line.
#[derive(Debug, Clone)]
pub struct Options {
    pub project: Project,
    pub host: String,
    pub port: u16,
    pub open: bool,
    pub widget: WidgetMode,
    pub update: UpdateMode,
    /// `--editor-url`: where a finding's link opens it.
    pub editor: String,
}

/// The whole application as [`app_on`] makes it for the default host,
/// 127.0.0.1, with in-place updates.
pub fn app(site: Arc<Site>, widget: WidgetMode) -> (axum::Router, tower_livereload::Reloader) {
    app_on(
        site,
        widget,
        UpdateMode::InPlace,
        "127.0.0.1",
        findings::EDITOR_URL,
    )
}

/// The whole application for a server listening on `host`: the request
/// guard, routes plus live reload. Returns the reloader that tells open
/// pages a new build is ready.
pub fn app_on(
    site: Arc<Site>,
    widget: WidgetMode,
    update: UpdateMode,
    host: &str,
    editor: &str,
) -> (axum::Router, tower_livereload::Reloader) {
    // tower-livereload provides the event stream; the pages' own scripts
    // (client.js, gallery.js) listen to it, so it injects nothing itself.
    let livereload = LiveReloadLayer::new()
        .custom_prefix(inject::LIVERELOAD_PREFIX)
        .request_predicate(|_: &Request| false)
        .reload_interval(Duration::from_millis(200));
    let reloader = livereload.reloader();
    let mut app = routes::App::new(site, widget, update);
    app.editor = Arc::from(editor);
    let router = routes::router(app)
        .layer(livereload)
        .layer(axum::middleware::from_fn_with_state(
            guard::Guard::new(host),
            guard::check,
        ));
    (router, reloader)
}

/// Build, bind, watch and serve until Ctrl-C.
pub async fn run(options: Options) -> CmdResult {
    check_paths(&options.project)?;
    let site = Arc::new(Site::new(options.project.clone()));
    let first = {
        let site = site.clone();
        tokio::task::spawn_blocking(move || site.rebuild())
            .await
            .map_err(|e| vec![Diagnostic::error(format!("the first build failed: {e}"))])?
    };
    watch::report(&first);

    let (router, reloader) = app_on(
        site.clone(),
        options.widget,
        options.update,
        &options.host,
        &options.editor,
    );
    let (watch, events) = watch::Watch::start(watch::targets(&site))?;
    // The live checks of the first build, then after every build.
    tokio::spawn(findings::run(site.clone()));
    site.findings.wake();
    tokio::spawn(watch::run(site.clone(), watch, events, reloader));

    let (listener, addr) = bind(&options.host, options.port).await?;
    if addr.port() != options.port && options.port != 0 {
        eprintln!(
            "port {} is in use; using port {} instead",
            options.port,
            addr.port()
        );
    }
    if !is_local(&options.host) {
        eprintln!(
            "warning: listening on {}: the preview (your template and scenarios) is reachable \
             from the network; use --host 127.0.0.1 to keep it on this machine",
            options.host
        );
    }
    let url = url_for(addr);
    eprintln!("serving the MFA page preview at {url} (Ctrl-C to stop)");
    // The URL alone on stdout, for scripts.
    println!("{url}");
    if options.open {
        open_browser(&url);
    }

    tokio::select! {
        () = connections::serve(listener, router, connections::Limits::default()) => {}
        () = shutdown_signal() => eprintln!("stopped"),
    }
    Ok(())
}

/// Fail early, with a clear message, when the template or the contexts folder is not there.
fn check_paths(project: &Project) -> CmdResult {
    let template = &project.engine.template;
    if !template.is_file() {
        return Err(vec![
            crate::source::read_text(template, "template")
                .err()
                .unwrap_or_else(|| Diagnostic::error("the template is not a file")),
        ]);
    }
    project.scenario_files()?;
    Ok(())
}

/// Bind `host:port`, or the next free port among the following [`PORT_TRIES`].
async fn bind(host: &str, port: u16) -> Result<(TcpListener, SocketAddr), Vec<Diagnostic>> {
    // `[::1]` as in URLs, or `::1`.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = (bare, 0)
        .to_socket_addrs()
        .map_err(|e| {
            vec![
                Diagnostic::error(format!("cannot listen on `{host}`: {e}")).with_help(
                    "pass an IP address or a host name of this machine, e.g. --host 127.0.0.1",
                ),
            ]
        })?
        .collect();
    let Some(ip) = addrs.first().map(SocketAddr::ip) else {
        return Err(vec![Diagnostic::error(format!("`{host}` has no address"))]);
    };
    let last = if port == 0 {
        0
    } else {
        port.saturating_add(PORT_TRIES)
    };
    let mut last_error = None;
    for p in port..=last {
        match TcpListener::bind(SocketAddr::new(ip, p)).await {
            Ok(listener) => {
                let addr = listener.local_addr().unwrap_or(SocketAddr::new(ip, p));
                return Ok((listener, addr));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => last_error = Some(e),
            Err(e) => {
                return Err(vec![Diagnostic::error(format!(
                    "cannot listen on {}: {e}",
                    SocketAddr::new(ip, p)
                ))]);
            }
        }
    }
    Err(vec![
        Diagnostic::error(format!(
            "ports {port} to {last} on {host} are all in use ({})",
            last_error.map_or_else(String::new, |e| e.to_string())
        ))
        .with_help("pass a free port with --port, or stop the program that uses them"),
    ])
}

/// Loopback addresses and `localhost` keep the preview on this machine.
pub fn is_local(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let trimmed = host.trim_start_matches('[').trim_end_matches(']');
    match trimmed.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => (host, 0)
            .to_socket_addrs()
            .map(|mut a| a.all(|a| a.ip().is_loopback()))
            .unwrap_or(false),
    }
}

/// The URL to open: an unspecified address (0.0.0.0, ::) is reached through loopback.
fn url_for(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::from([127, 0, 0, 1]),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]),
        ip => ip,
    };
    format!("http://{}/", SocketAddr::new(ip, addr.port()))
}

/// Ask the system to open `url`; when it cannot, say so once (the opener's
/// own error output, often a screenful from `xdg-open`, is kept back and
/// only its first line is quoted).
fn open_browser(url: &str) {
    use std::process::{Command, Stdio};
    let (program, args): (&str, Vec<&str>) = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    let child = Command::new(program)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let url = url.to_owned();
    let warn = move |why: String| {
        eprintln!("warning: no browser could be opened ({why}); open {url} yourself");
    };
    match child {
        Err(e) => warn(format!("cannot run {program}: {e}")),
        // The opener may wait for the browser: wait for it off the server's threads.
        Ok(child) => {
            let program = program.to_owned();
            std::thread::spawn(move || {
                if let Ok(out) = child.wait_with_output()
                    && !out.status.success()
                {
                    let stderr = String::from_utf8_lossy(&out.stderr);
                    let first = stderr.lines().map(str::trim).find(|l| !l.is_empty());
                    warn(match first {
                        Some(line) => format!("{program}: {line}"),
                        None => format!("{program} exited with {}", out.status),
                    });
                }
            });
        }
    }
}

/// Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = ctrl_c => {},
            () = term => {},
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_hosts() {
        assert!(is_local("127.0.0.1"));
        assert!(is_local("localhost"));
        assert!(is_local("::1"));
        assert!(is_local("[::1]"));
        assert!(!is_local("0.0.0.0"));
        assert!(!is_local("192.0.2.1"));
    }

    #[test]
    fn urls() {
        assert_eq!(
            url_for("0.0.0.0:4000".parse().unwrap()),
            "http://127.0.0.1:4000/"
        );
        assert_eq!(url_for("[::1]:4001".parse().unwrap()), "http://[::1]:4001/");
    }

    #[tokio::test]
    async fn a_taken_port_falls_back_to_the_next() {
        let taken = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = taken.local_addr().unwrap().port();
        match bind("127.0.0.1", port).await {
            Ok((_, addr)) => assert!(addr.port() > port && addr.port() <= port + PORT_TRIES),
            // The next ports may be taken by someone else on a busy machine;
            // then the message must say so.
            Err(ds) => assert!(ds[0].message.contains("all in use"), "{}", ds[0].message),
        }
    }
}
