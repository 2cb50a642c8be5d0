//! The HTTP routes of the preview.
//!
//! | path | what |
//! |---|---|
//! | `/` | the gallery |
//! | `/s/<scenario>` | one scenario, full page |
//! | `/guardian/enroll?ticket=…` | the enrollment scenario with that ticket, as Auth0's ticket link |
//! | `/__mfa/state` | the current build, as JSON (for the live-reload scripts) |
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

async fn state(State(app): State<App>) -> Response {
    let build = app.site.current();
    let mut body = gallery::state(&build, &app.site.generation(&build));
    // Whether a newer build is under way (a slow render shows here first).
    body["building"] = serde_json::Value::Bool(app.site.building());
    let body = body.to_string();
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
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
        },
    )
}

async fn scenario_page(State(app): State<App>, Path(name): Path<String>) -> Response {
    let build = app.site.current();
    let Some(page) = build.page(&name) else {
        return not_found(&app, &build, &format!("no scenario named `{name}`"));
    };
    let rendered = match &page.html {
        Some(html) => html.to_string(),
        None => format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{n}</title></head>\n\
             <body><p>Scenario <code>{n}</code> has not rendered yet: see the error.</p></body>\n</html>\n",
            n = escape(&page.name)
        ),
    };
    html(StatusCode::OK, preview(&app, &build, &page.name, &rendered))
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
