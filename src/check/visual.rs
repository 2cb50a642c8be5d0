//! `check --visual`: every scenario rendered in headless Chromium (with the
//! preview's offline stand-in widget, nothing from the network) at 375, 768
//! and 1280 px, full page height, and compared with
//! `<dir>/<scenario>@<width>.<platform>.png`.
//!
//! The rules are those of the HTML snapshots: a mismatch is an error,
//! `--update` rewrites, a missing baseline is written locally and is an error
//! when `CI` is set, baselines of scenarios (or widths) that no longer exist
//! are stale. A mismatch names the template lines whose output lies in the
//! changed region: each start tag of the page carries its offset in the
//! render (an attribute the page never sees otherwise), the browser gives
//! each element's box, and the trace maps the offset to a template line.
//! With `--visual`, the contrast of the template's own text on its
//! background is read from the browser's computed styles too.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::browser::{self, Browser, Site, Tab};
use crate::check::a11y::{self, Colour, Locate};
use crate::check::pixels::{self, CELL, Image};
use crate::check::report::{Finding, Level};
use crate::output::write_atomic;
use crate::serve::inject::{WIDGET_JS, swap_widget};
use crate::source::display_path;

/// The preview's width presets.
pub const WIDTHS: [u32; 3] = [375, 768, 1280];

/// The attribute that carries a start tag's offset in the render.
const AT: &str = "mfa-page-at";
/// The origin pages are loaded from (answered from memory, never resolved).
const ORIGIN: &str = "http://mfa-page.test";
/// Pages longer than this are cut (a runaway loop must not exhaust memory).
const MAX_HEIGHT: u32 = 16_384;

/// How the visual check runs.
#[derive(Debug, Clone)]
pub struct Options {
    pub dir: PathBuf,
    pub threshold: f64,
    pub chrome: Option<PathBuf>,
    pub update: bool,
    pub ci: bool,
    pub accept: String,
}

/// The platform part of a baseline's name: fonts differ between systems.
pub fn platform() -> &'static str {
    std::env::consts::OS
}

pub fn baseline_name(scenario: &str, width: u32) -> String {
    format!("{scenario}@{width}.{}.png", platform())
}

/// What happened to one scenario at one width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Same,
    Changed,
    Updated,
    New,
    Missing,
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Same => "unchanged",
            Status::Changed => "changed",
            Status::Updated => "updated",
            Status::New => "new baseline",
            Status::Missing => "no baseline",
            Status::Failed => "not rendered",
        }
    }
}

/// One scenario at one width, for the report.
#[derive(Debug, Clone)]
pub struct Shot {
    pub scenario: String,
    pub width: u32,
    pub status: Status,
    pub baseline: PathBuf,
    /// PNGs.
    pub expected: Option<Vec<u8>>,
    pub actual: Option<Vec<u8>>,
    pub diff: Option<Vec<u8>>,
    pub differing: usize,
    pub total: usize,
}

/// The whole visual run.
#[derive(Debug, Clone, Default)]
pub struct Run {
    pub shots: Vec<Shot>,
    pub browser: String,
    pub browser_start: Duration,
    pub elapsed: Duration,
}

/// A scenario's page, and how to map its offsets back to the template.
pub struct Page<'a> {
    pub scenario: String,
    pub html: String,
    pub locate: Box<Locate<'a>>,
}

/// Screenshot and compare every page; findings go to `out`.
pub fn run(
    opts: &Options,
    pages: &[Page<'_>],
    all_scenarios: &[String],
    static_root: &Path,
    out: &mut Vec<Finding>,
) -> Run {
    let began = Instant::now();
    let mut run = Run::default();
    let program = match browser::discover(opts.chrome.as_deref()) {
        Ok(p) => p,
        Err(d) => {
            out.push(Finding::from_diagnostic("visual-no-browser", &d));
            return run;
        }
    };
    let mut browser = match Browser::launch(&program) {
        Ok(b) => b,
        Err(d) => {
            out.push(Finding::from_diagnostic("visual-browser", &d));
            return run;
        }
    };
    run.browser_start = browser.started_in;
    run.browser = browser.version().unwrap_or_default();
    let root = static_root
        .canonicalize()
        .unwrap_or_else(|_| static_root.to_path_buf());
    // One tab for every page: each load is a fresh document.
    let mut tab = match browser.tab(WIDTHS[0], 800) {
        Ok(tab) => tab,
        Err(d) => {
            out.push(Finding::from_diagnostic("visual-browser", &d));
            return run;
        }
    };
    for page in pages {
        let site = PageSite {
            html: prepare(&page.html),
            root: root.clone(),
        };
        for width in WIDTHS {
            let baseline = opts.dir.join(baseline_name(&page.scenario, width));
            let shot = capture(&mut tab, &site, width);
            let (png, measured) = match shot {
                Ok(v) => v,
                Err(d) => {
                    out.push(
                        Finding::from_diagnostic("visual-render", &d)
                            .in_file(display_path(&baseline))
                            .scenario(&page.scenario),
                    );
                    run.shots.push(Shot {
                        scenario: page.scenario.clone(),
                        width,
                        status: Status::Failed,
                        baseline,
                        expected: None,
                        actual: None,
                        diff: None,
                        differing: 0,
                        total: 0,
                    });
                    continue;
                }
            };
            contrast_findings(&measured, &page.locate, &page.scenario, width, out);
            run.shots.push(compare_with_baseline(
                opts, page, width, baseline, png, &measured, out,
            ));
        }
    }
    drop(tab);
    drop(browser);
    out.extend(stale(opts, all_scenarios));
    run.elapsed = began.elapsed();
    run
}

/// The page as the browser gets it: each start tag with its offset, and the
/// widget's script pointed at the stand-in.
fn prepare(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 4);
    let mut last = 0;
    for tag in a11y::start_tags(html) {
        out.push_str(&html[last..tag.name_end]);
        out.push_str(&format!(" {AT}=\"{}\"", tag.start));
        last = tag.name_end;
    }
    out.push_str(&html[last..]);
    swap_widget(&out)
}

/// Answers a tab's requests: the page at `/`, the stand-in widget, and files
/// beside the template.
struct PageSite {
    html: String,
    root: PathBuf,
}

impl Site for PageSite {
    fn respond(&self, url: &str) -> Option<(Vec<u8>, &'static str)> {
        let rest = url.strip_prefix(ORIGIN)?;
        let path = rest.split(['?', '#']).next().unwrap_or("/");
        match path {
            "/" | "" => Some((self.html.clone().into_bytes(), "text/html; charset=utf-8")),
            "/__mfa/widget.js" => Some((
                WIDGET_JS.as_bytes().to_vec(),
                "text/javascript; charset=utf-8",
            )),
            _ => {
                let file = crate::serve::files::resolve(&self.root, path).ok()?;
                let bytes = std::fs::read(&file).ok()?;
                Some((bytes, crate::serve::files::content_type(&file)))
            }
        }
    }
}

/// Waits for fonts and images, takes focus away (no blinking caret), and
/// gives the page's height.
const SETTLE: &str = r#"(async () => {
  await document.fonts.ready;
  const images = [];
  const walk = (root) => { for (const el of root.querySelectorAll('*')) { if (el.tagName === 'IMG') images.push(el); if (el.shadowRoot) walk(el.shadowRoot); } };
  walk(document);
  await Promise.all(images.map(i => i.complete ? 0 : new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); })));
  const blur = (root) => { const a = root.activeElement; if (a) { if (a.shadowRoot) blur(a.shadowRoot); if (a.blur) a.blur(); } };
  blur(document);
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const e = document.documentElement;
  return Math.ceil(Math.max(e.scrollHeight, document.body ? document.body.scrollHeight : 0));
})()"#;

/// Element boxes, and the colours of the template's own text.
const MEASURE: &str = r#"(() => {
  const boxes = [], texts = [];
  for (const el of document.querySelectorAll('[mfa-page-at]')) {
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) continue;
    const at = +el.getAttribute('mfa-page-at');
    boxes.push([at, Math.floor(r.left + scrollX), Math.floor(r.top + scrollY), Math.ceil(r.width), Math.ceil(r.height)]);
    const text = Array.from(el.childNodes).filter(n => n.nodeType === 3).map(n => n.data).join('').trim();
    if (!text || !document.body.contains(el)) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility !== 'visible' || +cs.opacity === 0) continue;
    const backgrounds = [];
    let image = false;
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.backgroundImage !== 'none') { image = true; break; }
      backgrounds.push(s.backgroundColor);
    }
    if (image) continue;
    texts.push({ at, text: text.slice(0, 40), color: cs.color, backgrounds, size: parseFloat(cs.fontSize), weight: +cs.fontWeight || 400 });
  }
  return { boxes, texts };
})()"#;

/// What the browser measured on a page.
#[derive(Debug, Default)]
struct Measured {
    /// `(offset, x, y, width, height)`.
    boxes: Vec<(usize, u32, u32, u32, u32)>,
    texts: Vec<Value>,
}

fn capture(
    tab: &mut Tab<'_>,
    site: &PageSite,
    width: u32,
) -> Result<(Vec<u8>, Measured), crate::diagnostic::Diagnostic> {
    let initial = match width {
        375 => 812,
        768 => 1024,
        _ => 800,
    };
    tab.resize(width, initial)?;
    tab.load(&format!("{ORIGIN}/"), site)?;
    let mut height = tab
        .eval(SETTLE, site)?
        .as_u64()
        .unwrap_or(u64::from(initial)) as u32;
    let mut shown = initial;
    // Full page: grow the viewport until the page fits (`100vh` grows with it).
    for _ in 0..3 {
        let h = height.clamp(1, MAX_HEIGHT);
        if h == shown {
            break;
        }
        shown = h;
        tab.resize(width, h)?;
        let now = tab.eval(SETTLE, site)?.as_u64().unwrap_or(u64::from(h)) as u32;
        if now.clamp(1, MAX_HEIGHT) == h {
            break;
        }
        height = now;
    }
    let value = tab.eval(MEASURE, site)?;
    let boxes = value["boxes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|b| {
                    let n = |i: usize| b.get(i).and_then(Value::as_i64).map(|v| v.max(0) as u32);
                    Some((n(0)? as usize, n(1)?, n(2)?, n(3)?, n(4)?))
                })
                .collect()
        })
        .unwrap_or_default();
    let texts = value["texts"].as_array().cloned().unwrap_or_default();
    let png = tab.screenshot()?;
    Ok((png, Measured { boxes, texts }))
}

fn compare_with_baseline(
    opts: &Options,
    page: &Page<'_>,
    width: u32,
    baseline: PathBuf,
    png: Vec<u8>,
    measured: &Measured,
    out: &mut Vec<Finding>,
) -> Shot {
    let shown = display_path(&baseline);
    let scenario = &page.scenario;
    let mut shot = Shot {
        scenario: scenario.clone(),
        width,
        status: Status::Same,
        baseline: baseline.clone(),
        expected: None,
        actual: Some(png.clone()),
        diff: None,
        differing: 0,
        total: 0,
    };
    let actual = match Image::decode(&png) {
        Ok(img) => img,
        Err(e) => {
            out.push(
                Finding::new(
                    Level::Error,
                    "visual-render",
                    format!("the browser's screenshot is unreadable: {e}"),
                )
                .scenario(scenario),
            );
            shot.status = Status::Failed;
            return shot;
        }
    };
    shot.total = (actual.width * actual.height) as usize;
    let write = |out: &mut Vec<Finding>, code: &'static str, message: &str| -> bool {
        let written = std::fs::create_dir_all(&opts.dir)
            .map_err(|e| {
                crate::diagnostic::Diagnostic::error(format!(
                    "cannot create the baselines folder: {e}"
                ))
                .in_file(display_path(&opts.dir))
            })
            .and_then(|()| write_atomic(&baseline, &png));
        match written {
            Ok(()) => {
                out.push(
                    Finding::new(Level::Note, code, message.to_owned())
                        .in_file(shown.clone())
                        .scenario(scenario),
                );
                true
            }
            Err(d) => {
                out.push(Finding::from_diagnostic("visual-write", &d).scenario(scenario));
                false
            }
        }
    };
    let expected = match std::fs::read(&baseline) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if opts.ci {
                out.push(
                    Finding::new(
                        Level::Error,
                        "visual-missing",
                        format!("no baseline for this scenario at {width} px, and none is written when CI is set"),
                    )
                    .in_file(shown)
                    .scenario(scenario)
                    .help(format!("run `{}` on your machine and commit the new baselines", opts.accept)),
                );
                shot.status = Status::Missing;
            } else if write(
                out,
                "visual-new",
                &format!("new baseline written ({width} px); review and commit it"),
            ) {
                shot.status = Status::New;
            }
            return shot;
        }
        Err(e) => {
            out.push(
                Finding::new(
                    Level::Error,
                    "visual-read",
                    format!("cannot read the baseline: {e}"),
                )
                .in_file(shown)
                .scenario(scenario),
            );
            shot.status = Status::Failed;
            return shot;
        }
    };
    shot.expected = Some(expected.clone());
    let expected_img = match Image::decode(&expected) {
        Ok(img) => img,
        Err(e) => {
            if opts.update {
                if write(
                    out,
                    "visual-updated",
                    &format!("baseline rewritten ({width} px): the old one was not a readable PNG"),
                ) {
                    shot.status = Status::Updated;
                }
                return shot;
            }
            out.push(
                Finding::new(
                    Level::Error,
                    "visual-read",
                    format!("the baseline is not a PNG this check can read: {e}"),
                )
                .in_file(shown)
                .scenario(scenario)
                .help(format!("rewrite it with `{}`", opts.accept)),
            );
            shot.status = Status::Failed;
            return shot;
        }
    };
    let comparison = pixels::compare(&expected_img, &actual, opts.threshold);
    shot.differing = comparison.differing;
    shot.total = comparison.total;
    if comparison.differing == 0 {
        // Nothing to show in a diff image: the report says it is unchanged.
        return shot;
    }
    shot.diff = Some(comparison.diff.encode());
    if opts.update {
        if write(
            out,
            "visual-updated",
            &format!("baseline updated ({width} px)"),
        ) {
            shot.status = Status::Updated;
        }
        return shot;
    }
    shot.status = Status::Changed;
    let percent = 100.0 * comparison.differing as f64 / comparison.total.max(1) as f64;
    let mut message = format!(
        "at {width} px the page looks different from its baseline: {} pixel{} ({percent:.2}%) differ",
        comparison.differing,
        if comparison.differing == 1 { "" } else { "s" }
    );
    if (expected_img.width, expected_img.height) != (actual.width, actual.height) {
        message.push_str(&format!(
            "; its size changed from {}×{} to {}×{}",
            expected_img.width, expected_img.height, actual.width, actual.height
        ));
    }
    let lines = changed_places(&comparison.cells, &measured.boxes, &page.locate);
    let mut f = Finding::new(Level::Error, "visual-mismatch", message).scenario(scenario);
    match lines.first() {
        Some((file, text, start, end)) => {
            f = f
                .in_file(file.clone())
                .at(text.clone(), *start, *end)
                .label("this markup's output changed on screen");
            if lines.len() > 1 {
                let rest: Vec<String> = lines[1..]
                    .iter()
                    .map(|(file, text, start, _)| {
                        format!("{file}:{}", crate::diagnostic::line_col(text, *start).0)
                    })
                    .collect();
                f = f.help(format!(
                    "the changed region also holds the output of {}",
                    rest.join(", ")
                ));
            }
        }
        None => f = f.in_file(shown.clone()),
    }
    if let Some((x, y, w, h)) = comparison.bounds {
        f = f.help(format!(
            "changed region: {w}×{h} px at ({x}, {y}); baseline {shown}"
        ));
    }
    f.merge_by_place = false;
    out.push(f.help(format!(
        "see the report for the images; if the change is intended, accept it with `{}`",
        opts.accept
    )));
    shot
}

/// The template places whose output covers the changed cells: for each
/// cell, the smallest element box around its centre; top to bottom, at most 6.
fn changed_places(
    cells: &[(u32, u32)],
    boxes: &[(usize, u32, u32, u32, u32)],
    locate: &Locate<'_>,
) -> Vec<(String, Arc<str>, usize, usize)> {
    let mut offsets: Vec<(u32, usize)> = Vec::new();
    for &(cx, cy) in cells {
        let (px, py) = (cx * CELL + CELL / 2, cy * CELL + CELL / 2);
        let best = boxes
            .iter()
            .filter(|(_, x, y, w, h)| px >= *x && px < x + w && py >= *y && py < y + h)
            .min_by_key(|(_, _, _, w, h)| u64::from(*w) * u64::from(*h));
        if let Some((at, _, y, _, _)) = best
            && !offsets.iter().any(|(_, o)| o == at)
        {
            offsets.push((*y, *at));
        }
    }
    offsets.sort();
    let mut places: Vec<(String, Arc<str>, usize, usize)> = Vec::new();
    for (_, offset) in offsets {
        if let Some(p) = locate(offset) {
            let line = crate::diagnostic::line_col(&p.1, p.2).0;
            if !places
                .iter()
                .any(|q| q.0 == p.0 && crate::diagnostic::line_col(&q.1, q.2).0 == line)
            {
                places.push(p);
            }
        }
        if places.len() == 6 {
            break;
        }
    }
    places
}

/// The template's own text against its background, from computed styles.
fn contrast_findings(
    measured: &Measured,
    locate: &Locate<'_>,
    scenario: &str,
    width: u32,
    out: &mut Vec<Finding>,
) {
    for t in &measured.texts {
        let Some(fg) = t["color"].as_str().and_then(a11y::parse_colour) else {
            continue;
        };
        // The canvas is white; backgrounds from the outermost in.
        let mut bg = Colour::WHITE;
        let layers: Vec<Colour> = t["backgrounds"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().and_then(a11y::parse_colour))
                    .collect()
            })
            .unwrap_or_default();
        for layer in layers.iter().rev() {
            bg = layer.over(bg);
        }
        let fg = fg.over(bg);
        let ratio = a11y::contrast(fg, bg);
        let size = t["size"].as_f64().unwrap_or(16.0);
        let bold = t["weight"].as_f64().unwrap_or(400.0) >= 700.0;
        let large = size >= 24.0 || (bold && size >= 18.66);
        let min = if large {
            a11y::MIN_RATIO_LARGE
        } else {
            a11y::MIN_RATIO
        };
        if ratio >= min {
            continue;
        }
        let at = t["at"].as_u64().unwrap_or(0) as usize;
        let text = t["text"].as_str().unwrap_or_default();
        let mut f = Finding::new(
            Level::Warning,
            "a11y-contrast-text",
            format!(
                "text \"{text}\" is {} on {}: a contrast ratio of {} (WCAG 2.x asks for at least {}:1{})",
                fg.hex(),
                bg.hex(),
                a11y::ratio_text(ratio),
                min,
                if large { " for large text" } else { "" }
            ),
        )
        .scenario(scenario)
        .help(format!("measured in Chromium at {width} px, from the computed styles"));
        if let Some((file, src, start, end)) = locate(at) {
            f = f
                .in_file(file)
                .at(src, start, end)
                .label(format!("{} on {}", fg.hex(), bg.hex()));
        }
        f.merge_by_place = true;
        out.push(f);
    }
}

/// Baselines whose scenario no longer exists, or of a width no longer taken.
fn stale(opts: &Options, scenarios: &[String]) -> Vec<Finding> {
    let Ok(entries) = std::fs::read_dir(&opts.dir) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some((scenario, rest)) = name.strip_suffix(".png").and_then(|n| n.rsplit_once('@'))
        else {
            continue;
        };
        let width = rest.split('.').next().and_then(|w| w.parse::<u32>().ok());
        if name.starts_with('.')
            || (scenarios.iter().any(|s| s == scenario)
                && width.is_some_and(|w| WIDTHS.contains(&w)))
        {
            continue;
        }
        let shown = display_path(&path);
        if opts.update {
            out.push(match std::fs::remove_file(&path) {
                Ok(()) => Finding::new(
                    Level::Note,
                    "visual-removed",
                    format!("removed the baseline `{name}`, of a scenario or width that no longer exists"),
                )
                .in_file(shown),
                Err(e) => Finding::new(Level::Error, "visual-write", format!("cannot remove the stale baseline: {e}"))
                    .in_file(shown),
            });
        } else {
            out.push(
                Finding::new(
                    Level::Warning,
                    "visual-stale",
                    format!("baseline of `{scenario}`, but there is no such scenario (or width)"),
                )
                .in_file(shown)
                .help(format!(
                    "remove it with `{}`, or restore the scenario",
                    opts.accept
                )),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepared_pages_carry_offsets_and_the_stand_in() {
        let html = "<html><body><p class=x>a</p><script src=\"//cdn.auth0.com/js/mfa-widget/mfa-widget-1.8.min.js\"></script></body></html>";
        let out = prepare(html);
        assert!(
            out.starts_with(
                "<html mfa-page-at=\"0\"><body mfa-page-at=\"6\"><p mfa-page-at=\"12\" class=x>"
            ),
            "{out}"
        );
        assert!(out.contains("/__mfa/widget.js?v="), "{out}");
    }

    #[test]
    fn the_site_serves_the_page_and_refuses_the_network() {
        let site = PageSite {
            html: "<p>hi".into(),
            root: std::env::temp_dir(),
        };
        assert_eq!(site.respond("http://mfa-page.test/").unwrap().0, b"<p>hi");
        assert!(
            site.respond("http://mfa-page.test/__mfa/widget.js?v=1")
                .is_some()
        );
        assert!(site.respond("https://cdn.auth0.com/x.js").is_none());
        assert!(site.respond("http://mfa-page.test/../etc/passwd").is_none());
    }

    #[test]
    fn changed_places_pick_the_innermost_box() {
        let text: Arc<str> = Arc::from("<main>\n<h1>Title</h1>\n</main>");
        let locate =
            |offset: usize| Some(("t.liquid".to_owned(), text.clone(), offset, offset + 1));
        // main covers everything, h1 the top band.
        let boxes = [(0, 0, 0, 100, 100), (7, 0, 0, 100, 20)];
        let places = changed_places(&[(1, 1)], &boxes, &locate);
        assert_eq!(places.iter().map(|p| p.2).collect::<Vec<_>>(), [7]);
        let places = changed_places(&[(1, 1), (1, 8)], &boxes, &locate);
        assert_eq!(places.iter().map(|p| p.2).collect::<Vec<_>>(), [0, 7]);
    }
}
