//! CSS a browser would drop: every `<style>` element and `style=""`
//! attribute of a rendered page is read with Servo's CSS parser
//! (`cssparser`, CSS Syntax Level 3, error recovery as browsers do it) and a
//! declaration the browser would throw away is a finding at its template
//! line (`css-invalid-declaration`); so is a rule whose selector cannot be
//! one (`css-invalid-rule`, the usual trace of a stray `}` or `;`).
//!
//! What makes a declaration dropped is decided only where it is certain:
//! a `{ … }` block in the value of a standard property (what a formatter
//! leaves of Liquid's `{{ … }}`: `{ { pagebackgroundcolor } }`), a quoted
//! value in a property that takes no text (`background-color: '#2b2b33'`),
//! a colour property whose value is no colour, and a bad string or URL.
//! Values with `var()`, `env()` or `attr()` are resolved by the browser
//! later and are left alone, as are at-rules that hold no style rules
//! (`@font-face`, `@keyframes`, …) and custom properties (`--x`).

use cssparser::{
    AtRuleParser, CowRcStr, DeclarationParser, ParseError, Parser, ParserState,
    QualifiedRuleParser, RuleBodyItemParser, RuleBodyParser, StyleSheetParser, Token,
};

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::check::a11y::{Locate, Tag};
use crate::check::report::{Finding, Level};

/// Why the browser drops it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// A `{ … }` block in the value.
    Block,
    /// A quoted value where the property takes no text.
    Quoted,
    /// A colour property whose value is no colour.
    NotAColour,
    /// An unclosed string or a bad `url(…)`.
    BadToken,
    /// A rule whose selector is empty or holds `}` or `;`.
    Selector,
}

/// One thing the browser drops, in the CSS text it was found in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    pub start: usize,
    pub end: usize,
    /// The property (empty for a rule).
    pub property: String,
    pub reason: Reason,
}

/// Properties whose value may hold a string.
const TAKES_TEXT: &[&str] = &[
    "content",
    "quotes",
    "font",
    "font-family",
    "font-feature-settings",
    "font-variation-settings",
    "font-language-override",
    "font-palette",
    "grid",
    "grid-template",
    "grid-template-areas",
    "list-style",
    "list-style-type",
    "text-overflow",
    "text-emphasis",
    "text-emphasis-style",
    "hyphenate-character",
    "animation",
    "animation-name",
    "string-set",
    "voice-family",
    "counter-reset",
    "counter-set",
    "counter-increment",
    "src",
    "speak-as",
    "mask",
    "mask-image",
    "background",
    "background-image",
    "border-image",
    "border-image-source",
    "list-style-image",
    "cursor",
    "filter",
    "content-visibility",
    "view-transition-name",
    "anchor-name",
    "position-anchor",
];

/// Properties that take one colour.
const COLOUR: &[&str] = &[
    "color",
    "background-color",
    "border-top-color",
    "border-right-color",
    "border-bottom-color",
    "border-left-color",
    "border-block-start-color",
    "border-block-end-color",
    "border-inline-start-color",
    "border-inline-end-color",
    "border-block-color",
    "border-inline-color",
    "outline-color",
    "text-decoration-color",
    "text-emphasis-color",
    "caret-color",
    "accent-color",
    "column-rule-color",
    "stop-color",
    "flood-color",
    "lighting-color",
];

/// Keywords every property takes, and the colour properties' own.
const KEYWORDS: &[&str] = &[
    "inherit",
    "initial",
    "unset",
    "revert",
    "revert-layer",
    "auto",
    "invert",
];

/// System colours (CSS Color 4, with the deprecated ones browsers still take).
const SYSTEM_COLOURS: &[&str] = &[
    "accentcolor",
    "accentcolortext",
    "activetext",
    "buttonborder",
    "buttonface",
    "buttontext",
    "canvas",
    "canvastext",
    "field",
    "fieldtext",
    "graytext",
    "highlight",
    "highlighttext",
    "linktext",
    "mark",
    "marktext",
    "selecteditem",
    "selecteditemtext",
    "visitedtext",
    "activeborder",
    "activecaption",
    "appworkspace",
    "background",
    "buttonhighlight",
    "buttonshadow",
    "captiontext",
    "inactiveborder",
    "inactivecaption",
    "inactivecaptiontext",
    "infobackground",
    "infotext",
    "menu",
    "menutext",
    "scrollbar",
    "threeddarkshadow",
    "threedface",
    "threedhighlight",
    "threedlightshadow",
    "threedshadow",
    "window",
    "windowframe",
    "windowtext",
];

/// The colour functions the colour parser knows.
const COLOUR_FUNCTIONS: &[&str] = &[
    "rgb", "rgba", "hsl", "hsla", "hwb", "lab", "lch", "oklab", "oklch", "color",
];

/// What one value holds, as far as deciding goes.
#[derive(Default)]
struct Scan {
    block: bool,
    top_string: bool,
    bad: bool,
    /// `var()`, `env()`, `attr()`: resolved later by the browser.
    substituted: bool,
    /// Functions other than one level of a colour function.
    other_functions: bool,
}

fn scan_value<'i>(input: &mut Parser<'i>, depth: usize, scan: &mut Scan) {
    while let Ok(token) = input.next_including_whitespace_and_comments() {
        let nested = match token {
            Token::CurlyBracketBlock => {
                scan.block = true;
                true
            }
            Token::QuotedString(_) if depth == 0 => {
                scan.top_string = true;
                false
            }
            Token::BadString(_) | Token::BadUrl(_) => {
                scan.bad = true;
                false
            }
            Token::CloseParenthesis | Token::CloseSquareBracket | Token::CloseCurlyBracket => {
                scan.bad = true;
                false
            }
            Token::Function(name) => {
                let name = name.to_ascii_lowercase();
                if matches!(name.as_str(), "var" | "env" | "attr") {
                    scan.substituted = true;
                }
                if depth > 0 || !COLOUR_FUNCTIONS.contains(&name.as_str()) {
                    scan.other_functions = true;
                }
                true
            }
            Token::ParenthesisBlock | Token::SquareBracketBlock => true,
            _ => false,
        };
        if nested {
            let _ = input.parse_nested_block(|inner| -> Result<(), ParseError<()>> {
                scan_value(inner, depth + 1, scan);
                Ok(())
            });
        }
    }
}

/// Whether `value` (without `!important`) is one colour.
fn is_colour(value: &str) -> bool {
    let trimmed = value.trim();
    let lower = trimmed.to_ascii_lowercase();
    if KEYWORDS.contains(&lower.as_str())
        || SYSTEM_COLOURS.contains(&lower.as_str())
        || lower.starts_with('-')
    {
        return true;
    }
    let mut parser = Parser::new(trimmed);
    parser
        .parse_entirely(|p| cssparser_color::Color::parse(p).map(|_| ()))
        .is_ok()
}

/// Reads rules and declarations, collecting what the browser drops.
struct Checker<'d> {
    dropped: &'d mut Vec<Dropped>,
    /// Where each block starts in the page text being read (offsets are absolute in `css`).
    base: usize,
}

/// The prelude of an at-rule: whether its block holds style rules (or declarations, when nested).
enum AtPrelude {
    Rules,
    Skip,
}

impl<'i> DeclarationParser<'i> for Checker<'_> {
    type Declaration = ();
    type Error = ();

    fn parse_value(
        &mut self,
        name: CowRcStr<'i>,
        input: &mut Parser<'i>,
        start: &ParserState,
    ) -> Result<(), ParseError<()>> {
        let value_start = input.position();
        let mut scan = Scan::default();
        scan_value(input, 0, &mut scan);
        let property = name.to_ascii_lowercase();
        let value = input.slice_from(value_start);
        let reason = if property.starts_with("--") || scan.substituted {
            None
        } else if scan.block {
            Some(Reason::Block)
        } else if scan.bad {
            Some(Reason::BadToken)
        } else if scan.top_string
            && !property.starts_with('-')
            && !TAKES_TEXT.contains(&property.as_str())
        {
            Some(Reason::Quoted)
        } else if COLOUR.contains(&property.as_str())
            && !scan.other_functions
            && !value.trim().is_empty()
            && !is_colour(strip_important(value))
        {
            Some(Reason::NotAColour)
        } else {
            None
        };
        match reason {
            None => Ok(()),
            Some(reason) => {
                let text = input.slice_from(start.position());
                self.dropped.push(Dropped {
                    start: self.base + start.position().byte_index(),
                    end: self.base + start.position().byte_index() + text.trim_end().len(),
                    property,
                    reason,
                });
                Err(ParseError::custom(()))
            }
        }
    }
}

impl<'i> QualifiedRuleParser<'i> for Checker<'_> {
    type Prelude = ();
    type QualifiedRule = ();
    type Error = ();

    fn parse_prelude(&mut self, input: &mut Parser<'i>) -> Result<(), ParseError<()>> {
        let start = input.position();
        let mut after_colon = false;
        let mut bad = false;
        while let Ok(token) = input.next_including_whitespace_and_comments() {
            match token {
                Token::Colon => {
                    after_colon = true;
                    continue;
                }
                // `name: value` is a declaration, not a selector.
                Token::WhiteSpace(_) if after_colon => bad = true,
                Token::Semicolon | Token::CloseCurlyBracket => bad = true,
                _ => {}
            }
            after_colon = false;
        }
        let prelude = input.slice_from(start);
        if bad || after_colon || prelude.trim().is_empty() {
            return Err(ParseError::custom(()));
        }
        Ok(())
    }

    fn parse_block(
        &mut self,
        _prelude: (),
        start: &ParserState,
        input: &mut Parser<'i>,
    ) -> Result<(), ParseError<()>> {
        // A nested rule read first as a declaration is a rule after all.
        let at = self.base + start.position().byte_index();
        self.dropped
            .retain(|d| !(d.start == at && d.reason != Reason::Selector));
        body(self, input);
        Ok(())
    }
}

impl<'i> AtRuleParser<'i> for Checker<'_> {
    type Prelude = AtPrelude;
    type AtRule = ();
    type Error = ();

    fn parse_prelude(
        &mut self,
        name: CowRcStr<'i>,
        input: &mut Parser<'i>,
    ) -> Result<AtPrelude, ParseError<()>> {
        while input.next_including_whitespace_and_comments().is_ok() {}
        let name = name.to_ascii_lowercase();
        Ok(
            if matches!(
                name.as_str(),
                "media"
                    | "supports"
                    | "container"
                    | "layer"
                    | "scope"
                    | "starting-style"
                    | "document"
                    | "-moz-document"
            ) {
                AtPrelude::Rules
            } else {
                AtPrelude::Skip
            },
        )
    }

    fn rule_without_block(&mut self, _prelude: AtPrelude, _start: &ParserState) -> Result<(), ()> {
        Ok(())
    }

    fn parse_block(
        &mut self,
        prelude: AtPrelude,
        _start: &ParserState,
        input: &mut Parser<'i>,
    ) -> Result<(), ParseError<()>> {
        match prelude {
            AtPrelude::Rules => body(self, input),
            AtPrelude::Skip => while input.next_including_whitespace_and_comments().is_ok() {},
        }
        Ok(())
    }
}

impl<'i> RuleBodyItemParser<'i, (), ()> for Checker<'_> {
    fn parse_declarations(&self) -> bool {
        true
    }
    fn parse_qualified(&self) -> bool {
        true
    }
}

/// A block of declarations and nested rules.
fn body(checker: &mut Checker<'_>, input: &mut Parser<'_>) {
    for _ in RuleBodyParser::new(input, checker) {}
}

/// `value` without a trailing `!important`.
fn strip_important(value: &str) -> &str {
    let trimmed = value.trim_end();
    let lower = trimmed.to_ascii_lowercase();
    match lower.rfind('!') {
        Some(at) if lower[at + 1..].trim() == "important" => &trimmed[..at],
        _ => trimmed,
    }
}

/// What the browser drops in a style sheet (`<style>`).
pub fn sheet(css: &str) -> Vec<Dropped> {
    let mut dropped = Vec::new();
    let mut parser = Parser::new(css);
    let mut checker = Checker {
        dropped: &mut dropped,
        base: 0,
    };
    let invalid: Vec<&str> = StyleSheetParser::new(&mut parser, &mut checker)
        .filter_map(|rule| rule.err().map(|(_, text, _)| text))
        .collect();
    for text in invalid {
        let start = text.as_ptr() as usize - css.as_ptr() as usize;
        // Rules whose prelude was refused; a declaration error inside is reported by itself.
        if !dropped
            .iter()
            .any(|d| d.start >= start && d.start < start + text.len())
        {
            dropped.push(Dropped {
                start,
                end: start + text.trim_end().len(),
                property: String::new(),
                reason: Reason::Selector,
            });
        }
    }
    dropped.sort_by_key(|d| d.start);
    dropped
}

/// What the browser drops in a `style=""` attribute's declarations.
pub fn declarations(css: &str) -> Vec<Dropped> {
    let mut dropped = Vec::new();
    let mut parser = Parser::new(css);
    let mut checker = Checker {
        dropped: &mut dropped,
        base: 0,
    };
    body(&mut checker, &mut parser);
    dropped.retain(|d| d.reason != Reason::Selector);
    dropped
}

/// The CSS of a page: `(offset in the page, text, whether it is a whole sheet)`.
fn styles<'h>(html: &'h str, tags: &[Tag<'h>]) -> Vec<(usize, &'h str, bool)> {
    let mut out = Vec::new();
    for tag in tags {
        let style = tag
            .attrs
            .iter()
            .find(|(n, _)| n == "style")
            .and_then(|(_, v)| *v);
        if let Some(value) = style {
            let at = value.as_ptr() as usize - html.as_ptr() as usize;
            out.push((at, value, false));
        }
        if tag.name == "style" {
            let css_type = match tag.attr("type") {
                Some(Some(t)) => t.trim().is_empty() || t.trim().eq_ignore_ascii_case("text/css"),
                _ => true,
            };
            if !css_type {
                continue;
            }
            let end = crate::check::widget::raw_text_end(html, tag.end, "style");
            out.push((tag.end, &html[tag.end..end], true));
        }
    }
    out
}

/// Style sheets and attributes already read, by content: scenarios render the same CSS.
#[derive(Debug, Default)]
pub struct Cache {
    read: HashMap<(u64, bool), Vec<Dropped>>,
}

/// The findings for one rendered page (`tags`: its start tags).
pub fn findings(
    html: &str,
    tags: &[Tag<'_>],
    cache: &mut Cache,
    locate: &Locate<'_>,
    template: &str,
    scenario: &str,
) -> Vec<Finding> {
    if !html.contains("style") {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (at, css, whole) in styles(html, tags) {
        let key = {
            let mut h = DefaultHasher::new();
            css.hash(&mut h);
            (h.finish(), whole)
        };
        let dropped = cache
            .read
            .entry(key)
            .or_insert_with(|| if whole { sheet(css) } else { declarations(css) });
        for d in dropped.iter() {
            let text = &css[d.start..d.end];
            out.push(finding(html, at, text, d, locate, template, scenario));
        }
    }
    out
}

fn finding(
    html: &str,
    at: usize,
    text: &str,
    d: &Dropped,
    locate: &Locate<'_>,
    template: &str,
    scenario: &str,
) -> Finding {
    let shown = shorten(text);
    let (code, message, mut help) = match d.reason {
        Reason::Block => (
            "css-invalid-declaration",
            format!("the browser drops `{shown}`: a `{{ … }}` block is not a value of `{}`", d.property),
            Vec::new(),
        ),
        Reason::Quoted => {
            let colour = d.property.ends_with("color");
            let unquoted = text.replace(['\'', '"'], "");
            (
                "css-invalid-declaration",
                if colour {
                    format!("the browser drops `{shown}`: a colour in quotes is text, not a colour")
                } else {
                    format!("the browser drops `{shown}`: `{}` takes no quoted text", d.property)
                },
                vec![format!("write it without quotes: `{}`", shorten(&unquoted))],
            )
        }
        Reason::NotAColour => (
            "css-invalid-declaration",
            format!("the browser drops `{shown}`: the value is not a colour"),
            vec!["a colour is a name (`white`), a hex value of 3, 4, 6 or 8 digits (`#2b2b33`) or a function (`rgb(43 43 51)`)".to_owned()],
        ),
        Reason::BadToken => (
            "css-invalid-declaration",
            format!("the browser drops `{shown}`: an unclosed string, URL or bracket"),
            Vec::new(),
        ),
        Reason::Selector => (
            "css-invalid-rule",
            format!("the browser drops the rule `{shown}`: its selector is empty or holds a stray `}}` or `;`"),
            vec!["look for an extra `}` or `;` before it".to_owned()],
        ),
    };
    if let Some(liquid) = mangled_liquid(text) {
        help.insert(0, format!(
            "`{{ {{` and `}} }}` are Liquid's `{{{{ … }}}}` pulled apart by a code formatter that read the style as CSS (VS Code's HTML formatter, js-beautify, Prettier): write `{liquid}` and keep the formatter off this template (exclude it from format on save, or list it in .prettierignore)"
        ));
    }
    let offset = at + d.start;
    let end = at + d.end;
    let rendered = html[..offset].matches('\n').count() + 1;
    let mut f = Finding::new(Level::Error, code, message).scenario(scenario);
    for h in help {
        f = f.help(h);
    }
    f.rendered_line = Some(rendered);
    match (locate(offset), locate(end.saturating_sub(1))) {
        (Some((file, source, start, first_end)), last) => {
            let end = match last {
                Some((other, _, _, last_end)) if other == file && last_end > start => last_end,
                _ => first_end,
            };
            f.in_file(file)
                .at(source, start, end)
                .label("dropped by the browser")
        }
        (None, _) => f.in_file(template.to_owned()),
    }
}

/// At most one line of 80 characters.
fn shorten(text: &str) -> String {
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 80 {
        format!("{}…", one.chars().take(79).collect::<String>())
    } else {
        one
    }
}

/// What `{ { … } }` (a formatter's work) was before: `{{ pageBackgroundColor | default: '#2b2b33' }}`.
pub fn mangled_liquid(text: &str) -> Option<String> {
    let open = find_pair(text, '{')?;
    let close = text[open..].rfind('}')?;
    let inner_end = text[..open + close].trim_end().strip_suffix('}')?.len();
    let second = open + 1 + text[open + 1..].find('{')?;
    let inner = text.get(second + 1..inner_end).unwrap_or("");
    let inner = inner.trim().trim_end_matches(';').trim();
    if inner.is_empty() {
        return None;
    }
    let restored: Vec<String> = inner
        .split('|')
        .map(|part| restore_case(part.trim()))
        .collect();
    Some(format!("{{{{ {} }}}}", restored.join(" | ")))
}

/// The offset of a `{` followed, after spaces, by another `{` (not `{{`).
fn find_pair(text: &str, brace: char) -> Option<usize> {
    text.char_indices().find_map(|(i, c)| {
        if c != brace {
            return None;
        }
        let rest = &text[i + 1..];
        let trimmed = rest.trim_start();
        (trimmed.len() < rest.len() && trimmed.starts_with(brace)).then_some(i)
    })
}

/// Auth0's variable names as they were before a formatter lower-cased them.
fn restore_case(part: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let lower = word.to_ascii_lowercase();
        let known = crate::auth0::names()
            .map(str::to_owned)
            .chain(
                crate::auth0::USER_DATA_KEYS
                    .iter()
                    .map(|k| format!("userData.{k}")),
            )
            .find(|n| n.to_ascii_lowercase() == lower);
        out.push_str(known.as_deref().unwrap_or(word));
        word.clear();
    };
    for c in part.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reasons(css: &str) -> Vec<(String, Reason)> {
        sheet(css)
            .into_iter()
            .map(|d| (css[d.start..d.end].to_owned(), d.reason))
            .collect()
    }

    #[test]
    fn valid_css_is_quiet() {
        let css = "body { background-color: #2b2b33; color: rgb(0 0 0 / 50%); font-family: 'Open Sans', sans-serif; }\n\
            @media (max-width: 600px) { .a { color: red !important; border-color: red blue; } }\n\
            @font-face { font-family: 'X'; src: url('x.woff2'); }\n\
            .b { content: '→'; --brand: { a: b }; color: var(--brand); background: url(\"a.png\") no-repeat; }\n\
            .c { &:hover { color: currentColor; } a:focus { outline-color: auto; } color: Canvas; }\n\
            @keyframes spin { from { transform: rotate(0deg); } to { transform: rotate(360deg); } }";
        assert_eq!(reasons(css), []);
    }

    #[test]
    fn mangled_liquid_and_quoted_colours_are_dropped() {
        let css = "body {\n  background-color: { { pagebackgroundcolor|default: '#2b2b33'; } }\n}\n.x { background-color: '#2b2b33'; color: #2b2b3; width: 'wide'; }";
        let found = reasons(css);
        assert_eq!(
            found,
            [
                (
                    "background-color: { { pagebackgroundcolor|default: '#2b2b33'; } }".to_owned(),
                    Reason::Block
                ),
                ("background-color: '#2b2b33'".to_owned(), Reason::Quoted),
                ("color: #2b2b3".to_owned(), Reason::NotAColour),
                ("width: 'wide'".to_owned(), Reason::Quoted),
            ]
        );
        assert_eq!(
            mangled_liquid(&found[0].0).as_deref(),
            Some("{{ pageBackgroundColor | default: '#2b2b33' }}")
        );
    }

    #[test]
    fn stray_braces_drop_the_next_rule() {
        let found = reasons(".a { color: red; } }\n.b { color: blue; }\n{ { primarycolor } }");
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found.iter().all(|(_, r)| *r == Reason::Selector),
            "{found:?}"
        );
    }

    #[test]
    fn style_attributes() {
        let found = declarations("color: 'red'; margin: 0; background-color: { { primarycolor } }");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].reason, Reason::Quoted);
        assert_eq!(found[1].reason, Reason::Block);
    }
}
