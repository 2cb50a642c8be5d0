//! Watching the project: folders, not files, so that editors that save by
//! writing a new file and renaming it over the old one (vim, JetBrains, …)
//! are seen like any other save, and so are files created, deleted or renamed.
//!
//! Events are debounced. A build starts once the folders have been quiet
//! for [`QUIET`] after an event that ends a save (a file closed after
//! writing, renamed into place, deleted), or for [`QUIET_WRITING`] after an
//! event that says a file is still being written (data written, file
//! created), and at the latest [`MAX_WAIT`] after the first event. Every
//! event that comes during a build causes one more build after it, so the
//! last build always reads the files as they are once the last save has
//! finished, however the editor wrote them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc;
use tower_livereload::Reloader;

use crate::diagnostic::Diagnostic;
use crate::source::display_path;

use super::build::{Build, Site};

/// How long the folders must be quiet after a save ended before a build.
pub const QUIET: Duration = Duration::from_millis(1);
/// How long they must be quiet while a file is still open for writing
/// (a file closed after writing ends the wait at once).
pub const QUIET_WRITING: Duration = Duration::from_millis(40);
/// The longest a build waits for quiet after the first event.
pub const MAX_WAIT: Duration = Duration::from_millis(200);

/// The folders to watch: `(folder, recursive)`.
pub fn targets(site: &Site) -> Vec<(PathBuf, RecursiveMode)> {
    let template_dir = site
        .project
        .engine
        .template
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let (partials, _) = site.project.engine.partials_dir();
    vec![
        (template_dir, RecursiveMode::NonRecursive),
        (partials, RecursiveMode::Recursive),
        (site.project.contexts.clone(), RecursiveMode::NonRecursive),
    ]
}

/// Watches the folders; keep it alive as long as the server runs.
pub struct Watch {
    watcher: RecommendedWatcher,
    targets: Vec<(PathBuf, RecursiveMode)>,
    /// The folders watched now (a missing folder is watched through its parent).
    watched: BTreeMap<PathBuf, bool>,
}

impl Watch {
    /// Start watching; events go to the returned channel.
    pub fn start(
        targets: Vec<(PathBuf, RecursiveMode)>,
    ) -> Result<(Watch, mpsc::UnboundedReceiver<Event>), Diagnostic> {
        let (tx, rx) = mpsc::unbounded_channel();
        let watcher = notify::recommended_watcher(move |event: notify::Result<Event>| {
            if let Ok(event) = event
                && relevant(&event)
            {
                let _ = tx.send(event);
            }
        })
        .map_err(|e| Diagnostic::error(format!("cannot watch the project's files: {e}")))?;
        let mut watch = Watch {
            watcher,
            targets,
            watched: BTreeMap::new(),
        };
        watch.refresh();
        Ok((watch, rx))
    }

    /// Watch every target that exists; a missing one through its nearest
    /// existing parent, so that its creation is seen. Called after each build.
    pub fn refresh(&mut self) {
        // Folder → recursive; a folder wanted both ways is watched recursively.
        let mut wanted = BTreeMap::new();
        for (dir, mode) in &self.targets {
            if dir.is_dir() {
                *wanted.entry(dir.clone()).or_insert(false) |= *mode == RecursiveMode::Recursive;
            } else if let Some(parent) = dir.ancestors().skip(1).find(|p| {
                let p = if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                };
                p.is_dir()
            }) {
                let parent = if parent.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    parent.to_path_buf()
                };
                wanted.entry(parent).or_insert(false);
            }
        }
        // Drop watches on folders no longer wanted (or gone), add new ones.
        for (dir, recursive) in self.watched.clone() {
            if wanted.get(&dir) != Some(&recursive) || !dir.is_dir() {
                let _ = self.watcher.unwatch(&dir);
                self.watched.remove(&dir);
            }
        }
        for (dir, recursive) in wanted {
            if self.watched.contains_key(&dir) {
                continue;
            }
            let mode = if recursive {
                RecursiveMode::Recursive
            } else {
                RecursiveMode::NonRecursive
            };
            match self.watcher.watch(&dir, mode) {
                Ok(()) => {
                    self.watched.insert(dir, recursive);
                }
                Err(e) => eprintln!("warning: cannot watch {}: {e}", display_path(&dir)),
            }
        }
    }
}

/// Changes to content: not reads, not editors' swap, lock and backup files.
fn relevant(event: &Event) -> bool {
    match event.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => {}
        EventKind::Access(_) => return false,
        _ => {}
    }
    event.paths.iter().any(|path| {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            return true;
        };
        !crate::source::is_editor_temporary(name)
    })
}

/// The event says a save is under way and more will follow: a file is being
/// written (its close says when it is done), or a file was renamed away (an
/// editor that keeps a backup then writes a new file). Backends without close
/// events (macOS) just wait for [`QUIET_WRITING`].
fn still_writing(event: &Event) -> bool {
    matches!(
        event.kind,
        EventKind::Create(_)
            | EventKind::Modify(
                ModifyKind::Data(_)
                    | ModifyKind::Any
                    | ModifyKind::Other
                    | ModifyKind::Name(RenameMode::From)
            )
    )
}

/// Rebuild after every burst of changes, then tell the browsers.
pub async fn run(
    site: Arc<Site>,
    mut watch: Watch,
    mut events: mpsc::UnboundedReceiver<Event>,
    reloader: Reloader,
) {
    let mut pending = std::collections::VecDeque::new();
    loop {
        let next = match pending.pop_front() {
            Some(event) => Some(event),
            None => events.recv().await,
        };
        let Some(mut last) = next else {
            return;
        };
        let first = Instant::now();
        loop {
            let left = MAX_WAIT.saturating_sub(first.elapsed());
            if left.is_zero() {
                break;
            }
            let quiet = if still_writing(&last) {
                QUIET_WRITING
            } else {
                QUIET
            };
            match tokio::time::timeout(quiet.min(left), events.recv()).await {
                Ok(Some(event)) => last = event,
                Ok(None) => return,
                Err(_) => break,
            }
        }
        let builder = site.clone();
        let mut task = tokio::task::spawn_blocking(move || builder.rebuild_unless_abandoned());
        // A save that arrives while the build runs abandons it (a runaway
        // template stops at its next step) and is built right after.
        let mut newer = None;
        let outcome = loop {
            tokio::select! {
                outcome = &mut task => break outcome,
                event = events.recv(), if newer.is_none() => match event {
                    Some(event) => {
                        site.abandon_build();
                        newer = Some(event);
                    }
                    None => return,
                },
            }
        };
        match outcome {
            Ok(Some(build)) => {
                reloader.reload();
                site.findings.wake();
                report(&build);
            }
            Ok(None) => eprintln!("build abandoned: a newer save arrived"),
            Err(_) => {}
        }
        watch.refresh();
        if let Some(event) = newer {
            pending.push_front(event);
        }
    }
}

/// One line per build on stderr, and the errors in full.
pub fn report(build: &Build) {
    crate::diagnostic::emit(&build.errors);
    let ms = build.took.as_secs_f64() * 1000.0;
    let scenarios = super::findings::plural(build.pages.len(), "scenario");
    if build.errors.is_empty() {
        // The findings (undefined variables among them) follow from the live checks.
        eprintln!("built {scenarios} in {ms:.1} ms");
    } else {
        eprintln!(
            "build failed with {} error{} in {ms:.1} ms; the browser shows them over the last good render",
            build.errors.len(),
            if build.errors.len() == 1 { "" } else { "s" }
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, DataChange, RemoveKind};

    fn event(kind: EventKind, path: &str) -> Event {
        Event::new(kind).add_path(PathBuf::from(path))
    }

    #[test]
    fn content_changes_are_relevant_reads_and_swap_files_are_not() {
        let modify = EventKind::Modify(ModifyKind::Any);
        assert!(relevant(&event(modify, "templates/mfa.liquid")));
        assert!(relevant(&event(
            EventKind::Modify(ModifyKind::Name(RenameMode::To)),
            "contexts/login.json"
        )));
        assert!(relevant(&event(
            EventKind::Create(CreateKind::File),
            "contexts/new.json"
        )));
        assert!(relevant(&event(
            EventKind::Access(AccessKind::Close(AccessMode::Write)),
            "templates/mfa.liquid"
        )));
        assert!(!relevant(&event(
            EventKind::Access(AccessKind::Open(AccessMode::Any)),
            "templates/mfa.liquid"
        )));
        assert!(!relevant(&event(modify, "templates/.mfa.liquid.swp")));
        assert!(!relevant(&event(modify, "templates/mfa.liquid~")));
        assert!(!relevant(&event(modify, "templates/4913")));
    }

    #[test]
    fn writes_wait_for_the_close_and_closes_renames_removals_do_not() {
        let path = "templates/mfa.liquid";
        assert!(still_writing(&event(
            EventKind::Modify(ModifyKind::Data(DataChange::Any)),
            path
        )));
        assert!(still_writing(&event(
            EventKind::Create(CreateKind::File),
            path
        )));
        assert!(!still_writing(&event(
            EventKind::Access(AccessKind::Close(AccessMode::Write)),
            path
        )));
        assert!(still_writing(&event(
            EventKind::Modify(ModifyKind::Name(RenameMode::From)),
            path
        )));
        assert!(!still_writing(&event(
            EventKind::Modify(ModifyKind::Name(RenameMode::To)),
            path
        )));
        assert!(!still_writing(&event(
            EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
            path
        )));
        assert!(!still_writing(&event(
            EventKind::Remove(RemoveKind::File),
            path
        )));
    }
}
