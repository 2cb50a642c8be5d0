//! Reading the user's files, with one clear line for every way it can fail.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, line_col};

/// A text file as read from disk (a UTF-8 BOM removed).
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    /// The path as we show it to people.
    pub name: String,
    pub text: Arc<str>,
}

/// How a path is shown in messages: as the user gave it, with `/` separators.
/// Editors' swap, lock and backup files (vim, Emacs): never a template,
/// partial or scenario. The one list, for reading folders and for watching them.
pub fn is_editor_temporary(name: &str) -> bool {
    name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".swpx")
        || name.starts_with(".#")
        || name == "4913"
}

pub fn display_path(path: &Path) -> String {
    let shown = path.strip_prefix("./").unwrap_or(path);
    if shown.as_os_str().is_empty() {
        return ".".to_owned();
    }
    shown.display().to_string()
}

/// Read `path` as UTF-8 text, or explain in one line why not.
pub fn read_text(path: &Path, what: &str) -> Result<SourceFile, Diagnostic> {
    let name = display_path(path);
    let bytes = read_bytes(path, what)?;
    let text = decode(&name, bytes)?;
    Ok(SourceFile {
        path: path.to_path_buf(),
        name,
        text: Arc::from(text),
    })
}

/// Read `path` as bytes, with clear errors for a missing file, a directory, or no permission.
pub fn read_bytes(path: &Path, what: &str) -> Result<Vec<u8>, Diagnostic> {
    let name = display_path(path);
    if path.is_dir() {
        return Err(
            Diagnostic::error(format!("is a directory, but the {what} must be a file"))
                .in_file(name),
        );
    }
    // A FIFO or a device would block the read (or never end): only regular files are read.
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
    {
        return Err(Diagnostic::error(format!(
            "is not a regular file (a FIFO, socket or device), but the {what} must be one"
        ))
        .in_file(name)
        .with_help(
            "point mfa-page at a regular file, or move this one out of the project's folders",
        ));
    }
    std::fs::read(path).map_err(|err| io_error(&name, what, &err))
}

/// One line for an I/O error on `name`.
pub fn io_error(name: &str, what: &str, err: &std::io::Error) -> Diagnostic {
    let (message, help) = match err.kind() {
        ErrorKind::NotFound => (
            format!("no such file (looking for the {what})"),
            Some("check the path, or run `mfa-page init` to create a starter project"),
        ),
        ErrorKind::PermissionDenied => (
            format!("cannot read the {what}: permission denied"),
            Some("make the file readable by your user"),
        ),
        ErrorKind::IsADirectory => (
            format!("is a directory, but the {what} must be a file"),
            None,
        ),
        _ if err.raw_os_error() == Some(40) => (
            format!("cannot read the {what}: too many levels of symbolic links (a symlink loop?)"),
            None,
        ),
        _ => (format!("cannot read the {what}: {err}"), None),
    };
    let mut d = Diagnostic::error(message).in_file(name);
    if let Some(help) = help {
        d = d.with_help(help);
    }
    d
}

/// Decode UTF-8, dropping a byte-order mark; invalid bytes are an error with their position.
pub fn decode(name: &str, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    if bytes.contains(&0) {
        return Err(Diagnostic::error("looks like a binary file, not text")
            .in_file(name)
            .with_help("point mfa-page at the text file you meant, or move this one out of the project's folders"));
    }
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    String::from_utf8(bytes).map_err(|err| {
        let valid = err.utf8_error().valid_up_to();
        let bytes = err.as_bytes();
        let prefix = String::from_utf8_lossy(&bytes[..valid]);
        let (line, column) = line_col(&prefix, prefix.len());
        Diagnostic::error(format!(
            "is not valid UTF-8 text: byte 0x{:02x} at line {line}, column {column}",
            bytes[valid]
        ))
        .in_file(name)
        .with_help("save the file as UTF-8")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_are_one_clear_line() {
        let denied = std::io::Error::from(ErrorKind::PermissionDenied);
        assert_eq!(
            io_error("contexts/a.json", "context", &denied)
                .render(false)
                .lines()
                .next()
                .unwrap(),
            "error: contexts/a.json: cannot read the context: permission denied"
        );
        let missing = std::io::Error::from(ErrorKind::NotFound);
        assert!(
            io_error("t.liquid", "template", &missing)
                .message
                .contains("no such file")
        );
    }

    #[test]
    fn bom_is_dropped() {
        assert_eq!(decode("x", b"\xEF\xBB\xBF{}".to_vec()).unwrap(), "{}");
    }

    #[test]
    fn invalid_utf8_names_the_position() {
        let err = decode("c.json", b"{\n  \"a\": \"\xff\"}".to_vec()).unwrap_err();
        let text = err.render(false);
        assert!(
            text.starts_with(
                "error: c.json: is not valid UTF-8 text: byte 0xff at line 2, column 9"
            ),
            "{text}"
        );
    }
}
