//! Reporters: one serde struct ([`crate::evaluate`]'s report) feeds every output format.
