//! countersign: make a named human answer for every AI-assisted change.
//!
//! Data flows one way: sources → [`facts`] → [`evaluate`] (pure) → findings → [`report`].

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
