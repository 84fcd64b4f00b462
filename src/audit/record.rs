//! The evidence record: everything decided about one commit, in one JSON object
//! (`countersign/evidence/v1`). The evidence log adds `seq` and `prev` (the hash chain); an
//! audit's JSON Lines output has the same records without them.
//!
//! Fields are only ever added within v1; a field's meaning never changes.

use serde::Serialize;

use crate::detect::Marker;
use crate::evaluate::{CommitReport, EvidenceSource, Finding, RecordCheck, Report, Requirements};
use crate::facts::Identity;
use crate::policy::{Involvement, Origin, Policy};
use crate::time::rfc3339;

/// The schema tag of every evidence record.
pub const SCHEMA: &str = "countersign/evidence/v1";

/// Which run produced a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// `countersign check`.
    Check,
    /// `countersign ci`.
    Ci,
    /// `countersign hook commit-msg`.
    CommitMsg,
    /// `countersign hook pre-push`.
    PrePush,
    /// `countersign hook pre-receive`.
    PreReceive,
    /// `countersign audit` (records of a report, not of a gate).
    Audit,
}

impl Mode {
    /// The stable kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Check => "check",
            Mode::Ci => "ci",
            Mode::CommitMsg => "commit-msg",
            Mode::PrePush => "pre-push",
            Mode::PreReceive => "pre-receive",
            Mode::Audit => "audit",
        }
    }
}

/// The chain fields of an evidence-log record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Chain {
    /// Position in the log, from 0.
    pub seq: u64,
    /// `sha256:<hex>` of the previous line's bytes (without its newline); `null` for the first.
    pub prev: Option<String>,
}

/// The tool that wrote a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolInfo {
    /// `countersign`.
    pub name: &'static str,
    /// The crate version.
    pub version: &'static str,
}

/// The policy a record was decided under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyRef<'a> {
    /// Display name (path, `<embedded default policy>`, or `commit:path`).
    pub source: String,
    /// Where it came from (`embedded`, `file`, `commit`).
    pub origin: &'a Origin,
    /// Git blob id of the policy text.
    pub digest: &'a str,
    /// The commit the policy was read from (the base), when it came from one.
    pub base: Option<&'a str>,
}

/// The commit a record is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitRef<'a> {
    /// Full id.
    pub id: &'a str,
    /// First line of the message.
    pub subject: &'a str,
    /// Committer time, RFC 3339 UTC.
    pub time: String,
    /// True for merges.
    pub merge: bool,
    /// Author.
    pub author: &'a Identity,
    /// Committer.
    pub committer: &'a Identity,
}

/// A reviewer that counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Accepted<'a> {
    /// The trailer value or approval login as given.
    pub raw: &'a str,
    /// The parsed identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<&'a Identity>,
    /// Where it came from.
    pub source: EvidenceSource,
    /// How strong the evidence is: `claimed` (trailer), `platform` (approval), `signed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strength: Option<crate::findings::model::Strength>,
}

/// A reviewer that did not count, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected<'a> {
    /// The trailer value or approval login as given.
    pub raw: &'a str,
    /// Where it came from.
    pub source: EvidenceSource,
    /// The stable reason (`self-review`, `not-human` …).
    pub reason: &'static str,
    /// Details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<&'a str>,
}

/// The reviewers of a commit, split by outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reviewers<'a> {
    /// Those that counted.
    pub accepted: Vec<Accepted<'a>>,
    /// Those that did not, with reasons.
    pub rejected: Vec<Rejected<'a>>,
}

/// One evidence record: one evaluated commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceRecord<'a> {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// The hash chain (evidence log only).
    #[serde(flatten)]
    pub chain: Option<Chain>,
    /// When the record was made (RFC 3339 UTC).
    pub time: String,
    /// Which run made it.
    pub mode: Mode,
    /// The tool.
    pub tool: ToolInfo,
    /// The policy.
    pub policy: PolicyRef<'a>,
    /// The range the commit was evaluated in (`--all`, `A..B` …).
    pub range: &'a str,
    /// The commit.
    pub commit: CommitRef<'a>,
    /// Highest AI involvement.
    pub involvement: Involvement,
    /// The markers (tool, model when known, signature, where found).
    pub markers: &'a [Marker],
    /// The tier (`null`: no changed path).
    pub tier: Option<&'a str>,
    /// Rules that matched a changed path.
    pub rules: &'a [String],
    /// Number of changed paths.
    pub paths_changed: usize,
    /// What the commit had to show.
    pub requirements: Requirements,
    /// Reviewers accepted and rejected.
    pub reviewers: Reviewers<'a>,
    /// Change-record candidates.
    pub change_records: &'a [RecordCheck],
    /// Waivers applied.
    pub waivers: &'a [String],
    /// Findings (waived ones included, marked with `waived_by`).
    pub findings: &'a [Finding],
    /// `pass` or `fail` for this commit.
    pub verdict: &'static str,
}

impl<'a> EvidenceRecord<'a> {
    /// The record of commit `c` of `report` (without chain fields).
    pub fn new(
        report: &'a Report,
        policy: &'a Policy,
        c: &'a CommitReport,
        mode: Mode,
        time: String,
    ) -> Self {
        let base = match &policy.source.origin {
            Origin::Commit { commit, .. } => Some(commit.as_str()),
            _ => None,
        };
        let mut accepted = Vec::new();
        let mut rejected = Vec::new();
        for r in &c.reviewers {
            if r.accepted {
                accepted.push(Accepted {
                    raw: &r.raw,
                    identity: r.identity.as_ref(),
                    source: r.source,
                    strength: r.strength,
                });
            } else {
                rejected.push(Rejected {
                    raw: &r.raw,
                    source: r.source,
                    reason: r.reason.map_or("rejected", |x| x.as_str()),
                    detail: r.detail.as_deref(),
                });
            }
        }
        EvidenceRecord {
            schema: SCHEMA,
            chain: None,
            time,
            mode,
            tool: ToolInfo {
                name: report.tool.name,
                version: report.tool.version,
            },
            policy: PolicyRef {
                source: report.policy.source.clone(),
                origin: &report.policy.origin,
                digest: &report.policy.digest,
                base,
            },
            range: &report.range.description,
            commit: CommitRef {
                id: &c.id,
                subject: &c.subject,
                time: rfc3339(c.time),
                merge: c.merge,
                author: &c.author,
                committer: &c.committer,
            },
            involvement: c.involvement,
            markers: &c.markers,
            tier: c.tier.as_deref(),
            rules: &c.rules,
            paths_changed: c.paths_changed,
            requirements: c.requirements.clone(),
            reviewers: Reviewers { accepted, rejected },
            change_records: &c.change_records,
            waivers: &c.waivers,
            findings: &c.findings,
            verdict: if c.is_failing() { "fail" } else { "pass" },
        }
    }
}
