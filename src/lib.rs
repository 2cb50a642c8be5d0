//! mfa-page: render, preview, check and export Auth0's Classic
//! Multi-factor Authentication page template.

// Diagnostics are the error type everywhere; they are built once per failure.
#![allow(clippy::result_large_err)]

pub mod cli;
pub mod cmd;
pub mod diagnostic;
pub mod engine;
pub mod markup;
pub mod output;
pub mod runtime;
pub mod scenario;
pub mod serve;
pub mod source;
pub mod starter;
pub mod suggest;
pub mod tags;
