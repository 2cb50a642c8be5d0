//! Encoding filters: HTML, URL and Base64, `strip_html`, and `date`.

use liquid_core::model::{Value, ValueView};

use super::{Args, Def, Outcome};
use crate::value::ruby_to_s;

pub static FILTERS: &[Def] = &[
    Def {
        name: "escape",
        description: "escape HTML (& < > \" ')",
        min: 0,
        max: 0,
        run: escape,
    },
    Def {
        name: "h",
        description: "escape HTML (alias of escape)",
        min: 0,
        max: 0,
        run: escape,
    },
    Def {
        name: "escape_once",
        description: "escape HTML, leaving existing entities alone",
        min: 0,
        max: 0,
        run: escape_once,
    },
    Def {
        name: "strip_html",
        description: "remove HTML tags, scripts, styles and comments",
        min: 0,
        max: 0,
        run: strip_html,
    },
    Def {
        name: "url_encode",
        description: "percent-encode for a URL (space as +)",
        min: 0,
        max: 0,
        run: url_encode,
    },
    Def {
        name: "url_decode",
        description: "decode percent-encoding (+ as space)",
        min: 0,
        max: 0,
        run: url_decode,
    },
    Def {
        name: "base64_encode",
        description: "Base64",
        min: 0,
        max: 0,
        run: base64_encode,
    },
    Def {
        name: "base64_decode",
        description: "decode Base64",
        min: 0,
        max: 0,
        run: base64_decode,
    },
    Def {
        name: "base64_url_safe_encode",
        description: "URL-safe Base64",
        min: 0,
        max: 0,
        run: base64_url_safe_encode,
    },
    Def {
        name: "base64_url_safe_decode",
        description: "decode URL-safe Base64",
        min: 0,
        max: 0,
        run: base64_url_safe_decode,
    },
    Def {
        name: "date",
        description: "format a date (strftime)",
        min: 1,
        max: 1,
        run: super::date::date,
    },
];

fn s(v: &dyn ValueView) -> String {
    ruby_to_s(v).into_owned()
}

fn html_escape(text: &str, once: bool) -> String {
    // Every character to replace is ASCII: scan bytes and copy the runs between them.
    let bytes = text.as_bytes();
    let special = |b: &u8| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'');
    let Some(first) = bytes.iter().position(special) else {
        return text.to_owned();
    };
    let mut out = String::with_capacity(text.len() + text.len() / 4 + 8);
    let mut start = 0;
    for (i, b) in bytes.iter().enumerate().skip(first) {
        let replacement = match b {
            b'&' if once && is_entity(&text[i + 1..]) => continue,
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[start..i]);
        out.push_str(replacement);
        start = i + 1;
    }
    out.push_str(&text[start..]);
    out
}

/// `rest` starts an entity body: letters or `#` digits, then `;`.
fn is_entity(rest: &str) -> bool {
    let body = rest.strip_prefix('#');
    let end = rest.find(';');
    match (body, end) {
        (Some(digits), Some(e)) => e > 1 && digits[..e - 1].bytes().all(|b| b.is_ascii_digit()),
        (None, Some(e)) => e > 0 && rest[..e].bytes().all(|b| b.is_ascii_alphabetic()),
        _ => false,
    }
}

fn escape(input: &dyn ValueView, _: &Args<'_>) -> Outcome {
    if input.is_nil() {
        return Ok(Value::Nil);
    }
    Ok(Value::scalar(html_escape(&ruby_to_s(input), false)))
}

fn escape_once(input: &dyn ValueView, _: &Args<'_>) -> Outcome {
    Ok(Value::scalar(html_escape(&ruby_to_s(input), true)))
}

/// Remove `open … close` spans (non-greedy, like the reference's regexes).
fn remove_spans(text: &str, open: &str, close: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(open) {
        match rest[i + open.len()..].find(close) {
            Some(j) => {
                out.push_str(&rest[..i]);
                rest = &rest[i + open.len() + j + close.len()..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

fn strip_html(input: &dyn ValueView, _: &Args<'_>) -> Outcome {
    let text = s(input);
    let text = remove_spans(&text, "<script", "</script>");
    let text = remove_spans(&text, "<!--", "-->");
    let text = remove_spans(&text, "<style", "</style>");
    Ok(Value::scalar(remove_spans(&text, "<", ">")))
}

fn url_encode(input: &dyn ValueView, _: &Args<'_>) -> Outcome {
    if input.is_nil() {
        return Ok(Value::Nil);
    }
    let mut out = String::new();
    for b in s(input).bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    Ok(Value::scalar(out))
}

fn url_decode(input: &dyn ValueView, _: &Args<'_>) -> Outcome {
    if input.is_nil() {
        return Ok(Value::Nil);
    }
    let text = s(input);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len()
                && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit) =>
            {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("00");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(0));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out)
        .map(Value::scalar)
        .map_err(|_| "invalid byte sequence in UTF-8".into())
}

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn b64_encode(data: &[u8], alphabet: &[u8; 64]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(alphabet[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Strict decoding: length a multiple of 4, padding only at the end.
fn b64_decode(text: &str, alphabet: &[u8; 64]) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for (ci, chunk) in bytes.chunks(4).enumerate() {
        let last = ci == bytes.len() / 4 - 1;
        let pad = chunk.iter().rev().take_while(|b| **b == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n = 0u32;
        for (i, b) in chunk.iter().enumerate() {
            let v = if i >= 4 - pad {
                0
            } else {
                alphabet.iter().position(|a| a == b)? as u32
            };
            n |= v << (18 - 6 * i);
        }
        let got = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&got[..3 - pad]);
    }
    Some(out)
}

fn base64_encode(input: &dyn ValueView, _: &Args<'_>) -> Outcome {
    Ok(Value::scalar(b64_encode(s(input).as_bytes(), STANDARD)))
}

fn base64_url_safe_encode(input: &dyn ValueView, _: &Args<'_>) -> Outcome {
    Ok(Value::scalar(b64_encode(s(input).as_bytes(), URL_SAFE)))
}

fn decoded(bytes: Option<Vec<u8>>, filter: &str) -> Outcome {
    let bytes = bytes.ok_or_else(|| format!("invalid base64 provided to {filter}"))?;
    Ok(Value::scalar(String::from_utf8_lossy(&bytes).into_owned()))
}

fn base64_decode(input: &dyn ValueView, _: &Args<'_>) -> Outcome {
    decoded(b64_decode(&s(input), STANDARD), "base64_decode")
}

fn base64_url_safe_decode(input: &dyn ValueView, _: &Args<'_>) -> Outcome {
    // Ruby's urlsafe_decode64 accepts missing padding.
    let mut text = s(input);
    if !text.ends_with('=') {
        while !text.len().is_multiple_of(4) {
            text.push('=');
        }
    }
    decoded(b64_decode(&text, URL_SAFE), "base64_url_safe_decode")
}

#[cfg(test)]
mod tests {
    use super::super::tests::apply;
    use liquid_core::model::Value;

    fn str(v: &str) -> Value {
        Value::scalar(v.to_owned())
    }

    #[test]
    fn encodings_as_ruby() {
        assert_eq!(
            apply("escape", str("<a href=\"x\">'&'</a>"), &[]),
            Ok(str("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"))
        );
        assert_eq!(
            apply("escape_once", str("&lt; & &#39; &x"), &[]),
            Ok(str("&lt; &amp; &#39; &amp;x"))
        );
        assert_eq!(
            apply("url_encode", str("a b&c/é"), &[]),
            Ok(str("a+b%26c%2F%C3%A9"))
        );
        assert_eq!(apply("url_decode", str("a+b%26c"), &[]), Ok(str("a b&c")));
        assert_eq!(
            apply("base64_encode", str("one two"), &[]),
            Ok(str("b25lIHR3bw=="))
        );
        assert_eq!(
            apply("base64_decode", str("b25lIHR3bw=="), &[]),
            Ok(str("one two"))
        );
        assert!(apply("base64_decode", str("b25lIHR3bw="), &[]).is_err());
        assert_eq!(
            apply("base64_url_safe_encode", str("?>>"), &[]),
            Ok(str("Pz4-"))
        );
        assert_eq!(
            apply("base64_url_safe_decode", str("Pz4-"), &[]),
            Ok(str("?>>"))
        );
        assert_eq!(
            apply(
                "strip_html",
                str("a<script>x</script><b>b</b><!-- c -->"),
                &[]
            ),
            Ok(str("ab"))
        );
    }
}
