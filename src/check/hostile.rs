//! Hostile values: for each scenario, render variants whose string values
//! carry quotes, backslashes, `</script>`, newlines, non-ASCII and very long
//! text, and report each interpolation that lets such a value break out of
//! its HTML attribute, text or JavaScript string: the page no longer parses,
//! or parses into a different structure.
//!
//! One variant carries every kind of hostile text at once; when its page has
//! the scenario's structure, no interpolation breaks. Otherwise each output's
//! hostile text is spliced alone into the scenario's own page, which names
//! the interpolation; then each kind of text alone, which names the cause.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use liquid_core::model::Object;
use serde_json::{Map, Value as Json};

use crate::check::report::{Finding, Level};
use crate::check::trace::{Instrumented, Output, Trace};
use crate::check::validity::{Cache, PageCheck};
use crate::scenario::to_liquid;

/// The kinds of hostile text: (what it is, the text).
fn kinds() -> Vec<(&'static str, String)> {
    vec![
        ("quotes", "q\"u'o`te${x}".to_owned()),
        ("`</script>` and tags", "</script><b>tag</b><!--".to_owned()),
        ("newlines", "line\nbreak\u{2028}end".to_owned()),
        ("non-ASCII text", "é漢😀\u{202E}".to_owned()),
        ("very long text", "long ".repeat(100)),
        ("a trailing backslash", "slash\\".to_owned()),
    ]
}

/// All of them in one value; the backslash last, where it escapes a closing quote.
fn composite() -> String {
    let all: Vec<String> = kinds().into_iter().map(|(_, t)| t).collect();
    // The long text first, the backslash last.
    [&all[4], &all[0], &all[1], &all[2], &all[3], &all[5]]
        .into_iter()
        .map(String::as_str)
        .collect()
}

/// Every string value of `data` replaced by `text`.
fn replace_strings(value: &Json, text: &str) -> Json {
    match value {
        Json::String(_) => Json::String(text.to_owned()),
        Json::Array(items) => Json::Array(items.iter().map(|v| replace_strings(v, text)).collect()),
        Json::Object(map) => Json::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), replace_strings(v, text)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn context(data: &Map<String, Json>, text: &str) -> Object {
    let mut object = Object::new();
    for (k, v) in data {
        object.insert(k.clone().into(), to_liquid(&replace_strings(v, text)));
    }
    object
}

/// Where in a page an output sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Text,
    Attribute { quoted: bool },
    Script { string: bool },
    Style,
    Comment,
}

impl Place {
    fn describe(self) -> &'static str {
        match self {
            Place::Text => "HTML text",
            Place::Attribute { .. } => "HTML attribute",
            Place::Script { string: true } => "JavaScript string",
            Place::Script { string: false } => "JavaScript code",
            Place::Style => "CSS",
            Place::Comment => "HTML comment",
        }
    }
}

/// Check one scenario. `base` is its traced page and `base_page` that page's parse.
///
/// `clean` remembers the scenarios found clean, by what decides it: the
/// hostile context (every string replaced), the scenario page's structure and
/// the markups it rendered, in order. A scenario equal in all three is clean too.
pub fn check(
    inst: &Instrumented,
    cache: &mut Cache,
    clean: &mut HashSet<u64>,
    data: &Map<String, Json>,
    base: &Trace,
    base_page: &PageCheck,
    scenario: &str,
) -> Vec<Finding> {
    let structure = base_page.structure();
    let key = {
        let mut h = DefaultHasher::new();
        for (k, v) in data {
            (k, replace_strings(v, "").to_string()).hash(&mut h);
        }
        structure.hash(&mut h);
        for (_, id) in &base.marks {
            id.hash(&mut h);
        }
        h.finish()
    };
    if clean.contains(&key) {
        return Vec::new();
    }
    let Some(hostile) = inst.render(&context(data, &composite())) else {
        return Vec::new();
    };
    let same_flow = base.marks.len() == hostile.marks.len()
        && base
            .marks
            .iter()
            .zip(&hostile.marks)
            .all(|(a, b)| a.1 == b.1);
    if same_flow && cache.check(&hostile.html).structure() == structure {
        clean.insert(key);
        return Vec::new();
    }
    let base_outputs: HashMap<(u32, usize), Output> = inst
        .outputs(base)
        .into_iter()
        .map(|o| ((o.id, o.nth), o))
        .collect();
    let mut by_kind: Vec<Option<Option<Trace>>> = vec![None; kinds().len()];
    let mut reported = Vec::new();
    let mut out = Vec::new();
    for h in inst.outputs(&hostile) {
        if reported.contains(&h.id) {
            continue;
        }
        let Some(b) = base_outputs.get(&(h.id, h.nth)) else {
            continue;
        };
        let hostile_text = &hostile.html[h.start..h.end];
        if hostile_text == &base.html[b.start..b.end] {
            continue;
        }
        let splice =
            |text: &str| format!("{}{}{}", &base.html[..b.start], text, &base.html[b.end..]);
        let page = cache.check(&splice(hostile_text));
        if page.structure() == structure {
            continue;
        }
        reported.push(h.id);
        // Which kinds of text break it.
        let mut causes = Vec::new();
        for (k, (what, text)) in kinds().into_iter().enumerate() {
            let trace = by_kind[k].get_or_insert_with(|| inst.render(&context(data, &text)));
            let Some(trace) = trace else { continue };
            let Some(o) = inst
                .outputs(trace)
                .into_iter()
                .find(|o| o.id == h.id && o.nth == h.nth)
            else {
                continue;
            };
            if cache
                .check(&splice(&trace.html[o.start..o.end]))
                .structure()
                != structure
            {
                causes.push(what);
            }
        }
        out.push(finding(
            inst,
            h.id,
            place_at(&base.html, b.start),
            &page,
            base_page,
            &causes,
            scenario,
        ));
    }
    out
}

fn finding(
    inst: &Instrumented,
    id: u32,
    place: Place,
    page: &PageCheck,
    base: &PageCheck,
    causes: &[&str],
    scenario: &str,
) -> Finding {
    let pos = inst.positions[id as usize];
    let file = &inst.files[pos.file];
    let markup = &file.text[pos.markup_start..pos.markup_end];
    let inner = markup
        .trim_start_matches("{{")
        .trim_end_matches("}}")
        .trim_matches('-')
        .trim();
    let variable = inner.split('|').next().unwrap_or(inner).trim();
    let js_errors = |p: &PageCheck| p.scripts.iter().map(|s| s.errors.len()).sum::<usize>();
    let effect = if js_errors(page) > js_errors(base) {
        "the page's JavaScript no longer parses"
    } else if page.html_errors.len() > base.html_errors.len() {
        "the page no longer parses as HTML"
    } else {
        "the page parses into a different structure"
    };
    let with = match causes {
        [] => "hostile text".to_owned(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    };
    let escaped = inner.contains("escape");
    let fix = match place {
        Place::Script { .. } => format!(
            "do not write values into a script: put it in an attribute, `data-value=\"{{{{ {variable} | escape }}}}\"`, and read it with `element.dataset.value` (as the starter template does); `| escape` alone does not stop a backslash or a newline from breaking a JavaScript string"
        ),
        Place::Attribute { quoted: false } => format!(
            "quote the attribute and escape the value: `attr=\"{{{{ {variable} | escape }}}}\"`"
        ),
        Place::Comment => "do not write values into an HTML comment".to_owned(),
        _ if escaped => {
            format!("escape the value where it is written: `{{{{ {variable} | escape }}}}`")
        }
        _ => format!("escape it: `{{{{ {variable} | escape }}}}`"),
    };
    let mut f = Finding::new(
        Level::Warning,
        "hostile-breakout",
        format!(
            "`{variable}` can break out of its {}: with {with} in it, {effect}",
            place.describe()
        ),
    )
    .in_file(file.name.clone())
    .at(file.text.clone(), pos.markup_start, pos.markup_end)
    .label("unsafe interpolation")
    .scenario(scenario)
    .help(fix);
    f.merge_by_place = true;
    f
}

/// What kind of place byte `offset` of `html` is in.
pub fn place_at(html: &str, offset: usize) -> Place {
    let b = html.as_bytes();
    let lower_at = |i: usize, s: &str| {
        html.get(i..i + s.len())
            .is_some_and(|t| t.eq_ignore_ascii_case(s))
    };
    let mut i = 0;
    while i < offset.min(b.len()) {
        if lower_at(i, "<!--") {
            let end = html[i + 4..].find("-->").map_or(b.len(), |j| i + 4 + j + 3);
            if offset < end {
                return Place::Comment;
            }
            i = end;
            continue;
        }
        if b[i] == b'<' && b.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic()) {
            // A start tag: its name, then attributes.
            let mut j = i + 1;
            while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' && b[j] != b'/' {
                j += 1;
            }
            let name = html[i + 1..j].to_ascii_lowercase();
            let skip_ws = |mut k: usize| {
                while k < b.len() && b[k].is_ascii_whitespace() {
                    k += 1;
                }
                k
            };
            loop {
                j = skip_ws(j);
                if j >= b.len() || b[j] == b'>' {
                    break;
                }
                if j >= offset {
                    return Place::Attribute { quoted: true };
                }
                while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'=' && b[j] != b'>' {
                    j += 1;
                }
                let k = skip_ws(j);
                if b.get(k) != Some(&b'=') {
                    j = k.max(j);
                    continue;
                }
                j = skip_ws(k + 1);
                let (quoted, end) = match b.get(j) {
                    Some(&q) if q == b'"' || q == b'\'' => {
                        let end = html[j + 1..].find(q as char).map_or(b.len(), |m| j + 1 + m);
                        (true, end)
                    }
                    _ => {
                        let mut e = j;
                        while e < b.len() && !b[e].is_ascii_whitespace() && b[e] != b'>' {
                            e += 1;
                        }
                        (false, e)
                    }
                };
                if offset <= end {
                    return Place::Attribute { quoted };
                }
                j = if quoted { end + 1 } else { end };
            }
            if offset <= j {
                return Place::Attribute { quoted: true };
            }
            i = j + 1;
            if name == "script" || name == "style" {
                let close = format!("</{name}");
                let end = (i..b.len())
                    .find(|&k| lower_at(k, &close))
                    .unwrap_or(b.len());
                if offset < end {
                    return if name == "style" {
                        Place::Style
                    } else {
                        Place::Script {
                            string: in_js_string(&html[i..offset]),
                        }
                    };
                }
                i = end;
            }
            continue;
        }
        i += 1;
    }
    Place::Text
}

/// Whether the end of `js` is inside a string or template literal.
fn in_js_string(js: &str) -> bool {
    let b = js.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(_) if c == b'\\' => i += 1,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'"' || c == b'\'' || c == b'`' => quote = Some(c),
            None if js[i..].starts_with("//") => {
                i = js[i..].find('\n').map_or(b.len(), |k| i + k);
            }
            None if js[i..].starts_with("/*") => {
                i = js[i + 2..].find("*/").map_or(b.len(), |k| i + 2 + k + 1);
            }
            None => {}
        }
        i += 1;
    }
    quote.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places() {
        let html = "<p class=\"A\" data-x=B>C</p><!-- D --><script>var s = 'E'; var n = F;</script><style>G</style>";
        let at = |s: &str| place_at(html, html.find(s).unwrap());
        assert_eq!(at("A"), Place::Attribute { quoted: true });
        assert_eq!(at("B"), Place::Attribute { quoted: false });
        assert_eq!(at("C"), Place::Text);
        assert_eq!(at("D"), Place::Comment);
        assert_eq!(at("E"), Place::Script { string: true });
        assert_eq!(at("F"), Place::Script { string: false });
        assert_eq!(at("G"), Place::Style);
    }

    #[test]
    fn composite_has_every_kind_and_ends_with_a_backslash() {
        let all = composite();
        for (_, text) in kinds() {
            assert!(all.contains(&text));
        }
        assert!(all.ends_with('\\'));
    }
}
