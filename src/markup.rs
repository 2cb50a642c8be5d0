//! A light scanner over a template's Liquid markup (`{{ … }}` and `{% … %}`),
//! with byte positions. The `liquid` crate gives no positions after parsing,
//! so this is how we map what the renderer reports (a variable path, a failing
//! tag) back to a line of the template.

/// One `{{ … }}` or `{% … %}` in a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Markup<'s> {
    pub kind: MarkupKind,
    /// Byte offset of the opening `{{` / `{%`.
    pub start: usize,
    /// Byte offset just past the closing `}}` / `%}`.
    pub end: usize,
    /// The text between the delimiters, without whitespace-control dashes, trimmed.
    pub inner: &'s str,
    /// Byte offset of `inner` in the template.
    pub inner_start: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkupKind {
    Output,
    Tag,
}

impl<'s> Markup<'s> {
    /// The tag's name (`if`, `for`, …); empty for an output.
    pub fn tag_name(&self) -> &'s str {
        match self.kind {
            MarkupKind::Output => "",
            MarkupKind::Tag => self
                .inner
                .split(|c: char| c.is_whitespace())
                .next()
                .unwrap_or(""),
        }
    }
}

/// Every markup region in `source`, in order; the insides of `raw` and
/// `comment` blocks are skipped. An unclosed region ends the scan.
pub fn scan(source: &str) -> Vec<Markup<'_>> {
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    let mut pos = 0;
    let mut skip_until: Option<&str> = None;
    while let Some(found) = source[pos..].find('{') {
        let start = pos + found;
        let kind = match bytes.get(start + 1) {
            Some(b'{') => MarkupKind::Output,
            Some(b'%') => MarkupKind::Tag,
            _ => {
                pos = start + 1;
                continue;
            }
        };
        let closer = if kind == MarkupKind::Output {
            "}}"
        } else {
            "%}"
        };
        let Some(end) = find_closer(source, start + 2, closer) else {
            break;
        };
        let raw_inner = &source[start + 2..end];
        let lead = raw_inner.len() - raw_inner.trim_start_matches('-').len();
        let inner_untrimmed = raw_inner.trim_start_matches('-').trim_end_matches('-');
        let inner = inner_untrimmed.trim();
        let inner_start =
            start + 2 + lead + (inner_untrimmed.len() - inner_untrimmed.trim_start().len());
        let markup = Markup {
            kind,
            start,
            end: end + 2,
            inner,
            inner_start,
        };
        pos = end + 2;
        if let Some(end_tag) = skip_until {
            if kind == MarkupKind::Tag && markup.tag_name() == end_tag {
                skip_until = None;
                out.push(markup);
            }
            continue;
        }
        if kind == MarkupKind::Tag {
            match markup.tag_name() {
                "raw" => skip_until = Some("endraw"),
                "comment" => skip_until = Some("endcomment"),
                "doc" => skip_until = Some("enddoc"),
                _ => {}
            }
        }
        out.push(markup);
    }
    out
}

/// Position of `closer` after `from`, ignoring any inside a quoted string.
fn find_closer(source: &str, from: usize, closer: &str) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = from;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if bytes[i..].starts_with(closer.as_bytes()) => return Some(i),
            None => {}
        }
        i += 1;
    }
    // An unbalanced quote: fall back to the first closer.
    source[from..].find(closer).map(|i| from + i)
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-' || c == '?'
}

/// How an occurrence of a variable is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Its value is used as it is: output, a comparison, a filter's input.
    Value,
    /// Its absence is handled: `| default`, compared with `nil`/`blank`/`empty`,
    /// a bare `{% if x %}`, or the collection of a `for` loop.
    Guarded,
}

/// An occurrence of a variable path in the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// Byte offset of the path in the template.
    pub offset: usize,
    pub use_: Use,
}

/// Where `path` (as a person writes it, `userData.email`) appears in markup.
pub fn occurrences(markups: &[Markup<'_>], path: &str) -> Vec<Occurrence> {
    let mut out = Vec::new();
    if path.is_empty() {
        return out;
    }
    for m in markups {
        let inner = m.inner;
        let mut from = 0;
        while let Some(found) = inner[from..].find(path) {
            let at = from + found;
            from = at + path.len();
            let before = inner[..at].chars().next_back();
            let after = inner[at + path.len()..].chars().next();
            if before.is_some_and(|c| is_ident(c) || c == '.' || c == '\'' || c == '"') {
                continue;
            }
            if after.is_some_and(|c| is_ident(c) || c == '.' || c == '[' || c == '\'' || c == '"') {
                continue;
            }
            if m.kind == MarkupKind::Tag && at == 0 {
                // The tag's own name, not a variable.
                continue;
            }
            let use_ = classify(m, &inner[..at], &inner[at + path.len()..]);
            out.push(Occurrence {
                offset: m.inner_start + at,
                use_,
            });
        }
    }
    out
}

/// Whether a filter chain (`| escape | default: 'x'`) applies `default`
/// at any point: `escape` of nothing is nothing, so a later `default` still
/// renders its value.
fn chain_has_default(after: &str) -> bool {
    let mut quote = None;
    let mut segments = Vec::new();
    let mut start = 0;
    for (i, c) in after.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '|') => {
                segments.push(&after[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    segments.push(&after[start..]);
    segments.iter().skip(1).any(|seg| {
        let name: String = seg
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        name == "default"
    })
}

fn classify(m: &Markup<'_>, before: &str, after: &str) -> Use {
    let after = after.trim_start();
    // The variable is the chain's input (not a filter's argument) and the
    // chain applies `default` somewhere.
    if after.starts_with('|') && !before.contains('|') && chain_has_default(after) {
        return Use::Guarded;
    }
    let next_word = |s: &str| -> String {
        s.split(|c: char| c.is_whitespace())
            .find(|w| !w.is_empty())
            .unwrap_or("")
            .to_owned()
    };
    let tag = m.tag_name();
    if matches!(tag, "if" | "elsif" | "unless") {
        let op = next_word(after);
        if op.is_empty() || op == "and" || op == "or" {
            return Use::Guarded;
        }
        if matches!(op.as_str(), "==" | "!=" | "<>") {
            let rhs = next_word(after.trim_start()[op.len()..].trim_start());
            if matches!(rhs.as_str(), "nil" | "null" | "blank" | "empty") {
                return Use::Guarded;
            }
        }
    }
    let before = before.trim_end();
    if (matches!(tag, "for" | "tablerow") && before.ends_with(" in"))
        || (matches!(tag, "render" | "include") && before.ends_with(" for"))
    {
        return Use::Guarded;
    }
    Use::Value
}

/// Words of the Liquid language that are never variables.
const KEYWORDS: &[&str] = &[
    "and", "or", "contains", "in", "with", "as", "for", "limit", "offset", "reversed", "cols",
    "nil", "null", "true", "false", "empty", "blank", "else", "by",
];

/// The variables a markup region reads and the ones it declares
/// (`assign x`, `capture x`, `for x in`, `increment x`, `… as x`), each
/// with the byte offset of the name in the template.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Names {
    pub reads: Vec<(String, usize)>,
    pub declares: Vec<(String, usize)>,
}

/// Names used in one markup region (outputs and tags; `raw`/`comment` contents are never scanned).
pub fn names(m: &Markup<'_>) -> Names {
    let mut out = Names::default();
    let text = m.inner;
    let tag = m.tag_name();
    if matches!(
        tag,
        "comment" | "endcomment" | "raw" | "endraw" | "#" | "doc" | "enddoc"
    ) || tag.starts_with('#')
    {
        return out;
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut prev: Option<char> = None; // last significant character before the current token
    let mut word_index = 0; // how many words seen (the tag name is word 0)
    let mut prev_word = String::new();
    while i < bytes.len() {
        let c = text[i..].chars().next().unwrap_or(' ');
        if c == '"' || c == '\'' {
            let close = text[i + 1..].find(c).map_or(bytes.len(), |j| i + 1 + j + 1);
            i = close;
            prev = Some('"');
            word_index += 1;
            prev_word.clear();
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let start = i;
            let mut end = i;
            for (j, ch) in text[i..].char_indices() {
                if ch.is_alphanumeric() || ch == '_' || ch == '-' || ch == '?' {
                    end = i + j + ch.len_utf8();
                } else {
                    break;
                }
            }
            let word = &text[start..end];
            i = end;
            let next = text[end..].trim_start().chars().next();
            let is_tag_name = m.kind == MarkupKind::Tag && word_index == 0;
            word_index += 1;
            let after_dot = prev == Some('.');
            let filter_name = prev == Some('|');
            let named_arg = next == Some(':') && !is_tag_name;
            let offset = m.inner_start + start;
            if is_tag_name || after_dot || filter_name || named_arg || KEYWORDS.contains(&word) {
                prev_word = word.to_owned();
                prev = Some('w');
                continue;
            }
            let declaring = match tag {
                "assign" | "capture" | "increment" | "decrement" => word_index == 2,
                "for" | "tablerow" => word_index == 2,
                _ => false,
            } || prev_word == "as";
            if declaring {
                out.declares.push((word.to_owned(), offset));
            } else {
                out.reads.push((word.to_owned(), offset));
            }
            prev_word = word.to_owned();
            prev = Some('w');
            continue;
        }
        if !c.is_whitespace() {
            prev = Some(c);
            if c.is_ascii_digit() {
                // A number literal: skip it whole (`1.5`, `(1..3)` ranges stay punctuation).
                while i < bytes.len() && (bytes[i].is_ascii_digit()) {
                    i += 1;
                }
                prev = Some('0');
                word_index += 1;
                continue;
            }
        }
        i += c.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_outputs_and_tags_with_positions() {
        let src = "a {{ x }} b {%- if y -%} c {% raw %}{{ z }}{% endraw %}";
        let m = scan(src);
        let inners: Vec<_> = m.iter().map(|m| m.inner).collect();
        assert_eq!(inners, ["x", "if y", "raw", "endraw"]);
        assert_eq!(&src[m[0].inner_start..m[0].inner_start + 1], "x");
        assert_eq!(&src[m[1].inner_start..m[1].inner_start + 4], "if y");
        assert_eq!(m[1].tag_name(), "if");
    }

    #[test]
    fn quoted_closers_do_not_end_markup() {
        let m = scan("{{ 'a }} b' | append: x }}");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].inner, "'a }} b' | append: x");
    }

    #[test]
    fn names_read_and_declared() {
        let src = "{% assign greeting = 'hi' | append: user.name %}{% for e in errors limit: max %}{{ e.code | default: fallback }}{% endfor %}{{ list[idx].x }}{% include 'p' with item as thing, size: count %}{% if a and b contains 'x' %}{% endif %}";
        let m = scan(src);
        let all: Vec<Names> = m.iter().map(names).collect();
        let reads: Vec<String> = all
            .iter()
            .flat_map(|n| n.reads.iter().map(|r| r.0.clone()))
            .collect();
        let declares: Vec<String> = all
            .iter()
            .flat_map(|n| n.declares.iter().map(|r| r.0.clone()))
            .collect();
        assert_eq!(
            reads,
            [
                "user", "errors", "max", "e", "fallback", "list", "idx", "item", "count", "a", "b"
            ]
        );
        assert_eq!(declares, ["greeting", "e", "thing"]);
        let (_, at) = &all[0].reads[0];
        assert_eq!(&src[*at..*at + 4], "user");
    }

    #[test]
    fn a_default_anywhere_in_the_chain_guards_its_input() {
        // Auth0's current default template: `escape` before `default`.
        let src = "{{ iconUrl | escape | default: 'x.png' }}{{ a | append: b | default: 'y' }}{{ c | escape }}{{ d | replace: '|', 'default' }}";
        let markups = scan(src);
        let uses = |p: &str| -> Vec<Use> {
            occurrences(&markups, p)
                .into_iter()
                .map(|o| o.use_)
                .collect()
        };
        assert_eq!(uses("iconUrl"), [Use::Guarded]);
        assert_eq!(uses("a"), [Use::Guarded]);
        assert_eq!(uses("b"), [Use::Value]);
        assert_eq!(uses("c"), [Use::Value]);
        assert_eq!(uses("d"), [Use::Value]);
    }

    #[test]
    fn finds_paths_and_how_they_are_used() {
        let src = "{% if ticket %}{{ ticket }}{% endif %}\n{{ iconUrl | default: 'x' }}\n{% for e in errors %}{{ e.code }}{% endfor %}{% if x == nil %}{% endif %}{{ myticket }}";
        let m = scan(src);
        let uses =
            |p: &str| -> Vec<Use> { occurrences(&m, p).into_iter().map(|o| o.use_).collect() };
        assert_eq!(uses("ticket"), [Use::Guarded, Use::Value]);
        assert_eq!(uses("iconUrl"), [Use::Guarded]);
        assert_eq!(uses("errors"), [Use::Guarded]);
        assert_eq!(uses("e.code"), [Use::Value]);
        assert_eq!(uses("x"), [Use::Guarded]);
        // The loop variable's declaration is not one of its uses' paths.
        assert_eq!(uses("e"), [Use::Value]);
    }
}
