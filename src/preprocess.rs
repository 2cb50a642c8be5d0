//! The template as the `liquid` crate gets it: Shopify's tokenizer and
//! whitespace rules applied in our layer, before the crate parses.
//!
//! The crate's grammar differs from the reference engine in ways no extension
//! point reaches: `{%- -%}` trims only spaces and newlines, `{% # … %}` and
//! `{% liquid … %}` do not parse, and `{{ … }}` is rendered by the crate's own
//! code (Rust number formatting, strict parsing). So we tokenize the source as
//! the Ruby engine does (`{% … %}` ends at the first `%}`, `{{ … }}` at the
//! first `}`), apply its whitespace control ourselves (Ruby's `strip` set:
//! space, `\t`, `\n`, `\v`, `\f`, `\r`, NUL), drop comments, expand
//! `{% liquid %}` into one tag a line, and turn every `{{ x }}` into our output
//! tag. The crate then sees only text and `{%name markup%}` tags without
//! dashes. Every byte of the rewritten text maps back to the original
//! ([`Rewritten::original_offset`]), so diagnostics point at the user's file.

/// Name of the internal tag that `{{ … }}` becomes.
pub const OUTPUT_TAG: &str = "__output";

/// The rewritten template and the map back to the original.
#[derive(Debug, Clone)]
pub struct Rewritten {
    pub text: String,
    /// `(offset in text, offset in original, copied verbatim)`, in order.
    segments: Vec<(usize, usize, bool)>,
}

/// A tag of the rewritten text (outputs included, as [`OUTPUT_TAG`]) and
/// where it is in the original: what the crate's parser will see, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagSite {
    pub name: String,
    pub start: usize,
    pub end: usize,
}

/// A template the reference engine would reject before rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewriteError {
    pub start: usize,
    pub end: usize,
    pub message: String,
    pub help: Option<String>,
}

impl Rewritten {
    /// Every tag the crate's parser will see, in order, with its place in
    /// `source` (the original). Read the way the crate's lexer reads: a tag
    /// ends at the first `%}`, and a `{%raw%}` body holds no tags.
    pub fn tag_sites(&self, source: &str) -> Vec<TagSite> {
        let text = &self.text;
        let mut sites = Vec::new();
        let mut pos = 0;
        while let Some(i) = text[pos..].find("{%") {
            let start = pos + i;
            let Some(close) = text[start + 2..].find("%}") else {
                break;
            };
            let end = start + 2 + close + 2;
            let body = &text[start + 2..end - 2];
            let name_len = body
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(body.len());
            let name = &body[..name_len];
            let orig_start = self.original_offset(start);
            let last = self.original_offset(end - 1).min(source.len());
            let orig_end = if source[last..].starts_with("%}") || source[last..].starts_with("}}") {
                last + 2
            } else {
                last
            };
            sites.push(TagSite {
                name: name.to_owned(),
                start: orig_start,
                end: orig_end.max(orig_start),
            });
            pos = end;
            if name == "raw" {
                match text[pos..].find("{%endraw%}") {
                    Some(j) => pos += j,
                    None => break,
                }
            }
        }
        sites
    }

    /// The offset in the original source of byte `offset` of the rewritten text.
    pub fn original_offset(&self, offset: usize) -> usize {
        let i = self.segments.partition_point(|s| s.0 <= offset);
        match i.checked_sub(1).map(|i| self.segments[i]) {
            Some((new, orig, true)) => orig + (offset - new),
            Some((_, orig, false)) => orig,
            None => 0,
        }
    }

    fn copy(&mut self, source: &str, start: usize, end: usize) {
        if start < end {
            self.segments.push((self.text.len(), start, true));
            self.text.push_str(&source[start..end]);
        }
    }

    /// Copy `text[start..end]`, where `text` starts at `origin` in the source.
    fn copy_mapped(&mut self, text: &str, start: usize, end: usize, origin: usize) {
        if start < end {
            self.segments.push((self.text.len(), origin + start, true));
            self.text.push_str(&text[start..end]);
        }
    }

    fn generate(&mut self, text: &str, origin: usize) {
        self.segments.push((self.text.len(), origin, false));
        self.text.push_str(text);
    }
}

fn is_ruby_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r' | '\0')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Tag,
    Output,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

/// Split `source` as Ruby's `Liquid::Tokenizer` does.
fn tokenize(source: &str) -> Result<Vec<Token>, RewriteError> {
    let mut tokens = Vec::new();
    let mut pos = 0;
    let bytes = source.as_bytes();
    while pos < source.len() {
        let Some(found) = source[pos..]
            .find("{")
            .map(|i| pos + i)
            .and_then(|i| first_opener(source, i))
        else {
            tokens.push(Token {
                kind: Kind::Text,
                start: pos,
                end: source.len(),
            });
            break;
        };
        if found > pos {
            tokens.push(Token {
                kind: Kind::Text,
                start: pos,
                end: found,
            });
        }
        if bytes[found + 1] == b'%' {
            let Some(close) = source[found + 2..].find("%}") else {
                return Err(RewriteError {
                    start: found,
                    end: found + 2,
                    message: "this tag is never closed with `%}`".into(),
                    help: Some("add `%}` where the tag ends".into()),
                });
            };
            let end = found + 2 + close + 2;
            tokens.push(Token {
                kind: Kind::Tag,
                start: found,
                end,
            });
            pos = end;
        } else {
            let close = source[found + 2..].find('}').map(|i| found + 2 + i);
            let end = match close {
                Some(c) if bytes.get(c + 1) == Some(&b'}') => c + 2,
                _ => {
                    return Err(RewriteError {
                        start: found,
                        end: found + 2,
                        message: "this output is never closed with `}}`".into(),
                        help: Some("add `}}` where the output ends".into()),
                    });
                }
            };
            tokens.push(Token {
                kind: Kind::Output,
                start: found,
                end,
            });
            pos = end;
        }
    }
    Ok(tokens)
}

/// The first `{{` or `{%` at or after `from`.
fn first_opener(source: &str, from: usize) -> Option<usize> {
    let bytes = source.as_bytes();
    (from..bytes.len().saturating_sub(1))
        .find(|&i| bytes[i] == b'{' && (bytes[i + 1] == b'{' || bytes[i + 1] == b'%'))
}

/// A tag token's parts: `{%- name markup -%}`.
struct TagParts<'s> {
    trim_right: bool,
    name: &'s str,
    name_start: usize,
    markup: &'s str,
    markup_start: usize,
}

fn tag_parts(source: &str, t: Token) -> Option<TagParts<'_>> {
    let body_start = t.start + 2;
    let body_end = t.end - 2;
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
        trim_right,
        name,
        name_start,
        markup,
        markup_start,
    })
}

/// Rewrite `source` for the crate's parser (see the module documentation).
pub fn rewrite(source: &str) -> Result<Rewritten, RewriteError> {
    let tokens = tokenize(source)?;
    let mut out = Rewritten {
        text: String::with_capacity(source.len() + source.len() / 8),
        segments: Vec::new(),
    };
    // Does the token at i start with a dash (`{%-`, `{{-`)?
    let trims_left = |t: &Token| t.kind != Kind::Text && source[t.start + 2..].starts_with('-');
    let trims_right = |t: &Token| {
        t.kind != Kind::Text
            && t.end - t.start >= 5
            && source[..t.end - 2].ends_with('-')
            && t.end - 3 > t.start + 2
    };
    let mut trim_next_text = false;
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i];
        match t.kind {
            Kind::Text => {
                let mut start = t.start;
                let mut end = t.end;
                if trim_next_text {
                    let text = &source[start..end];
                    start = end - text.trim_start_matches(is_ruby_space).len();
                }
                trim_next_text = false;
                if tokens.get(i + 1).is_some_and(trims_left) {
                    let text = &source[start..end];
                    end = start + text.trim_end_matches(is_ruby_space).len();
                }
                out.copy(source, start, end);
            }
            Kind::Output => {
                trim_next_text = trims_right(&t);
                let body_start = t.start + 2 + usize::from(trims_left(&t));
                let body_end = (t.end - 2 - usize::from(trims_right(&t))).max(body_start);
                let inner = &source[body_start..body_end];
                let trimmed = inner.trim_matches(is_ruby_space);
                if !trimmed.is_empty() {
                    let at =
                        body_start + (inner.len() - inner.trim_start_matches(is_ruby_space).len());
                    out.generate(&format!("{{%{OUTPUT_TAG} "), t.start);
                    copy_markup(&mut out, trimmed, at);
                    out.generate("%}", t.end - 2);
                }
            }
            Kind::Tag => {
                let Some(parts) = tag_parts(source, t) else {
                    return Err(RewriteError {
                        start: t.start,
                        end: t.end,
                        message: "a tag needs a name: `{% name … %}`".into(),
                        help: None,
                    });
                };
                trim_next_text = parts.trim_right;
                match parts.name {
                    "#" => check_inline_comment(&parts, t)?,
                    "comment" | "doc" => {
                        i = skip_comment(source, &tokens, i, parts.name)?;
                        trim_next_text = trims_right(&tokens[i]);
                    }
                    "raw" => {
                        i = emit_raw(source, &tokens, i, &mut out)?;
                    }
                    "liquid" => emit_liquid(parts.markup, parts.markup_start, &mut out)?,
                    _ => emit_tag(&parts, t, &mut out),
                }
            }
        }
        i += 1;
    }
    Ok(out)
}

fn emit_tag(parts: &TagParts<'_>, t: Token, out: &mut Rewritten) {
    out.generate("{%", t.start);
    // Name, then markup, both copied so that errors map to the user's text.
    out.segments.push((out.text.len(), parts.name_start, true));
    out.text.push_str(parts.name);
    if !parts.markup.is_empty() {
        out.generate(" ", parts.markup_start);
        copy_markup(out, parts.markup, parts.markup_start);
    }
    out.generate("%}", t.end - 2);
}

/// Reserved root name: `NAME["ok?"]` reads the variable `ok?` (see [`copy_markup`]).
pub const NAME_MARKER: &str = "__mfa_name";

/// Copy tag or output markup that starts at `origin` in the source, with the
/// variable names the crate's grammar cannot read spelled in a form it can.
///
/// Ruby's lookups are `[\w-]+\??`: a name may end in `?` (`ok?`, `a.b?`) and
/// may start with a digit (`{{ 1e3 }}` is the variable `1e3`, not a number).
/// A segment after a dot becomes a bracket lookup (`a.b?` → `a["b?"]`); a
/// root name becomes `__mfa_name["ok?"]`, which the runtime reads as the
/// variable `ok?` ([`crate::runtime`]). Quoted strings are left alone.
fn copy_markup(out: &mut Rewritten, text: &str, origin: usize) {
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let mut copied = 0;
    let mut quote = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if let Some(q) = quote {
            if b == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        if b == b'\'' || b == b'"' {
            quote = Some(b);
            i += 1;
            continue;
        }
        if !word(b) || (i > 0 && word(bytes[i - 1])) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && word(bytes[i]) {
            i += 1;
        }
        let question = bytes.get(i) == Some(&b'?');
        if question {
            i += 1;
        }
        let name = &text[start..i];
        // `a.b`, but not the `..` of a range.
        let segment = start >= 2
            && bytes[start - 1] == b'.'
            && (word(bytes[start - 2]) || matches!(bytes[start - 2], b']' | b'?'));
        let digit_name = !segment
            && name.as_bytes()[0].is_ascii_digit()
            && name.bytes().any(|c| c.is_ascii_alphabetic() || c == b'_')
            && bytes.get(i) != Some(&b'.');
        if !(question || digit_name) {
            continue;
        }
        let (from, replacement) = if segment {
            (start - 1, format!("[\"{name}\"]"))
        } else {
            (start, format!("{NAME_MARKER}[\"{name}\"]"))
        };
        out.copy_mapped(text, copied, from, origin);
        out.generate(&replacement, origin + start);
        copied = i;
    }
    out.copy_mapped(text, copied, text.len(), origin);
}

/// Markup as the user wrote it: `__mfa_name["ok?"]` back to `ok?`.
pub fn as_written(markup: &str) -> std::borrow::Cow<'_, str> {
    let opener = format!("{NAME_MARKER}[\"");
    if !markup.contains(&opener) {
        return std::borrow::Cow::Borrowed(markup);
    }
    let mut out = String::with_capacity(markup.len());
    let mut rest = markup;
    while let Some(i) = rest.find(&opener) {
        let after = &rest[i + opener.len()..];
        let Some(end) = after.find("\"]") else {
            break;
        };
        out.push_str(&rest[..i]);
        out.push_str(&after[..end]);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

fn check_inline_comment(parts: &TagParts<'_>, t: Token) -> Result<(), RewriteError> {
    // Every line of a multi-line inline comment must start with `#`.
    let mut lines = parts.markup.split('\n');
    lines.next();
    if lines.any(|l| {
        let l = l.trim_start_matches(is_ruby_space);
        !l.is_empty() && !l.starts_with('#')
    }) {
        return Err(RewriteError {
            start: t.start,
            end: t.end,
            message: "every line of an inline comment must start with `#`".into(),
            help: Some("start each line with `#`, or use `{% comment %}…{% endcomment %}`".into()),
        });
    }
    Ok(())
}

/// Skip a `{% comment %}` block, or a `{% doc %}` block (current Shopify
/// Liquid's documentation comment, 5.6+), nested blocks of the same name
/// included; returns the index of its end tag.
fn skip_comment(
    source: &str,
    tokens: &[Token],
    open: usize,
    name: &str,
) -> Result<usize, RewriteError> {
    let end_name = format!("end{name}");
    let mut depth = 0;
    let mut i = open;
    let mut in_raw = false;
    while i < tokens.len() {
        let t = tokens[i];
        if t.kind == Kind::Tag
            && let Some(parts) = tag_parts(source, t)
        {
            match parts.name {
                "raw" if !in_raw => in_raw = true,
                "endraw" => in_raw = false,
                n if n == name && !in_raw => depth += 1,
                n if n == end_name && !in_raw => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(i);
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    Err(RewriteError {
        start: tokens[open].start,
        end: tokens[open].end,
        message: format!("`{{% {name} %}}` is never closed"),
        help: Some(format!("add `{{% {end_name} %}}` where the {name} ends")),
    })
}

/// `{% raw %}…{% endraw %}`: the body passes through untouched; returns the index of the end tag.
fn emit_raw(
    source: &str,
    tokens: &[Token],
    open: usize,
    out: &mut Rewritten,
) -> Result<usize, RewriteError> {
    let start = tokens[open].end;
    for (i, t) in tokens.iter().enumerate().skip(open + 1) {
        if t.kind == Kind::Tag
            && let Some(parts) = tag_parts(source, *t)
            && parts.name == "endraw"
            // The reference does not accept `{%- endraw` as the end of a raw block.
            && !source[t.start + 2..].starts_with('-')
        {
            if start < t.start {
                out.generate("{%raw%}", tokens[open].start);
                out.copy(source, start, t.start);
                out.generate("{%endraw%}", t.start);
            }
            return Ok(i);
        }
    }
    Err(RewriteError {
        start: tokens[open].start,
        end: tokens[open].end,
        message: "`{% raw %}` is never closed".into(),
        help: Some("add `{% endraw %}` where the raw text ends".into()),
    })
}

/// `{% liquid %}`: one tag a line; `#` lines and `comment`/`doc` blocks are dropped.
fn emit_liquid(markup: &str, markup_start: usize, out: &mut Rewritten) -> Result<(), RewriteError> {
    let mut offset = markup_start;
    let mut comment_depth = 0usize;
    // The kind of the outermost comment block being skipped.
    let mut comment_name = "";
    for line in markup.split('\n') {
        let line_start = offset;
        offset += line.len() + 1;
        let lead = line.len() - line.trim_start_matches(is_ruby_space).len();
        let text = line.trim_matches(is_ruby_space);
        if text.is_empty() {
            continue;
        }
        let at = line_start + lead;
        let name_len = if text.starts_with('#') {
            1
        } else {
            text.find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(text.len())
        };
        let name = &text[..name_len];
        // Inside a comment block, a line that is not a tag is the comment's text.
        if name.is_empty() && comment_depth > 0 {
            continue;
        }
        if name.is_empty() {
            return Err(RewriteError {
                start: at,
                end: at + text.len(),
                message: "each line of `{% liquid %}` must be a tag: `name arguments`".into(),
                help: None,
            });
        }
        match name {
            "#" => continue,
            "comment" | "doc" if comment_depth == 0 || name == comment_name => {
                comment_name = name;
                comment_depth += 1;
                continue;
            }
            _ if comment_depth > 0 && name.strip_prefix("end") == Some(comment_name) => {
                comment_depth -= 1;
                continue;
            }
            _ if comment_depth > 0 => continue,
            "liquid" => {
                let rest = &text[name_len..];
                let gap = rest.len() - rest.trim_start_matches(is_ruby_space).len();
                emit_liquid(
                    rest.trim_start_matches(is_ruby_space),
                    at + name_len + gap,
                    out,
                )?;
                continue;
            }
            _ => {}
        }
        out.generate("{%", at);
        copy_markup(out, text, at);
        out.generate("%}", at + text.len());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> String {
        rewrite(s).unwrap().text
    }

    #[test]
    fn outputs_become_tags() {
        assert_eq!(text("a {{ x | f: 1 }} b"), "a {%__output x | f: 1%} b");
        assert_eq!(text("{{ }}{{}}"), "");
    }

    #[test]
    fn dashes_trim_every_whitespace() {
        assert_eq!(text("a \t\n{%- if x -%}\t\r\n b"), "a{%if x%}b");
        assert_eq!(text("a\t{{- x -}}\x0b b"), "a{%__output x%}b");
        // Only adjacent text is trimmed.
        assert_eq!(text("{{ x -}}{% y %} z"), "{%__output x%}{%y%} z");
    }

    #[test]
    fn comments_disappear() {
        assert_eq!(text("a{% # note %}b"), "ab");
        assert_eq!(
            text("a {%- comment %} {% if %} {% comment %}x{% endcomment %} {% endcomment -%} b"),
            "ab"
        );
        assert!(rewrite("{% # a\n b %}").is_err());
        assert!(rewrite("{% comment %}{% endcomment").is_err());
    }

    /// Shopify Liquid 5.6+'s `doc`, with cases from its own unit tests.
    #[test]
    fn doc_blocks_disappear() {
        assert_eq!(
            text("      {%- doc -%}123{%- enddoc -%}     Hello!"),
            "Hello!"
        );
        assert_eq!(
            text("{% doc %}\n  {% if true %}\n  {% doc %}{% enddoc %}\n{% enddoc %}x"),
            "x"
        );
        assert_eq!(
            text("{% doc %}{% raw %}{% enddoc %}{% endraw %}{% enddoc %}x"),
            "x"
        );
        assert_eq!(
            text("Hello!\n{%- liquid\n  doc\n   @param {string} x - inside\n  enddoc\n-%}\nWorld!"),
            "Hello!World!"
        );
        let err = rewrite("{% doc %}{% doc %}{% enddoc %}").unwrap_err();
        assert_eq!(err.message, "`{% doc %}` is never closed");
        assert!(rewrite("{% # a\n # b %}").is_ok());
    }

    #[test]
    fn names_the_crate_cannot_read_are_spelled_out() {
        assert_eq!(text("{{ ok? }}"), "{%__output __mfa_name[\"ok?\"]%}");
        assert_eq!(
            text("{% if a.b? and c %}{{ 1e3 | f: 'x?' }}{% endif %}"),
            "{%if a[\"b?\"] and c%}{%__output __mfa_name[\"1e3\"] | f: 'x?'%}{%endif%}"
        );
        // Numbers, ranges and ordinary names stay as they are.
        assert_eq!(
            text("{{ 1.5 }}{% for i in (1..n?) %}{% endfor %}{{ a.b-c[0].d }}"),
            "{%__output 1.5%}{%for i in (1..__mfa_name[\"n?\"])%}{%endfor%}{%__output a.b-c[0].d%}"
        );
        assert_eq!(
            as_written("(1..__mfa_name[\"n?\"]) | x: __mfa_name[\"1e3\"], a[\"b\"]"),
            "(1..n?) | x: 1e3, a[\"b\"]"
        );
        let src = "{{ ok? | nope }}";
        let r = rewrite(src).unwrap();
        let at = r.text.find("nope").unwrap();
        assert_eq!(r.original_offset(at), src.find("nope").unwrap());
    }

    #[test]
    fn liquid_tag_expands() {
        assert_eq!(
            text("{% liquid\n  assign x = 1\n  # note\n  echo x\n%}"),
            "{%assign x = 1%}{%echo x%}"
        );
    }

    #[test]
    fn raw_passes_through() {
        assert_eq!(
            text("{% raw -%} {{ x }} {% endraw %} y"),
            "{%raw%} {{ x }} {%endraw%}y"
        );
    }

    #[test]
    fn offsets_map_back() {
        let src = "ab\n{{- x | nope }}";
        let r = rewrite(src).unwrap();
        let at = r.text.find("nope").unwrap();
        assert_eq!(r.original_offset(at), src.find("nope").unwrap());
        assert_eq!(r.original_offset(0), 0);
    }

    #[test]
    fn unclosed_markup_is_an_error() {
        assert_eq!(rewrite("a {% if x").unwrap_err().start, 2);
        assert_eq!(rewrite("a {{ x }").unwrap_err().start, 2);
    }
}
