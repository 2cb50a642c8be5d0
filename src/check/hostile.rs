//! Hostile values: for each scenario, render variants whose string values
//! carry quotes, backslashes, `</script>`, line breaks, non-ASCII and very
//! long text — each value only as far as its domain allows (an end user's
//! email can hold `"` and `\`, Auth0's ticket never does: see
//! [`crate::auth0::domain`]) — and report each interpolation that lets such a
//! value break out of its HTML attribute, text or JavaScript string: the page
//! no longer parses, or parses into a different structure. A finding thus
//! means that a real value can break the page, and it says whose value it is.
//!
//! One variant carries every trait each value allows at once; when its page
//! has the scenario's structure, no interpolation breaks. Otherwise each
//! output's hostile text is spliced alone into the scenario's own page, which
//! names the interpolation; then each trait alone, which names the cause.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use liquid_core::model::Object;
use serde_json::{Map, Value as Json};

use crate::auth0::{self, Domain, Trait};
use crate::check::report::{Finding, Level};
use crate::check::trace::{Instrumented, Output, Trace};
use crate::check::validity::{Cache, PageCheck};
use crate::scenario::to_liquid;

/// `value` (found at `path`: `userData.email`, `errors.message`) with each
/// string replaced by a value of its domain that has trait `t` (every trait
/// the domain allows when `t` is `None`); a string whose domain has no such
/// value keeps its own.
fn vary(path: &str, value: &Json, t: Option<Trait>) -> Json {
    match value {
        Json::String(own) => {
            let d = auth0::domain(path);
            let varied = match t {
                Some(t) => d.sample(t),
                None => d.composite(),
            };
            Json::String(varied.unwrap_or_else(|| own.clone()))
        }
        Json::Array(items) => Json::Array(items.iter().map(|v| vary(path, v, t)).collect()),
        Json::Object(map) => Json::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), vary(&format!("{path}.{k}"), v, t)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `value` as [`vary`] makes its composite variant, with the strings that
/// keep their own text blanked.
fn key_of(path: &str, value: &Json) -> Json {
    match value {
        Json::String(_) => Json::String(auth0::domain(path).composite().unwrap_or_default()),
        Json::Array(items) => Json::Array(items.iter().map(|v| key_of(path, v)).collect()),
        Json::Object(map) => Json::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), key_of(&format!("{path}.{k}"), v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn varied(data: &Map<String, Json>, t: Option<Trait>) -> Map<String, Json> {
    data.iter()
        .map(|(k, v)| (k.clone(), vary(k, v, t)))
        .collect()
}

fn context(data: &Map<String, Json>, t: Option<Trait>) -> Object {
    let mut object = Object::new();
    for (k, v) in varied(data, t) {
        object.insert(k.into(), to_liquid(&v));
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
        // A value Auth0 fixes keeps its own text in the variants, but any
        // value of its format gives the same structure: it is left out, so
        // scenarios that differ only in tickets or URLs share the result.
        for (k, v) in data {
            (k, key_of(k, v).to_string()).hash(&mut h);
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
    let Some(hostile) = inst.render(&context(data, None)) else {
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
    let mut by_trait: Vec<Option<Option<Trace>>> = vec![None; Trait::ALL.len()];
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
        // Which traits break it: a finding only when a real value can.
        let mut causes = Vec::new();
        for (k, t) in Trait::ALL.into_iter().enumerate() {
            let trace = by_trait[k].get_or_insert_with(|| inst.render(&context(data, Some(t))));
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
                causes.push(t);
            }
        }
        if causes.is_empty() {
            continue;
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
    causes: &[Trait],
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
    // Whose value it is: the variable's domain, through a loop's alias.
    let path = catalogue_path(inst, variable);
    let domain = auth0::domain(&path);
    let own: Vec<Trait> = causes
        .iter()
        .copied()
        .filter(|t| domain.sample(*t).is_some())
        .collect();
    let (whose, traits) = if own.is_empty() {
        (Domain::UNDOCUMENTED.whose(), causes.to_vec())
    } else {
        (domain.whose(), own)
    };
    let traits: Vec<&str> = traits.iter().map(|t| t.describe()).collect();
    let with = match traits.as_slice() {
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
            "`{variable}` can break out of its {}: {whose} can contain {with}, and with it {effect}",
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

/// The catalogue path of `variable` as written in an output: a loop's alias
/// stands for an item of its collection (`error.message` in
/// `{% for error in errors %}` is `errors.message`), and indexes are dropped
/// (`errors[0].message`, `errors.first.message`).
fn catalogue_path(inst: &Instrumented, variable: &str) -> String {
    let segments: Vec<&str> = variable
        .split(['.', '['])
        .map(|s| s.trim_end_matches(']'))
        .filter(|s| {
            !s.is_empty()
                && !s.chars().all(|c| c.is_ascii_digit())
                && !auth0::LIQUID_INDEXES.contains(s)
        })
        .collect();
    let Some((&root, rest)) = segments.split_first() else {
        return variable.to_owned();
    };
    let root = if auth0::variable(root).is_some() {
        root.to_owned()
    } else {
        inst.files
            .iter()
            .find_map(|f| loop_collection(&f.text, root))
            .unwrap_or_else(|| root.to_owned())
    };
    std::iter::once(root.as_str())
        .chain(rest.iter().copied())
        .collect::<Vec<_>>()
        .join(".")
}

/// The collection `alias` loops over in `text` (`{% for alias in errors %}`).
fn loop_collection(text: &str, alias: &str) -> Option<String> {
    let mut rest = text;
    while let Some(i) = rest.find("for ") {
        let after = &rest[i + 4..];
        rest = after;
        let words: Vec<&str> = after.split_whitespace().take(3).collect();
        if let [a, "in", collection] = words.as_slice()
            && *a == alias
        {
            let name: String = collection
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
                .collect();
            return (!name.is_empty()).then_some(name);
        }
    }
    None
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
    fn values_vary_only_within_their_domain() {
        let data: Map<String, Json> = serde_json::from_str(
            r#"{"ticket": "gten_e3a5", "userData": {"email": "jo@example.com", "tenant": "acme"},
                "errors": [{"message": "Wrong code", "code": "invalid_otp"}], "custom": "x"}"#,
        )
        .unwrap();
        let all = varied(&data, None);
        assert_eq!(all["ticket"], "gten_e3a5");
        assert_eq!(all["userData"]["tenant"], "acme");
        assert_eq!(all["errors"][0]["code"], "invalid_otp");
        let email = all["userData"]["email"].as_str().unwrap();
        assert!(email.contains('"') && email.contains('\\') && email.ends_with("@example.com"));
        assert!(all["custom"].as_str().unwrap().ends_with('\\'));
        let lines = varied(&data, Some(Trait::LineBreak));
        assert_eq!(lines["userData"]["email"], "jo@example.com");
        assert!(lines["custom"].as_str().unwrap().contains('\n'));
        let quotes = varied(&data, Some(Trait::SingleQuote));
        assert_eq!(
            quotes["errors"][0]["message"],
            "You've entered an invalid code."
        );
    }

    #[test]
    fn loop_aliases_name_their_collection() {
        assert_eq!(
            loop_collection("{% for error in errors %}{{ error.message }}", "error").as_deref(),
            Some("errors")
        );
        assert_eq!(
            loop_collection("{%- for e in errors limit: 2 -%}", "e").as_deref(),
            Some("errors")
        );
        assert_eq!(loop_collection("{% for x in xs %}", "error"), None);
    }
}
