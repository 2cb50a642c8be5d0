//! Block bodies with the reference engine's "blank" rule: a body holding only
//! whitespace and silent tags (`assign`, `capture`, comments, blocks that are
//! themselves blank) renders none of its whitespace, so
//! `{% if x %}\n  {% assign y = 1 %}\n{% endif %}` outputs nothing.

use std::cell::Cell;

use liquid_core::error::{Error, Result};
use liquid_core::parser::{BlockElement, FilterChain, TagToken};
use liquid_core::{Language, Renderable, TagBlock, Template};

thread_local! {
    /// Whether the block parsed last was blank (set by our blocks as they finish).
    static LAST_BLANK: Cell<bool> = const { Cell::new(false) };
}

/// Called by each of our blocks at the end of its parse.
pub fn report_blank(blank: bool) {
    LAST_BLANK.with(|b| b.set(blank));
}

/// Blocks that report their blankness through [`report_blank`].
const REPORTING: &[&str] = &["if", "unless", "case", "for", "tablerow"];
/// Tags that never output anything.
const SILENT: &[&str] = &["assign", "capture", "comment"];

/// A parsed body and whether it was blank.
pub struct Body {
    pub template: Template,
    pub blank: bool,
}

/// The tag that ended a body (`else`, `elsif x`, `when y`), or none at the block's end tag.
pub struct Stop<'a> {
    pub name: String,
    pub tokens: liquid_core::TagTokenIter<'a>,
}

/// Parsed nodes (each with "is whitespace-only text"), blankness, and the tag that stopped the body.
pub type Parsed<'a> = (Vec<(Box<dyn Renderable>, bool)>, bool, Option<Stop<'a>>);

/// Parse elements until the block's end tag or one of `stops`.
pub fn parse<'a>(
    tokens: &mut TagBlock<'a, '_>,
    options: &Language,
    stops: &[&str],
) -> Result<Parsed<'a>> {
    let mut nodes: Vec<(Box<dyn Renderable>, bool)> = Vec::new();
    let mut blank = true;
    while let Some(element) = tokens.next()? {
        match element {
            BlockElement::Tag(tag) if stops.contains(&tag.name()) => {
                let name = tag.name().to_owned();
                return Ok((
                    nodes,
                    blank,
                    Some(Stop {
                        name,
                        tokens: tag.into_tokens(),
                    }),
                ));
            }
            BlockElement::Raw(raw) => {
                let text: &str = raw.as_str();
                let is_space = text
                    .chars()
                    .all(|c| matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r'));
                blank &= is_space;
                nodes.push((raw.into_renderable(), is_space));
            }
            BlockElement::Tag(tag) => {
                let name = tag.name().to_owned();
                let node = BlockElement::Tag(tag).parse(tokens, options)?;
                let silent = if REPORTING.contains(&name.as_str()) {
                    LAST_BLANK.with(Cell::get)
                } else {
                    SILENT.contains(&name.as_str())
                };
                blank &= silent;
                nodes.push((node, false));
            }
            other => {
                blank = false;
                nodes.push((other.parse(tokens, options)?, false));
            }
        }
    }
    Ok((nodes, blank, None))
}

/// The body's renderables; whitespace-only text is dropped when the whole block is blank.
pub fn finish(nodes: Vec<(Box<dyn Renderable>, bool)>, block_blank: bool) -> Template {
    Template::new(
        nodes
            .into_iter()
            .filter(|(_, space)| !(block_blank && *space))
            .map(|(n, _)| n)
            .collect(),
    )
}

/// A filter chain from a tag token, naming an unknown filter when that is why it failed.
pub fn filter_chain(token: TagToken<'_>, options: &Language) -> Result<FilterChain> {
    let text = token.as_str().to_owned();
    match token.expect_filter_chain(options) {
        liquid_core::parser::TryMatchToken::Matches(chain) => Ok(chain),
        liquid_core::parser::TryMatchToken::Fails(token) => {
            if let Some(name) = unknown_filter(&text, options) {
                let mut available: Vec<&str> = options
                    .filters
                    .plugin_names()
                    .filter(|n| !n.starts_with('_'))
                    .collect();
                available.sort_unstable();
                return Error::with_msg("Unknown filter")
                    .context("requested filter", name)
                    .context("available filters", available.join(", "))
                    .into_err();
            }
            token.raise_error().into_err()
        }
    }
}

/// The first `| name` in `text` (outside quotes) that is not a known filter.
fn unknown_filter(text: &str, options: &Language) -> Option<String> {
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '|' => {
                let name: String = text[i + 1..]
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
                    .collect();
                if !name.is_empty() && options.filters.get(&name).is_none() {
                    return Some(name);
                }
            }
            None => {}
        }
    }
    None
}
