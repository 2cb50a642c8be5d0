//! The parser: tokens into a tree, tag by tag through the table of tags.
//!
//! A block's parse function asks the parser for its bodies ([`Parser::body`]):
//! a body runs up to the first tag the table does not know (`elsif`, `else`,
//! `endif`, a typo), which goes back to the block to accept or refuse.

use std::sync::Arc;

use super::ast::{Block, Filtered, Node, TagNode};
use super::expr::Cursor;
use super::lexer::{self, Token, TokenKind, is_ruby_space};
use super::{Document, ParseError, Span, table};

/// Blocks nest at most this deep (deeper is an error at the first tag past it).
pub const MAX_DEPTH: usize = 100;

/// A tag's opening markup, as its parse function gets it.
#[derive(Debug, Clone, Copy)]
pub struct Opening<'s> {
    pub name: &'s str,
    pub name_span: Span,
    /// After the name, without surrounding whitespace.
    pub markup: &'s str,
    pub markup_start: usize,
    /// The whole tag, `{%` to `%}` (a line, inside `{% liquid %}`).
    pub span: Span,
}

impl<'s> Opening<'s> {
    /// A cursor over the markup's expression tokens.
    pub fn cursor(&self) -> Result<Cursor, ParseError> {
        Cursor::new(self.markup, self.markup_start)
    }

    /// The markup text of `span` (a piece of this tag's markup).
    pub fn markup_text(&self, span: Span) -> String {
        let from = span.start.saturating_sub(self.markup_start);
        let to = span
            .end
            .saturating_sub(self.markup_start)
            .min(self.markup.len());
        self.markup.get(from..to).unwrap_or("").to_owned()
    }

    /// How a person writes the tag: `{% if %}`.
    pub fn shown(&self) -> String {
        format!("`{{% {} %}}`", self.name)
    }

    /// The tag as written, for messages: `{% if ticket %}` (shortened when long).
    pub fn written(&self, source: &str) -> String {
        let text = source.get(self.span.start..self.span.end).unwrap_or("");
        let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if one_line.chars().count() <= 60 && one_line.starts_with("{%") {
            format!("`{one_line}`")
        } else {
            self.shown()
        }
    }

    /// An error unless the tag has no markup.
    pub fn no_markup(&self) -> Result<(), ParseError> {
        if self.markup.is_empty() {
            Ok(())
        } else {
            Err(ParseError::new(
                Span::new(self.markup_start, self.markup_start + self.markup.len()),
                format!("{} takes no arguments", self.shown()),
            )
            .help("remove what follows the tag's name"))
        }
    }
}

enum Source {
    Tokens(Vec<Token>),
    /// The lines of a `{% liquid %}` tag: `(start, end)` of each, trimmed.
    Lines(Vec<(usize, usize)>),
}

enum Item<'s> {
    Text(Span),
    Output(Span, Option<(&'s str, usize)>),
    Tag(Opening<'s>),
}

pub struct Parser<'s> {
    pub source: &'s str,
    items: Source,
    pos: usize,
    depth: usize,
}

/// Parse a file.
pub fn parse(name: Arc<str>, source: Arc<str>) -> Result<Document, ParseError> {
    let body = {
        let tokens = lexer::tokenize(&source).map_err(|e| ParseError {
            span: e.span,
            message: e.message,
            help: e.help,
        })?;
        let mut p = Parser {
            source: &source,
            items: Source::Tokens(tokens),
            pos: 0,
            depth: 0,
        };
        p.document()?
    };
    Ok(Document { name, source, body })
}

impl<'s> Parser<'s> {
    /// The top level: every tag known, no stray delimiters.
    fn document(&mut self) -> Result<Block, ParseError> {
        let (block, stray) = self.body()?;
        match stray {
            None => Ok(block),
            Some(op) => Err(stray_tag(&op, None)),
        }
    }

    /// A parser over the lines of `{% liquid %}` markup.
    pub fn liquid(&self, markup: &str, markup_start: usize) -> Parser<'s> {
        let mut lines = Vec::new();
        let mut offset = markup_start;
        for line in markup.split('\n') {
            let lead = line.len() - line.trim_start_matches(is_ruby_space).len();
            let text = line.trim_matches(is_ruby_space);
            if !text.is_empty() {
                lines.push((offset + lead, offset + lead + text.len()));
            }
            offset += line.len() + 1;
        }
        Parser {
            source: self.source,
            items: Source::Lines(lines),
            pos: 0,
            depth: self.depth,
        }
    }

    /// The body of a `{% liquid %}` tag, whole (a delimiter it does not open is an error).
    pub fn liquid_body(&mut self, open: &Opening<'s>) -> Result<Block, ParseError> {
        let (block, stray) = self.body()?;
        match stray {
            None => Ok(block),
            Some(op) => Err(stray_tag(&op, Some(open))),
        }
    }

    fn next_item(&mut self) -> Result<Option<Item<'s>>, ParseError> {
        let source = self.source;
        match &self.items {
            Source::Lines(lines) => {
                let Some(&(start, end)) = lines.get(self.pos) else {
                    return Ok(None);
                };
                self.pos += 1;
                let text = &source[start..end];
                let name_len = if text.starts_with('#') {
                    1
                } else {
                    text.find(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .unwrap_or(text.len())
                };
                if name_len == 0 {
                    return Err(ParseError::new(
                        Span::new(start, end),
                        "each line of `{% liquid %}` must be a tag: `name arguments`",
                    ));
                }
                let rest = &text[name_len..];
                let gap = rest.len() - rest.trim_start_matches(is_ruby_space).len();
                Ok(Some(Item::Tag(Opening {
                    name: &text[..name_len],
                    name_span: Span::new(start, start + name_len),
                    markup: rest.trim_matches(is_ruby_space),
                    markup_start: start + name_len + gap,
                    span: Span::new(start, end),
                })))
            }
            Source::Tokens(tokens) => {
                let Some(&t) = tokens.get(self.pos) else {
                    return Ok(None);
                };
                let prev = self.pos.checked_sub(1).map(|i| tokens[i]);
                let next = tokens.get(self.pos + 1).copied();
                self.pos += 1;
                match t.kind {
                    TokenKind::Text => {
                        let mut span = t.span;
                        if prev.is_some_and(|p| lexer::trims_right(source, &p)) {
                            let text = &source[span.start..span.end];
                            span.start = span.end - text.trim_start_matches(is_ruby_space).len();
                        }
                        if next.is_some_and(|n| lexer::trims_left(source, &n)) {
                            let text = &source[span.start..span.end];
                            span.end = span.start + text.trim_end_matches(is_ruby_space).len();
                        }
                        Ok(Some(Item::Text(span)))
                    }
                    TokenKind::Output => {
                        let text = &source[t.span.start..t.span.end];
                        if !text.ends_with("}}") || text.len() < 4 {
                            return Err(ParseError::new(
                                Span::new(t.span.start, t.span.start + 2),
                                "this output is never closed with `}}`",
                            )
                            .help("add `}}` where the output ends"));
                        }
                        let body_start =
                            t.span.start + 2 + usize::from(lexer::trims_left(source, &t));
                        let body_end =
                            (t.span.end - 2 - usize::from(lexer::trims_right(source, &t)))
                                .max(body_start);
                        let inner = &source[body_start..body_end];
                        let trimmed = inner.trim_matches(is_ruby_space);
                        let inner = (!trimmed.is_empty()).then(|| {
                            let lead = inner.len() - inner.trim_start_matches(is_ruby_space).len();
                            (trimmed, body_start + lead)
                        });
                        Ok(Some(Item::Output(t.span, inner)))
                    }
                    TokenKind::Tag => {
                        let Some(parts) = lexer::tag_parts(source, t.span) else {
                            return Err(ParseError::new(
                                t.span,
                                "a tag needs a name: `{% name … %}`",
                            ));
                        };
                        Ok(Some(Item::Tag(Opening {
                            name: parts.name,
                            name_span: parts.name_span,
                            markup: parts.markup,
                            markup_start: parts.markup_start,
                            span: t.span,
                        })))
                    }
                }
            }
        }
    }

    /// Nodes up to the first tag the table does not know, returned with them.
    pub fn body(&mut self) -> Result<(Block, Option<Opening<'s>>), ParseError> {
        let mut block = Block::default();
        while let Some(item) = self.next_item()? {
            match item {
                Item::Text(span) => {
                    if span.start < span.end {
                        block.nodes.push(Node::Text(span));
                    }
                }
                Item::Output(span, inner) => {
                    let value = match inner {
                        None => None,
                        Some((text, at)) => {
                            Some(filtered(text, at).map_err(|e| runs_into(e, text, span))?)
                        }
                    };
                    block.nodes.push(Node::Output { span, value });
                }
                Item::Tag(op) => {
                    let Some(def) = table::get(op.name) else {
                        return Ok((block, Some(op)));
                    };
                    // Blocks, and `liquid` (which nests a body of its own), count.
                    if (def.end.is_some() || def.name == "liquid") && self.depth >= MAX_DEPTH {
                        return Err(ParseError::new(
                            op.span,
                            format!("blocks are nested more than {MAX_DEPTH} deep here"),
                        )
                        .help("close some blocks before opening more"));
                    }
                    self.depth += 1;
                    let tag = (def.parse)(self, op).map_err(|e| runs_into(e, op.markup, op.span));
                    self.depth -= 1;
                    block.nodes.push(Node::Tag(TagNode {
                        name: def.name,
                        span: op.span,
                        tag: tag?,
                    }));
                }
            }
        }
        Ok((block, None))
    }

    /// The next body of block `open`, and the tag that ends it, which must be
    /// one of `accept` (an end tag or branch); anything else is an error.
    pub fn branch(
        &mut self,
        open: &Opening<'s>,
        accept: &[&str],
    ) -> Result<(Block, Opening<'s>), ParseError> {
        let (block, delim) = self.body()?;
        match delim {
            Some(d) if accept.contains(&d.name) => Ok((block, d)),
            Some(d) => Err(stray_tag(&d, Some(open))),
            None => {
                let end = table::get(open.name).and_then(|t| t.end).unwrap_or("end");
                Err(ParseError::new(
                    open.span,
                    format!("{} is never closed", open.written(self.source)),
                )
                .help(format!("add `{{% {end} %}}` where the block ends")))
            }
        }
    }

    /// The text of a `raw`, `doc` or `comment` body, up to its end tag; for
    /// `doc`, a nested opener is an error. Returns the body and the end tag.
    pub fn verbatim(
        &mut self,
        open: &Opening<'s>,
        end: &str,
        nested: Nested,
    ) -> Result<(Span, Span), ParseError> {
        let source = self.source;
        let never_closed = || {
            ParseError::new(open.span, format!("{} is never closed", open.shown()))
                .help(format!("add `{{% {end} %}}` where the {} ends", open.name))
        };
        let Source::Tokens(tokens) = &self.items else {
            // Inside `{% liquid %}`: lines up to the end tag (nested comments counted).
            let Source::Lines(lines) = &self.items else {
                unreachable!()
            };
            if nested == Nested::Error {
                // As the reference: `doc` has no end inside `{% liquid %}`.
                return Err(never_closed().help(format!(
                    "`{}` cannot be used inside `{{% liquid %}}`; use `#` comments there",
                    open.name
                )));
            }
            let mut depth = 1;
            let start = self.pos;
            while let Some(&(s, e)) = lines.get(self.pos) {
                self.pos += 1;
                let word = source[s..e].split(is_ruby_space).next().unwrap_or("");
                if word == open.name && nested == Nested::Counted {
                    depth += 1;
                } else if word == end {
                    depth -= 1;
                    if depth == 0 {
                        let body_start = lines.get(start).map_or(s, |l| l.0);
                        return Ok((Span::new(body_start.min(s), s), Span::new(s, e)));
                    }
                }
            }
            return Err(never_closed());
        };
        let body_start = open.span.end;
        let mut depth = 1;
        let mut in_raw = false;
        while let Some(&t) = tokens.get(self.pos) {
            self.pos += 1;
            if t.kind == TokenKind::Text {
                continue;
            }
            match nested {
                Nested::Counted => {
                    // `comment`: nested comments count, a raw body holds no tags.
                    if t.kind != TokenKind::Tag {
                        continue;
                    }
                    let Some(parts) = lexer::tag_parts(source, t.span) else {
                        continue;
                    };
                    match parts.name {
                        "raw" if !in_raw => in_raw = true,
                        "endraw" => in_raw = false,
                        n if n == open.name && !in_raw => depth += 1,
                        n if n == end && !in_raw => {
                            depth -= 1;
                            if depth == 0 {
                                return Ok((Span::new(body_start, t.span.start), t.span));
                            }
                        }
                        _ => {}
                    }
                }
                Nested::Error | Nested::Allowed => {
                    let Some((name, at)) = lexer::last_tag_name(source, t.span) else {
                        continue;
                    };
                    if name == end {
                        return Ok((Span::new(body_start, at), Span::new(at, t.span.end)));
                    }
                    if name == open.name && nested == Nested::Error {
                        return Err(ParseError::new(
                            Span::new(at, t.span.end),
                            format!("{} cannot be nested", open.shown()),
                        )
                        .help(format!(
                            "close the first with `{{% {end} %}}` before opening another"
                        )));
                    }
                }
            }
        }
        Err(never_closed())
    }
}

/// How a verbatim body treats a tag of its own name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nested {
    /// `comment`: nested blocks are counted.
    Counted,
    /// `doc`: an error.
    Error,
    /// `raw`: text like any other.
    Allowed,
}

/// An error in markup that holds `{%` or `{{` most likely comes from a
/// missing `%}` or `}}` before it: say so.
fn runs_into(e: ParseError, markup: &str, span: Span) -> ParseError {
    if e.help.is_none()
        && (markup.contains("{%") || markup.contains("{{"))
        && span.contains(e.span.start)
    {
        e.help("this markup runs into the next `{%` or `{{`: is its closing `%}` missing?")
    } else {
        e
    }
}

/// Markup (at byte `at` of its file) that is one filtered expression and
/// nothing else: `{{ … }}`'s inside, `echo`'s markup.
fn filtered(text: &str, at: usize) -> Result<Filtered, ParseError> {
    let mut c = Cursor::new(text, at)?;
    let f = c.filtered()?;
    c.finish()?;
    Ok(f)
}

/// A tag where it does not belong: unknown, or a delimiter of no open block.
fn stray_tag(op: &Opening<'_>, inside: Option<&Opening<'_>>) -> ParseError {
    let name = op.name;
    if table::is_delimiter(name) {
        let opener = table::TAGS
            .iter()
            .find(|t| t.end == Some(name) || t.branches.contains(&name))
            .map_or("a block", |t| t.name);
        let msg = match inside {
            Some(open) => format!("`{{% {name} %}}` does not belong in {} here", open.shown()),
            None => format!("`{{% {name} %}}` without an open `{{% {opener} %}}`"),
        };
        return ParseError::new(op.span, msg).help(format!(
            "remove it, or open the `{opener}` block it belongs to"
        ));
    }
    let err = ParseError::new(op.name_span, format!("unknown tag `{name}`"));
    let candidates = table::names().chain(
        table::TAGS
            .iter()
            .flat_map(|t| t.end.into_iter().chain(t.branches.iter().copied())),
    );
    match crate::suggest::closest(name, candidates) {
        Some(s) => err.help(format!("did you mean `{s}`?")),
        None => err.help("see the list of standard tags in the README"),
    }
}

/// Parse the markup of a tag whose whole markup is one filtered expression.
pub fn filtered_markup(op: &Opening<'_>) -> Result<Filtered, ParseError> {
    filtered(op.markup, op.markup_start)
}
