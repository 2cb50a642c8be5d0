//! The tokenizer: a template split the way Shopify's reference engine splits
//! it (`Liquid::Tokenizer`), with every token's byte span.
//!
//! - `{% … %}` ends at the first `%}`.
//! - `{{ … }}` ends at the first `}` (it must be `}}`); a `{%` inside it makes
//!   the token run to the next `%}`, as the reference does.
//! - Whitespace control (`{%-`, `-%}`, `{{-`, `-}}`) strips Ruby's `strip` set
//!   (space, `\t`, `\n`, `\v`, `\f`, `\r`, NUL) from the neighbouring text; the
//!   parser applies it ([`crate::template::parser`]), the lexer only reports it.

use super::Span;

/// Ruby's `String#strip` set.
pub fn is_ruby_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r' | '\0')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Text,
    /// `{{ … }}`.
    Output,
    /// `{% … %}`.
    Tag,
}

/// One token: its kind and its bytes in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

/// A template the reference rejects before parsing: an unclosed `{{` or `{%`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

/// Split `source` into tokens.
pub fn tokenize(source: &str) -> Result<Vec<Token>, LexError> {
    let bytes = source.as_bytes();
    let mut tokens = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let Some(open) = first_opener(bytes, pos) else {
            tokens.push(Token {
                kind: TokenKind::Text,
                span: Span::new(pos, bytes.len()),
            });
            break;
        };
        if open > pos {
            tokens.push(Token {
                kind: TokenKind::Text,
                span: Span::new(pos, open),
            });
        }
        let end = if bytes[open + 1] == b'%' {
            tag_end(source, open).ok_or_else(|| LexError {
                span: Span::new(open, open + 2),
                message: "this tag is never closed with `%}`".into(),
                help: Some("add `%}` where the tag ends".into()),
            })?
        } else {
            output_end(source, open)?
        };
        // An output token that does not end in `}}` (`{{ x }`, `{{ x {% y %}`)
        // is kept as the reference keeps it; the parser refuses it, but the
        // body of a `raw` or `doc` may hold it.
        let kind = if bytes[open + 1] == b'%' {
            TokenKind::Tag
        } else {
            TokenKind::Output
        };
        tokens.push(Token {
            kind,
            span: Span::new(open, end),
        });
        pos = end;
    }
    Ok(tokens)
}

/// Where the Liquid markup of `source` is (`{{ … }}` and `{% … %}`), for
/// code that reads the HTML around it; an unclosed one runs to the end.
pub fn markup_spans(source: &str) -> Vec<Span> {
    match tokenize(source) {
        Ok(tokens) => tokens
            .into_iter()
            .filter(|t| t.kind != TokenKind::Text)
            .map(|t| t.span)
            .collect(),
        Err(e) => {
            let mut spans = markup_spans(&source[..e.span.start]);
            spans.push(Span::new(e.span.start, source.len()));
            spans
        }
    }
}

/// The first `{{` or `{%` at or after `from`.
pub fn first_opener(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i + 1 < bytes.len() {
        match memchr(b'{', &bytes[i..bytes.len() - 1]) {
            Some(j) => {
                let at = i + j;
                if matches!(bytes[at + 1], b'{' | b'%') {
                    return Some(at);
                }
                i = at + 1;
            }
            None => return None,
        }
    }
    None
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

/// End (exclusive) of the tag opened at `open`: just past the first `%}`.
pub fn tag_end(source: &str, open: usize) -> Option<usize> {
    source[open + 2..].find("%}").map(|i| open + 2 + i + 2)
}

/// End of the output opened at `open`, by the reference's rules.
fn output_end(source: &str, open: usize) -> Result<usize, LexError> {
    let bytes = source.as_bytes();
    let unclosed = || LexError {
        span: Span::new(open, open + 2),
        message: "this output is never closed with `}}`".into(),
        help: Some("add `}}` where the output ends".into()),
    };
    let mut i = open + 2;
    while i < bytes.len() {
        match bytes[i] {
            b'}' => {
                return Ok(if bytes.get(i + 1) == Some(&b'}') {
                    i + 2
                } else {
                    i + 1
                });
            }
            b'{' if bytes.get(i + 1) == Some(&b'%') => {
                return tag_end(source, i).ok_or_else(unclosed);
            }
            _ => i += 1,
        }
    }
    Err(unclosed())
}

/// The parts of a tag token: `{%- name markup -%}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagParts<'s> {
    pub trim_left: bool,
    pub trim_right: bool,
    pub name: &'s str,
    pub name_span: Span,
    /// The markup after the name, without surrounding whitespace.
    pub markup: &'s str,
    pub markup_start: usize,
}

/// Split a tag token; `None` when it has no name (`{% %}`, `{% 'x' %}`).
pub fn tag_parts(source: &str, token: Span) -> Option<TagParts<'_>> {
    let body_start = token.start + 2;
    let body_end = token.end - 2;
    let body = &source[body_start..body_end];
    let trim_left = body.starts_with('-');
    let trim_right = body.len() > usize::from(trim_left) && body.ends_with('-');
    let inner_start = body_start + usize::from(trim_left);
    let inner_end = (body_end - usize::from(trim_right)).max(inner_start);
    let inner = &source[inner_start..inner_end];
    let lead = inner.len() - inner.trim_start_matches(is_ruby_space).len();
    let name_start = inner_start + lead;
    let rest = &source[name_start..inner_end];
    let name_len = if rest.starts_with('#') {
        1
    } else {
        rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len())
    };
    if name_len == 0 {
        return None;
    }
    let name = &rest[..name_len];
    let after = &rest[name_len..];
    let gap = after.len() - after.trim_start_matches(is_ruby_space).len();
    let markup_start = name_start + name_len + gap;
    let markup = source[markup_start..inner_end].trim_end_matches(is_ruby_space);
    Some(TagParts {
        trim_left,
        trim_right,
        name,
        name_span: Span::new(name_start, name_start + name_len),
        markup,
        markup_start,
    })
}

/// Whether a tag or output token starts with a dash (`{%-`, `{{-`).
pub fn trims_left(source: &str, t: &Token) -> bool {
    t.kind != TokenKind::Text && source[t.span.start + 2..].starts_with('-')
}

/// Whether a tag or output token ends with a dash (`-%}`, `-}}`).
pub fn trims_right(source: &str, t: &Token) -> bool {
    t.kind != TokenKind::Text
        && t.span.end - t.span.start >= 5
        && source[..t.span.end - 2].ends_with('-')
        && t.span.end - 3 > t.span.start + 2
}

/// The name of the tag a token closes, read as the reference reads the
/// inside of `raw` and `doc` (`FullTokenPossiblyInvalid`): the word after the
/// token's *last* `{%`. Returns the name and where that `{%` starts.
pub fn last_tag_name(source: &str, token: Span) -> Option<(&str, usize)> {
    let text = &source[token.start..token.end];
    if !text.ends_with("%}") {
        return None;
    }
    let open = text.rfind("{%")?;
    let after = text[open + 2..].trim_start_matches('-');
    let after = after.trim_start_matches(is_ruby_space);
    let len = after
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(after.len());
    (len > 0).then(|| (&after[..len], token.start + open))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<(TokenKind, &str)> {
        tokenize(s)
            .unwrap()
            .into_iter()
            .map(|t| (t.kind, &s[t.span.start..t.span.end]))
            .collect()
    }

    #[test]
    fn splits_as_the_reference_does() {
        use TokenKind::*;
        assert_eq!(
            kinds("a{{ x }}b{% if y %}c"),
            vec![
                (Text, "a"),
                (Output, "{{ x }}"),
                (Text, "b"),
                (Tag, "{% if y %}"),
                (Text, "c")
            ]
        );
        assert_eq!(kinds("{% a }} %}"), vec![(Tag, "{% a }} %}")]);
        assert_eq!(kinds("{ a } {"), vec![(Text, "{ a } {")]);
    }

    #[test]
    fn unclosed_markup_is_an_error() {
        assert_eq!(tokenize("a {% if x").unwrap_err().span.start, 2);
        assert_eq!(tokenize("a {{ x ").unwrap_err().span.start, 2);
        assert_eq!(
            kinds("{{ x }b"),
            vec![(TokenKind::Output, "{{ x }"), (TokenKind::Text, "b")]
        );
        assert_eq!(
            kinds("{{ x {% y %}"),
            vec![(TokenKind::Output, "{{ x {% y %}")]
        );
    }

    #[test]
    fn tag_parts_and_dashes() {
        let s = "{%- assign x = 1 -%}";
        let t = tokenize(s).unwrap()[0];
        let p = tag_parts(s, t.span).unwrap();
        assert!(p.trim_left && p.trim_right);
        assert_eq!(p.name, "assign");
        assert_eq!(p.markup, "x = 1");
        assert_eq!(&s[p.markup_start..p.markup_start + 5], "x = 1");
        assert!(trims_left(s, &t) && trims_right(s, &t));
        assert_eq!(tag_parts("{% %}", Span::new(0, 5)), None);
    }

    #[test]
    fn last_tag_name_reads_the_last_opener() {
        let s = "{% assign x = y {%- enddoc %}";
        assert_eq!(
            last_tag_name(s, Span::new(0, s.len())),
            Some(("enddoc", 16))
        );
    }
}
