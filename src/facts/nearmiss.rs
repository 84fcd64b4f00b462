//! Near misses of evidence trailers (STUB — being written): `Reviewed by:`, `Reveiwed-by:`,
//! look-alike characters, a known key outside the trailer block.

use std::ops::Range;

use super::trailers::ParsedMessage;

/// A line that looks like an evidence trailer but is not one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NearMiss {
    /// Byte span of the line in the message.
    pub span: Range<usize>,
    /// The key as written (or the text before the separator).
    pub found: String,
    /// The known key it resembles (did-you-mean).
    pub suggestion: String,
    /// Why it is not a trailer, for the user.
    pub why: String,
}

/// Finds near misses of `known_keys` (compared case-insensitively) in `msg`.
pub fn near_misses(_msg: &[u8], _parsed: &ParsedMessage, _known_keys: &[&str]) -> Vec<NearMiss> {
    Vec::new()
}
