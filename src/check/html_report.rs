//! The report of `check --visual`: one self-contained HTML file (images
//! inline as `data:` URLs) with, per scenario and width, the expected, actual
//! and diff images side by side, and every finding of the run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;

use crate::check::report::{FailOn, Report};
use crate::check::visual::{Shot, Status};
use crate::diagnostic::Diagnostic;
use crate::output::write_atomic;
use crate::serve::overlay::escape;
use crate::source::display_path;

/// Write `<dir>/index.html`; returns its path.
pub fn write(dir: &Path, report: &Report, fail_on: FailOn) -> Result<PathBuf, Diagnostic> {
    std::fs::create_dir_all(dir).map_err(|e| {
        Diagnostic::error(format!("cannot create the report folder: {e}"))
            .in_file(display_path(dir))
    })?;
    let path = dir.join("index.html");
    write_atomic(&path, html(report, fail_on).as_bytes())?;
    Ok(path)
}

fn data_url(png: &[u8]) -> String {
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

fn figure(caption: &str, png: Option<&Vec<u8>>, missing: &str) -> String {
    match png {
        Some(png) => format!(
            "<figure><figcaption>{caption}</figcaption><a href=\"{url}\" target=\"_blank\"><img alt=\"{caption}\" src=\"{url}\"></a></figure>",
            url = data_url(png)
        ),
        None => format!(
            "<figure><figcaption>{caption}</figcaption><p class=\"none\">{missing}</p></figure>"
        ),
    }
}

pub fn html(report: &Report, fail_on: FailOn) -> String {
    let mut body = String::new();
    let verdict = if report.failed(fail_on) {
        "failed"
    } else {
        "passed"
    };
    let _ = write!(
        body,
        "<h1>mfa-page check <span class=\"{verdict}\">{verdict}</span></h1><p class=\"summary\">{} scenario{}, {} error(s), {} warning(s), {} note(s)",
        report.scenarios,
        if report.scenarios == 1 { "" } else { "s" },
        report.count(crate::check::report::Level::Error),
        report.count(crate::check::report::Level::Warning),
        report.count(crate::check::report::Level::Note),
    );
    if let Some(run) = &report.visual
        && !run.browser.is_empty()
    {
        let _ = write!(
            body,
            " · {} on {} · {:.1} s ({:.1} s to start the browser)",
            escape(&run.browser),
            crate::check::visual::platform(),
            run.elapsed.as_secs_f64(),
            run.browser_start.as_secs_f64()
        );
    }
    body.push_str("</p>");
    let shots: &[Shot] = report.visual.as_ref().map_or(&[], |r| &r.shots);
    let changed = shots.iter().filter(|s| s.status != Status::Same).count();
    let _ = write!(
        body,
        "<h2>Screenshots</h2><p>{} of {} differ from their baseline or have none. Red: pixels that differ; yellow: anti-aliasing (tolerated).</p>",
        changed,
        shots.len()
    );
    for shot in shots {
        let open = if shot.status == Status::Same {
            ""
        } else {
            " open"
        };
        let ratio = if shot.total > 0 && shot.differing > 0 {
            format!(
                " · {} px differ ({:.2}%)",
                shot.differing,
                100.0 * shot.differing as f64 / shot.total as f64
            )
        } else {
            String::new()
        };
        let _ = write!(
            body,
            "<details class=\"shot {cls}\" id=\"{id}\"{open}><summary><b>{name}</b> at {w} px <span class=\"status\">{status}</span>{ratio} <code>{file}</code></summary><div class=\"images\">{e}{a}{d}</div></details>",
            cls = shot.status.as_str().replace(' ', "-"),
            id = escape(&format!("{}@{}", shot.scenario, shot.width)),
            name = escape(&shot.scenario),
            w = shot.width,
            status = shot.status.as_str(),
            file = escape(&display_path(&shot.baseline)),
            e = figure("expected", shot.expected.as_ref(), "no baseline"),
            a = figure("actual", shot.actual.as_ref(), "not rendered"),
            d = figure(
                "diff",
                shot.diff.as_ref(),
                if shot.status == Status::Same {
                    "identical, within the threshold"
                } else {
                    "nothing to compare"
                }
            ),
        );
    }
    body.push_str("<h2>Findings</h2>");
    if report.findings.is_empty() {
        body.push_str("<p>None.</p>");
    }
    for f in &report.findings {
        let place = match (&f.file, f.position()) {
            (Some(file), Some((l, c))) => format!("{file}:{l}:{c}"),
            (Some(file), None) => file.clone(),
            _ => "project".to_owned(),
        };
        let scenarios = if f.scenarios.is_empty() {
            String::new()
        } else {
            format!(
                " <span class=\"scenarios\">({})</span>",
                escape(&f.scenarios.join(", "))
            )
        };
        let _ = write!(
            body,
            "<div class=\"finding {lvl}\"><p><span class=\"level\">{lvl}</span> <code>{code}</code> <code class=\"place\">{place}</code>{scenarios}</p><p>{msg}</p>",
            lvl = f.level.as_str(),
            code = f.code,
            place = escape(&place),
            msg = escape(&f.message),
        );
        for h in &f.help {
            let _ = write!(body, "<p class=\"help\">help: {}</p>", escape(h));
        }
        if let Some(diff) = &f.diff {
            let _ = write!(body, "<pre>{}</pre>", escape(diff));
        }
        body.push_str("</div>");
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>mfa-page check report</title><style>{CSS}</style></head>\n<body>{body}</body>\n</html>\n"
    )
}

const CSS: &str = "body{font:14px/1.5 system-ui,sans-serif;margin:24px;color:#1e212a;background:#f6f7f9}\
h1 span{font-size:.6em;padding:2px 8px;border-radius:4px;vertical-align:middle}.failed{background:#fdecea;color:#a4161a}.passed{background:#eef6ee;color:#25632a}\
.summary{color:#555}details.shot{background:#fff;border:1px solid #e3e5ea;border-radius:6px;margin:0 0 10px;padding:8px 12px}\
summary{cursor:pointer}.status{padding:1px 6px;border-radius:3px;background:#eceef3;font-size:12px}\
.changed .status,.no-baseline .status,.not-rendered .status{background:#fdecea;color:#a4161a}.new-baseline .status,.updated .status{background:#fff4ce;color:#5c4400}\
.images{display:grid;grid-template-columns:repeat(3,1fr);gap:12px;margin-top:8px;align-items:start}\
figure{margin:0}figcaption{font-weight:600;margin-bottom:4px}figure img{max-width:100%;border:1px solid #ddd;background:#fff}.none{color:#888}\
.finding{background:#fff;border-left:4px solid #ccc;padding:6px 12px;margin:0 0 8px}.finding p{margin:2px 0}\
.finding.error{border-color:#d1242f}.finding.warning{border-color:#bf8700}.finding.note{border-color:#0969da}\
.level{font-weight:700;text-transform:uppercase;font-size:11px}.help{color:#555}.scenarios{color:#777}pre{overflow:auto;background:#f6f8fa;padding:8px}";
