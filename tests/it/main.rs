//! countersign's integration tests, as one test binary: every module below is one area of
//! behaviour, run end to end on real temporary repositories (`support::TestRepo`) against the
//! built `countersign` binary or the library. One binary links the library and vendored
//! libgit2 once instead of once per file, which keeps the build small and fast.
//!
//! Run one area with `cargo test --test it <module>::`, e.g. `cargo test --test it adversarial::`.

// Test set-up may unwrap: a failed step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

#[path = "../../fuzz/harness.rs"]
mod harness;

mod action;
mod adversarial;
mod architecture;
mod audit;
mod audit_report;
mod authoring;
mod check;
mod ci;
mod commit_oracle;
mod detect;
mod fixes;
mod fuzz_corpus;
mod git_range;
mod hooks;
mod identity;
mod install;
mod json_stream;
mod limits;
mod pack_oracle;
mod policy;
mod properties;
mod readme;
mod regression;
mod release;
mod reports;
mod snapshots;
mod trailer_oracle;
mod treediff_oracle;
