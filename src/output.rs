//! Writing files without ever leaving a half-written one: write a temporary
//! file beside the target, flush it to disk, then rename it into place.

use std::io::Write;
use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::source::display_path;

/// Replace `path` with `bytes` atomically; the old file stays intact on any failure.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Diagnostic> {
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
}
