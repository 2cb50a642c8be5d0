//! mfa-page: render, preview, check and export Auth0's Classic
//! Multi-factor Authentication page template.

// Diagnostics are the error type everywhere; they are built once per failure.
#![allow(clippy::result_large_err)]

// Printing must never panic: a closed stderr or stdout (`mfa-page check 2>&1 |
// true`) loses the text, not the command's exit code. These shadow the
// standard macros of the same names everywhere in this crate.
macro_rules! eprintln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}
macro_rules! eprint {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($t)*);
    }};
}
macro_rules! println {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

pub mod advice;
pub mod alloc;
pub mod api;
pub mod auth0;
pub mod browser;
pub mod budget;
pub mod check;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod diagnostic;
pub mod engine;
pub mod export;
pub mod filters;
#[doc(hidden)]
pub mod fuzz;
pub mod keywords;
pub mod ordered;
pub mod output;
pub mod panic;
pub mod project;
pub mod scenario;
pub mod serve;
pub mod source;
pub mod starter;
pub mod suggest;
pub mod template;
pub mod tenant;
pub mod value;
