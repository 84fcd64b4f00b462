//! Replays every committed fuzz seed (`fuzz/corpus/<target>/*`) through the same harness the
//! cargo-fuzz targets use (`fuzz/harness.rs`), so a plain `cargo test` (no nightly) keeps
//! every input that once mattered — including each crash found by fuzzing — green.

use crate::harness;

use std::path::Path;

fn replay(target: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    entries.sort();
    assert!(!entries.is_empty(), "no seeds in {}", dir.display());
    for p in entries {
        let data = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let outcome = std::panic::catch_unwind(|| harness::run(target, &data));
        assert!(
            outcome.is_ok(),
            "seed {} fails target {target}",
            p.display()
        );
    }
}

#[test]
fn every_target_has_a_corpus() {
    for t in harness::TARGETS {
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fuzz/corpus")
                .join(t)
                .is_dir(),
            "fuzz/corpus/{t} is missing"
        );
    }
}

#[test]
fn corpus_trailers() {
    replay("trailers");
}

#[test]
fn corpus_identity() {
    replay("identity");
}

#[test]
fn corpus_policy() {
    replay("policy");
}

#[test]
fn corpus_glob_regex() {
    replay("glob_regex");
}

#[test]
fn corpus_receive_line() {
    replay("receive_line");
}

#[test]
fn corpus_pr_json() {
    replay("pr_json");
}

#[test]
fn corpus_pack_delta() {
    replay("pack_delta");
}

#[test]
fn corpus_signed_review() {
    replay("signed_review");
}

#[test]
fn corpus_paths() {
    replay("paths");
}

#[test]
fn corpus_commit_header() {
    replay("commit_header");
}
