//! The HTTP routes of the preview.
//!
//! | path | what |
//! |---|---|
//! | `/` | the gallery |
//! | `/s/<scenario>` | one scenario, full page |
//! | `/guardian/enroll?ticket=…` | the enrollment scenario with that ticket, as Auth0's ticket link |
//! | `/__mfa/state[?have=<scenario>:<version>&…]` | the current build, as JSON (for the live-reload scripts), with the changed pages |
//! | `/__mfa/findings` | the live checks' findings, as JSON |
//! | `/__mfa/locate?scenario=…&generation=…&line=…&column=…` | the template line a rendered line comes from |
//! | `/favicon.ico` | a file of that name beside the template, else mfa-page's icon |
//! | `/__mfa/{client,widget,gallery}.js`, `/__mfa/overlay.css` | the preview's assets |
//! | `/__mfa/baseline/<scenario>@<width>.png` | the scenario's `check --visual` baseline at that width, for the gallery's diff |
//! | `/__mfa/livereload/event-stream` | tower-livereload's events (added by its layer) |
//! | anything else | a static file beside the template |

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{UpdateMode, WidgetMode};
use crate::source::display_path;

use super::build::{Build, Site};
use super::files::{self, Refusal};
use super::gallery;
use super::inject::{self, CLIENT_JS, GALLERY_JS, Preview, WIDGET_JS};
use super::overlay::{self, escape};

/// What every handler shares.
#[derive(Clone)]
pub struct App {
    pub site: Arc<Site>,
    pub widget: WidgetMode,
    pub update: UpdateMode,
    /// The folder beside the template, canonical: static files come from here only.
    pub static_root: Arc<PathBuf>,
    /// The baselines of `check --visual`: `tests/visual/` beside the contexts folder.
    pub visual_dir: Arc<PathBuf>,
    /// `--editor-url`.
    pub editor: Arc<str>,
}

impl App {
    pub fn new(site: Arc<Site>, widget: WidgetMode, update: UpdateMode) -> App {
        let dir = site
            .project
            .engine
            .template
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), PathBuf::from);
        let static_root = dir.canonicalize().unwrap_or(dir);
        let visual_dir = site
            .project
            .contexts
            .parent()
            .unwrap_or(std::path::Path::new(""))
            .join("tests")
            .join("visual");
        App {
            site,
            widget,
            update,
            static_root: Arc::new(static_root),
            visual_dir: Arc::new(visual_dir),
            editor: Arc::from(super::findings::EDITOR_URL),
        }
    }
}

pub fn router(app: App) -> Router {
    Router::new()
        .route("/", get(gallery_page))
        .route("/s/{name}", get(scenario_page))
        .route("/guardian/enroll", get(ticket_page))
        .route("/__mfa/state", get(state))
        .route("/__mfa/baseline/{name}", get(baseline))
        .route("/__mfa/findings", get(findings))
        .route("/__mfa/locate", get(locate))
        .route("/__mfa/client.js", get(|| async { asset(CLIENT_JS, JS) }))
        .route("/__mfa/widget.js", get(|| async { asset(WIDGET_JS, JS) }))
        .route("/__mfa/gallery.js", get(|| async { asset(GALLERY_JS, JS) }))
        .route(
            "/__mfa/overlay.css",
            get(|| async { asset(overlay::CSS, "text/css; charset=utf-8") }),
        )
        .fallback(static_file)
        .with_state(app)
}

const JS: &str = "text/javascript; charset=utf-8";

/// mfa-page's icon: a shield with a check mark, in the gallery's violet.
const FAVICON: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\"><path fill=\"#635dff\" d=\"M16 2 4 6.5v8.2C4 22.3 9.1 28 16 30c6.9-2 12-7.7 12-15.3V6.5z\"/><path fill=\"none\" stroke=\"#fff\" stroke-width=\"3\" stroke-linecap=\"round\" stroke-linejoin=\"round\" d=\"m10.5 16.5 4 4 7-8\"/></svg>";

fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        body,
    )
        .into_response()
}

/// A preview page: never cached, as it changes with every save.
fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

async fn gallery_page(State(app): State<App>) -> Response {
    let build = app.site.current();
    let template = display_path(&app.site.project.engine.template);
    html(
        StatusCode::OK,
        gallery::html(&build, &app.site.generation(&build), &template),
    )
}

/// The findings of the current build's checks: asked right after a build,
/// it answers once they are done (at most [`FINDINGS_WAIT`] later, with the
/// previous ones and `"current": false`).
async fn findings(State(app): State<App>) -> Response {
    let build = app.site.current().number;
    let findings = app.site.findings.wait_for(build, FINDINGS_WAIT).await;
    let mut body = findings.json(&app.editor);
    body["current"] = serde_json::Value::Bool(findings.build >= build);
    json_response(StatusCode::OK, body.to_string())
}

/// How long `/__mfa/findings` waits for the checks of the current build.
const FINDINGS_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

fn json_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// Where a JavaScript error's rendered line comes from: the page's line
/// and column (1-based, as the browser reports them) mapped back through the
/// live checks' trace of the same render to the template or partial.
async fn locate(State(app): State<App>, Query(query): Query<HashMap<String, String>>) -> Response {
    let number = |k: &str| query.get(k).and_then(|v| v.parse::<usize>().ok());
    let (Some(scenario), Some(generation), Some(line)) = (
        query.get("scenario"),
        query.get("generation"),
        number("line").filter(|l| *l > 0),
    ) else {
        return json_response(
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": "give scenario, generation, line (and column)"})
                .to_string(),
        );
    };
    let column = number("column").unwrap_or(1).max(1);
    let message = query.get("message").map_or("", String::as_str);
    let build = app.site.current();
    let unknown = |why: &str| {
        json_response(
            StatusCode::NOT_FOUND,
            serde_json::json!({ "error": why }).to_string(),
        )
    };
    if app.site.generation(&build) != *generation {
        return unknown("the page is from another build");
    }
    let Some(html) = build.page(scenario).and_then(|p| p.html.clone()) else {
        return unknown("no such scenario");
    };
    // The checks of this build may still be running (a page's error comes
    // within milliseconds of its load).
    let findings = app
        .site
        .findings
        .wait_for(build.number, std::time::Duration::from_secs(3))
        .await;
    let Some(offset) = rendered_offset(&html, line, column) else {
        return unknown("the page has no such line");
    };
    match super::findings::State::locate(&findings, scenario, &html, offset, message) {
        Some(place) => json_response(
            StatusCode::OK,
            serde_json::json!({
                "file": place.file,
                "line": place.line,
                "column": place.column,
                "text": place.text,
                "editor": super::findings::editor_url(&app.editor, &place.path, place.line, place.column),
            })
            .to_string(),
        ),
        None => unknown("the render could not be traced back to the template"),
    }
}

/// The byte of the rendered page at a line and column of the preview page.
/// Lines are the render's (the preview adds nothing but on the `<head>`
/// line); on that line the column is not the render's, so the line's start stands for it.
fn rendered_offset(html: &str, line: usize, column: usize) -> Option<usize> {
    let start = if line == 1 {
        0
    } else {
        html.match_indices('\n').nth(line - 2)?.0 + 1
    };
    let end = html[start..].find('\n').map_or(html.len(), |i| start + i);
    let head = inject::head_insert_point(html);
    let column = if (start..=end).contains(&head) {
        0
    } else {
        column - 1
    };
    // Columns count UTF-16 units; near enough to bytes to find the markup.
    let mut at = start + column.min(end - start);
    while !html.is_char_boundary(at) {
        at -= 1;
    }
    Some(at)
}

/// The current build, as JSON. `?have=<scenario>:<version>` (once per frame
/// of the gallery: what it shows) adds `pages`: the preview page of each of those
/// scenarios whose version differs, exactly as `/s/<scenario>` serves it. The
/// gallery then brings its frames up to a build with this one request, instead
/// of one request per frame, which competed with each other for the browser
/// (see benches/serve_latency.rs).
async fn state(State(app): State<App>, Query(query): Query<Vec<(String, String)>>) -> Response {
    let build = app.site.current();
    let mut body = gallery::state(&build, &app.site.generation(&build));
    // Whether a newer build is under way (a slow render shows here first).
    body["building"] = serde_json::Value::Bool(app.site.building());
    let have: Vec<&str> = query
        .iter()
        .filter(|(k, _)| k == "have")
        .map(|(_, v)| v.as_str())
        .collect();
    if !have.is_empty() {
        let mut pages = serde_json::Map::new();
        for (name, version) in have.iter().filter_map(|p| p.rsplit_once(':')) {
            if let Some(page) = build.page(name)
                && gallery::page_version(&build, page) != version
            {
                pages.insert(
                    page.name.clone(),
                    serde_json::Value::String(scenario_html(&app, &build, page)),
                );
            }
        }
        body["pages"] = serde_json::Value::Object(pages);
    }
    json_response(StatusCode::OK, body.to_string())
}

fn preview(app: &App, build: &Build, scenario: &str, rendered: &str) -> String {
    let generation = app.site.generation(build);
    inject::page(
        rendered,
        &Preview {
            scenario,
            generation: &generation,
            widget: app.widget,
            update: app.update,
            assets: build.assets,
            errors: &build.errors,
            locale: build.page(scenario).and_then(|p| p.locale.as_deref()),
        },
    )
}

async fn scenario_page(State(app): State<App>, Path(name): Path<String>) -> Response {
    let build = app.site.current();
    let Some(page) = build.page(&name) else {
        return not_found(&app, &build, &format!("no scenario named `{name}`"));
    };
    html(StatusCode::OK, scenario_html(&app, &build, page))
}

/// A scenario's preview page (`/s/<scenario>`, always status 200).
fn scenario_html(app: &App, build: &Build, page: &super::build::Page) -> String {
    let rendered = match &page.html {
        Some(html) => html.to_string(),
        None => format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{n}</title></head>\n\
             <body><p>Scenario <code>{n}</code> has not rendered yet: see the error.</p></body>\n</html>\n",
            n = escape(&page.name)
        ),
    };
    preview(app, build, &page.name, &rendered)
}

/// Auth0's enrollment ticket link: the enrollment scenario with the given ticket.
async fn ticket_page(
    State(app): State<App>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let build = app.site.current();
    let Some(ticket) = query.get("ticket").filter(|t| !t.is_empty()).cloned() else {
        return message_page(
            &app,
            &build,
            StatusCode::BAD_REQUEST,
            "Missing ticket",
            "An enrollment link looks like <code>/guardian/enroll?ticket=gten_…</code>.",
        );
    };
    // Auth0's tickets are `gten_` and letters and digits. Anything else is
    // refused rather than rendered: a crafted link must not be able to run
    // script on the preview's origin through a template that forgets to escape.
    if ticket.len() > 256
        || !ticket
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return message_page(
            &app,
            &build,
            StatusCode::BAD_REQUEST,
            "Not an enrollment ticket",
            "A ticket has only letters, digits, <code>_</code>, <code>-</code> and <code>.</code>, e.g. <code>gten_…</code>.",
        );
    }
    let (Some(page), Some(engine)) = (build.enrollment_page(), build.engine.clone()) else {
        return message_page(
            &app,
            &build,
            StatusCode::NOT_FOUND,
            "No enrollment scenario",
            "None of the scenarios has a <code>ticket</code>. Add one, e.g. \
             <code>contexts/enroll.json</code> with <code>{\"$extends\": \"_base\", \"ticket\": \"gten_…\"}</code>.",
        );
    };
    let name = page.name.clone();
    let mut data = (*page.data).clone();
    data.insert("ticket".into(), serde_json::Value::String(ticket));
    data.remove("requestToken");
    let scenario = crate::scenario::Scenario {
        name: name.clone(),
        file: page.file.clone(),
        data,
        keywords: (*page.keywords).clone(),
        locale: page.locale.clone(),
        warnings: Vec::new(),
    };
    // Renders run off the async runtime, within the render budget.
    let rendered = tokio::task::spawn_blocking(move || engine.render_scenario(&scenario)).await;
    match rendered {
        Ok(Ok(rendered)) => html(StatusCode::OK, preview(&app, &build, &name, &rendered.html)),
        Ok(Err(d)) => {
            let mut errors = build.errors.clone();
            errors.push(d);
            let page = inject::page(
                "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body></body></html>",
                &Preview {
                    scenario: &name,
                    generation: &app.site.generation(&build),
                    widget: app.widget,
                    update: app.update,
                    assets: build.assets,
                    errors: &errors,
                    locale: build.page(&name).and_then(|p| p.locale.as_deref()),
                },
            );
            html(StatusCode::INTERNAL_SERVER_ERROR, page)
        }
        Err(_) => html(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the render was interrupted".into(),
        ),
    }
}

/// A scenario's screenshot baseline: only `<scenario>@<width>.png` of a
/// scenario that exists and a width `check --visual` takes, so the path is
/// built from known names, never from the request.
async fn baseline(State(app): State<App>, Path(name): Path<String>) -> Response {
    use crate::check::visual::{WIDTHS, baseline_name};
    let build = app.site.current();
    let found = name
        .strip_suffix(".png")
        .and_then(|n| n.rsplit_once('@'))
        .and_then(|(scenario, width)| {
            let page = build.page(scenario)?;
            let width: u32 = width.parse().ok().filter(|w| WIDTHS.contains(w))?;
            Some(app.visual_dir.join(baseline_name(&page.name, width)))
        });
    let not_found = |why: String| {
        (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            why,
        )
            .into_response()
    };
    let Some(path) = found else {
        return not_found(format!("no scenario and width for `{name}`\n"));
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => not_found(format!(
            "no baseline at {}: run `mfa-page check --visual`\n",
            display_path(&path)
        )),
    }
}

fn message_page(
    app: &App,
    build: &Build,
    status: StatusCode,
    title: &str,
    body_html: &str,
) -> Response {
    let links: String = build
        .pages
        .iter()
        .map(|p| {
            format!(
                "<li><a href=\"/s/{n}\">{n}</a> ({f})</li>",
                n = escape(&p.name),
                f = p.flow
            )
        })
        .collect();
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{title} · mfa-page</title>\
<style>body{{font:15px/1.5 system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em;color:#1e212a}}</style></head>\n\
<body><h1>{title}</h1><p>{body_html}</p><p><a href=\"/\">All scenarios</a></p><ul>{links}</ul></body>\n</html>\n"
    );
    html(status, preview(app, build, "", &page))
}

fn not_found(app: &App, build: &Build, what: &str) -> Response {
    message_page(
        app,
        build,
        StatusCode::NOT_FOUND,
        "Not found",
        &format!("{}.", escape(what)),
    )
}

/// Files beside the template; nothing outside that folder.
/// A file beside the template, streamed (tower-http's `ServeFile`: constant
/// memory per request, `Range` and `HEAD` answered), never read whole.
async fn static_file(State(app): State<App>, request: axum::extract::Request) -> Response {
    let method = request.method().clone();
    let uri = request.uri().clone();
    if method != Method::GET && method != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD").into_response();
    }
    match files::resolve(&app.static_root, uri.path()) {
        Ok(path) => {
            let served =
                tower::ServiceExt::oneshot(tower_http::services::ServeFile::new(&path), request)
                    .await;
            match served {
                Ok(response) if response.status() != StatusCode::NOT_FOUND => {
                    let mut response = response.map(axum::body::Body::new);
                    response.headers_mut().insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static(files::content_type(&path)),
                    );
                    response
                        .headers_mut()
                        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                    response
                }
                _ => {
                    let build = app.site.current();
                    not_found(&app, &build, &format!("cannot read `{}`", uri.path()))
                }
            }
        }
        // Browsers ask every page for one: a project without its own gets mfa-page's.
        Err(Refusal::NotFound) if uri.path() == "/favicon.ico" => (
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            FAVICON,
        )
            .into_response(),
        Err(Refusal::NotFound) => {
            let build = app.site.current();
            not_found(&app, &build, &format!("no file at `{}`", uri.path()))
        }
        Err(Refusal::Forbidden(why)) => (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("refused: {why}; only files in the template's folder are served\n"),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rendered_line_and_column_is_a_byte_of_the_render() {
        let html =
            "<!DOCTYPE html>\n<html><head><title>t</title>\n<body>\n  <script>boom()</script>\n";
        // Line 4, column 11: `boom`.
        let at = rendered_offset(html, 4, 11).unwrap();
        assert!(html[at..].starts_with("boom"), "{}", &html[at..]);
        // The `<head>` line has the preview's scripts in it: its start stands for it.
        assert_eq!(rendered_offset(html, 2, 400), Some(16));
        // A column past the end stays on its line; no such line is `None`.
        assert_eq!(
            rendered_offset(html, 3, 99),
            Some(html.find("\n  <script").unwrap())
        );
        assert_eq!(rendered_offset(html, 9, 1), None);
        // Never inside a character.
        let html = "<p>\nééé</p>";
        let at = rendered_offset(html, 2, 2).unwrap();
        assert!(html.is_char_boundary(at));
    }
}
