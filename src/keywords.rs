//! auth0-deploy-cli keyword replacement, done exactly as deploy-cli 8.44.0
//! does it (`lib/tools/utils.js`, `keywordReplace`), so that the page mfa-page
//! previews and deploys is byte for byte the page deploy-cli uploads:
//!
//! 1. for each key, in JavaScript's property order: every `'@@KEY@@'`,
//!    `"@@KEY@@"` or `@@KEY@@` (the quotes go too) becomes
//!    `JSON.stringify(value)`;
//! 2. then for each key: every `##KEY##` becomes `String(value)` (a list
//!    `[1,2]` gives `1,2`, an object `[object Object]`).
//!
//! Replacement text is inserted as it is (deploy-cli replaces through a
//! function, so `$&` in a value stays `$&`). deploy-cli builds each pattern
//! as a regular expression from the key without escaping it; mfa-page refuses
//! keys that would not match themselves literally ([`check_key`]) rather than
//! guess.

use serde_json::{Map, Value as Json};

/// The placeholders in `text` whose key is a plain name (letters, digits,
/// `_`): `(offset, length, key, json)`. Used to find placeholders that have
/// no value; replacement itself is [`replace`].
pub fn placeholders(text: &str) -> Vec<(usize, usize, &str, bool)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        let pair = &bytes[i..i + 2];
        if pair == b"##" || pair == b"@@" {
            // Both bytes are ASCII, so `i` and `i + 2` are character boundaries.
            let marker = &text[i..i + 2];
            let key_start = i + 2;
            let key_len = text[key_start..]
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            let key_end = key_start + key_len;
            if key_len > 0 && text[key_end..].starts_with(marker) {
                out.push((i, key_len + 4, &text[key_start..key_end], marker == "@@"));
                i = key_end + 2;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// `text` with the mappings applied as deploy-cli applies them; the second
/// value lists the plain-named placeholders that had no value (left as they are).
pub fn substitute(text: &str, keywords: &Map<String, Json>) -> (String, Vec<String>) {
    let mut missing: Vec<String> = Vec::new();
    for (_, _, key, _) in placeholders(text) {
        if !keywords.contains_key(key) && !missing.iter().any(|m| m == key) {
            missing.push(key.to_owned());
        }
    }
    (replace(text, keywords), missing)
}

/// deploy-cli's `keywordReplace(input, mappings)`.
pub fn replace(text: &str, mappings: &Map<String, Json>) -> String {
    if mappings.is_empty() {
        return text.to_owned();
    }
    let keys = js_key_order(mappings);
    let mut out = text.to_owned();
    for key in &keys {
        if check_key(key).is_err() {
            continue;
        }
        let value = js_json(&mappings[key.as_str()]);
        out = replace_json(&out, key, &value);
    }
    for key in &keys {
        if check_key(key).is_err() {
            continue;
        }
        let value = js_string(&mappings[key.as_str()]);
        out = replace_all(&out, &format!("##{key}##"), &value);
    }
    out
}

/// Whether deploy-cli's pattern for `key` matches only the key itself:
/// no regular-expression syntax, no line break.
pub fn check_key(key: &str) -> Result<(), char> {
    match key
        .chars()
        .find(|c| "\\^$.|?*+()[]{}".contains(*c) || c.is_control())
    {
        Some(c) => Err(c),
        None => Ok(()),
    }
}

/// The regular expression `'@@K@@'|"@@K@@"|@@K@@`, global, replaced by `value`.
fn replace_json(text: &str, key: &str, value: &str) -> String {
    let bare = format!("@@{key}@@");
    let single = format!("'{bare}'");
    let double = format!("\"{bare}\"");
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        // Alternatives are tried in the pattern's order at each position.
        let hit = [&single, &double, &bare]
            .into_iter()
            .find(|p| rest.starts_with(p.as_str()));
        match hit {
            Some(p) => {
                out.push_str(value);
                i += p.len();
            }
            None => {
                let c = rest.chars().next().expect("i is inside the text");
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    out
}

/// Every non-overlapping `pattern`, left to right, replaced by `value`.
fn replace_all(text: &str, pattern: &str, value: &str) -> String {
    if !text.contains(pattern) {
        return text.to_owned();
    }
    text.replace(pattern, value)
}

/// The keys in the order JavaScript's `Object.keys` gives them: array
/// indexes ("0", "7", …) first in numeric order, then the rest as written.
pub fn js_key_order(map: &Map<String, Json>) -> Vec<String> {
    let index = |k: &str| -> Option<u32> {
        let canonical = k == "0" || (!k.starts_with('0') && k.bytes().all(|b| b.is_ascii_digit()));
        if !canonical || k.is_empty() || k.len() > 10 {
            return None;
        }
        k.parse::<u64>()
            .ok()
            .filter(|n| *n < u64::from(u32::MAX))
            .map(|n| n as u32)
    };
    let mut indexes: Vec<(u32, &String)> =
        map.keys().filter_map(|k| Some((index(k)?, k))).collect();
    indexes.sort();
    indexes
        .into_iter()
        .map(|(_, k)| k.clone())
        .chain(map.keys().filter(|k| index(k).is_none()).cloned())
        .collect()
}

/// `JSON.stringify(value)`.
pub fn js_json(value: &Json) -> String {
    let mut out = String::new();
    write_json(&mut out, value);
    out
}

fn write_json(out: &mut String, value: &Json) {
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => out.push_str(&js_number_value(n)),
        Json::String(s) => out.push_str(&serde_json::to_string(s).expect("a string serializes")),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, item);
            }
            out.push(']');
        }
        Json::Object(map) => {
            out.push('{');
            for (i, key) in js_key_order(map).iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(key).expect("a string serializes"));
                out.push(':');
                write_json(out, &map[key.as_str()]);
            }
            out.push('}');
        }
    }
}

/// `String(value)`: what a JavaScript replacement function's result becomes.
pub fn js_string(value: &Json) -> String {
    match value {
        Json::Null => "null".into(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => js_number_value(n),
        Json::String(s) => s.clone(),
        // Array.prototype.join: null and undefined elements are empty.
        Json::Array(items) => items
            .iter()
            .map(|v| match v {
                Json::Null => String::new(),
                other => js_string(other),
            })
            .collect::<Vec<_>>()
            .join(","),
        Json::Object(_) => "[object Object]".into(),
    }
}

fn js_number_value(n: &serde_json::Number) -> String {
    // JavaScript reads every JSON number as a double.
    js_number(n.as_f64().unwrap_or(f64::NAN))
}

/// ECMAScript `Number::toString(x)` for a finite double.
pub fn js_number(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if x < 0.0 {
        return format!("-{}", js_number(-x));
    }
    // Rust's `{:e}` gives the shortest digits that round-trip, as ECMAScript requires.
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').expect("{:e} has an exponent");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i64;
    let n = exp.parse::<i64>().expect("exponent is a number") + 1;
    if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let sign = if e < 0 { '-' } else { '+' };
        let (first, rest) = digits.split_at(1);
        if rest.is_empty() {
            format!("{first}e{sign}{}", e.abs())
        } else {
            format!("{first}.{rest}e{sign}{}", e.abs())
        }
    }
}

/// Where each byte of a text with its keywords filled in came from in the
/// text as written: diagnostics, undefined reads and the page's map back to
/// the template all point into the user's file.
#[derive(Debug, Clone, Default)]
pub struct OffsetMap {
    /// `(filled start, filled end, original start, original end, copied as it is)`, in order.
    segments: Vec<(usize, usize, usize, usize, bool)>,
}

impl OffsetMap {
    /// The map from `filled` back to `original` (a character diff: the
    /// filled-in values are the only changes).
    pub fn between(original: &str, filled: &str) -> OffsetMap {
        // A deadline bounds the diff of a hostile template (thousands of
        // placeholders): past it the diff is coarser, never wrong.
        let diff = similar::TextDiff::configure()
            .algorithm(similar::Algorithm::Myers)
            .timeout(std::time::Duration::from_millis(250))
            .diff_chars(original, filled);
        // Character indexes to byte offsets, once per text.
        let bytes_at = |text: &str| -> Vec<usize> {
            text.char_indices()
                .map(|(b, _)| b)
                .chain(std::iter::once(text.len()))
                .collect()
        };
        let (old_at, new_at) = (bytes_at(original), bytes_at(filled));
        let mut segments: Vec<(usize, usize, usize, usize, bool)> = Vec::new();
        for op in diff.ops() {
            let old = op.old_range();
            let new = op.new_range();
            let (os, oe) = (old_at[old.start], old_at[old.end]);
            let (ns, ne) = (new_at[new.start], new_at[new.end]);
            let equal = matches!(op.tag(), similar::DiffTag::Equal);
            if !equal
                && let Some(last) = segments.last_mut()
                && !last.4
            {
                last.1 = ne;
                last.3 = oe;
                continue;
            }
            segments.push((ns, ne, os, oe, equal));
        }
        OffsetMap { segments }
    }

    /// The original offset of filled offset `at`; inside a filled-in value,
    /// the start of its placeholder (or its end, for the end of a range).
    pub fn map(&self, at: usize, end: bool) -> usize {
        let i = self.segments.partition_point(|s| s.0 <= at);
        let Some(&(fs, fe, os, oe, equal)) = i.checked_sub(1).and_then(|i| self.segments.get(i))
        else {
            return at;
        };
        if equal {
            os + (at - fs).min(oe - os)
        } else if end && at > fs || at >= fe {
            oe
        } else {
            os
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Json) -> Map<String, Json> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn offsets_map_back_through_filled_values() {
        let original = "a ##NAME## b @@ID@@ c";
        let mut keywords = Map::new();
        keywords.insert("NAME".into(), Json::from("Long Name"));
        keywords.insert("ID".into(), Json::from(7));
        let filled = replace(original, &keywords);
        assert_eq!(filled, "a Long Name b 7 c");
        let map = OffsetMap::between(original, &filled);
        // Text around the values maps one to one.
        assert_eq!(
            map.map(filled.find('b').unwrap(), false),
            original.find('b').unwrap()
        );
        assert_eq!(
            map.map(filled.find('c').unwrap(), false),
            original.find('c').unwrap()
        );
        // Inside a value: within its placeholder.
        let at = filled.find("Name").unwrap();
        let placeholder = original.find("##NAME##").unwrap();
        assert!((placeholder..placeholder + 8).contains(&map.map(at, false)));
    }

    #[test]
    fn literal_and_json_keywords() {
        let keywords =
            map(json!({"TENANT": "Acme \"Health\"", "COLORS": ["#fff", "#000"], "N": 3}));
        let (out, missing) = substitute(
            "<b>##TENANT##</b> var c = @@COLORS@@; var t = @@TENANT@@; ##N## ##NOPE## # ## @@ x@@",
            &keywords,
        );
        assert_eq!(
            out,
            r##"<b>Acme "Health"</b> var c = ["#fff","#000"]; var t = "Acme \"Health\""; 3 ##NOPE## # ## @@ x@@"##
        );
        assert_eq!(missing, ["NOPE"]);
    }

    #[test]
    fn quotes_around_json_keywords_go_with_them() {
        let k = map(json!({"K": "v", "L": [1, 2], "O": {"a": 1}}));
        assert_eq!(
            replace(
                r#"a="@@K@@" b='@@K@@' c=@@K@@ d="@@K@@' e='@@L@@' f="@@O@@""#,
                &k
            ),
            r#"a="v" b="v" c="v" d=""v"' e=[1,2] f={"a":1}"#
        );
    }

    #[test]
    fn string_form_is_javascripts() {
        let k = map(json!({
            "L": [1, "two", null, [3, [4]], {"x": 1}, true],
            "O": {"a": 1},
            "N": null,
            "F": 1.5,
            "BIG": 1e21,
            "SMALL": 0.0000001,
            "INT": 100.0,
            "HUGE": 12345678901234567890u64,
        }));
        assert_eq!(
            replace(
                "##L##|##O##|##N##|##F##|##BIG##|##SMALL##|##INT##|##HUGE##",
                &k
            ),
            "1,two,,3,4,[object Object],true|[object Object]|null|1.5|1e+21|1e-7|100|12345678901234567000"
        );
        assert_eq!(replace("@@BIG@@ @@INT@@ @@O@@", &k), "1e+21 100 {\"a\":1}");
    }

    #[test]
    fn dollar_patterns_are_not_expanded() {
        let k = map(json!({"K": "a$&b$1$'$`$$"}));
        assert_eq!(
            replace("x##K##y @@K@@", &k),
            "xa$&b$1$'$`$$y \"a$&b$1$'$`$$\""
        );
    }

    #[test]
    fn keys_are_applied_in_javascript_order_json_first() {
        // "@@B@@" inserted by A is replaced when B's turn comes; ## runs after @@.
        let k = map(json!({"B": "b", "A": "@@B@@ ##B##", "10": "ten", "2": "two"}));
        assert_eq!(js_key_order(&k), ["2", "10", "B", "A"]);
        assert_eq!(replace("##A##", &k), "@@B@@ ##B##");
        assert_eq!(replace("@@A@@", &k), "\"@@B@@ b\"");
        let k = map(json!({"A": "@@B@@ ##B##", "B": "b"}));
        assert_eq!(replace("@@A@@ ##A##", &k), "\"\"b\" b\" @@B@@ b");
    }

    #[test]
    fn json_strings_escape_as_javascript_does() {
        let k = map(json!({"K": "a\"b\\c\n\u{1f}</script>\u{2028}é"}));
        assert_eq!(
            replace("@@K@@", &k),
            "\"a\\\"b\\\\c\\n\\u001f</script>\u{2028}é\""
        );
    }

    #[test]
    fn numbers_format_as_javascript() {
        for (x, s) in [
            (0.1, "0.1"),
            (123456789012345680000.0, "123456789012345680000"),
            (1.0e-6, "0.000001"),
            (1.25e-7, "1.25e-7"),
            (-2.5e30, "-2.5e+30"),
            (-0.0, "0"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
        ] {
            assert_eq!(js_number(x), s);
        }
    }

    #[test]
    fn non_ascii_text_is_fine() {
        let (out, _) = substitute("· é ##K## ü@@K@@·", json!({"K": "v"}).as_object().unwrap());
        assert_eq!(out, "· é v ü\"v\"·");
    }

    #[test]
    fn css_colours_are_not_placeholders() {
        assert!(placeholders("color: #fff; a##b c##").is_empty());
    }

    #[test]
    fn regex_keys_are_refused() {
        assert!(check_key("TENANT_NAME").is_ok());
        assert!(check_key("my-key").is_ok());
        assert_eq!(check_key("a.b"), Err('.'));
        assert_eq!(
            replace("@@a.b@@ @@axb@@", &map(json!({"a.b": 1}))),
            "@@a.b@@ @@axb@@"
        );
    }
}
