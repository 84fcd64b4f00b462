//! Detection: markers of AI involvement → [`Involvement`] (STUB — being written).
//!
//! The built-in signature table lives in `signatures.rs` as data. Detection casts a wide net
//! (identities, trailer-shaped lines anywhere in the message, PR labels/body/branch/author);
//! evidence, by contrast, is only ever read from the trailer block.

use std::ops::Range;

use serde::Serialize;

use crate::facts::trailers::ParsedMessage;
use crate::facts::{CommitFacts, Identity, PullRequest};
use crate::policy::{Detect, Involvement};

/// Where a marker was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MarkerSource {
    /// A trailer of the final trailer block.
    Trailer,
    /// A line of the message outside the trailer block.
    Message,
    /// The commit author.
    Author,
    /// The commit committer.
    Committer,
    /// The PR/MR author.
    PrAuthor,
    /// A PR/MR label.
    PrLabel,
    /// The PR/MR title.
    PrTitle,
    /// The PR/MR body.
    PrBody,
    /// The branch name.
    Branch,
}

/// One sign of AI involvement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Marker {
    /// The tool, e.g. `Claude Code`, or `policy` for policy-defined signatures.
    pub tool: String,
    /// The stable signature id, e.g. `claude-code/co-author`.
    pub signature: String,
    /// The involvement it implies.
    pub involvement: Involvement,
    /// Where it was found.
    pub source: MarkerSource,
    /// The matched text (the line, the identity, the label …).
    pub text: String,
    /// The model, when the marker names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Byte span in the commit message, for message and trailer markers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<Range<usize>>,
}

/// Finds every marker on a commit (and its PR, and the branch).
pub fn detect(
    _commit: &CommitFacts,
    _parsed: &ParsedMessage,
    _pr: Option<&PullRequest>,
    _branch: Option<&str>,
    _cfg: &Detect,
) -> Vec<Marker> {
    Vec::new()
}

/// True when the identity is a bot or an AI agent (never a valid human reviewer).
pub fn is_machine_identity(_id: &Identity) -> bool {
    false
}

/// True when a platform login is a bot or AI account (`[bot]` suffix, `Copilot` …).
pub fn is_bot_login(login: &str) -> bool {
    login.ends_with("[bot]")
}

/// The highest involvement of any marker.
pub fn involvement(markers: &[Marker]) -> Involvement {
    markers
        .iter()
        .map(|m| m.involvement)
        .max()
        .unwrap_or(Involvement::None)
}
