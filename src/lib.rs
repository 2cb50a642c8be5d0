//! mfa-page: render, preview, check and export Auth0's Classic
//! Multi-factor Authentication page template.

// Diagnostics are the error type everywhere; they are built once per failure.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod auth0;
pub mod browser;
pub mod check;
pub mod cli;
pub mod cmd;
pub mod diagnostic;
pub mod engine;
pub mod export;
pub mod filters;
#[doc(hidden)]
pub mod fuzz;
pub mod keywords;
pub mod markup;
pub mod ordered;
pub mod output;
pub mod panic;
pub mod preprocess;
pub mod runtime;
pub mod scenario;
pub mod serve;
pub mod source;
pub mod starter;
pub mod suggest;
pub mod tags;
pub mod value;
