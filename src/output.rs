//! Writing files without ever leaving a half-written one: write a temporary
//! file beside the target, flush it to disk, then rename it into place.
//!
//! An output never replaces an input: the template, its partials, scenarios
//! and bases are [`protect`]ed as they are read, and [`write_atomic`]
//! refuses any path that is one of them or resolves to one through links. A
//! symbolic link as output is written through to its target.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

static PROTECTED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The path as it resolves, links followed; for a file that does not exist
/// yet, its resolved folder joined with its name.
pub fn resolved(path: &Path) -> Option<PathBuf> {
    if let Ok(c) = path.canonicalize() {
        return Some(c);
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    Some(parent.canonicalize().ok()?.join(path.file_name()?))
}

/// Mark `path` as an input of this run (a template, partial, scenario or base):
/// no output may replace it. Cheap (no file system access): inputs are
/// resolved only when something is about to be written.
pub fn protect(path: &Path) {
    if let Ok(mut list) = PROTECTED.lock()
        && !list.iter().any(|p| p == path)
    {
        list.push(path.to_path_buf());
    }
}

/// An error when `path` is (or resolves to) an input of this run.
pub fn refuse_input(path: &Path) -> Result<(), Diagnostic> {
    let Some(target) = resolved(path) else {
        return Ok(());
    };
    let hit = PROTECTED
        .lock()
        .map(|list| list.iter().any(|p| resolved(p).as_ref() == Some(&target)))
        .unwrap_or(false);
    if hit {
        return Err(Diagnostic::error(
            "refusing to write here: this file is an input of the project (the template, a partial, a scenario or a base)",
        )
        .in_file(display_path(path))
        .with_help("write the output somewhere else, such as dist/ or out/"));
    }
    Ok(())
}

use crate::diagnostic::Diagnostic;
use crate::source::display_path;

/// Replace `path` with `bytes` atomically; the old file stays intact on any failure.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Diagnostic> {
    refuse_input(path)?;
    // A symbolic link is written through: its target is replaced, the link stays.
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        let target = match path.canonicalize() {
            Ok(target) => target,
            Err(_) => {
                // A dangling link: its target, relative to the link's folder.
                let link = std::fs::read_link(path).map_err(|e| {
                    Diagnostic::error(format!("cannot read the link: {e}"))
                        .in_file(display_path(path))
                })?;
                path.parent().unwrap_or(Path::new(".")).join(link)
            }
        };
        if std::fs::symlink_metadata(&target).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(Diagnostic::error(
                "cannot write: the link points at a broken chain of links",
            )
            .in_file(display_path(path)));
        }
        return write_atomic(&target, bytes);
    }
    let name = display_path(path);
    if path.is_dir() {
        return Err(
            Diagnostic::error("is a directory; give a file path to write to").in_file(name),
        );
    }
    // A device or a pipe (`-o /dev/null`, `-o /dev/stdout`) is written in place:
    // renaming over it would replace the device with a plain file.
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
    {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut f| f.write_all(bytes))
            .map_err(|err| Diagnostic::error(format!("cannot write: {err}")).in_file(name));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(Diagnostic::error(format!(
            "cannot write: the folder {} does not exist",
            display_path(&dir)
        ))
        .in_file(name));
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|err| {
        let _ = std::fs::remove_file(&tmp);
        Diagnostic::error(format!("cannot write the file: {err}")).in_file(name)
    })
}

/// [`write_atomic`], creating the folders leading to `path` first.
pub fn write_creating_dirs(path: &Path, bytes: &[u8]) -> Result<(), Diagnostic> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| {
            Diagnostic::error(format!("cannot create the folder: {e}"))
                .in_file(display_path(parent))
        })?;
    }
    write_atomic(path, bytes)
}

/// Exactly `bytes` on stdout; a closed pipe (`| head`) is not an error.
pub fn write_stdout(bytes: &[u8]) -> Result<(), Diagnostic> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Diagnostic::error(format!("cannot write to stdout: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_leaves_no_temp_file() {
        let dir = std::env::temp_dir().join(format!("mfa-page-out-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join("a.html");
        write_atomic(&target, b"one").unwrap();
        write_atomic(&target, b"two").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1);
        assert!(write_atomic(&dir, b"x").is_err());
        assert!(write_atomic(&dir.join("missing/x.html"), b"x").is_err());
        // Devices are written in place, never replaced.
        write_atomic(Path::new("/dev/null"), b"x").unwrap();
        assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn inputs_are_never_replaced_and_links_are_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("mfa.liquid");
        std::fs::write(&input, "{{ ticket }}").unwrap();
        protect(&input);
        let err = write_atomic(&input, b"page").unwrap_err();
        assert!(
            err.message.starts_with("refusing to write here"),
            "{}",
            err.message
        );
        // Through a link, or a path that resolves to it.
        let link = dir.path().join("link.html");
        std::os::unix::fs::symlink(&input, &link).unwrap();
        assert!(write_atomic(&link, b"page").is_err());
        assert!(write_atomic(&dir.path().join("x/../mfa.liquid"), b"page").is_err());
        assert_eq!(std::fs::read_to_string(&input).unwrap(), "{{ ticket }}");

        // A link to an output: its target is replaced, the link stays a link.
        let real = dir.path().join("real.html");
        std::fs::write(&real, "old").unwrap();
        let out = dir.path().join("out.html");
        std::os::unix::fs::symlink(&real, &out).unwrap();
        write_atomic(&out, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        assert!(
            std::fs::symlink_metadata(&out)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }
}
