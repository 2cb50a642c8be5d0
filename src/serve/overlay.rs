//! The error overlay: a panel over the page with `file:line:col`, the message
//! and a code frame for every error of the current build. The page behind it
//! is the last good render. It lives in a shadow root, so the template's own
//! CSS cannot restyle it (and its CSS cannot restyle the template).
//!
//! JavaScript errors of the rendered page use the same panel, drawn by
//! `client.js` with the same stylesheet ([`CSS`]).

use crate::diagnostic::Diagnostic;

/// The overlay's stylesheet, shared with `client.js` (served as `/__mfa/overlay.css`).
pub const CSS: &str = include_str!("overlay.css");

/// The overlay for `errors`, or nothing when there are none.
pub fn html(errors: &[Diagnostic]) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let count = match errors.len() {
        1 => "1 error".to_owned(),
        n => format!("{n} errors"),
    };
    let mut sections = String::new();
    for d in errors {
        let (location, message) = headline(d);
        let full = d.render(false);
        // The first line repeats location and message; the frame and help follow it.
        let frame = full
            .split_once('\n')
            .map_or("", |(_, rest)| rest)
            .trim_end();
        sections.push_str(&format!(
            "<section class=\"error\"><p class=\"where\">{}</p><p class=\"message\">{}</p>{}</section>",
            escape(&location),
            escape(&message),
            if frame.is_empty() {
                String::new()
            } else {
                format!("<pre class=\"frame\">{}</pre>", escape(frame))
            },
        ));
    }
    format!(
        "<mfa-page-overlay data-kind=\"build\" data-errors=\"{n}\"><template shadowrootmode=\"open\">\
<style>{CSS}</style>\
<div class=\"backdrop\" role=\"alertdialog\" aria-label=\"mfa-page: {count}\"><div class=\"panel\">\
<header><span class=\"brand\">mfa-page</span><span class=\"count\">{count}</span>\
<button type=\"button\" onclick=\"this.getRootNode().host.remove()\" title=\"Hide until the next save\">hide</button></header>\
{sections}\
<footer>Behind this panel: the last good render. Fix the file and save; this panel goes away by itself.</footer>\
</div></div></template></mfa-page-overlay>",
        n = errors.len(),
    )
}

/// `file:line:col` (or the file, or nothing) and the message.
pub fn headline(d: &Diagnostic) -> (String, String) {
    let location = match (d.location(), &d.file) {
        (Some(location), _) => location.to_string(),
        (None, Some(file)) => file.clone(),
        (None, None) => String::new(),
    };
    (location, d.message.clone())
}

/// Escape text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Span;
    use std::sync::Arc;

    #[test]
    fn shows_location_message_and_frame() {
        let source: Arc<str> = Arc::from("<p>\n  {% if x %\n</p>\n");
        let d = Diagnostic::error("unclosed <tag>")
            .in_file("templates/mfa.liquid")
            .with_span(Span::at(source, 2, 3));
        let html = html(&[d]);
        assert!(html.contains("<p class=\"where\">templates/mfa.liquid:2:3</p>"));
        assert!(html.contains("<p class=\"message\">unclosed &lt;tag&gt;</p>"));
        assert!(html.contains("  {% if x %"), "{html}");
        assert!(html.contains("1 error"));
        assert!(!html.contains('\n') || !html.starts_with('\n'));
    }

    #[test]
    fn nothing_without_errors() {
        assert_eq!(html(&[]), "");
    }
}
