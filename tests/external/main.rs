//! The second test binary: tests that need a program installed on the
//! machine (the Ruby reference engine, Chromium, node and npm, curl).
//!
//! It runs on `libtest-mimic` (`harness = false` in Cargo.toml) so that it
//! can decide at run time: when a program is missing, its tests are reported
//! by cargo as **ignored, with the reason** (`test … ignored, chromium is not
//! installed …` and `N ignored` in the summary), never as `ok`. When the
//! environment variable `CI` is set, a missing program **fails** its tests
//! instead: CI must install it (`.ci/run`).
//!
//! Adding a test: write it as a plain `pub fn` (or `pub async fn`, run with
//! [`block_on`]) in a module of this folder, and list it in [`trials`] with the
//! programs it needs:
//!
//! ```ignore
//! needs(&[Program::Chromium], "check_visual::screenshots_match", || {
//!     block_on(check_visual::screenshots_match())
//! }),
//! ```
//!
//! Inside the test the program is known to be there (`Chromium::find()`
//! succeeds). `cargo test --test external` runs this binary alone; the usual
//! filters (`cargo test --test external chromium`) and `--list` work.

#[allow(dead_code)]
#[path = "../integration/api.rs"]
mod api;
#[allow(dead_code)]
#[path = "../integration/serve/browser.rs"]
mod browser;
mod deploy_cli;
mod liquid_reference;
mod npm_package;
mod release_install;
mod serve_browser;
mod serve_preview;
mod visual;

use std::process::Command;

use libtest_mimic::{Arguments, Completion, Failed, Trial};

/// Every test of this binary, with the programs it needs.
fn trials() -> Vec<Trial> {
    vec![
        needs(
            &[Program::Chromium],
            "serve_preview::findings_show_and_go_and_js_errors_name_their_template_line",
            || {
                block_on(
                    serve_preview::findings_show_and_go_and_js_errors_name_their_template_line(),
                )
            },
        ),
        needs(
            &[Program::Chromium],
            "serve_preview::every_frame_shows_its_whole_page_and_nothing_is_missing",
            || block_on(serve_preview::every_frame_shows_its_whole_page_and_nothing_is_missing()),
        ),
        needs(
            &[Program::Chromium],
            "serve_preview::a_scenario_locale_reaches_the_page_and_the_widget_speaks_it",
            || {
                block_on(
                    serve_preview::a_scenario_locale_reaches_the_page_and_the_widget_speaks_it(),
                )
            },
        ),
        needs(
            &[Program::Chromium],
            "visual::visual_check_end_to_end_in_chromium",
            visual::visual_check_end_to_end_in_chromium,
        ),
        needs(
            &[],
            "visual::the_gallery_gets_baselines_by_scenario_and_width_only",
            || block_on(visual::the_gallery_gets_baselines_by_scenario_and_width_only()),
        ),
        needs(
            &[Program::DeployCli],
            "deploy_cli::deploy_cli_sends_the_same_bytes_as_mfa_page_deploy",
            deploy_cli::deploy_cli_sends_the_same_bytes_as_mfa_page_deploy,
        ),
        needs(
            &[Program::DeployCli],
            "deploy_cli::environment_keywords_as_deploy_cli_takes_them",
            deploy_cli::environment_keywords_as_deploy_cli_takes_them,
        ),
        needs(
            &[Program::DeployCli],
            "deploy_cli::keyword_replacement_matches_deploy_clis_utils",
            deploy_cli::keyword_replacement_matches_deploy_clis_utils,
        ),
        needs(
            &[Program::RubyLiquid],
            "liquid_reference::renders_as_the_reference_engine",
            liquid_reference::renders_as_the_reference_engine,
        ),
        needs(
            &[Program::LiquidJs],
            "liquid_reference::renders_as_liquidjs",
            liquid_reference::renders_as_liquidjs,
        ),
        needs(
            &[Program::Chromium],
            "serve_browser::in_place_updates_give_the_page_a_reload_gives",
            || block_on(serve_browser::in_place_updates_give_the_page_a_reload_gives()),
        ),
        needs(
            &[Program::Chromium],
            "serve_browser::gallery_in_chromium_reloads_as_the_template_changes",
            || block_on(serve_browser::gallery_in_chromium_reloads_as_the_template_changes()),
        ),
        needs(
            &[Program::Npm],
            "npm_package::npx_runs_the_packed_binary_without_rust",
            npm_package::npx_runs_the_packed_binary_without_rust,
        ),
        needs(
            &[Program::Npm],
            "npm_package::the_launcher_explains_a_missing_platform",
            npm_package::the_launcher_explains_a_missing_platform,
        ),
        needs(
            &[Program::Curl],
            "release_install::the_action_installs_the_release_archive",
            release_install::the_action_installs_the_release_archive,
        ),
    ]
}

fn main() {
    let args = Arguments::from_args();
    libtest_mimic::run(&args, trials()).exit();
}

/// A program that tests of this binary need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Program {
    /// `ruby` with the `liquid` gem: Shopify's reference engine.
    RubyLiquid,
    /// node >= 16 and the `liquidjs` pinned in tests/package.json (`npm ci --prefix tests`).
    LiquidJs,
    /// `chromium` and `chromedriver` (or `$CHROMIUM`, `$CHROMEDRIVER`).
    Chromium,
    /// `node` with `npm` and `npx`.
    Npm,
    /// `bash`, `curl`, `tar` and `sha256sum`, as on GitHub's runners.
    Curl,
    /// node >= 20.19, `npm ci --prefix tests` (auth0-deploy-cli 8.44.0) and openssl.
    DeployCli,
}

impl Program {
    /// `Ok`, or why it is missing and how to install it.
    pub fn available(self) -> Result<(), String> {
        match self {
            Program::RubyLiquid => succeeds("ruby", &["-e", "require 'liquid'"]).then_some(()).ok_or_else(|| {
                "ruby with the `liquid` gem is not installed (Debian: apt-get install ruby ruby-liquid)"
                    .to_owned()
            }),
            Program::LiquidJs => liquid_reference::missing_liquidjs().map_or(Ok(()), Err),
            Program::Chromium => browser::Chromium::find().map(|_| ()),
            Program::DeployCli => deploy_cli::missing_tools().map_or(Ok(()), Err),
            Program::Npm => (succeeds("node", &["--version"]) && succeeds("npm", &["--version"]))
                .then_some(())
                .ok_or_else(|| {
                    "node and npm are not installed (Debian: apt-get install nodejs npm)".to_owned()
                }),
            Program::Curl => {
                let missing: Vec<&str> = [("bash", "--version"), ("curl", "--version"), ("tar", "--version"), ("sha256sum", "--version")]
                    .into_iter()
                    .filter(|(p, a)| !succeeds(p, &[a]))
                    .map(|(p, _)| p)
                    .collect();
                if missing.is_empty() {
                    Ok(())
                } else {
                    Err(format!("{} not installed (Debian: apt-get install bash curl tar coreutils)", missing.join(", ")))
                }
            }
        }
    }
}

fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether missing programs fail tests (`CI` set to anything but empty).
fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// A test that needs `programs`: ignored with the reason when one is missing,
/// or failed with it under `CI`; otherwise run (a panic fails it).
pub fn needs(
    programs: &'static [Program],
    name: &str,
    test: impl FnOnce() + Send + 'static,
) -> Trial {
    Trial::ignorable_test(name, move || {
        let missing: Vec<String> = programs
            .iter()
            .filter_map(|p| p.available().err())
            .collect();
        if !missing.is_empty() {
            let reason = missing.join("; ");
            if in_ci() {
                return Err(Failed::from(format!(
                    "{reason}; CI is set, so this is a failure: .ci/run must install it"
                )));
            }
            return Ok(Completion::ignored_with(reason));
        }
        test();
        Ok(Completion::Completed)
    })
}

/// Run an async test on its own runtime (two worker threads, as the tests
/// of the integration binary get from `#[tokio::test(flavor = "multi_thread")]`).
/// One browser test at a time: each drives a server and a browser, and on
/// a 2-core machine two would starve each other into timeouts.
pub fn heavy_test_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub fn block_on<F: std::future::Future<Output = ()>>(future: F) {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(future);
}
