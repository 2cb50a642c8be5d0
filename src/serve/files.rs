//! Static files beside the template (images, CSS), and nothing else: a
//! request path is decoded once and checked segment by segment, then the
//! file's real path (symlinks resolved) must still lie in the folder.

use std::path::{Path, PathBuf};

/// Why a request for a static file gets no file.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// There is no such file (or it is a folder).
    NotFound,
    /// The path tries to leave the folder, or is not a plain relative path.
    Forbidden(&'static str),
}

/// The file under `root` (already canonical) that the raw URL path names.
pub fn resolve(root: &Path, raw_path: &str) -> Result<PathBuf, Refusal> {
    let relative = raw_path.strip_prefix('/').unwrap_or(raw_path);
    if relative.contains('\\') {
        return Err(Refusal::Forbidden("backslashes are not allowed in paths"));
    }
    let decoded = percent_encoding::percent_decode_str(relative)
        .decode_utf8()
        .map_err(|_| Refusal::Forbidden("the path is not valid UTF-8"))?;
    if decoded.contains('%') {
        return Err(Refusal::Forbidden("the path is encoded more than once"));
    }
    if decoded.contains('\\') || decoded.contains('\0') {
        return Err(Refusal::Forbidden("backslashes are not allowed in paths"));
    }
    if decoded.is_empty() {
        return Err(Refusal::NotFound);
    }
    // `img/` names a folder: checked like the rest, then not found.
    let (decoded, folder) = match decoded.strip_suffix('/') {
        Some(inner) => (inner, true),
        None => (&*decoded, false),
    };
    let mut path = root.to_path_buf();
    for segment in decoded.split('/') {
        match segment {
            "" => return Err(Refusal::Forbidden("absolute or empty path segments")),
            "." | ".." => return Err(Refusal::Forbidden("`.` and `..` are not allowed")),
            s if s.starts_with('.') => return Err(Refusal::Forbidden("hidden files")),
            s if s.contains(':') => return Err(Refusal::Forbidden("`:` is not allowed")),
            s => path.push(s),
        }
    }
    let real = match path.canonicalize() {
        Ok(real) => real,
        Err(_) => return Err(Refusal::NotFound),
    };
    if !real.starts_with(root) {
        return Err(Refusal::Forbidden(
            "the file is a link that leads outside the folder",
        ));
    }
    if folder || !real.is_file() {
        return Err(Refusal::NotFound);
    }
    Ok(real)
}

/// The Content-Type for a file name.
pub fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "txt" | "liquid" => "text/plain; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_relative_paths_resolve() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("img")).unwrap();
        std::fs::write(root.join("img/logo one.png"), b"png").unwrap();
        assert_eq!(
            resolve(&root, "/img/logo%20one.png"),
            Ok(root.join("img/logo one.png"))
        );
        assert_eq!(resolve(&root, "/img/missing.png"), Err(Refusal::NotFound));
        assert_eq!(resolve(&root, "/img"), Err(Refusal::NotFound));
        assert_eq!(resolve(&root, "/img/"), Err(Refusal::NotFound));
        assert_eq!(resolve(&root, "/"), Err(Refusal::NotFound));
    }

    #[test]
    fn ways_out_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        for path in [
            "/../etc/passwd",
            "/img/../../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/%2E%2E%2Fetc%2Fpasswd",
            "/%252e%252e/etc/passwd",
            "/..%5cetc%5cpasswd",
            "/..\\etc\\passwd",
            "//etc/passwd",
            "/%2fetc/passwd",
            "/C:/Windows/win.ini",
            "/.git/config",
            "/a/%00",
        ] {
            assert!(
                matches!(resolve(&root, path), Err(Refusal::Forbidden(_))),
                "{path} was not refused"
            );
        }
    }
}
