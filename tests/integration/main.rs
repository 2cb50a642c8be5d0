//! The one integration test binary: CLI transcripts and whole-project renders.
//!
//! Refresh expected files with `TRYCMD=overwrite cargo test` (CLI cases under
//! `tests/cmd/`) and `SNAPSHOTS=overwrite cargo test` (renders of this
//! repository's scenarios, under `tests/snapshots/`, the same files
//! `mfa-page check` compares), then review the diff.
//!
//! Tests that need an installed program (Ruby, Chromium, node) live in the
//! second test binary, `tests/external/`, which reports them as ignored, with
//! the reason, when the program is missing.

mod api;
mod bad_input;
mod cli;
mod export;
mod front_end;
mod fuzz_corpus;
mod hostile;
mod render;
mod serve;
