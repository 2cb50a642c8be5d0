//! Liquid's expression grammar: literals, paths, ranges, filter chains and
//! conditions, parsed from a tag's markup with the span of every piece.
//!
//! The grammar is the reference's strict one: a name is `[A-Za-z_][\w-]*\??`,
//! whitespace may stand around `.` and before `[`, ranges may appear wherever
//! a value may, and anything left over is an error at its place.

use super::ast::*;
use super::{ParseError, Span};

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Ident(String),
    Str(String),
    Int(i64),
    Float(f64),
    Dot,
    DotDot,
    LBracket,
    RBracket,
    LParen,
    RParen,
    Pipe,
    Colon,
    Comma,
    Cmp(Op),
    /// `=` (assign).
    Assign,
    /// A character no token starts with.
    Other(char),
}

impl Tok {
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Str(s) => format!("the string {s:?}"),
            Tok::Int(i) => format!("`{i}`"),
            Tok::Float(f) => format!("`{f}`"),
            Tok::Dot => "`.`".into(),
            Tok::DotDot => "`..`".into(),
            Tok::LBracket => "`[`".into(),
            Tok::RBracket => "`]`".into(),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::Pipe => "`|`".into(),
            Tok::Colon => "`:`".into(),
            Tok::Comma => "`,`".into(),
            Tok::Cmp(op) => format!("`{}`", op.as_str()),
            Tok::Assign => "`=`".into(),
            Tok::Other(c) => format!("`{c}`"),
        }
    }
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c >= 0x80
}

/// Split markup (which starts at byte `origin` of its file) into tokens.
pub fn lex(markup: &str, origin: usize) -> Result<Vec<(Tok, Span)>, ParseError> {
    let b = markup.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let at = |s: usize, e: usize| Span::new(origin + s, origin + e);
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c.is_ascii_whitespace() || c == 0 {
            i += 1;
            continue;
        }
        let tok = match c {
            b'\'' | b'"' => {
                let Some(len) = markup[i + 1..].find(c as char) else {
                    return Err(
                        ParseError::new(at(i, b.len()), "this string is never closed")
                            .help(format!("add the closing {}", c as char)),
                    );
                };
                i += len + 2;
                Tok::Str(markup[start + 1..i - 1].to_owned())
            }
            b'0'..=b'9' | b'-' if c != b'-' || b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i += 1;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                let float = b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit);
                if float {
                    i += 1;
                    while i < b.len() && b[i].is_ascii_digit() {
                        i += 1;
                    }
                }
                // `1e3`, `123abc`: a name that starts with digits (the reference reads it so).
                if i < b.len()
                    && (b[i].is_ascii_alphabetic() || b[i] == b'_')
                    && c != b'-'
                    && !float
                {
                    while i < b.len() && is_ident_char(b[i]) {
                        i += 1;
                    }
                    if b.get(i) == Some(&b'?') {
                        i += 1;
                    }
                    Tok::Ident(markup[start..i].to_owned())
                } else {
                    let text = &markup[start..i];
                    if float {
                        Tok::Float(text.parse().unwrap_or(0.0))
                    } else {
                        match text.parse() {
                            Ok(n) => Tok::Int(n),
                            Err(_) => Tok::Float(text.parse().unwrap_or(0.0)),
                        }
                    }
                }
            }
            c if is_ident_start(c) => {
                while i < b.len() && is_ident_char(b[i]) {
                    i += 1;
                }
                if b.get(i) == Some(&b'?') {
                    i += 1;
                }
                // A multi-byte character: keep whole characters.
                while !markup.is_char_boundary(i) {
                    i += 1;
                }
                Tok::Ident(markup[start..i].to_owned())
            }
            b'.' if b.get(i + 1) == Some(&b'.') => {
                i += 2;
                Tok::DotDot
            }
            b'.' => {
                i += 1;
                Tok::Dot
            }
            b'[' => {
                i += 1;
                Tok::LBracket
            }
            b']' => {
                i += 1;
                Tok::RBracket
            }
            b'(' => {
                i += 1;
                Tok::LParen
            }
            b')' => {
                i += 1;
                Tok::RParen
            }
            b'|' => {
                i += 1;
                Tok::Pipe
            }
            b':' => {
                i += 1;
                Tok::Colon
            }
            b',' => {
                i += 1;
                Tok::Comma
            }
            b'=' if b.get(i + 1) == Some(&b'=') => {
                i += 2;
                Tok::Cmp(Op::Eq)
            }
            b'=' => {
                i += 1;
                Tok::Assign
            }
            b'!' if b.get(i + 1) == Some(&b'=') => {
                i += 2;
                Tok::Cmp(Op::Ne)
            }
            b'<' if b.get(i + 1) == Some(&b'>') => {
                i += 2;
                Tok::Cmp(Op::Ne)
            }
            b'<' if b.get(i + 1) == Some(&b'=') => {
                i += 2;
                Tok::Cmp(Op::Le)
            }
            b'>' if b.get(i + 1) == Some(&b'=') => {
                i += 2;
                Tok::Cmp(Op::Ge)
            }
            b'<' => {
                i += 1;
                Tok::Cmp(Op::Lt)
            }
            b'>' => {
                i += 1;
                Tok::Cmp(Op::Gt)
            }
            _ => {
                let ch = markup[i..].chars().next().unwrap_or('?');
                i += ch.len_utf8();
                Tok::Other(ch)
            }
        };
        out.push((tok, at(start, i)));
    }
    Ok(out)
}

/// How deep brackets and ranges may nest inside one expression.
pub const MAX_NESTING: usize = 100;

/// A cursor over a markup's tokens.
pub struct Cursor {
    toks: Vec<(Tok, Span)>,
    pos: usize,
    /// How deep `[…]` and `(…..…)` are nested where the parser is.
    depth: usize,
    /// Where the markup ends (for errors about what is missing).
    end: usize,
}

impl Cursor {
    pub fn new(markup: &str, origin: usize) -> Result<Cursor, ParseError> {
        Ok(Cursor {
            toks: lex(markup, origin)?,
            pos: 0,
            depth: 0,
            end: origin + markup.len(),
        })
    }

    pub fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }

    pub fn peek_at(&self, n: usize) -> Option<&Tok> {
        self.toks.get(self.pos + n).map(|t| &t.0)
    }

    /// The span of the next token, or an empty span at the end.
    pub fn here(&self) -> Span {
        self.toks
            .get(self.pos)
            .map_or(Span::new(self.end, self.end), |t| t.1)
    }

    /// End of the previous token.
    pub fn last_end(&self) -> usize {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map_or(self.end, |t| t.1.end)
    }

    pub fn bump(&mut self) -> Option<(Tok, Span)> {
        let t = self.toks.get(self.pos).cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    pub fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek() == Some(tok) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub fn eat_word(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Ident(w)) if w == word) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub fn is_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(w)) if w == word)
    }

    /// An error at the next token: "expected X, found Y".
    pub fn unexpected(&self, expected: &str) -> ParseError {
        match self.toks.get(self.pos) {
            Some((t, span)) => ParseError::new(
                *span,
                format!("expected {expected}, found {}", t.describe()),
            ),
            None => ParseError::new(
                Span::new(self.end, self.end),
                format!("expected {expected}, found the end of the tag"),
            ),
        }
    }

    pub fn expect(&mut self, tok: &Tok, expected: &str) -> Result<Span, ParseError> {
        if self.peek() == Some(tok) {
            Ok(self.bump().map(|t| t.1).unwrap_or_default())
        } else {
            Err(self.unexpected(expected))
        }
    }

    /// The end of the markup: anything left is an error.
    pub fn finish(&self) -> Result<(), ParseError> {
        if self.at_end() {
            Ok(())
        } else {
            Err(self.unexpected("the end of the tag"))
        }
    }

    /// A plain name (for `assign x`, `for x in`, `capture x`).
    pub fn name(&mut self, what: &str) -> Result<(String, Span), ParseError> {
        match self.bump() {
            Some((Tok::Ident(n), span)) => Ok((n, span)),
            // `{% assign 123 = … %}`: the reference takes digits as a name.
            Some((Tok::Int(n), span)) if n >= 0 => Ok((n.to_string(), span)),
            _ => {
                self.pos = self.pos.saturating_sub(1);
                Err(self.unexpected(what))
            }
        }
    }

    // ---- expressions ----

    /// A value: literal, path or range.
    pub fn expr(&mut self) -> Result<Expr, ParseError> {
        // `a[a[a[…]]]` and `((…..…))` nest: bounded, as blocks are.
        if self.depth >= MAX_NESTING {
            return Err(ParseError::new(
                self.here(),
                format!("brackets and ranges are nested more than {MAX_NESTING} deep here"),
            )
            .help("assign the inner value to a variable first"));
        }
        self.depth += 1;
        let e = self.expr_inner();
        self.depth -= 1;
        e
    }

    fn expr_inner(&mut self) -> Result<Expr, ParseError> {
        let Some((tok, span)) = self.bump() else {
            return Err(self.unexpected("a value"));
        };
        match tok {
            Tok::Str(s) => Ok(Expr::Lit(Lit::Str(s), span)),
            Tok::Int(i) => Ok(Expr::Lit(Lit::Int(i), span)),
            Tok::Float(f) => Ok(Expr::Lit(Lit::Float(f), span)),
            Tok::LParen => {
                let start = self.expr()?;
                self.expect(&Tok::DotDot, "`..` in a range `(start..end)`")?;
                let end = self.expr()?;
                let close = self.expect(&Tok::RParen, "`)` to close the range")?;
                Ok(Expr::Range(Box::new(start), Box::new(end), span.to(close)))
            }
            Tok::Ident(name) => {
                let lit = match name.as_str() {
                    "nil" | "null" => Some(Lit::Nil),
                    "true" => Some(Lit::Bool(true)),
                    "false" => Some(Lit::Bool(false)),
                    "empty" => Some(Lit::Empty),
                    "blank" => Some(Lit::Blank),
                    _ => None,
                };
                match lit {
                    Some(lit) if !matches!(self.peek(), Some(Tok::Dot | Tok::LBracket)) => {
                        Ok(Expr::Lit(lit, span))
                    }
                    _ => self.path_from(Root::Name(name), span),
                }
            }
            Tok::LBracket => {
                let index = self.expr()?;
                let close = self.expect(&Tok::RBracket, "`]`")?;
                self.path_from(Root::Index(Box::new(index)), span.to(close))
            }
            _ => {
                self.pos -= 1;
                Err(self.unexpected("a value"))
            }
        }
    }

    fn path_from(&mut self, root: Root, mut span: Span) -> Result<Expr, ParseError> {
        let mut segments = Vec::new();
        loop {
            match self.peek() {
                Some(Tok::Dot) => {
                    self.pos += 1;
                    match self.bump() {
                        Some((Tok::Ident(k), s)) => {
                            span = span.to(s);
                            segments.push(Segment::Key(k, s));
                        }
                        _ => {
                            self.pos -= 1;
                            return Err(self.unexpected("a name after `.`"));
                        }
                    }
                }
                Some(Tok::LBracket) => {
                    self.pos += 1;
                    let index = self.expr()?;
                    let close = self.expect(&Tok::RBracket, "`]`")?;
                    span = span.to(close);
                    segments.push(Segment::Index(index));
                }
                _ => break,
            }
        }
        // `products[0]title`: a name straight after a lookup is not a new value.
        if let Some(Tok::Ident(_)) = self.peek()
            && self.here().start == span.end
        {
            return Err(self.unexpected("`.` between the parts of a variable"));
        }
        Ok(Expr::Path(Path {
            span,
            root,
            segments,
            guarded: false,
        }))
    }

    /// An expression with its filters: `x | f: 1, k: 2 | g`.
    pub fn filtered(&mut self) -> Result<Filtered, ParseError> {
        let input = self.expr()?;
        let start = input.span();
        let filters = self.filters()?;
        let end = filters.last().map_or(start, |f| f.span);
        let mut f = Filtered {
            span: start.to(end),
            input,
            filters,
        };
        if f.has_filter("default") {
            f.input.mark_guarded();
        }
        Ok(f)
    }

    /// `| name: args` as many times as written.
    pub fn filters(&mut self) -> Result<Vec<Filter>, ParseError> {
        let mut out = Vec::new();
        while self.eat(&Tok::Pipe) {
            let pipe = Span::new(self.last_end() - 1, self.last_end());
            let (name, name_span) = match self.bump() {
                Some((Tok::Ident(n), s)) => (n, s),
                _ => {
                    self.pos = self.pos.saturating_sub(1);
                    return Err(self.unexpected("a filter name after `|`"));
                }
            };
            let Some(def) = crate::filters::all().find(|d| d.name == name) else {
                let names: Vec<&str> = crate::filters::all().map(|d| d.name).collect();
                let mut err = ParseError::new(name_span, format!("unknown filter `{name}`"));
                err = match crate::suggest::closest(&name, names.iter().copied()) {
                    Some(s) => err.help(format!("did you mean `{s}`?")),
                    None => err.help("see the list of standard filters in the README"),
                };
                return Err(err);
            };
            let mut args = Vec::new();
            let mut keyword = Vec::new();
            if self.eat(&Tok::Colon) {
                loop {
                    if let (Some(Tok::Ident(k)), Some(Tok::Colon)) = (self.peek(), self.peek_at(1))
                    {
                        let k = k.clone();
                        self.pos += 2;
                        keyword.push((k, self.expr()?));
                    } else {
                        args.push(self.expr()?);
                    }
                    if !self.eat(&Tok::Comma) {
                        break;
                    }
                }
            } else if !self.at_end() && !matches!(self.peek(), Some(Tok::Pipe)) {
                // `default "x"`: the reference's lax parser drops the argument in silence.
                let here = self.here();
                let shown = match self.peek() {
                    Some(Tok::Str(s)) => format!("{s:?}"),
                    Some(t) => t.describe().trim_matches('`').to_owned(),
                    None => String::new(),
                };
                return Err(ParseError::new(
                    here,
                    format!("`{name}` is followed by a value without a colon"),
                )
                .help(format!(
                    "did you mean `{name}: {shown}`? A filter's arguments follow a colon"
                )));
            }
            let end = self.last_end();
            out.push(Filter {
                name,
                span: Span::new(pipe.start, end),
                def,
                args,
                keyword,
            });
        }
        Ok(out)
    }

    /// A condition: comparisons joined by `and` / `or`.
    pub fn condition(&mut self) -> Result<Condition, ParseError> {
        let start = self.here();
        let first = self.comparison()?;
        let mut rest = Vec::new();
        loop {
            let logic = if self.eat_word("and") {
                Logic::And
            } else if self.eat_word("or") {
                Logic::Or
            } else {
                break;
            };
            rest.push((logic, self.comparison()?));
        }
        Ok(Condition {
            span: start.to(Span::new(self.last_end(), self.last_end())),
            first,
            rest,
        })
    }

    fn comparison(&mut self) -> Result<Comparison, ParseError> {
        let mut left = self.expr()?;
        let op = match self.peek() {
            Some(Tok::Cmp(op)) => Some(*op),
            Some(Tok::Ident(w)) if w == "contains" => Some(Op::Contains),
            _ => None,
        };
        let Some(op) = op else {
            left.mark_guarded();
            return Ok(Comparison { left, op: None });
        };
        self.pos += 1;
        let mut right = self.expr()?;
        let absent = |e: &Expr| matches!(e, Expr::Lit(Lit::Nil | Lit::Empty | Lit::Blank, _));
        if matches!(op, Op::Eq | Op::Ne) {
            if absent(&right) {
                left.mark_guarded();
            }
            if absent(&left) {
                right.mark_guarded();
            }
        }
        Ok(Comparison {
            left,
            op: Some((op, right)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(s: &str) -> Expr {
        let mut c = Cursor::new(s, 0).unwrap();
        let e = c.expr().unwrap();
        c.finish().unwrap();
        e
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("{}x{}", "a[".repeat(200_000), "]".repeat(200_000));
        let mut c = Cursor::new(&deep, 0).unwrap();
        assert!(
            c.expr()
                .unwrap_err()
                .message
                .contains("nested more than 100")
        );
        let ok = format!("{}x{}", "a[".repeat(50), "]".repeat(50));
        assert!(Cursor::new(&ok, 0).unwrap().expr().is_ok());
    }

    #[test]
    fn literals_are_whole_words() {
        assert!(matches!(expr("nil"), Expr::Lit(Lit::Nil, _)));
        assert!(matches!(expr("nilly"), Expr::Path(_)));
        assert!(matches!(expr("trueish"), Expr::Path(_)));
        assert!(matches!(expr("emptyState"), Expr::Path(_)));
        assert!(matches!(expr("-1.5"), Expr::Lit(Lit::Float(_), _)));
    }

    #[test]
    fn paths_with_spaces_and_brackets() {
        let Expr::Path(p) = expr("foo \n\t.bar") else {
            panic!()
        };
        assert_eq!(p.written(), "foo.bar");
        let Expr::Path(p) = expr("['a b'].c[0]") else {
            panic!()
        };
        assert_eq!(p.static_keys(), vec!["a b", "c", "0"]);
        assert_eq!(p.span, Span::new(0, 12));
        let mut c = Cursor::new("products[0]title", 0).unwrap();
        assert!(c.expr().is_err());
    }

    #[test]
    fn ranges_and_filters() {
        let mut c = Cursor::new("(1..n) | join: '#' | default: x, allow_false: true", 0).unwrap();
        let f = c.filtered().unwrap();
        assert!(matches!(f.input, Expr::Range(..)));
        assert_eq!(f.filters.len(), 2);
        assert_eq!(f.filters[1].keyword.len(), 1);
        let mut c = Cursor::new("x | default 'y'", 0).unwrap();
        let e = c.filtered().unwrap_err();
        assert!(e.help.unwrap().contains("default: \"y\""));
        let mut c = Cursor::new("x | escpe", 0).unwrap();
        assert!(c.filtered().unwrap_err().help.unwrap().contains("escape"));
    }

    #[test]
    fn guards() {
        let mut c = Cursor::new("a | escape | default: 'x'", 0).unwrap();
        let f = c.filtered().unwrap();
        assert!(matches!(f.input, Expr::Path(Path { guarded: true, .. })));
        let mut c = Cursor::new("a and b == nil or c == 'x'", 0).unwrap();
        let cond = c.condition().unwrap();
        let guarded: Vec<bool> = cond
            .exprs()
            .filter_map(|e| match e {
                Expr::Path(p) => Some(p.guarded),
                _ => None,
            })
            .collect();
        assert_eq!(guarded, vec![true, true, false]);
    }
}
