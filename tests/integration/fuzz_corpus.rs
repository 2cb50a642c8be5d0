//! Replays the fuzzing corpora (`fuzz/corpus/<target>/`) and the crashes the
//! fuzzers found (`fuzz/regressions/<target>/`) through the same entry points
//! the fuzz targets use, so a regression fails `cargo test` without a nightly
//! toolchain or libFuzzer.

use std::path::Path;

fn replay(target: &str, case: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut count = 0;
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths.into_iter().filter(|p| p.is_file()) {
            let data = std::fs::read(&path).unwrap();
            let result = std::panic::catch_unwind(|| case(&data));
            assert!(result.is_ok(), "{target}: {} panics", path.display());
            count += 1;
        }
    }
    count
}

#[test]
fn render_corpus_replays_without_a_panic() {
    let n = replay("render", mfa_page::fuzz::render_case);
    assert!(n >= 50, "the render corpus has only {n} cases");
}

#[test]
fn context_corpus_replays_without_a_panic() {
    let n = replay("context", mfa_page::fuzz::context_case);
    assert!(n >= 30, "the context corpus has only {n} cases");
}
