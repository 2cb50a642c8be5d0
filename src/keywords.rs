//! auth0-deploy-cli keyword replacement: `##KEY##` is replaced by the value
//! as it is, `@@KEY@@` by the value encoded as JSON. The deploy tool does this
//! to the page before uploading it, so `export` leaves the placeholders alone
//! while `render`, `check` and `serve` fill them in from a scenario's
//! `keywords` map, to show what the tenant will really serve.

use serde_json::{Map, Value as Json};

/// The placeholders in `text`: `(offset, length, key, json)`.
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

/// `text` with every placeholder whose key is in `keywords` replaced; the
/// second value lists the keys that had no value (left as they are).
pub fn substitute(text: &str, keywords: &Map<String, Json>) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut missing = Vec::new();
    let mut last = 0;
    for (offset, len, key, json) in placeholders(text) {
        let Some(value) = keywords.get(key) else {
            if !missing.iter().any(|m| m == key) {
                missing.push(key.to_owned());
            }
            continue;
        };
        out.push_str(&text[last..offset]);
        match (json, value) {
            (false, Json::String(s)) => out.push_str(s),
            _ => out.push_str(&value.to_string()),
        }
        last = offset + len;
    }
    out.push_str(&text[last..]);
    (out, missing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn literal_and_json_keywords() {
        let keywords = json!({"TENANT": "Acme \"Health\"", "COLORS": ["#fff", "#000"], "N": 3});
        let (out, missing) = substitute(
            "<b>##TENANT##</b> var c = @@COLORS@@; var t = @@TENANT@@; ##N## ##NOPE## # ## @@ x@@",
            keywords.as_object().unwrap(),
        );
        assert_eq!(
            out,
            r##"<b>Acme "Health"</b> var c = ["#fff","#000"]; var t = "Acme \"Health\""; 3 ##NOPE## # ## @@ x@@"##
        );
        assert_eq!(missing, ["NOPE"]);
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
}
