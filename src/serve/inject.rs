//! How a rendered page becomes a preview page. Only `serve` does this; the
//! bytes that `render` and `export` write are never touched.
//!
//! - `client.js` goes right after `<head>`, on the same line, so it runs
//!   before the page's own scripts and line numbers in the page stay those of
//!   the render (a JavaScript error's line is then the rendered line);
//! - in mock mode, the `src` of the mfa-widget `<script>` points at the
//!   offline stand-in;
//! - the build-error overlay goes at the very end.

use std::sync::LazyLock;

use super::{UpdateMode, WidgetMode};
use crate::diagnostic::Diagnostic;

use super::overlay;

/// The preview client: the in-place update algorithm, then the client itself.
pub const CLIENT_JS: &str = concat!(
    include_str!("update.js"),
    include_str!("findings.js"),
    include_str!("client.js")
);
pub const WIDGET_JS: &str = include_str!("widget.js");
/// The gallery's script, with the overlay swap of `update.js`.
pub const GALLERY_JS: &str = concat!(
    include_str!("update.js"),
    include_str!("findings.js"),
    include_str!("gallery.js"),
    include_str!("diff.js")
);

/// Where the live-reload events are (tower-livereload's event stream under our prefix).
pub const LIVERELOAD_PREFIX: &str = "/__mfa/livereload";
pub const EVENTS_PATH: &str = "/__mfa/livereload/event-stream";

/// Changes whenever an asset changes, so browsers may cache them for long.
pub static ASSET_VERSION: LazyLock<String> = LazyLock::new(|| {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (CLIENT_JS, WIDGET_JS, GALLERY_JS, overlay::CSS).hash(&mut h);
    format!("{:016x}", h.finish())
});

/// The first thing in every preview page, inline so that nothing is fetched
/// before the page's own markup: it records errors until `client.js`
/// (deferred) reports them, records the elements the page's scripts give
/// event listeners or a shadow root (`update.js` does not replace those in
/// place), and in a gallery frame hides the build overlay (the gallery shows
/// it once). One line, so the page's line numbers stay
/// those of the render.
const BOOT: &str = "<script data-mfa-page>(function(){var b=window.__mfaBoot={errors:[],report:null};function h(e){if(b.report){b.report(e)}else{b.errors.push(e)}}addEventListener(\"error\",h);addEventListener(\"unhandledrejection\",h);var t=b.touched=new WeakSet(),l=EventTarget.prototype.addEventListener,a=Element.prototype.attachShadow;EventTarget.prototype.addEventListener=function(){if(this instanceof Node)t.add(this);return l.apply(this,arguments)};Element.prototype.attachShadow=function(){t.add(this);return a.apply(this,arguments)};try{if(parent!==window&&parent.document.body.hasAttribute(\"data-mfa-gallery\")){b.inGallery=true;var s=document.createElement(\"style\");s.setAttribute(\"data-mfa-page\",\"\");s.textContent='mfa-page-overlay[data-kind=\"build\"]{display:none!important}';(document.head||document.documentElement).appendChild(s)}}catch(e){}})()</script>";

/// What a preview page needs to know besides the rendered HTML.
pub struct Preview<'a> {
    /// The scenario shown (for messages), e.g. `login`.
    pub scenario: &'a str,
    pub generation: &'a str,
    pub widget: WidgetMode,
    pub update: UpdateMode,
    /// Fingerprint of the files beside the template: a page reloads when it changes.
    pub assets: u64,
    pub errors: &'a [Diagnostic],
    /// The scenario's `"$locale"`: the page sees it as `navigator.language`.
    pub locale: Option<&'a str>,
}

/// Give the page `locale` as `navigator.language` and `navigator.languages`
/// (the tag, then its language alone) before any of its scripts run.
fn locale_script(locale: &str) -> String {
    let mut languages = vec![locale.to_owned()];
    if let Some((language, _)) = locale.split_once('-') {
        languages.push(language.to_owned());
    }
    // JSON, with `<` escaped: a string literal that cannot end the script.
    let json = |v: &serde_json::Value| v.to_string().replace('<', "\\u003c");
    format!(
        "<script data-mfa-page>(function(){{var l={l},ls=Object.freeze({ls});try{{Object.defineProperty(Navigator.prototype,\"language\",{{configurable:true,get:function(){{return l}}}});Object.defineProperty(Navigator.prototype,\"languages\",{{configurable:true,get:function(){{return ls}}}})}}catch(e){{}}}})()</script>",
        l = json(&serde_json::Value::from(locale)),
        ls = json(&serde_json::Value::from(languages)),
    )
}

/// The rendered page with the preview's client, widget and overlay.
pub fn page(html: &str, preview: &Preview<'_>) -> String {
    let html = match preview.widget {
        WidgetMode::Mock => swap_widget(html),
        WidgetMode::Cdn => html.to_owned(),
    };
    let client = format!(
        "{BOOT}{locale}<script data-mfa-page defer src=\"/__mfa/client.js?v={v}\" data-scenario=\"{s}\" data-generation=\"{g}\" data-assets=\"{a:x}\" data-locale=\"{lo}\" data-update=\"{u}\" data-events=\"{EVENTS_PATH}\"></script>",
        locale = preview.locale.map(locale_script).unwrap_or_default(),
        lo = overlay::escape(preview.locale.unwrap_or("")),
        v = *ASSET_VERSION,
        a = preview.assets,
        u = preview.update.as_str(),
        s = overlay::escape(preview.scenario),
        g = overlay::escape(preview.generation),
    );
    let at = head_insert_point(&html);
    let overlay = overlay::html(preview.errors);
    let mut out = String::with_capacity(html.len() + client.len() + overlay.len());
    out.push_str(&html[..at]);
    out.push_str(&client);
    out.push_str(&html[at..]);
    out.push_str(&overlay);
    out
}

/// Just after `<head …>`, else after `<html …>`, else after the doctype, else the start.
pub fn head_insert_point(html: &str) -> usize {
    for tag in ["head", "html", "!doctype"] {
        if let Some(end) = find_tag(html, tag).and_then(|start| tag_end(html, start)) {
            return end;
        }
    }
    0
}

/// Byte offset of `<tag` (ASCII case-insensitive) followed by `>`, `/` or
/// whitespace, outside HTML comments.
fn find_tag(html: &str, tag: &str) -> Option<usize> {
    let bytes = html.as_bytes();
    let mut from = 0;
    while let Some(i) = html[from..].find('<') {
        let start = from + i;
        if html[start..].starts_with("<!--") {
            from = html[start + 4..]
                .find("-->")
                .map_or(html.len(), |end| start + 4 + end + 3);
            continue;
        }
        let name = &bytes[start + 1..];
        if name.len() >= tag.len()
            && name[..tag.len()].eq_ignore_ascii_case(tag.as_bytes())
            && name
                .get(tag.len())
                .is_none_or(|c| matches!(c, b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r'))
        {
            return Some(start);
        }
        from = start + 1;
    }
    None
}

/// Offset just past the `>` that closes the tag starting at `start` (quotes respected).
fn tag_end(html: &str, start: usize) -> Option<usize> {
    let mut quote = None;
    for (i, c) in html[start..].char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(start + i + 1),
            _ => {}
        }
    }
    None
}

/// Point every `<script src="…mfa-widget…">` at the offline stand-in.
pub fn swap_widget(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = find_tag(rest, "script") {
        let Some(end) = tag_end(rest, start) else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push_str(&swap_src(&rest[start..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The `<script …>` tag with its `src` replaced if it names Auth0's widget.
fn swap_src(tag: &str) -> String {
    let lower = tag.to_ascii_lowercase();
    let mut search = 0;
    while let Some(i) = lower[search..].find("src") {
        let at = search + i;
        search = at + 3;
        let before_ok = lower[..at]
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_whitespace());
        let after = lower[at + 3..].trim_start();
        if !before_ok || !after.starts_with('=') {
            continue;
        }
        let value_start = tag.len() - after.len() + 1;
        let value = &tag[value_start..];
        let trimmed = value.trim_start();
        let value_start = value_start + (value.len() - trimmed.len());
        let (start, end) = match trimmed.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let Some(len) = trimmed[1..].find(q) else {
                    return tag.to_owned();
                };
                (value_start + 1, value_start + 1 + len)
            }
            _ => {
                let len = trimmed
                    .find(|c: char| c.is_ascii_whitespace() || c == '>')
                    .unwrap_or(trimmed.len());
                (value_start, value_start + len)
            }
        };
        if tag[start..end].contains("mfa-widget") {
            return format!(
                "{}/__mfa/widget.js?v={}{}",
                &tag[..start],
                *ASSET_VERSION,
                &tag[end..]
            );
        }
        return tag.to_owned();
    }
    tag.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preview(errors: &[Diagnostic]) -> Preview<'_> {
        Preview {
            scenario: "login",
            generation: "g-1",
            widget: WidgetMode::Mock,
            update: UpdateMode::InPlace,
            assets: 0,
            errors,
            locale: None,
        }
    }

    #[test]
    fn a_locale_is_given_to_the_page_before_its_scripts() {
        let html = "<html><head><script>var l = navigator.language;</script>";
        let out = page(
            html,
            &Preview {
                locale: Some("fr-FR"),
                ..preview(&[])
            },
        );
        let locale = out.find("\"fr-FR\",\"fr\"").expect("the languages");
        assert!(locale < out.find("var l = navigator.language").unwrap());
        assert!(out.contains("data-locale=\"fr-FR\""));
        assert!(!page(html, &preview(&[])).contains("Navigator.prototype"));
        // Only a language tag reaches this point, but the literal stays inert anyway.
        assert!(!locale_script("x</script>").contains("</script>\""));
    }

    #[test]
    fn client_goes_after_head_on_the_same_line() {
        let html = "<!DOCTYPE html>\n<html lang=\"en\">\n<HEAD data-x=\">\">\n<title>t</title>\n";
        let out = page(html, &preview(&[]));
        assert_eq!(out.lines().count(), html.lines().count());
        let line = out.lines().nth(2).unwrap();
        assert!(
            line.starts_with(
                "<HEAD data-x=\">\"><script data-mfa-page>(function(){var b=window.__mfaBoot"
            ),
            "{line}"
        );
        assert!(line.contains("<script data-mfa-page defer src=\"/__mfa/client.js?v="));
        assert!(line.contains("data-assets=\"0\" data-locale=\"\" data-update=\"in-place\""));
        assert!(line.contains("data-scenario=\"login\" data-generation=\"g-1\""));
    }

    #[test]
    fn a_head_in_a_comment_is_not_the_head() {
        let html = "<!DOCTYPE html><!-- <head> moved below --><html><head><title>t";
        assert_eq!(head_insert_point(html), html.find("<title>").unwrap());
        assert_eq!(head_insert_point("<!-- <head> never closed"), 0);
    }

    #[test]
    fn client_without_head_goes_after_the_doctype_or_first() {
        assert_eq!(head_insert_point("<!doctype html><p>x"), 15);
        assert_eq!(head_insert_point("<p>no head</p>"), 0);
        assert_eq!(head_insert_point("<header>x</header>"), 0);
    }

    #[test]
    fn widget_script_is_swapped_only_in_mock_mode() {
        let html = "<script src=\"//cdn.auth0.com/js/mfa-widget/mfa-widget-1.8.min.js\"></script>\n\
                    <script src='other.js'></script><script>var src = 'mfa-widget';</script>";
        let out = swap_widget(html);
        assert!(
            out.starts_with("<script src=\"/__mfa/widget.js?v="),
            "{out}"
        );
        assert!(out.contains("<script src='other.js'></script>"));
        assert!(out.contains("<script>var src = 'mfa-widget';</script>"));
        let unquoted = swap_widget("<script defer src=https://cdn.auth0.com/js/mfa-widget/x.js>");
        assert!(unquoted.starts_with("<script defer src=/__mfa/widget.js?v="));
        assert!(unquoted.ends_with('>'));

        let cdn = page(
            html,
            &Preview {
                widget: WidgetMode::Cdn,
                ..preview(&[])
            },
        );
        assert!(cdn.contains("cdn.auth0.com/js/mfa-widget/mfa-widget-1.8.min.js"));
    }

    #[test]
    fn overlay_goes_last_when_there_are_errors() {
        let out = page(
            "<head></head><body>x</body>",
            &preview(&[Diagnostic::error("boom").in_file("t.liquid")]),
        );
        assert!(out.contains("</body><mfa-page-overlay"), "{out}");
        assert!(out.contains("boom"));
    }
}
