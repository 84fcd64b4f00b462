//! countersign: make a named human answer for every AI-assisted change.
//!
//! Data flows one way: sources → [`facts`] → [`evaluate`] (pure) → findings → [`report`].
//!
//! **The library is countersign's own internals**, public so the binary, the tests, the
//! benchmarks and the fuzz targets can reach them. It has no stability promise: what is
//! supported is the command line, the policy format (`countersign.schema.json`) and the
//! versioned JSON documents (`countersign/report/v1`, `countersign/facts/v1`,
//! `countersign/evidence/v1`, `countersign/review/v1`).

pub mod audit;
pub mod cli;
pub mod commands;
pub mod detect;
pub mod error;
pub mod evaluate;
pub mod facts;
pub mod findings;
pub mod git;
pub mod message;
pub mod names;
pub mod platform;
pub mod policy;
pub mod progress;
pub mod report;
pub mod review;
pub mod time;

pub use error::{Error, ErrorKind, Result};
