//! Commit-message text, pure: bytes in, structure out. No git, no I/O.
//!
//! The evaluator calls these at evaluation time (trailers, identities, near misses), so
//! they live apart from what reads a repository.

pub mod cleanup;
pub mod identity;
pub mod nearmiss;
pub mod trailers;
pub mod unicode;
