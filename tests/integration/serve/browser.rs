//! Real headless Chromium (Debian's `chromium` and `chromium-driver`), driven
//! over WebDriver with fantoccini, and `mfa-page serve` as a child process.
//! Shared by the end-to-end test and `benches/serve_latency.rs`.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};

/// The browser and its WebDriver.
pub struct Chromium {
    pub binary: PathBuf,
    pub driver: PathBuf,
}

impl Chromium {
    /// `$CHROMIUM` / `$CHROMEDRIVER`, else Debian's paths, else `PATH`.
    pub fn find() -> Result<Chromium, String> {
        let find = |var: &str, names: &[&str]| -> Option<PathBuf> {
            if let Some(path) = std::env::var_os(var) {
                return Some(PathBuf::from(path));
            }
            for name in names {
                let debian = Path::new("/usr/bin").join(name);
                if debian.is_file() {
                    return Some(debian);
                }
                if let Some(paths) = std::env::var_os("PATH") {
                    for dir in std::env::split_paths(&paths) {
                        if dir.join(name).is_file() {
                            return Some(dir.join(name));
                        }
                    }
                }
            }
            None
        };
        let binary = find(
            "CHROMIUM",
            &["chromium", "chromium-browser", "google-chrome"],
        )
        .ok_or("chromium is not installed (Debian: apt-get install chromium chromium-driver)")?;
        let driver = find("CHROMEDRIVER", &["chromedriver"])
            .ok_or("chromedriver is not installed (Debian: apt-get install chromium-driver)")?;
        Ok(Chromium { binary, driver })
    }

    /// The browser, or `None` with a printed reason; in CI (`CI` set) a
    /// missing browser fails the test instead.
    ///
    /// Prefer registering a browser test in `tests/external/main.rs` with
    /// `needs(&[Program::Chromium], …)`: cargo then reports it as *ignored*,
    /// with this reason, instead of `ok`.
    pub fn for_test(test: &str) -> Option<Chromium> {
        match Chromium::find() {
            Ok(chromium) => Some(chromium),
            Err(reason) => {
                let in_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
                assert!(!in_ci, "{test}: {reason}; CI must install it (.ci/run)");
                eprintln!("skipping {test}: {reason}");
                None
            }
        }
    }
}

/// A free TCP port on loopback (bound, read, released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// chromedriver and one browser session; both end when this is dropped.
pub struct Browser {
    driver: Child,
    pub client: Client,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start(chromium: &Chromium, width: u32, height: u32) -> Browser {
        let port = free_port();
        let mut driver = Command::new(&chromium.driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(20) {
                let _ = driver.kill();
                panic!("chromedriver did not listen on port {port} within 20 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let profile = tempfile::tempdir().expect("a profile folder");
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium.binary,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-quic",
                    "--no-first-run",
                    "--no-default-browser-check",
                    // Only this machine: every other host name fails at once
                    // (the template's images from Auth0's CDN), instead of
                    // holding the load event while a lookup times out.
                    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                    format!("--user-data-dir={}", profile.path().display()),
                    format!("--window-size={width},{height}"),
                ],
            },
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        let client = match client {
            Ok(client) => client,
            Err(e) => {
                let _ = driver.kill();
                panic!("cannot start a Chromium session: {e}");
            }
        };
        Browser {
            driver,
            client,
            _profile: profile,
        }
    }

    /// Run `script` (a function body; `return` a value) until it returns
    /// something truthy; panic with `what` and the last value after `timeout`.
    /// `WAIT_TRACE=1` prints how long each wait took.
    pub async fn wait_for(&self, what: &str, script: &str, timeout: Duration) -> Value {
        let started = Instant::now();
        let mut last;
        loop {
            match self.client.execute(script, vec![]).await {
                Ok(value) if truthy(&value) => {
                    if std::env::var_os("WAIT_TRACE").is_some() {
                        eprintln!("{what}: {:?}", started.elapsed());
                    }
                    return value;
                }
                Ok(value) => last = value,
                Err(e) => last = Value::String(format!("script error: {e}")),
            }
            if started.elapsed() > timeout {
                panic!("timed out after {timeout:?} waiting for {what}; last result: {last}");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    pub async fn eval(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
        // Dropping ends chromedriver.
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // After a panic: the browser goes with its driver.
        if let Ok(None) = self.driver.try_wait() {
            let _ = self.driver.kill();
            let _ = self.driver.wait();
        }
    }
}

fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// `mfa-page serve` in a project folder, on a port of its choosing.
pub struct Server {
    child: Child,
    pub url: String,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    pub fn start(binary: &Path, dir: &Path, extra: &[&str]) -> Server {
        Server::start_with_env(binary, dir, extra, &[])
    }

    /// As [`Server::start`], with more environment variables.
    pub fn start_with_env(
        binary: &Path,
        dir: &Path,
        extra: &[&str],
        env: &[(&str, &std::ffi::OsStr)],
    ) -> Server {
        let mut child = Command::new(binary)
            .arg("serve")
            .args(["--port", "0"])
            .args(extra)
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start mfa-page serve");
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let err = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let out = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(out).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            for _ in lines {}
        });
        let url = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "mfa-page serve printed no URL; stderr:\n{}",
                    stderr.lock().unwrap()
                );
            }
        };
        Server { child, url, stderr }
    }

    /// The server's process id (the benchmark reads its memory).
    #[allow(dead_code)]
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server has not exited.
    #[allow(dead_code)]
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Ctrl-C (SIGINT), and the exit status, waiting at most `timeout`.
    pub fn interrupt(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let started = Instant::now();
        while started.elapsed() < timeout {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A copy of this repository's starter project (template and scenarios).
pub fn starter_project() -> tempfile::TempDir {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("a temporary folder");
    for folder in ["templates", "contexts"] {
        std::fs::create_dir_all(dir.path().join(folder)).unwrap();
        for entry in std::fs::read_dir(root.join(folder)).unwrap() {
            let entry = entry.unwrap();
            if entry.path().is_file() {
                std::fs::copy(
                    entry.path(),
                    dir.path().join(folder).join(entry.file_name()),
                )
                .unwrap();
            }
        }
    }
    dir
}
