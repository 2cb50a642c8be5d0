//! The one table of tags. Each row names a tag, its end tag and branch tags,
//! whether it assigns and whether it prints, and the function that parses it
//! into a node that knows how to render itself ([`Tag::render`]) and what it
//! reads, assigns and may render ([`Tag::visit`], for coverage, variable
//! analysis and export). Adding a tag is one file under `tags/` and one row here.

use std::fmt::Debug;

use super::ParseError;
use super::ast::Visitor;
use super::parser::{Opening, Parser};
use super::render::{Context, Flow};
use super::tags;

/// A parsed tag.
pub trait Tag: Debug + Send + Sync {
    /// Render into the context's page.
    fn render(&self, cx: &mut Context<'_>) -> Flow;
    /// Show analysis what the tag reads, assigns and may render.
    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>);
    /// Blank as the reference defines it (prints nothing, so whitespace around it may go).
    fn blank(&self, _source: &str) -> bool {
        false
    }
}

pub type ParseFn = for<'s> fn(&mut Parser<'s>, Opening<'s>) -> Result<Box<dyn Tag>, ParseError>;

/// One row of the table.
pub struct TagDef {
    pub name: &'static str,
    /// The tag that closes it, for blocks.
    pub end: Option<&'static str>,
    /// The tags that open further bodies (`elsif`, `else`, `when`).
    pub branches: &'static [&'static str],
    /// Whether it sets a variable (`assign`, `capture`).
    pub assigns: bool,
    /// Whether it writes to the page.
    pub prints: bool,
    /// Whether it renders a partial (`include`, `render`): export flattens it.
    pub partial: bool,
    pub parse: ParseFn,
}

const fn row(name: &'static str, parse: ParseFn) -> TagDef {
    TagDef {
        name,
        end: None,
        branches: &[],
        assigns: false,
        prints: false,
        partial: false,
        parse,
    }
}

/// Every tag of the language.
pub static TAGS: &[TagDef] = &[
    TagDef {
        assigns: true,
        ..row("assign", tags::assign::parse)
    },
    row("break", tags::control::parse_break),
    TagDef {
        assigns: true,
        end: Some("endcapture"),
        ..row("capture", tags::assign::parse_capture)
    },
    TagDef {
        end: Some("endcase"),
        branches: &["when", "else"],
        ..row("case", tags::case::parse)
    },
    TagDef {
        end: Some("endcomment"),
        ..row("comment", tags::raw::parse_comment)
    },
    row("continue", tags::control::parse_continue),
    TagDef {
        prints: true,
        ..row("cycle", tags::cycle::parse)
    },
    TagDef {
        prints: true,
        ..row("decrement", tags::counter::parse_decrement)
    },
    TagDef {
        end: Some("enddoc"),
        ..row("doc", tags::raw::parse_doc)
    },
    TagDef {
        prints: true,
        ..row("echo", tags::echo::parse)
    },
    TagDef {
        end: Some("endfor"),
        branches: &["else"],
        ..row("for", tags::for_::parse)
    },
    TagDef {
        end: Some("endif"),
        branches: &["elsif", "else"],
        ..row("if", tags::if_::parse_if)
    },
    TagDef {
        end: Some("endifchanged"),
        prints: true,
        ..row("ifchanged", tags::ifchanged::parse)
    },
    TagDef {
        prints: true,
        partial: true,
        ..row("include", tags::partial::parse_include)
    },
    TagDef {
        prints: true,
        ..row("increment", tags::counter::parse_increment)
    },
    row("liquid", tags::liquid::parse),
    TagDef {
        end: Some("endraw"),
        prints: true,
        ..row("raw", tags::raw::parse_raw)
    },
    TagDef {
        prints: true,
        partial: true,
        ..row("render", tags::partial::parse_render)
    },
    TagDef {
        end: Some("endtablerow"),
        prints: true,
        ..row("tablerow", tags::tablerow::parse)
    },
    TagDef {
        end: Some("endunless"),
        branches: &["elsif", "else"],
        ..row("unless", tags::if_::parse_unless)
    },
    row("#", tags::raw::parse_inline_comment),
];

/// The row of tag `name`.
pub fn get(name: &str) -> Option<&'static TagDef> {
    TAGS.iter().find(|t| t.name == name)
}

/// Whether `name` closes or continues some block (`endif`, `else`, `when`).
pub fn is_delimiter(name: &str) -> bool {
    TAGS.iter()
        .any(|t| t.end == Some(name) || t.branches.contains(&name))
}

/// Tag names, for "did you mean".
pub fn names() -> impl Iterator<Item = &'static str> {
    TAGS.iter().map(|t| t.name)
}
