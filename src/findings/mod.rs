//! Findings: the stable codes ([`Code`]) and the report model every output format reads
//! ([`model`]): one finding per problem, one report per run.

mod codes;
pub mod model;

pub use codes::*;
