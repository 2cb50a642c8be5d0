//! `mfa-page check`: render every scenario and check the pages, the snapshots,
//! both flows, branch coverage, variables and hostile values (see `crate::check`).

use crate::check::report::{FailOn, Format, Level};
use crate::check::{self, snapshots};
use crate::cli::{CheckArgs, CmdResult, ProjectArgs};
use crate::config::Config;
use crate::diagnostic::{self, Diagnostic, stderr_wants_color};
use crate::output::write_stdout;
use crate::source::display_path;

pub fn execute(args: CheckArgs) -> CmdResult {
    let config = Config::load(args.config.config.as_deref(), args.config.keywords_from_env)?;
    diagnostic::emit(config.shadow_warning().as_slice());
    let options = check::Options {
        template: args.project.template.clone(),
        partials: args.project.partials.clone(),
        contexts: args.project.contexts.clone(),
        snapshots: Some(args.snapshots.clone()),
        update: args.update,
        ci: snapshots::ci_from_env(),
        require_full_coverage: args.require_full_coverage,
        accept: accept_command(&args),
        keywords: config.mappings,
        visual: args.visual.then(|| check::visual::Options {
            dir: args.visual_dir.clone(),
            threshold: args.visual_threshold,
            chrome: args.chrome.clone(),
            update: args.update,
            ci: snapshots::ci_from_env(),
            accept: accept_command(&args),
        }),
    };
    let report = check::run(&options);
    let color = stderr_wants_color();
    // The report is written whenever the browser ran (it shows what it saw);
    // without one, the findings say why.
    let written = report
        .visual
        .as_ref()
        .filter(|run| !run.shots.is_empty())
        .map(|_| check::html_report::write(&args.report, &report, args.fail_on));
    let report_path = match written {
        Some(Ok(path)) => Some(display_path(&path)),
        Some(Err(d)) => {
            crate::diagnostic::emit(&[d]);
            None
        }
        None => None,
    };
    let stdout = match args.format {
        Format::Human => {
            eprint!("{}", report.human(color, args.fail_on));
            None
        }
        Format::Json => {
            let mut json = report.json(args.fail_on);
            if let Some(path) = &report_path {
                json["report"] = path.clone().into();
            }
            Some(format!("{json:#}\n"))
        }
        Format::Github => {
            eprint!("{}", report.human(color, args.fail_on));
            let mut out = report.github();
            if let Some(path) = &report_path {
                out.push_str(&format!(
                    "::notice title=mfa-page visual report::The screenshots (expected, actual, diff) and every finding: {path} (upload this folder as an artifact)\n"
                ));
            }
            Some(out)
        }
    };
    if let Some(run) = report.visual.as_ref().filter(|r| !r.shots.is_empty()) {
        eprintln!(
            "visual: {} screenshots in {:.2} s, {:.2} s of it starting {}",
            run.shots.len(),
            run.elapsed.as_secs_f64(),
            run.browser_start.as_secs_f64(),
            if run.browser.is_empty() {
                "the browser"
            } else {
                &run.browser
            }
        );
    }
    if let Some(path) = &report_path {
        eprintln!("report: {path}");
    }
    if let Some(text) = stdout {
        write_stdout(text.as_bytes())?;
    }
    if report.failed(args.fail_on) {
        // The report already says why.
        Err(Vec::new())
    } else {
        Ok(())
    }
}

/// `mfa-page check --update`, with the flags this run was given that change what it checks.
fn accept_command(args: &CheckArgs) -> String {
    let mut words = vec!["mfa-page check".to_owned()];
    let default = |flag: &str, value: &std::path::Path, default: &str| {
        (value != crate::project::default_path(default))
            .then(|| format!("{flag} {}", quote(&display_path(value))))
    };
    words.extend(default(
        "--template",
        &args.project.template,
        "templates/mfa.liquid",
    ));
    if let Some(p) = &args.project.partials {
        words.push(format!("--partials {}", quote(&display_path(p))));
    }
    words.extend(default("--contexts", &args.project.contexts, "contexts"));
    words.extend(default("--snapshots", &args.snapshots, "tests/snapshots"));
    if let Some(c) = &args.config.config {
        words.push(format!("--config {}", quote(&display_path(c))));
    }
    if args.config.keywords_from_env {
        words.push("--keywords-from-env".to_owned());
    }
    if args.visual {
        words.push("--visual".to_owned());
        words.extend(default("--visual-dir", &args.visual_dir, "tests/visual"));
    }
    words.push("--update".to_owned());
    words.join(" ")
}

fn quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The checks `deploy` and `export` run before a page leaves the project:
/// those of `mfa-page check` (both flows, valid HTML and JavaScript, hostile
/// values, variables) but not the snapshots, which record accepted pages
/// rather than whether the page works. Findings are printed; an error refuses
/// unless `force`; warnings never stop it. `doing` names what is refused
/// ("deploying", "exporting").
pub fn gate(
    project: &ProjectArgs,
    keywords: &serde_json::Map<String, serde_json::Value>,
    force: bool,
    doing: &str,
) -> CmdResult {
    let options = check::Options {
        template: project.template.clone(),
        partials: project.partials.clone(),
        contexts: project.contexts.clone(),
        snapshots: None,
        update: false,
        ci: true,
        require_full_coverage: false,
        accept: "mfa-page check --update".into(),
        keywords: keywords.clone(),
        visual: None,
    };
    let report = check::run(&options);
    if report.findings.iter().any(|f| f.level != Level::Note) {
        eprint!("{}", report.human(stderr_wants_color(), FailOn::Error));
    }
    if !report.failed(FailOn::Error) {
        return Ok(());
    }
    if force {
        eprintln!("--force: {doing} although the checks failed");
        return Ok(());
    }
    let verb = doing.strip_suffix("ing").unwrap_or(doing);
    Err(vec![
        Diagnostic::error(format!(
            "not {doing}: the template fails its checks (see above)"
        ))
        .with_help(format!(
            "fix them (run `mfa-page check`), or {verb} anyway with --force"
        )),
    ])
}
