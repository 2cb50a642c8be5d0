//! Errors and warnings a person can act on: the file, the line and column,
//! the source line with a caret, the message, and what to do about it.

use std::fmt;
use std::io::IsTerminal;
use std::sync::Arc;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// A place in a source file. `line` and `column` count from 1; the column in
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    /// The file the problem is in, when it is in one.
    pub file: Option<String>,
    /// Where in `file`, with the file's text for the code frame.
    pub span: Option<Span>,
    /// Label under the caret.
    pub label: Option<String>,
    /// What to do about it.
    pub help: Vec<String>,
    /// Text shown as it is after the diagnostic (a diff, a listing).
    pub detail: Option<String>,
}

/// What a command returns: nothing, or the diagnostics it failed with.
pub type CmdResult = Result<(), Vec<Diagnostic>>;

/// One diagnostic is a failure of its own (`?` on a `Result<_, Diagnostic>` in a command).
impl From<Diagnostic> for Vec<Diagnostic> {
    fn from(d: Diagnostic) -> Self {
        vec![d]
    }
}

#[derive(Debug, Clone)]
pub struct Span {
    pub source: Arc<str>,
    /// Byte range in `source`.
    pub start: usize,
    pub end: usize,
}

impl Span {
    /// The span of the character at `line`:`column` (1-based, column in characters).
    pub fn at(source: Arc<str>, line: usize, column: usize) -> Span {
        let start = offset_of(&source, line, column);
        let end = source[start..]
            .chars()
            .next()
            .filter(|c| *c != '\n')
            .map_or(start, |c| start + c.len_utf8());
        Span { source, start, end }
    }

    pub fn line_col(&self) -> (usize, usize) {
        line_col(&self.source, self.start)
    }
}

/// Byte offset of 1-based `line`:`column` (column in characters), clamped to the text.
pub fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for _ in 1..line.max(1) {
        match text[offset..].find('\n') {
            Some(i) => offset += i + 1,
            None => return text.len(),
        }
    }
    let line_text = &text[offset..];
    let line_end = line_text.find('\n').unwrap_or(line_text.len());
    let line_text = &line_text[..line_end];
    let within = line_text
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line_text.len(), |(i, _)| i);
    offset + within
}

/// 1-based line and column (in characters) of byte `offset`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            file: None,
            span: None,
            label: None,
            help: Vec::new(),
            detail: None,
        }
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message)
        }
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    pub fn with_span(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help.push(help.into());
        self
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// `file:line:col` when known, else `file`.
    pub fn location(&self) -> Option<Location> {
        let file = self.file.clone()?;
        let (line, column) = self.span.as_ref()?.line_col();
        Some(Location { file, line, column })
    }

    /// The diagnostic as text, with colour when `color` is set.
    pub fn render(&self, color: bool) -> String {
        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        // The first line says it all (`file:line:col: message`), as compilers
        // do, so editors and CI logs can link to it; the frame follows.
        let title = match (self.location(), &self.file) {
            (Some(location), _) => format!("{location}: {}", self.message),
            (None, Some(file)) => format!("{file}: {}", self.message),
            (None, None) => self.message.clone(),
        };
        let mut group: Group<'_> = Group::with_title(level.primary_title(title.as_str()));
        if let (Some(_), Some(span)) = (&self.file, &self.span) {
            let mut annotation = AnnotationKind::Primary.span(span.start..span.end);
            if let Some(label) = &self.label {
                annotation = annotation.label(label.as_str());
            }
            group = group.element(Snippet::source(&*span.source).annotation(annotation));
        }
        for help in &self.help {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        let mut text = renderer.render(&[group]);
        if let Some(detail) = &self.detail {
            text.push('\n');
            text.push_str(detail.trim_end());
        }
        text
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

impl std::error::Error for Diagnostic {}

/// Colour only on a terminal, and never when `NO_COLOR` is set.
pub fn stderr_wants_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// Print diagnostics to stderr, one block each.
pub fn emit(diagnostics: &[Diagnostic]) {
    let color = stderr_wants_color();
    for d in diagnostics {
        eprintln!("{}", d.render(color));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_positions_agree() {
        let text = "ab\nçd\n\nx";
        assert_eq!(offset_of(text, 2, 2), 5);
        assert_eq!(line_col(text, 5), (2, 2));
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(offset_of(text, 9, 1), text.len());
        assert_eq!(line_col(text, text.len()), (4, 2));
    }

    #[test]
    fn renders_a_code_frame() {
        let source: Arc<str> = Arc::from("<p>\n  {% if x %\n</p>\n");
        let d = Diagnostic::error("unclosed tag")
            .in_file("templates/mfa.liquid")
            .with_span(Span::at(source, 2, 3))
            .with_help("close it with `%}`");
        let text = d.render(false);
        assert!(
            text.starts_with("error: templates/mfa.liquid:2:3: unclosed tag\n"),
            "{text}"
        );
        assert!(text.contains("  {% if x %"), "{text}");
        assert!(text.contains('^'), "{text}");
        assert!(text.contains("help: close it with `%}`"), "{text}");
    }

    #[test]
    fn one_line_without_position() {
        let d = Diagnostic::error("no such file").in_file("contexts/x.json");
        assert_eq!(
            d.render(false).trim(),
            "error: contexts/x.json: no such file"
        );
    }
}
