//! Is the MFA widget started? A page that loads Auth0's widget script but
//! never constructs it (`new Auth0MFAWidget(…)` absent, commented out, or
//! only inside a function that nothing calls) shows an empty page at Auth0:
//! no flow can work (`widget-not-started`, an error).
//!
//! The scripts are read with oxc's lexer, so a construction inside a comment
//! or a string does not count; a function declaration counts as called when
//! its name appears anywhere else in the page's scripts or `on…` attributes.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::check::a11y::{Locate, Tag};
use crate::check::report::{Finding, Level};
use oxc_parser::Kind;

/// One inline script: its text and where it starts in the page.
struct Script<'h> {
    offset: usize,
    text: &'h str,
}

/// Where the page constructs the widget, and the named functions around it.
struct Construct {
    /// Offset of `new` in the page.
    offset: usize,
    /// The named function declarations it sits in, innermost last.
    within: Vec<String>,
}

/// The findings for one rendered page.
/// Scripts already read, by content: scenarios render the same scripts.
#[derive(Debug, Default)]
pub struct Cache {
    scripts: HashMap<u64, Scanned>,
}

/// What one script holds: its constructions (offset in the script, the
/// named functions around it), how often each identifier occurs, whether it parses.
#[derive(Debug, Clone, Default)]
struct Scanned {
    constructs: Vec<(usize, Vec<String>)>,
    identifiers: HashMap<String, usize>,
    parses: bool,
}

/// The findings for one rendered page (`tags`: its start tags).
pub fn findings(
    html: &str,
    tags: &[Tag<'_>],
    cache: &mut Cache,
    locate: &Locate<'_>,
    template: &str,
    scenario: &str,
) -> Vec<Finding> {
    if !html.contains("mfa-widget") {
        return Vec::new();
    }
    let mut loader = None;
    let mut scripts = Vec::new();
    let mut handlers = String::new();
    for tag in tags {
        for (name, value) in &tag.attrs {
            if name.starts_with("on")
                && let Some(v) = value
            {
                handlers.push_str(v);
                handlers.push('\n');
            }
        }
        if tag.name != "script" {
            continue;
        }
        if let Some(Some(src)) = tag.attr("src") {
            if src.contains("mfa-widget") && loader.is_none() {
                loader = Some((tag.start, tag.end));
            }
            continue;
        }
        let javascript = match tag.attr("type") {
            None | Some(None) => true,
            Some(Some(t)) => {
                let t = t.trim().to_ascii_lowercase();
                t.is_empty()
                    || t == "module"
                    || t.contains("javascript")
                    || t.contains("ecmascript")
            }
        };
        if !javascript {
            continue;
        }
        let end = raw_text_end(html, tag.end, "script");
        scripts.push(Script {
            offset: tag.end,
            text: &html[tag.end..end],
        });
    }
    let Some((load_start, load_end)) = loader else {
        return Vec::new();
    };
    let mut constructs = Vec::new();
    let mut identifiers: HashMap<&str, usize> = HashMap::new();
    let mut broken = false;
    let scanned: Vec<(usize, &Scanned)> = {
        for s in &scripts {
            let key = hash_str(s.text);
            cache.scripts.entry(key).or_insert_with(|| scan(s.text));
        }
        scripts
            .iter()
            .filter_map(|s| Some((s.offset, cache.scripts.get(&hash_str(s.text))?)))
            .collect()
    };
    for (offset, s) in &scanned {
        broken |= !s.parses;
        for (at, within) in &s.constructs {
            constructs.push(Construct {
                offset: offset + at,
                within: within.clone(),
            });
        }
        for (name, n) in &s.identifiers {
            *identifiers.entry(name.as_str()).or_default() += n;
        }
    }
    // A function is called when its name appears more than once (its declaration) in scripts, or in a handler.
    let called = |name: &str| {
        identifiers.get(name).copied().unwrap_or(0) > 1 || contains_word(&handlers, name)
    };
    let runs = |c: &Construct| c.within.iter().all(|f| called(f));
    // A script that does not parse is `js-syntax`'s finding: one cause, one finding.
    if broken || constructs.iter().any(runs) {
        return Vec::new();
    }
    let (offset, end, label, message, help) = match constructs.first() {
        None => (
            load_start,
            load_end,
            "loaded here, never constructed",
            "the page loads Auth0's MFA widget but never constructs it (no `new Auth0MFAWidget(…)` runs): at Auth0 no flow can work".to_owned(),
            "construct it after this script: <script>new Auth0MFAWidget({ container: \"container\", … })</script>, as Auth0's default template does".to_owned(),
        ),
        Some(c) => {
            let never = c.within.iter().find(|f| !called(f)).cloned().unwrap_or_default();
            (
                c.offset,
                c.offset + "new Auth0MFAWidget".len(),
                "never runs",
                format!("the page constructs Auth0's MFA widget only inside `function {never}`, which nothing calls: at Auth0 no flow can work"),
                format!("call `{never}()` (for example at the end of the script), or construct the widget outside the function"),
            )
        }
    };
    let rendered = html[..offset].matches('\n').count() + 1;
    let mut f = Finding::new(Level::Error, "widget-not-started", message)
        .scenario(scenario)
        .help(help);
    f.rendered_line = Some(rendered);
    f = match (locate(offset), locate(end.saturating_sub(1))) {
        (Some((file, text, start, first_end)), last) => {
            let end = match last {
                Some((other, _, _, last_end)) if other == file && last_end > start => last_end,
                _ => first_end,
            };
            f.in_file(file).at(text, start, end).label(label)
        }
        (None, _) => f.in_file(template.to_owned()),
    };
    vec![f]
}

/// Read one script's tokens: where it constructs the widget, every
/// identifier, and whether it parses.
fn scan(text: &str) -> Scanned {
    let allocator = oxc_allocator::Allocator::default();
    let ret = oxc_parser::Parser::new(&allocator, text, oxc_span::SourceType::cjs())
        .with_config(oxc_parser::config::TokensParserConfig)
        .parse();
    let tokens: Vec<(Kind, &str, usize)> = ret
        .tokens
        .iter()
        .map(|t| {
            let (s, e) = (t.start() as usize, t.end() as usize);
            (t.kind(), text.get(s..e).unwrap_or(""), s)
        })
        .collect();
    let mut out = Scanned {
        parses: ret.diagnostics.is_empty(),
        ..Scanned::default()
    };
    // Braces open either a named function's body or anything else.
    let mut frames: Vec<Option<String>> = Vec::new();
    let mut pending: Option<String> = None;
    for (i, (kind, word, start)) in tokens.iter().enumerate() {
        match kind {
            Kind::Function => {
                pending = match tokens.get(i + 1) {
                    Some((Kind::Ident, name, _)) => Some((*name).to_owned()),
                    _ => None,
                };
            }
            Kind::LCurly => frames.push(pending.take()),
            Kind::RCurly => {
                frames.pop();
            }
            Kind::New => {
                if matches!(tokens.get(i + 1), Some((_, "Auth0MFAWidget", _))) {
                    out.constructs
                        .push((*start, frames.iter().flatten().cloned().collect()));
                }
            }
            _ => {}
        }
        if *kind == Kind::Ident {
            *out.identifiers.entry((*word).to_owned()).or_default() += 1;
        }
    }
    out
}

fn hash_str(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// Where the raw text of the `name` element that starts at `from` ends
/// (its `</name`, in any case), without copying the page.
pub fn raw_text_end(html: &str, from: usize, name: &str) -> usize {
    let mut at = from;
    while let Some(i) = html[at..].find("</") {
        let start = at + i;
        let tail = &html.as_bytes()[start + 2..];
        if tail.len() >= name.len() && tail[..name.len()].eq_ignore_ascii_case(name.as_bytes()) {
            return start;
        }
        at = start + 2;
    }
    html.len()
}

/// Whether `word` appears in `text` as a whole identifier.
fn contains_word(text: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    text.match_indices(word).any(|(at, _)| {
        !text[..at].chars().next_back().is_some_and(ident)
            && !text[at + word.len()..].chars().next().is_some_and(ident)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(html: &str) -> Vec<String> {
        let tags = crate::check::a11y::start_tags(html);
        findings(
            html,
            &tags,
            &mut Cache::default(),
            &|_| None,
            "t.liquid",
            "s",
        )
        .into_iter()
        .map(|f| f.message)
        .collect()
    }

    const LOADER: &str =
        "<script src=\"//cdn.auth0.com/js/mfa-widget/mfa-widget-1.8.min.js\"></script>\n";

    #[test]
    fn a_constructed_widget_is_fine() {
        let html = format!("{LOADER}<script>new Auth0MFAWidget({{ container: 'c' }});</script>");
        assert!(codes(&html).is_empty());
        let html = format!(
            "{LOADER}<script>function start() {{ new Auth0MFAWidget({{}}); }}\nstart();</script>"
        );
        assert!(codes(&html).is_empty());
        let html = format!(
            "<body onload=\"start()\">{LOADER}<script>function start() {{ new Auth0MFAWidget({{}}); }}</script>"
        );
        assert!(codes(&html).is_empty());
        let html = format!(
            "{LOADER}<script>window.addEventListener('load', function () {{ new Auth0MFAWidget({{}}); }});</script>"
        );
        assert!(codes(&html).is_empty());
        // No widget loaded: not this check's business.
        assert!(codes("<script>var a = 1;</script>").is_empty());
    }

    #[test]
    fn a_widget_never_constructed_is_found() {
        let html = format!(
            "{LOADER}<script>// new Auth0MFAWidget({{}});\nvar s = 'new Auth0MFAWidget(';</script>"
        );
        let found = codes(&html);
        assert_eq!(found.len(), 1);
        assert!(found[0].contains("never constructs it"), "{found:?}");
        let html = format!(
            "{LOADER}<script>function start() {{ if (1) {{ new Auth0MFAWidget({{}}); }} }}</script>"
        );
        let found = codes(&html);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].contains("only inside `function start`"),
            "{found:?}"
        );
        // A script that does not parse is js-syntax's finding alone.
        let html = format!(
            "{LOADER}<script>var e = [{{a: 1}} {{a: 2}}];\nnew Auth0MFAWidget({{}});</script>"
        );
        assert!(codes(&html).is_empty());
        // A template-type script is never run.
        let html =
            format!("{LOADER}<script type=\"text/template\">new Auth0MFAWidget({{}});</script>");
        assert_eq!(codes(&html).len(), 1);
    }
}
