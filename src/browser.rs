//! Headless Chromium over the DevTools protocol, for `check --visual`.
//!
//! - [`discover`] finds the browser: `--chrome PATH`, else `CHROME` /
//!   `CHROMIUM` in the environment, else `chromium`, `chromium-browser`,
//!   `google-chrome` on `PATH`.
//! - [`Browser::launch`] starts it with the flags that make rendering
//!   repeatable, in a throwaway profile, and connects to its DevTools
//!   websocket (no chromedriver).
//! - [`Tab`] serves every request of the page from memory through the
//!   protocol's `Fetch` domain: the page, the stand-in widget and files
//!   beside the template come from a [`Site`], anything else is refused, so
//!   nothing reaches the network.
//!
//! The protocol client is small and hand-written (a blocking websocket from
//! `tungstenite`, JSON from `serde_json`): we use a dozen commands and three
//! events, which does not justify the generated bindings of a full CDP crate.
//! What it costs a clean release build: tungstenite and png bring 21 small
//! crates (sha1/digest, rand, data-encoding; flate2/miniz_oxide/fdeflate),
//! 75 CPU-seconds of compiling by `cargo build --release --timings` on the
//! shared 2-core machine under a load average of about 10, 3% of the build's
//! 2,320 — mostly leaf crates that compile in parallel with the rest.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

use crate::diagnostic::Diagnostic;

/// Program names looked up on `PATH`, in order.
pub const NAMES: &[&str] = &["chromium", "chromium-browser", "google-chrome"];

/// How to install a browser, for the error when none is found.
const INSTALL_HELP: &str = "install Chromium (Debian/Ubuntu: `sudo apt-get install chromium`; \
     macOS: `brew install --cask chromium`; Windows: `winget install Google.Chrome`), \
     or give its path with `--chrome PATH` or the environment variable CHROME";

/// Find the browser to run.
pub fn discover(explicit: Option<&Path>) -> Result<PathBuf, Diagnostic> {
    discover_in(
        explicit,
        |k| std::env::var_os(k),
        std::env::var_os("PATH").as_deref(),
    )
}

fn discover_in(
    explicit: Option<&Path>,
    env: impl Fn(&str) -> Option<std::ffi::OsString>,
    path: Option<&std::ffi::OsStr>,
) -> Result<PathBuf, Diagnostic> {
    let on_path = |name: &str| -> Option<PathBuf> {
        std::env::split_paths(path?)
            .map(|dir| dir.join(name))
            .find(|p| is_program(p))
    };
    // A name without a folder is looked up on PATH, as a shell would.
    let resolve = |given: &Path, from: &str| -> Result<PathBuf, Diagnostic> {
        if given.components().count() == 1
            && !given.is_absolute()
            && let Some(found) = on_path(&given.to_string_lossy())
        {
            return Ok(found);
        }
        if is_program(given) {
            Ok(given.to_path_buf())
        } else {
            Err(Diagnostic::error(format!(
                "{from} names `{}`, which is not a program that can be run",
                given.display()
            ))
            .with_help(INSTALL_HELP))
        }
    };
    if let Some(given) = explicit {
        return resolve(given, "--chrome");
    }
    for var in ["CHROME", "CHROMIUM"] {
        if let Some(value) = env(var).filter(|v| !v.is_empty()) {
            return resolve(
                Path::new(&value),
                &format!("the environment variable {var}"),
            );
        }
    }
    for name in NAMES {
        if let Some(found) = on_path(name) {
            return Ok(found);
        }
    }
    Err(Diagnostic::error(format!(
        "`check --visual` needs Chromium or Chrome, and none was found \
         (looked for --chrome, $CHROME, $CHROMIUM, then {} on PATH)",
        NAMES.join(", ")
    ))
    .with_help(INSTALL_HELP))
}

fn is_program(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// The flags that make rendering repeatable: software rendering, one device
/// pixel per CSS pixel, no font hinting or subpixel text, sRGB, no scrollbars,
/// and nothing running in the background.
pub const FLAGS: &[&str] = &[
    "--headless",
    "--disable-gpu",
    "--force-device-scale-factor=1",
    "--font-render-hinting=none",
    "--disable-font-subpixel-positioning",
    "--disable-lcd-text",
    "--force-color-profile=srgb",
    "--hide-scrollbars",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--disable-features=Translate,MediaRouter,OptimizationHints,InterestFeedContentSuggestions",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--disable-dev-shm-usage",
    "--remote-debugging-port=0",
    "--remote-allow-origins=*",
];

/// A running browser; killed, and its profile removed, when dropped.
pub struct Browser {
    child: Child,
    profile: PathBuf,
    cdp: Cdp,
    /// How long the start took (process start to a connected websocket).
    pub started_in: Duration,
}

impl Browser {
    pub fn launch(program: &Path) -> Result<Browser, Diagnostic> {
        let began = Instant::now();
        let profile = std::env::temp_dir().join(format!(
            "mfa-page-chromium-{}-{}",
            std::process::id(),
            began.elapsed().as_nanos() ^ now_nanos()
        ));
        std::fs::create_dir_all(&profile).map_err(|e| {
            Diagnostic::error(format!("cannot create a browser profile folder: {e}"))
                .in_file(profile.display().to_string())
        })?;
        let mut command = Command::new(program);
        command
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        // Chromium refuses to run as root with its sandbox (containers, CI images).
        if running_as_root() {
            command.arg("--no-sandbox");
        }
        command.arg("about:blank");
        let shown = program.display().to_string();
        let mut child = command.spawn().map_err(|e| {
            let _ = std::fs::remove_dir_all(&profile);
            Diagnostic::error(format!("cannot start the browser `{shown}`: {e}"))
                .with_help(INSTALL_HELP)
        })?;
        let stderr = child.stderr.take().expect("stderr is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut last = VecDeque::new();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("ws://") {
                    let _ = tx.send(Ok::<String, String>(line[at..].trim().to_owned()));
                }
                last.push_back(line);
                if last.len() > 8 {
                    last.pop_front();
                }
            }
            let _ = tx.send(Err(Vec::from(last).join("\n")));
        });
        let fail = |mut child: Child, why: String| {
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_dir_all(&profile);
            Err(Diagnostic::error(format!(
                "the browser `{shown}` did not start: {why}"
            )))
        };
        let url = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(Ok(url)) => url,
            Ok(Err(output)) => return fail(child, format!("it exited, saying:\n{output}")),
            Err(_) => return fail(child, "no DevTools address after 20 s".to_owned()),
        };
        let cdp = match Cdp::connect(&url) {
            Ok(cdp) => cdp,
            Err(e) => return fail(child, e),
        };
        Ok(Browser {
            child,
            profile: profile.clone(),
            cdp,
            started_in: began.elapsed(),
        })
    }

    /// The browser's version, e.g. `Chrome/131.0.6778.85`.
    pub fn version(&mut self) -> Result<String, Diagnostic> {
        let v = self
            .cdp
            .call(None, "Browser.getVersion", json!({}), None, &mut |_| {})?;
        Ok(v["product"].as_str().unwrap_or("unknown").to_owned())
    }

    /// A new tab at `width` × `height` CSS pixels, serving requests from `site`.
    pub fn tab(&mut self, width: u32, height: u32) -> Result<Tab<'_>, Diagnostic> {
        let target = self.cdp.call(
            None,
            "Target.createTarget",
            json!({ "url": "about:blank" }),
            None,
            &mut |_| {},
        )?;
        let target_id = target["targetId"].as_str().unwrap_or_default().to_owned();
        let attached = self.cdp.call(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target_id, "flatten": true }),
            None,
            &mut |_| {},
        )?;
        let session = attached["sessionId"]
            .as_str()
            .ok_or_else(|| Diagnostic::error("the browser gave no DevTools session"))?
            .to_owned();
        let mut tab = Tab {
            cdp: &mut self.cdp,
            session,
            target_id,
        };
        tab.call("Page.enable", json!({}))?;
        tab.call(
            "Fetch.enable",
            json!({ "patterns": [{ "urlPattern": "*" }] }),
        )?;
        tab.call(
            "Emulation.setEmulatedMedia",
            json!({ "media": "screen", "features": [
                { "name": "prefers-reduced-motion", "value": "reduce" },
                { "name": "prefers-color-scheme", "value": "light" }
            ]}),
        )?;
        tab.resize(width, height)?;
        Ok(tab)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.cdp.send(None, "Browser.close", json!({})).map(|_| ());
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// `MFA_PAGE_TRACE_CDP=1` prints the protocol's traffic on stderr (for bug reports).
fn trace() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("MFA_PAGE_TRACE_CDP").is_some_and(|v| v == "1"))
}

fn since_start() -> f64 {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
}

fn now_nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|l| l.split_whitespace().next())
            == Some("0")
    })
}

/// What a tab's requests are answered from.
pub trait Site {
    /// The body and content type for `url`, or `None` to refuse it.
    fn respond(&self, url: &str) -> Option<(Vec<u8>, &'static str)>;
}

/// One page of the browser, attached through its own session.
pub struct Tab<'b> {
    cdp: &'b mut Cdp,
    session: String,
    target_id: String,
}

/// A page load's budget: scripts that never finish do not hang `check`.
const LOAD_TIMEOUT: Duration = Duration::from_secs(15);

impl Tab<'_> {
    fn call(&mut self, method: &str, params: Value) -> Result<Value, Diagnostic> {
        self.cdp.call(
            Some(&self.session.clone()),
            method,
            params,
            None,
            &mut |_| {},
        )
    }

    /// Set the viewport (CSS pixels, device scale 1).
    pub fn resize(&mut self, width: u32, height: u32) -> Result<(), Diagnostic> {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
        )
        .map(|_| ())
    }

    /// Load `url`, answering its requests from `site`, and wait for its `load` event.
    pub fn load(&mut self, url: &str, site: &dyn Site) -> Result<(), Diagnostic> {
        let session = self.session.clone();
        let loaded = std::cell::Cell::new(false);
        let mut on_event = |event: &Value| {
            if event["method"].as_str() == Some("Page.loadEventFired")
                && event["sessionId"].as_str() == Some(session.as_str())
            {
                loaded.set(true);
            }
        };
        let nav = self.cdp.call(
            Some(&session),
            "Page.navigate",
            json!({ "url": url }),
            Some(site),
            &mut on_event,
        )?;
        if let Some(error) = nav["errorText"].as_str() {
            return Err(Diagnostic::error(format!(
                "the browser could not load the page: {error}"
            )));
        }
        let deadline = Instant::now() + LOAD_TIMEOUT;
        while !loaded.get() {
            self.cdp
                .next_event(deadline, Some(&session), Some(site), &mut on_event)?;
        }
        Ok(())
    }

    /// Evaluate `expression` (promises awaited) and return its value.
    pub fn eval(&mut self, expression: &str, site: &dyn Site) -> Result<Value, Diagnostic> {
        let session = self.session.clone();
        let result = self.cdp.call(
            Some(&session),
            "Runtime.evaluate",
            json!({ "expression": expression, "awaitPromise": true, "returnByValue": true }),
            Some(site),
            &mut |_| {},
        )?;
        if let Some(exception) = result.get("exceptionDetails") {
            return Err(Diagnostic::error(format!(
                "a script of the check failed in the page: {}",
                exception["exception"]["description"]
                    .as_str()
                    .or(exception["text"].as_str())
                    .unwrap_or("unknown error")
            )));
        }
        Ok(result["result"]["value"].clone())
    }

    /// A PNG of the viewport.
    pub fn screenshot(&mut self) -> Result<Vec<u8>, Diagnostic> {
        let shot = self.call(
            "Page.captureScreenshot",
            json!({ "format": "png", "fromSurface": true, "optimizeForSpeed": true }),
        )?;
        base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap_or_default())
            .map_err(|e| {
                Diagnostic::error(format!("the browser sent an unreadable screenshot: {e}"))
            })
    }
}

impl Drop for Tab<'_> {
    fn drop(&mut self) {
        let id = self.target_id.clone();
        let _ = self.cdp.call(
            None,
            "Target.closeTarget",
            json!({ "targetId": id }),
            None,
            &mut |_| {},
        );
    }
}

/// A DevTools protocol connection: numbered commands, their answers, and events.
struct Cdp {
    ws: WebSocket<TcpStream>,
    next_id: u64,
}

impl Cdp {
    fn connect(url: &str) -> Result<Cdp, String> {
        let rest = url
            .strip_prefix("ws://")
            .ok_or_else(|| format!("unexpected DevTools address `{url}`"))?;
        let host = rest.split('/').next().unwrap_or_default();
        let stream =
            TcpStream::connect(host).map_err(|e| format!("cannot connect to {host}: {e}"))?;
        stream.set_nodelay(true).ok();
        let (ws, _) = tungstenite::client::client(url, stream)
            .map_err(|e| format!("DevTools handshake failed: {e}"))?;
        Ok(Cdp { ws, next_id: 0 })
    }

    fn send(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<u64, Diagnostic> {
        self.next_id += 1;
        let mut message = json!({ "id": self.next_id, "method": method, "params": params });
        if let Some(s) = session {
            message["sessionId"] = Value::String(s.to_owned());
        }
        if trace() {
            eprintln!("{:>8.1} ms cdp → {message}", since_start());
        }
        self.ws
            .send(Message::text(message.to_string()))
            .map_err(|e| Diagnostic::error(format!("lost the connection to the browser: {e}")))?;
        Ok(self.next_id)
    }

    /// Send a command and wait for its answer. Meanwhile, requests the page
    /// makes are answered from `site` (a navigation is answered only once its
    /// document is), and other events go to `on_event`.
    fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
        site: Option<&dyn Site>,
        on_event: &mut dyn FnMut(&Value),
    ) -> Result<Value, Diagnostic> {
        let id = self.send(session, method, params)?;
        let deadline = Instant::now() + LOAD_TIMEOUT;
        loop {
            let message = self.read(deadline)?;
            if message["id"].as_u64() == Some(id) {
                if let Some(error) = message.get("error") {
                    return Err(Diagnostic::error(format!(
                        "the browser refused {method}: {}",
                        error["message"].as_str().unwrap_or("unknown error")
                    )));
                }
                return Ok(message["result"].clone());
            }
            self.dispatch(&message, session, site, on_event)?;
        }
    }

    /// Wait for the next event.
    fn next_event(
        &mut self,
        deadline: Instant,
        session: Option<&str>,
        site: Option<&dyn Site>,
        on_event: &mut dyn FnMut(&Value),
    ) -> Result<(), Diagnostic> {
        loop {
            let message = self.read(deadline)?;
            if message.get("method").is_some() {
                return self.dispatch(&message, session, site, on_event);
            }
        }
    }

    /// An event: a paused request is answered, anything else handed on.
    /// (Answers to fire-and-forget commands are skipped.)
    fn dispatch(
        &mut self,
        message: &Value,
        current: Option<&str>,
        site: Option<&dyn Site>,
        on_event: &mut dyn FnMut(&Value),
    ) -> Result<(), Diagnostic> {
        match (message["method"].as_str(), site) {
            (Some("Fetch.requestPaused"), Some(site)) => {
                let session = message["sessionId"].as_str();
                let paused = &message["params"];
                let id = paused["requestId"].as_str().unwrap_or_default();
                let url = paused["request"]["url"].as_str().unwrap_or_default();
                let reply = match site.respond(url) {
                    Some((body, content_type)) => (
                        "Fetch.fulfillRequest",
                        json!({
                            "requestId": id,
                            "responseCode": 200,
                            "responseHeaders": [{ "name": "Content-Type", "value": content_type }],
                            "body": base64::engine::general_purpose::STANDARD.encode(body),
                        }),
                    ),
                    None => (
                        "Fetch.failRequest",
                        json!({ "requestId": id, "errorReason": "BlockedByClient" }),
                    ),
                };
                self.send(session, reply.0, reply.1).map(|_| ())
            }
            (Some("Inspector.detached"), _)
                if current.is_some() && message["sessionId"].as_str() == current =>
            {
                Err(Diagnostic::error(format!(
                    "the browser's page crashed ({})",
                    message["params"]["reason"]
                        .as_str()
                        .unwrap_or("no reason given")
                )))
            }
            (Some(_), _) => {
                on_event(message);
                Ok(())
            }
            (None, _) => Ok(()),
        }
    }

    fn read(&mut self, deadline: Instant) -> Result<Value, Diagnostic> {
        let left = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| Diagnostic::error("the browser stopped answering (timed out)"))?;
        self.ws.get_mut().set_read_timeout(Some(left)).ok();
        loop {
            match self.ws.read() {
                Ok(Message::Text(text)) => {
                    if trace() {
                        eprintln!(
                            "{:>8.1} ms cdp ← {}",
                            since_start(),
                            text.as_str().chars().take(300).collect::<String>()
                        );
                    }
                    return serde_json::from_str(text.as_str()).map_err(|e| {
                        Diagnostic::error(format!("the browser sent unreadable JSON: {e}"))
                    });
                }
                Ok(Message::Close(_)) => {
                    return Err(Diagnostic::error("the browser closed the connection"));
                }
                Ok(_) => continue,
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(Diagnostic::error(
                        "the browser stopped answering (timed out)",
                    ));
                }
                Err(e) => {
                    return Err(Diagnostic::error(format!(
                        "lost the connection to the browser: {e}"
                    )));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_order_and_error() {
        let dir = std::env::temp_dir().join(format!("mfa-page-discover-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let make = |name: &str| {
            let p = dir.join(name);
            std::fs::write(&p, "#!/bin/sh\n").unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
            }
            p
        };
        let chromium = make("chromium");
        let chrome = make("google-chrome");
        let path = dir.clone().into_os_string();
        let none = |_: &str| None;
        // PATH, in the order of NAMES.
        assert_eq!(discover_in(None, none, Some(&path)).unwrap(), chromium);
        // The environment before PATH; a bare name is looked up on PATH.
        let env = |k: &str| (k == "CHROMIUM").then(|| "google-chrome".into());
        assert_eq!(discover_in(None, env, Some(&path)).unwrap(), chrome);
        // --chrome before everything.
        assert_eq!(
            discover_in(Some(&chrome), none, Some(&path)).unwrap(),
            chrome
        );
        let missing =
            discover_in(Some(Path::new("/no/such/chrome")), none, Some(&path)).unwrap_err();
        assert!(
            missing.message.contains("--chrome names `/no/such/chrome`"),
            "{}",
            missing.message
        );
        let empty = std::ffi::OsString::new();
        let nothing = discover_in(None, none, Some(&empty)).unwrap_err();
        assert!(nothing.message.contains("none was found"));
        assert!(
            nothing
                .help
                .iter()
                .any(|h| h.contains("apt-get install chromium"))
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
