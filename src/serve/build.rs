//! The one place that holds what the preview shows: the last good render of
//! every scenario and the errors of the latest build (as Zola's serve keeps
//! its current build error). A rebuild makes a new [`Build`] from the files
//! on disk and the previous build, and swaps it in whole, so a request
//! always sees one consistent build.

use std::collections::BTreeMap;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde_json::{Map, Value as Json};

use crate::diagnostic::Diagnostic;
use crate::engine::Engine;
use crate::scenario::{Flow, Scenario};

pub use crate::project::Project;

/// One scenario as the preview shows it.
#[derive(Debug, Clone)]
pub struct Page {
    pub name: String,
    /// The context file, as shown to people.
    pub file: String,
    pub flow: Flow,
    /// The merged context of the last successful load.
    pub data: Arc<Map<String, Json>>,
    /// Its deploy-cli keyword values.
    pub keywords: Arc<Map<String, Json>>,
    /// The browser language the preview gives it (`"$locale"`).
    pub locale: Option<String>,
    /// The last good render; `None` until the scenario has rendered once.
    pub html: Option<Arc<str>>,
    /// Undefined-variable warnings of the last good render.
    pub warnings: Vec<Diagnostic>,
    /// The latest build failed for this scenario (its error is in [`Build::errors`]).
    pub failed: bool,
}

/// One build of the whole project.
#[derive(Debug, Default)]
pub struct Build {
    /// Counts builds since the server started.
    pub number: u64,
    /// The last template that compiled, kept while the template is broken.
    pub engine: Option<Arc<Engine>>,
    /// Every scenario, sorted by name.
    pub pages: Vec<Page>,
    /// The errors of this build: the overlay shows them until a build has none.
    pub errors: Vec<Diagnostic>,
    /// Fingerprint of the static files beside the template (see [`assets_fingerprint`]).
    pub assets: u64,
    pub took: Duration,
}

impl Build {
    pub fn page(&self, name: &str) -> Option<&Page> {
        self.pages.iter().find(|p| p.name == name)
    }

    /// The scenario that `/guardian/enroll?ticket=…` renders: `enroll` if it
    /// is an enrollment scenario, else the first enrollment scenario.
    pub fn enrollment_page(&self) -> Option<&Page> {
        let enrollment = |p: &&Page| p.flow == Flow::Enrollment;
        self.page("enroll")
            .filter(enrollment)
            .or_else(|| self.pages.iter().find(enrollment))
    }

    pub fn warning_count(&self) -> usize {
        self.pages.iter().map(|p| p.warnings.len()).sum()
    }
}

/// The project and its current build.
#[derive(Debug)]
pub struct Site {
    pub project: Project,
    /// Tells this server's builds apart from an earlier server's on the same port.
    instance: u64,
    current: RwLock<Arc<Build>>,
    rebuilding: Mutex<()>,
    /// A build is under way (its renders may take up to a render budget).
    building: AtomicBool,
    /// Set to abandon the build under way (a newer save arrived).
    abandon: Mutex<Arc<AtomicBool>>,
    /// What the live checks found after the latest builds.
    pub findings: super::findings::State,
}

impl Site {
    pub fn new(project: Project) -> Site {
        let instance = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as u64);
        Site {
            project,
            instance,
            current: RwLock::new(Arc::new(Build::default())),
            rebuilding: Mutex::new(()),
            building: AtomicBool::new(false),
            abandon: Mutex::new(Arc::new(AtomicBool::new(false))),
            findings: Default::default(),
        }
    }

    pub fn current(&self) -> Arc<Build> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Names the current build for the browser: a page that shows another
    /// generation is out of date and reloads.
    pub fn generation(&self, build: &Build) -> String {
        format!("{:x}-{}", self.instance, build.number)
    }

    /// Whether a build is under way; requests meanwhile get the current build.
    pub fn building(&self) -> bool {
        self.building.load(Ordering::SeqCst)
    }

    /// Read everything again, render every scenario, and make that the
    /// current build. Blocking: call it off the async runtime.
    pub fn rebuild(&self) -> Arc<Build> {
        self.rebuild_unless_abandoned()
            .unwrap_or_else(|| self.current())
    }

    /// [`Site::rebuild`], unless [`Site::abandon_build`] is called while it
    /// runs: then its renders stop at their next step, the current build
    /// stays, and `None` says so.
    pub fn rebuild_unless_abandoned(&self) -> Option<Arc<Build>> {
        let _one_at_a_time = self.rebuilding.lock().unwrap_or_else(|e| e.into_inner());
        let flag = Arc::new(AtomicBool::new(false));
        *self.abandon.lock().unwrap_or_else(|e| e.into_inner()) = flag.clone();
        let _building = Building::start(&self.building);
        let previous = self.current();
        let build =
            crate::budget::with_cancel(flag.clone(), || build(&self.project, &previous, &flag));
        if flag.load(Ordering::SeqCst) {
            return None;
        }
        let build = Arc::new(build);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = build.clone();
        Some(build)
    }

    /// Stop the build under way, if any: a newer save is waiting to be built.
    pub fn abandon_build(&self) {
        if self.building() {
            self.abandon
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .store(true, Ordering::SeqCst);
        }
    }
}

/// Sets the flag for as long as it lives (also when a build unwinds).
struct Building<'a>(&'a AtomicBool);

impl<'a> Building<'a> {
    fn start(flag: &'a AtomicBool) -> Building<'a> {
        flag.store(true, Ordering::SeqCst);
        Building(flag)
    }
}

impl Drop for Building<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// Names, sizes and modification times of the files served beside the
/// template (not the template itself, not hidden or editor files): a page
/// whose HTML did not change still reloads when an image or stylesheet did.
/// Files in subfolders are served but not watched.
pub fn assets_fingerprint(project: &Project) -> u64 {
    use std::hash::{Hash, Hasher};
    let template = &project.engine.template;
    let dir = template
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut files: Vec<(std::ffi::OsString, u64, Option<std::time::SystemTime>)> =
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|entry| {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                !(name.starts_with('.')
                    || crate::source::is_editor_temporary(&name)
                    || template.file_name() == Some(entry.file_name().as_os_str()))
            })
            .filter_map(|entry| {
                let meta = entry.metadata().ok()?;
                meta.is_file()
                    .then(|| (entry.file_name(), meta.len(), meta.modified().ok()))
            })
            .collect();
    files.sort();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    files.hash(&mut h);
    h.finish()
}

fn build(project: &Project, previous: &Build, abandon: &Arc<AtomicBool>) -> Build {
    let started = Instant::now();
    let assets = assets_fingerprint(project);
    let mut errors = Vec::new();
    let engine = match Engine::load(&project.engine) {
        Ok(engine) => Some(Arc::new(engine)),
        Err(d) => {
            errors.push(d);
            None
        }
    };
    let last_good: BTreeMap<&str, &Page> = previous
        .pages
        .iter()
        .map(|p| (p.name.as_str(), p))
        .collect();

    let list = match project.scenario_files() {
        Ok(list) => list,
        Err(d) => {
            errors.push(d);
            // Keep showing what we had.
            let mut pages = previous.pages.clone();
            pages.iter_mut().for_each(|p| p.failed = true);
            return Build {
                number: previous.number + 1,
                engine: engine.or_else(|| previous.engine.clone()),
                pages,
                errors,
                assets,
                took: started.elapsed(),
            };
        }
    };

    let loaded: Vec<(String, Result<Scenario, Diagnostic>)> = list
        .iter()
        .map(|(name, path)| {
            let loaded = project.load_scenario(&path.to_string_lossy(), true);
            (name.clone(), loaded)
        })
        .collect();

    let rendered = render_all(engine.as_deref(), &loaded, abandon);

    let mut pages = Vec::with_capacity(loaded.len());
    for ((name, scenario), rendered) in loaded.into_iter().zip(rendered) {
        let before = last_good.get(name.as_str()).copied();
        let mut page = match (&scenario, before) {
            (Ok(s), _) => Page {
                name: name.clone(),
                file: s.file.clone(),
                flow: s.flow(),
                data: Arc::new(s.data.clone()),
                keywords: Arc::new(s.keywords.clone()),
                locale: s.locale.clone(),
                html: before.and_then(|b| b.html.clone()),
                warnings: before.map(|b| b.warnings.clone()).unwrap_or_default(),
                failed: false,
            },
            (Err(_), Some(b)) => b.clone(),
            (Err(_), None) => Page {
                name: name.clone(),
                file: list
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, p)| crate::source::display_path(p))
                    .unwrap_or_default(),
                flow: Flow::Neither,
                data: Arc::default(),
                keywords: Arc::default(),
                locale: None,
                html: None,
                warnings: Vec::new(),
                failed: true,
            },
        };
        if let Err(d) = scenario {
            errors.push(d);
            page.failed = true;
        }
        match rendered {
            Some(Ok((rendered, warnings))) => {
                page.html = Some(Arc::from(rendered.html));
                page.warnings = warnings;
            }
            Some(Err(mut ds)) => {
                errors.append(&mut ds);
                page.failed = true;
            }
            // Not rendered: the template or the scenario failed to load.
            None => page.failed = true,
        }
        pages.push(page);
    }

    Build {
        number: previous.number + 1,
        engine: engine.or_else(|| previous.engine.clone()),
        pages,
        errors,
        assets,
        took: started.elapsed(),
    }
}

type Outcome = Result<(crate::engine::Rendered, Vec<Diagnostic>), Vec<Diagnostic>>;

/// A render slower than this sends the remaining scenarios to threads of
/// their own, so that a runaway template costs about one render budget, not
/// one per scenario. Normal renders take microseconds and stay on this thread.
const SLOW_RENDER: Duration = Duration::from_millis(50);

/// Render every loaded scenario (`None` where the template or the scenario failed to load).
fn render_all(
    engine: Option<&Engine>,
    loaded: &[(String, Result<Scenario, Diagnostic>)],
    abandon: &Arc<AtomicBool>,
) -> Vec<Option<Outcome>> {
    let Some(engine) = engine else {
        return loaded.iter().map(|_| None).collect();
    };
    let mut out: Vec<Option<Outcome>> = Vec::with_capacity(loaded.len());
    let mut rest = loaded;
    while let Some(((_, scenario), tail)) = rest.split_first() {
        rest = tail;
        let Ok(scenario) = scenario else {
            out.push(None);
            continue;
        };
        let started = Instant::now();
        out.push(Some(crate::advice::render_checked(engine, scenario, false)));
        if started.elapsed() > SLOW_RENDER {
            break;
        }
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = rest
            .iter()
            .map(|(_, scenario)| {
                scenario.as_ref().ok().map(|s| {
                    let abandon = abandon.clone();
                    scope.spawn(move || {
                        crate::budget::with_cancel(abandon, || {
                            crate::advice::render_checked(engine, s, false)
                        })
                    })
                })
            })
            .collect();
        for handle in handles {
            out.push(handle.map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(vec![Diagnostic::error("the render thread panicked")]))
            }));
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(dir: &std::path::Path) -> Project {
        Project {
            engine: crate::engine::EngineConfig::new(dir.join("templates/mfa.liquid")),
            contexts: dir.join("contexts"),
            keywords: Default::default(),
        }
    }

    fn write(dir: &std::path::Path, path: &str, text: &str) {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn keeps_the_last_good_render_while_the_template_is_broken() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "templates/mfa.liquid", "<p>{{ ticket }}</p>");
        write(
            dir.path(),
            "contexts/enroll.json",
            r#"{"ticket": "gten_1"}"#,
        );
        let site = Site::new(project(dir.path()));

        let first = site.rebuild();
        assert!(first.errors.is_empty(), "{:?}", first.errors);
        assert_eq!(first.page("enroll").unwrap().flow, Flow::Enrollment);
        assert_eq!(
            first.page("enroll").unwrap().html.as_deref(),
            Some("<p>gten_1</p>")
        );

        write(dir.path(), "templates/mfa.liquid", "<p>{% if ticket %}</p>");
        let broken = site.rebuild();
        assert_eq!(broken.errors.len(), 1);
        let page = broken.page("enroll").unwrap();
        assert!(page.failed);
        assert_eq!(page.html.as_deref(), Some("<p>gten_1</p>"));
        assert!(broken.engine.is_some(), "the last good template is kept");

        write(dir.path(), "templates/mfa.liquid", "<b>{{ ticket }}</b>");
        let fixed = site.rebuild();
        assert!(fixed.errors.is_empty());
        assert_eq!(
            fixed.page("enroll").unwrap().html.as_deref(),
            Some("<b>gten_1</b>")
        );
        assert_ne!(site.generation(&broken), site.generation(&fixed));
    }

    #[test]
    fn a_broken_scenario_keeps_its_last_good_render_and_others_still_render() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "templates/mfa.liquid", "{{ requestToken }}");
        write(
            dir.path(),
            "contexts/login.json",
            r#"{"requestToken": "a"}"#,
        );
        write(
            dir.path(),
            "contexts/other.json",
            r#"{"requestToken": "b"}"#,
        );
        let site = Site::new(project(dir.path()));
        site.rebuild();
        write(dir.path(), "contexts/login.json", r#"{"requestToken": "#);
        write(
            dir.path(),
            "contexts/other.json",
            r#"{"requestToken": "c"}"#,
        );
        let build = site.rebuild();
        assert_eq!(build.errors.len(), 1);
        assert!(build.errors[0].render(false).contains("login.json"));
        assert_eq!(build.page("login").unwrap().html.as_deref(), Some("a"));
        assert_eq!(build.page("other").unwrap().html.as_deref(), Some("c"));
        assert_eq!(build.enrollment_page().map(|p| p.name.as_str()), None);
    }

    #[test]
    fn the_assets_fingerprint_follows_files_beside_the_template_only() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "templates/mfa.liquid", "a");
        write(dir.path(), "templates/logo.png", "png");
        let project = project(dir.path());
        let first = assets_fingerprint(&project);
        write(dir.path(), "templates/mfa.liquid", "changed template");
        write(dir.path(), "templates/.mfa.liquid.swp", "vim");
        write(dir.path(), "templates/mfa.liquid~", "backup");
        assert_eq!(assets_fingerprint(&project), first);
        write(dir.path(), "templates/logo.png", "a new logo");
        assert_ne!(assets_fingerprint(&project), first);
    }

    #[test]
    fn a_runaway_loop_is_an_error_not_a_hang() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "contexts/login.json", "{}");
        write(dir.path(), "contexts/enroll.json", "{}");
        write(
            dir.path(),
            "templates/mfa.liquid",
            "{% for i in (1..100000000) %}{% endfor %}",
        );
        let site = Site::new(project(dir.path()));
        let build = site.rebuild();
        assert_eq!(build.errors.len(), 2, "{:?}", build.errors);
        assert!(
            build.errors[0]
                .message
                .contains("more than 1,000,000 steps"),
            "{}",
            build.errors[0].message
        );

        // A hundred million steps with no step budget: stopped by the time budget.
        write(
            dir.path(),
            "templates/mfa.liquid",
            "{% for i in (1..10000) %}{% for j in (1..10000) %}{% endfor %}{% endfor %}",
        );
        let mut project = project(dir.path());
        project.engine.limits.time = Duration::from_millis(200);
        project.engine.limits.steps = u64::MAX;
        let site = Site::new(project);
        let started = Instant::now();
        let build = site.rebuild();
        // Both scenarios render at once: one budget, not two.
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(build.errors.len(), 2, "{:?}", build.errors);
        assert!(
            build.errors[0].message.contains("ran longer than"),
            "{}",
            build.errors[0].message
        );
    }

    #[test]
    fn a_runaway_build_is_abandoned_for_a_newer_save() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "contexts/login.json", "{}");
        write(dir.path(), "templates/mfa.liquid", "good");
        let mut project = project(dir.path());
        project.engine.limits.time = Duration::from_secs(600);
        project.engine.limits.steps = u64::MAX;
        let site = Arc::new(Site::new(project));
        assert!(site.rebuild_unless_abandoned().is_some());
        write(
            dir.path(),
            "templates/mfa.liquid",
            "{% for i in (1..100000) %}{% for j in (1..100000) %}{% endfor %}{% endfor %}",
        );
        let runner = site.clone();
        let running = std::thread::spawn(move || runner.rebuild_unless_abandoned());
        while !site.building() {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(50));
        site.abandon_build();
        // Without abandonment this build would run for ten minutes.
        assert!(running.join().unwrap().is_none());
        assert_eq!(site.current().pages[0].html.as_deref(), Some("good"));
        write(dir.path(), "templates/mfa.liquid", "fixed");
        let build = site.rebuild_unless_abandoned().unwrap();
        assert_eq!(build.pages[0].html.as_deref(), Some("fixed"));
    }
}
