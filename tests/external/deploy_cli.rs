//! The real auth0-deploy-cli (npm, pinned in tests/package.json, installed by
//! `npm ci --prefix tests`) against mfa-page:
//!
//! - it imports `mfa-page export --format deploy-cli` with a config carrying
//!   keyword mappings into a local HTTPS stub of the Management API
//!   (tests/deploy-cli/stub.js, a certificate made at test time and trusted
//!   through `NODE_EXTRA_CA_CERTS`); the page it sends must be byte for byte
//!   the page `mfa-page deploy --config` sends with the same config;
//! - its own `keywordReplace` (lib/tools/utils.js) and mfa-page's agree on a
//!   corpus of awkward values.
//!
//! Without node (>= 20.19, deploy-cli's engines range), the installed
//! package or openssl, the tests fail when `CI` is set and are skipped with
//! the reason otherwise.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{Value as Json, json};

use crate::api::Stub;

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// Why the tools are missing, if they are.
pub fn missing_tools() -> Option<String> {
    let node = Command::new("node").arg("--version").output().ok();
    let Some(node) = node.filter(|o| o.status.success()) else {
        return Some("node is not installed (Node.js >= 20.19, see .ci/run)".into());
    };
    let version = String::from_utf8_lossy(&node.stdout)
        .trim()
        .trim_start_matches('v')
        .to_owned();
    let parts: Vec<u32> = version.split('.').filter_map(|p| p.parse().ok()).collect();
    if parts.len() < 2 || (parts[0], parts[1]) < (20, 19) {
        return Some(format!(
            "node {version} is older than auth0-deploy-cli 8.44.0 accepts (>=20.19.0)"
        ));
    }
    if !tests_dir()
        .join("node_modules/auth0-deploy-cli/package.json")
        .is_file()
    {
        return Some("auth0-deploy-cli is not installed: run `npm ci --prefix tests`".into());
    }
    let openssl = Command::new("openssl").arg("version").output();
    if !openssl.is_ok_and(|o| o.status.success()) {
        return Some("openssl is not installed (Debian: apt-get install openssl)".into());
    }
    None
}

/// The HTTPS stub, stopped when dropped.
struct HttpsStub {
    child: Child,
    port: u16,
    record: PathBuf,
}

impl HttpsStub {
    fn start(dir: &Path) -> HttpsStub {
        let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
        let out = Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
            ])
            .args(["-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"])
            .args(["-addext", "subjectAltName=IP:127.0.0.1"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let record = dir.join("requests.jsonl");
        let mut child = Command::new("node")
            .arg(tests_dir().join("deploy-cli/stub.js"))
            .args([&cert, &key, &record])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("the stub prints its port");
        HttpsStub {
            child,
            port,
            record,
        }
    }

    /// The bodies of the PATCH requests it received.
    fn patches(&self) -> Vec<Json> {
        std::fs::read_to_string(&self.record)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str::<Json>(l).unwrap())
            .filter(|r| r["method"] == "PATCH")
            .map(|r| serde_json::from_str(r["body"].as_str().unwrap()).unwrap())
            .collect()
    }
}

impl Drop for HttpsStub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn mfa_page(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mfa-page"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("AUTH0_MGMT_TOKEN")
        .env_remove("AUTH0_KEYWORD_REPLACE_MAPPINGS");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "mfa-page {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The placeholders the template gets: quoted `"@@K@@"` and `'@@K@@'`, a
/// list in `##K##`, a value with `$&`, numbers, an object.
const PLACEHOLDERS: &str = r###"  <meta name="tenant-label" content="##SHORT##">
  <script>
    var deployConfig = {
      label: "@@LABEL@@",
      quoted: '@@LABEL@@',
      regions: @@REGIONS@@,
      regionList: "##REGIONS##",
      count: @@COUNT@@,
      ratio: ##RATIO##,
      big: @@BIG@@,
      flags: @@FLAGS@@,
      flagText: "##FLAGS##",
      replacement: "##DOLLARS##",
      replacementJson: @@DOLLARS@@,
      nothing: @@NOTHING@@
    };
  </script>
"###;

fn mappings() -> Json {
    json!({
        "LABEL": "Acme \"Health\" <EU>",
        "SHORT": "Acme",
        "REGIONS": ["eu", "us", 3, null],
        "COUNT": 42,
        "RATIO": 0.0000001,
        "BIG": 1e21,
        "FLAGS": {"beta": true, "2": "two", "1": "one"},
        "DOLLARS": "a $& b $1 $$ $' $`",
        "NOTHING": null,
    })
}

/// Run `a0deploy import` in `dir` with `config_file`, `env` added.
fn deploy_cli_import(
    dir: &Path,
    config_file: &Path,
    input: &Path,
    cert: &Path,
    extra: &[&str],
    env: &[(&str, &str)],
) {
    let mut cmd = Command::new("node");
    cmd.arg(tests_dir().join("node_modules/auth0-deploy-cli/lib/index.js"))
        .args(["import", "--config_file"])
        .arg(config_file)
        .arg("--input_file")
        .arg(input)
        .args(extra)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("NODE_EXTRA_CA_CERTS", cert);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "a0deploy import failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn deploy_cli_sends_the_same_bytes_as_mfa_page_deploy() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    mfa_page(dir, &["init", "project"], &[]);
    let project = dir.join("project");
    let template = project.join("templates/mfa.liquid");
    let starter = std::fs::read_to_string(&template).unwrap();
    assert!(starter.contains("</head>"));
    std::fs::write(
        &template,
        starter.replacen("</head>", &format!("{PLACEHOLDERS}</head>"), 1),
    )
    .unwrap();

    let stub = HttpsStub::start(dir);
    let config = json!({
        "AUTH0_DOMAIN": format!("127.0.0.1:{}", stub.port),
        "AUTH0_CLIENT_ID": "deploy-cli-client",
        "AUTH0_CLIENT_SECRET": "deploy-cli-secret",
        "AUTH0_KEYWORD_REPLACE_MAPPINGS": mappings(),
        "AUTH0_INCLUDED_ONLY": ["pages"],
        "AUTH0_ALLOW_DELETE": false,
    });
    let config_file = project.join("config.json");
    std::fs::write(&config_file, serde_json::to_string_pretty(&config).unwrap()).unwrap();

    // deploy-cli's side: its directory format, imported with the config alone (--env false).
    mfa_page(
        &project,
        &[
            "export",
            "--format",
            "deploy-cli",
            "--out-dir",
            "dc",
            "--config",
            "config.json",
        ],
        &[],
    );
    deploy_cli_import(
        dir,
        &config_file,
        &project.join("dc"),
        &dir.join("cert.pem"),
        &["--env", "false"],
        &[],
    );
    let patches = stub.patches();
    assert_eq!(
        patches.len(),
        1,
        "one PATCH of the tenant settings: {patches:?}"
    );
    let page = &patches[0]["guardian_mfa_page"];
    assert_eq!(page["enabled"], true);
    let by_deploy_cli = page["html"].as_str().unwrap().to_owned();
    assert!(
        by_deploy_cli.contains(r#"<meta name="tenant-label" content="Acme">"#),
        "{by_deploy_cli}"
    );
    assert!(by_deploy_cli.contains(r#"quoted: "Acme \"Health\" <EU>","#));
    assert!(by_deploy_cli.contains(r#"regionList: "eu,us,3,","#));
    assert!(by_deploy_cli.contains(r#"replacement: "a $& b $1 $$ $' $`","#));
    assert!(by_deploy_cli.contains("ratio: 1e-7,") && by_deploy_cli.contains("big: 1e+21,"));

    // mfa-page's side, with the same config, to the plain-HTTP stub.
    let mfa_stub = Stub::start(vec![
        (200, vec![], b"{}".to_vec()),
        (200, vec![], b"{}".to_vec()),
    ]);
    let out = mfa_page(
        &project,
        &[
            "deploy",
            "--config",
            "config.json",
            "--domain",
            &mfa_stub.domain(),
            "--insecure-http",
        ],
        &[("AUTH0_MGMT_TOKEN", "mfa-page-token")],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("deploy-cli-secret"));
    let requests = mfa_stub.requests();
    assert_eq!(requests.len(), 2, "GET, then PATCH");
    let sent: Json = serde_json::from_str(&requests[1].body).unwrap();
    let by_mfa_page = sent["guardian_mfa_page"]["html"].as_str().unwrap();
    assert_eq!(sent["guardian_mfa_page"]["enabled"], true);
    assert!(
        by_mfa_page == by_deploy_cli,
        "the pages differ:\n{}",
        similar::TextDiff::from_lines(by_deploy_cli.as_str(), by_mfa_page)
            .unified_diff()
            .header("deploy-cli", "mfa-page")
    );
}

pub fn environment_keywords_as_deploy_cli_takes_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    mfa_page(dir, &["init", "project"], &[]);
    let project = dir.join("project");
    let template = project.join("templates/mfa.liquid");
    let starter = std::fs::read_to_string(&template).unwrap();
    let marker = "  <meta name=\"env\" content=\"##LABEL## ##MFA_PAGE_TEST_REGION##\">\n";
    std::fs::write(
        &template,
        starter.replacen("</head>", &format!("{marker}</head>"), 1),
    )
    .unwrap();

    let stub = HttpsStub::start(dir);
    let config = json!({
        "AUTH0_DOMAIN": format!("127.0.0.1:{}", stub.port),
        "AUTH0_CLIENT_ID": "deploy-cli-client",
        "AUTH0_CLIENT_SECRET": "deploy-cli-secret",
        "AUTH0_KEYWORD_REPLACE_MAPPINGS": {"LABEL": "from the file"},
        "AUTH0_INCLUDED_ONLY": ["pages"],
    });
    let config_file = project.join("config.json");
    std::fs::write(&config_file, config.to_string()).unwrap();
    let env = [
        ("LABEL", "from the environment"),
        ("MFA_PAGE_TEST_REGION", "eu-$&"),
    ];

    mfa_page(
        &project,
        &[
            "export",
            "--format",
            "deploy-cli",
            "--out-dir",
            "dc",
            "--config",
            "config.json",
        ],
        &[],
    );
    // deploy-cli's default (--env true): every variable is a keyword, over the file's.
    deploy_cli_import(
        dir,
        &config_file,
        &project.join("dc"),
        &dir.join("cert.pem"),
        &[],
        &env,
    );
    let by_deploy_cli = stub.patches()[0]["guardian_mfa_page"]["html"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        by_deploy_cli.contains("content=\"from the environment eu-$&\""),
        "{by_deploy_cli}"
    );

    let mfa_stub = Stub::start(vec![
        (200, vec![], b"{}".to_vec()),
        (200, vec![], b"{}".to_vec()),
    ]);
    let mut env_all = env.to_vec();
    env_all.push(("AUTH0_MGMT_TOKEN", "mfa-page-token"));
    mfa_page(
        &project,
        &[
            "deploy",
            "--config",
            "config.json",
            "--keywords-from-env",
            "--domain",
            &mfa_stub.domain(),
            "--insecure-http",
        ],
        &env_all,
    );
    let sent: Json = serde_json::from_str(&mfa_stub.requests()[1].body).unwrap();
    assert_eq!(
        sent["guardian_mfa_page"]["html"].as_str().unwrap(),
        by_deploy_cli
    );
}

pub fn keyword_replacement_matches_deploy_clis_utils() {
    let cases = json!([
        {"text": "##A## @@A@@ \"@@A@@\" '@@A@@' \"@@A@@' x@@A@@y ##A ## ####A####", "mappings": {"A": "v\"w'x"}},
        {"text": "@@L@@ ##L## '@@L@@' ##N## @@N@@ ##E## @@E@@", "mappings": {"L": [1, [2, [3, null]], {"a": 1}, "s", true, false], "N": null, "E": []}},
        {"text": "##O## @@O@@", "mappings": {"O": {"z": 1, "10": 2, "2": 3, "a": {"k": [1.5, -0.0, 1e21, 1e-7, 123456789012345680000.0]}}}},
        {"text": "##F## @@F@@ ##G## ##H## ##I## ##J## ##K##", "mappings": {"F": 0.1, "G": 1e-6, "H": -2.5e30, "I": 12345678901234567890u64, "J": 100.0, "K": 5e-324}},
        {"text": "$& ##D## @@D@@ $1", "mappings": {"D": "$&$1$$$'$`\\n\n\t\u{1}\u{7f}\u{2028}é😀"}},
        {"text": "##B## ##A## @@A@@ ##1## ##0## @@10@@", "mappings": {"B": "b", "A": "@@B@@ ##B##", "10": "ten", "1": "one", "0": "zero"}},
        {"text": "##A## @@A@@", "mappings": {"A": "##B## @@B@@ \"@@B@@\"", "B": "[b]"}},
        {"text": "##my-key## @@my-key@@ ##my key##", "mappings": {"my-key": "dash", "my key": "space"}},
        {"text": "no placeholders at all ## @@ #### @@@@", "mappings": {}},
        {"text": "@@@@ ####", "mappings": {"": "empty-key"}},
        {"text": "##A##", "mappings": {"A": "x", "a": "lower"}},
    ]);
    let mut node = Command::new("node")
        .arg(tests_dir().join("deploy-cli/replace.js"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    node.stdin
        .take()
        .unwrap()
        .write_all(cases.to_string().as_bytes())
        .unwrap();
    let out = node.wait_with_output().unwrap();
    assert!(out.status.success());
    let expected: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    for (case, expected) in cases.as_array().unwrap().iter().zip(expected) {
        let text = case["text"].as_str().unwrap();
        let mappings = case["mappings"].as_object().unwrap();
        let actual = mfa_page::keywords::replace(text, mappings);
        assert_eq!(actual, expected, "text {text:?} with {mappings:?}");
    }
}
