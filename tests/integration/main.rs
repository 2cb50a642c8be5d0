//! The one integration test binary: CLI transcripts and whole-project renders.
//!
//! Refresh expected files with `TRYCMD=overwrite cargo test` (CLI cases under
//! `tests/cmd/`) and `SNAPSHOTS=overwrite cargo test` (renders of this
//! repository's scenarios, under `tests/snapshots/`, the same files
//! `mfa-page check` compares), then review the diff.

mod api;
mod bad_input;
mod cli;
mod export;
mod fuzz_corpus;
mod liquid_reference;
mod render;
mod serve;
mod visual;
