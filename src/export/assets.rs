//! Inline local stylesheets (`<link rel="stylesheet" href="styles/page.css">`)
//! and scripts (`<script src="js/page.js"></script>`) so the page needs no
//! file that only exists in the project. Remote URLs (`https:`, `//cdn…`,
//! `data:`) and references computed by Liquid stay as they are.

use std::path::Path;

use crate::diagnostic::{Diagnostic, Span, line_col};
use crate::source::{self, SourceFile};
use crate::template::lexer::markup_spans;

/// Inline into a template (asset text containing Liquid markup is wrapped in
/// `{% raw %}`), or into a rendered page (the text goes in as it is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Template,
    Page,
}

/// A `<link>` or `<script>` element that references a file.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetRef {
    pub start: usize,
    pub end: usize,
    pub kind: AssetKind,
    pub url: String,
    /// The element's other attributes, as written.
    pub other_attrs: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetKind {
    Stylesheet,
    Script,
}

/// Where a URL points.
#[derive(Debug, PartialEq, Eq)]
pub enum UrlKind {
    Remote,
    Computed,
    RootRelative,
    Local,
}

pub fn classify(url: &str) -> UrlKind {
    let lower = url.trim().to_ascii_lowercase();
    if lower.contains("{{") || lower.contains("{%") {
        UrlKind::Computed
    } else if lower.starts_with("http:")
        || lower.starts_with("https:")
        || lower.starts_with("//")
        || lower.starts_with("data:")
    {
        UrlKind::Remote
    } else if lower.starts_with('/') {
        UrlKind::RootRelative
    } else {
        UrlKind::Local
    }
}

/// Every stylesheet link and script-with-src element in `text`, outside Liquid markup.
pub fn find(text: &str) -> Vec<AssetRef> {
    let markups = markup_spans(text);
    let inside_markup = |at: usize| markups.iter().any(|m| m.start <= at && at < m.end);
    let lower = text.to_ascii_lowercase();
    let mut out = Vec::new();
    for (tag, kind) in [
        ("<link", AssetKind::Stylesheet),
        ("<script", AssetKind::Script),
    ] {
        let mut from = 0;
        while let Some(i) = lower[from..].find(tag) {
            let start = from + i;
            from = start + tag.len();
            if inside_markup(start)
                || !lower[from..].starts_with(|c: char| c.is_whitespace() || c == '>')
            {
                continue;
            }
            let Some(open_end) = tag_end(text, from) else {
                break;
            };
            let attrs = parse_attrs(&text[from..open_end - 1]);
            let get = |name: &str| {
                attrs
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.clone())
            };
            let (url, end, skip): (Option<String>, usize, &[&str]) = match kind {
                AssetKind::Stylesheet => {
                    let is_sheet = get("rel").is_some_and(|r| {
                        r.split_whitespace()
                            .any(|w| w.eq_ignore_ascii_case("stylesheet"))
                    });
                    (
                        get("href").filter(|_| is_sheet),
                        open_end,
                        &["rel", "href", "type"],
                    )
                }
                AssetKind::Script => {
                    let close = lower[open_end..].find("</script").map(|j| open_end + j);
                    let end = close
                        .and_then(|c| lower[c..].find('>').map(|k| c + k + 1))
                        .unwrap_or(open_end);
                    (get("src"), end, &["src"])
                }
            };
            if let Some(url) = url {
                let other_attrs = attrs
                    .iter()
                    .filter(|(k, _)| !skip.iter().any(|s| k.eq_ignore_ascii_case(s)))
                    .map(|(k, v)| {
                        if v.is_empty() {
                            format!(" {k}")
                        } else {
                            format!(" {k}=\"{v}\"")
                        }
                    })
                    .collect();
                out.push(AssetRef {
                    start,
                    end,
                    kind,
                    url,
                    other_attrs,
                });
            }
        }
    }
    out.sort_by_key(|a| a.start);
    out
}

/// Offset just past the `>` that closes a start tag, skipping quoted values.
fn tag_end(text: &str, from: usize) -> Option<usize> {
    let mut quote = None;
    for (i, c) in text[from..].char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '>' => return Some(from + i + 1),
            None => {}
        }
    }
    None
}

fn parse_attrs(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text.trim_end_matches('/').trim();
    while !rest.is_empty() {
        let name_len = rest
            .find(|c: char| c.is_whitespace() || c == '=')
            .unwrap_or(rest.len());
        let name = rest[..name_len].to_owned();
        rest = rest[name_len..].trim_start();
        let mut value = String::new();
        if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let (v, remaining) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => match after[1..].find(q) {
                    Some(j) => (&after[1..1 + j], &after[j + 2..]),
                    None => (&after[1..], ""),
                },
                _ => {
                    let j = after.find(char::is_whitespace).unwrap_or(after.len());
                    (&after[..j], &after[j..])
                }
            };
            value = v.to_owned();
            rest = remaining.trim_start();
        }
        if !name.is_empty() {
            out.push((name, value));
        }
    }
    out
}

/// Replace every local asset reference in `text` with the file's contents.
/// `file` names the text for diagnostics; files resolve against `base`.
pub fn inline(
    text: &str,
    file: &SourceFile,
    base: &Path,
    mode: Mode,
) -> Result<String, Diagnostic> {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for asset in find(text) {
        let at = |message: String| {
            let d = Diagnostic::error(message).in_file(file.name.clone());
            if mode == Mode::Template {
                d.with_span(Span {
                    source: file.text.clone(),
                    start: asset.start.min(file.text.len()),
                    end: asset.end.min(file.text.len()),
                })
            } else {
                let (line, _) = line_col(text, asset.start);
                d.with_help(format!("in the rendered page, line {line}"))
            }
        };
        match classify(&asset.url) {
            UrlKind::Remote | UrlKind::Computed => continue,
            UrlKind::RootRelative => {
                return Err(at(format!(
                    "`{}` is a path on the server, and Auth0's page has no such file",
                    asset.url
                ))
                .with_help("use a relative path to a file in the project (it is inlined) or a full https:// URL"));
            }
            UrlKind::Local => {}
        }
        let path_part = asset.url.split(['?', '#']).next().unwrap_or(&asset.url);
        let path = base.join(path_part);
        let content = source::read_text(&path, "asset").map_err(|d| {
            at(format!(
                "cannot inline `{}`: {}",
                asset.url,
                d.render(false)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .trim_start_matches("error: ")
            ))
        })?;
        let (open, close, closer_lower) = match asset.kind {
            AssetKind::Stylesheet => (
                format!("<style{}>", asset.other_attrs),
                "</style>",
                "</style",
            ),
            AssetKind::Script => (
                format!("<script{}>", asset.other_attrs),
                "</script>",
                "</script",
            ),
        };
        let body: &str = &content.text;
        if body.to_ascii_lowercase().contains(closer_lower) {
            return Err(at(format!(
                "cannot inline `{}`: it contains `{closer_lower}`, which would end the element early",
                asset.url
            )));
        }
        let needs_raw = mode == Mode::Template && (body.contains("{{") || body.contains("{%"));
        if needs_raw && body.contains("endraw") {
            return Err(at(format!(
                "cannot inline `{}`: it contains Liquid-like text and `endraw`, so it cannot be protected with `{{% raw %}}`",
                asset.url
            )));
        }
        out.push_str(&text[last..asset.start]);
        out.push_str(&open);
        if needs_raw {
            out.push_str("{% raw %}");
        }
        out.push_str(body);
        if needs_raw {
            out.push_str("{% endraw %}");
        }
        out.push_str(close);
        last = asset.end;
    }
    out.push_str(&text[last..]);
    Ok(out)
}

/// Local references left in `text` (images, icons, stylesheets, scripts):
/// `(offset, url)`. Auth0 serves only the template, so each is a broken link.
pub fn local_references(text: &str) -> Vec<(usize, String)> {
    let markups = markup_spans(text);
    let lower = text.to_ascii_lowercase();
    let mut out = Vec::new();
    for attr in [" src=", " href="] {
        let mut from = 0;
        while let Some(i) = lower[from..].find(attr) {
            let at = from + i + attr.len();
            from = at;
            if markups.iter().any(|m| m.start <= at && at < m.end) {
                continue;
            }
            let rest = &text[at..];
            let (value, value_at) = match rest.chars().next() {
                Some(q @ ('"' | '\'')) => (rest[1..].split(q).next().unwrap_or(""), at + 1),
                _ => (
                    rest.split(|c: char| c.is_whitespace() || c == '>')
                        .next()
                        .unwrap_or(""),
                    at,
                ),
            };
            // Only the asset-like references: a link to a page is not fetched.
            let is_asset_tag = {
                let tag_start = lower[..at].rfind('<').unwrap_or(0);
                let tag = &lower[tag_start..at];
                tag.starts_with("<img")
                    || tag.starts_with("<script")
                    || tag.starts_with("<source")
                    || (tag.starts_with("<link") && !tag.contains("canonical"))
            };
            if is_asset_tag
                && !value.is_empty()
                && !value.starts_with('#')
                && classify(value) == UrlKind::Local
            {
                out.push((value_at, value.to_owned()));
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_links_and_scripts_outside_markup() {
        let text = r#"<link rel="stylesheet" href="styles/page.css" media="screen"><link rel=icon href=x.png>
<script src="//cdn.auth0.com/js/w.js"></script><script defer src='js/a.js'></script>{{ '<script src="no.js"></script>' }}"#;
        let found = find(text);
        let urls: Vec<_> = found.iter().map(|a| a.url.as_str()).collect();
        assert_eq!(
            urls,
            ["styles/page.css", "//cdn.auth0.com/js/w.js", "js/a.js"]
        );
        assert_eq!(found[0].other_attrs, r#" media="screen""#);
        assert_eq!(found[2].other_attrs, " defer");
        assert_eq!(
            &text[found[2].start..found[2].end],
            "<script defer src='js/a.js'></script>"
        );
    }

    #[test]
    fn classifies_urls() {
        assert_eq!(classify("https://x/y.css"), UrlKind::Remote);
        assert_eq!(classify("//cdn/y.js"), UrlKind::Remote);
        assert_eq!(classify("{{ cssUrl }}"), UrlKind::Computed);
        assert_eq!(classify("/static/y.css"), UrlKind::RootRelative);
        assert_eq!(classify("css/y.css"), UrlKind::Local);
    }

    #[test]
    fn local_references_are_found() {
        let refs = local_references(
            r#"<img src="img/logo.png"><img src="https://x/y.png"><a href="help.html">h</a><img src="{{ iconUrl }}">"#,
        );
        assert_eq!(refs, [(10, "img/logo.png".to_owned())]);
    }
}
