//! The trailer parser (STUB — being written; see the issue notes).
//!
//! Follows `git log --format=%(trailers)` on a commit object, plus countersign's strict
//! differences (reference/threats.md §3).

use std::ops::Range;

/// One trailer of the final trailer block.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Trailer {
    /// The key as written (original case).
    pub key: String,
    /// The value: continuation lines unfolded with one space, trimmed.
    pub value: String,
    /// Byte span of the whole trailer (key line and continuation lines, without the final newline).
    pub span: Range<usize>,
    /// Byte span of the key.
    pub key_span: Range<usize>,
}

/// Something about a message that makes countersign refuse to read evidence from (part of) it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Anomaly {
    /// A NUL byte: git stops reading there; we read no trailers at all.
    Nul { offset: usize },
    /// Lines end in CR only (or CR and LF are mixed so that a bare CR ends a line): no trailers.
    CrLineEndings { offset: usize },
    /// A control, format (Cf) or bidi character inside a trailer line: that trailer is not evidence.
    ControlChar { span: Range<usize> },
    /// The last paragraph mixes trailers and other lines (git's 25 % rule would accept it; we do not).
    NonTrailerInBlock { span: Range<usize> },
    /// The message starts with a blank line (git would still find trailers there; `git log` does not).
    LeadingBlankLine,
}

/// The result of parsing one message.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct ParsedMessage {
    /// Trailers that may serve as evidence, in order.
    pub trailers: Vec<Trailer>,
    /// Byte span of the trailer block, when there is one.
    pub block: Option<Range<usize>>,
    /// Anomalies found.
    pub anomalies: Vec<Anomaly>,
}

/// Parses a commit message (strict profile).
pub fn parse(_msg: &[u8]) -> ParsedMessage {
    ParsedMessage::default()
}
