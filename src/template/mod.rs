//! The template front end: one lexer, one parser, one tree, one table of tags.
//!
//! A template or partial is tokenized once ([`lexer`], by Shopify's rules),
//! parsed once ([`parser`]) into a tree ([`ast`]) in which every tag, output,
//! expression, path, filter and argument carries its byte span, and rendered
//! from that tree ([`render`]). Every tag is described once, in [`table`]:
//! the parser, the renderer, branch coverage, variable analysis and export
//! all read that table. Values and filters are the reference engine's
//! ([`crate::value`], [`crate::filters`]).

pub mod ast;
pub mod expr;
pub mod lexer;
pub mod lookup;
pub mod parser;
pub mod render;
pub mod table;
pub mod tags;
pub mod walk;

use std::sync::Arc;

pub use ast::{Block, Node};
pub use parser::parse;

/// A byte range of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// From the start of `self` to the end of `other`.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn contains(self, offset: usize) -> bool {
        self.start <= offset && offset < self.end
    }
}

/// Why a template does not parse, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

impl ParseError {
    pub fn new(span: Span, message: impl Into<String>) -> ParseError {
        ParseError {
            span,
            message: message.into(),
            help: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> ParseError {
        self.help = Some(help.into());
        self
    }
}

/// A parsed file: its name, its text and its tree.
#[derive(Debug)]
pub struct Document {
    /// The name diagnostics show (`templates/mfa.liquid`).
    pub name: Arc<str>,
    pub source: Arc<str>,
    pub body: Block,
}
