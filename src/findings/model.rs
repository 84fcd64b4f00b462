//! The report model: the one serde struct that feeds every output format.
//!
//! `countersign/report/v1` is a documented wire format (README, "JSON output"). Fields are
//! only ever added; a field's meaning never changes within v1.

use std::ops::Range;

use serde::Serialize;

use crate::detect::Marker;
use crate::facts::{Identity, RangeInfo};
use crate::findings::{Code, Severity};
use crate::policy::{Involvement, Origin, Span};

/// The schema tag of the JSON report.
pub const SCHEMA: &str = "countersign/report/v1";

crate::names::named_enum! {
/// The overall outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// Every requirement is met (or waived): exit 0.
    Pass = "pass",
    /// At least one unwaived error: exit 1.
    Fail = "fail",
}
}

impl Verdict {
    /// The process exit code for this verdict.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Pass => 0,
            Verdict::Fail => 1,
        }
    }
}

/// One violation or warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The stable code.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// One sentence for humans.
    pub message: String,
    /// The commit it is about (none for run-level findings such as `unused-rule`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The changed path it is about, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The exact fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The waiver that excuses it (kept in every report).
    pub waived_by: Option<String>,
    /// Byte range in the commit message this finding points at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<Range<usize>>,
    /// Where in the policy the deciding setting is (byte range of the policy text).
    #[serde(skip)]
    pub policy_span: Option<Span>,
    /// The label for `policy_span` ("tier `high` set here").
    #[serde(skip)]
    pub policy_label: Option<String>,
    /// Every changed path that caused this finding (a path-scoped waiver must cover all).
    #[serde(skip)]
    pub scope: Vec<String>,
}

impl Finding {
    /// A new finding with the code's default severity.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Finding {
            code,
            severity: code.severity(),
            message: message.into(),
            commit: None,
            path: None,
            help: None,
            waived_by: None,
            span: None,
            policy_span: None,
            policy_label: None,
            scope: Vec::new(),
        }
    }

    /// True when this finding fails the verdict.
    pub fn is_blocking(&self) -> bool {
        self.severity == Severity::Error && self.waived_by.is_none()
    }
}

crate::names::named_enum! {
/// Why a reviewer did not count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RejectReason {
    /// The author, committer or a co-author reviewed their own change.
    SelfReview = "self-review",
    /// A bot or AI identity.
    NotHuman = "not-human",
    /// Not a member of the tier's `reviewers_from` teams.
    NotAuthorized = "not-authorized",
    /// Not exactly one `Name <email>` with a real name.
    Malformed = "malformed",
    /// The same person was already counted.
    Duplicate = "duplicate",
    /// `trailer+approval`: no matching platform approval on the head commit; a signed review
    /// whose signature does not verify (tampered, another namespace, unsupported key).
    Unverified = "unverified",
    /// A signed review of another commit (or, with `survives: rebase`, another patch-id).
    WrongCommit = "wrong-commit",
}
}

/// Where a piece of evidence came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceSource {
    /// A trailer of the commit's trailer block.
    Trailer,
    /// A platform approval.
    Approval,
    /// A line of the PR/MR body.
    PrBody,
    /// A signed review statement from the git notes.
    SignedReview,
}

crate::names::named_enum! {
/// How strong an accepted reviewer's evidence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Strength {
    /// A trailer alone: anyone who writes the message can type it.
    Claimed = "claimed",
    /// The code-review platform recorded the approval (alone, or behind a trailer).
    Platform = "platform",
    /// A signature by a key the base policy registers for the reviewer.
    Signed = "signed",
}
}

/// One reviewer candidate and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewerCheck {
    /// The trailer value or approval login as given.
    pub raw: String,
    /// The parsed identity, when it parsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// Where it came from.
    pub source: EvidenceSource,
    /// True when it counts.
    pub accepted: bool,
    /// Why not, when it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<RejectReason>,
    /// The details of the reason ("same email as the author").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Byte range of the trailer in the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<Range<usize>>,
    /// For accepted reviewers: how strong the evidence is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strength: Option<Strength>,
}

/// One change-record candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordCheck {
    /// The trailer key (or PR-body key) it came from.
    pub key: String,
    /// The value.
    pub value: String,
    /// Where it came from.
    pub source: EvidenceSource,
    /// True when it matches a format (or is non-empty when no formats are set).
    pub valid: bool,
    /// The format it matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Byte range in the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<Range<usize>>,
}

/// What the commit had to show: the strongest requirement of every tier it touches
/// (`evaluate::requirements`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Requirements {
    /// Whether the tiers' evidence applies (AI involvement, or `applies_to: all` on any tier).
    pub applies: bool,
    /// Named reviewers needed (the most any touched tier asks for, with involvement extras).
    pub reviewers: u32,
    /// A change record is needed.
    pub change_record: bool,
    /// A declaration trailer is needed.
    pub declaration: bool,
    /// Per tier that names `reviewers_from`: how many of the reviewers must be members of its
    /// teams. Each holds on its own (omitted when empty).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reviewers_from: Vec<TeamRequirement>,
}

/// One tier's team constraint on reviewers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamRequirement {
    /// The tier that asks.
    pub tier: String,
    /// Its teams: a reviewer must be a member of one of them.
    pub teams: Vec<String>,
    /// How many reviewers from those teams.
    pub reviewers: u32,
}

/// How one changed path was classified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathTier {
    /// The path.
    pub path: String,
    /// The tier it got.
    pub tier: String,
    /// The rule that set it (`None`: default tier; `protected`: built-in protected path).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Every rule that matched it.
    pub matched: Vec<String>,
}

/// Everything decided about one commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitReport {
    /// Full id.
    pub id: String,
    /// First line of the message.
    pub subject: String,
    /// Author.
    pub author: Identity,
    /// Committer.
    pub committer: Identity,
    /// Committer time (Unix seconds).
    pub time: i64,
    /// True for merges (two or more parents).
    pub merge: bool,
    /// Highest involvement of any marker.
    pub involvement: Involvement,
    /// Every marker found.
    pub markers: Vec<Marker>,
    /// The commit's tier (`None` when it changes no path: an empty commit or a clean merge).
    pub tier: Option<String>,
    /// Rules that matched at least one changed path.
    pub rules: Vec<String>,
    /// Number of changed paths.
    pub paths_changed: usize,
    /// The path that decided the tier, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decisive_path: Option<PathTier>,
    /// What was required.
    pub requirements: Requirements,
    /// Reviewer candidates, accepted and rejected.
    pub reviewers: Vec<ReviewerCheck>,
    /// Change-record candidates.
    pub change_records: Vec<RecordCheck>,
    /// The declaration trailer value, when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declaration: Option<String>,
    /// Waivers applied to this commit's findings.
    pub waivers: Vec<String>,
    /// Findings (waived ones included, marked).
    pub findings: Vec<Finding>,
    /// Per-path classification (only filled for `explain`; empty otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub path_tiers: Vec<PathTier>,
    /// The message text, kept only when there are findings (for diagnostics).
    #[serde(skip)]
    pub message: Option<String>,
    /// Indices of rules hit (for `unused-rule`).
    #[serde(skip)]
    pub rule_hits: Vec<usize>,
    /// Indices of waivers used (for `unused-waiver`).
    #[serde(skip)]
    pub waiver_hits: Vec<usize>,
}

impl CommitReport {
    /// True when a finding of this commit fails the verdict.
    pub fn is_failing(&self) -> bool {
        self.findings.iter().any(Finding::is_blocking)
    }
}

/// Counts for the one-line summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Summary {
    /// Commits evaluated.
    pub commits: usize,
    /// Commits with any AI involvement.
    pub ai_assisted: usize,
    /// Unwaived findings (errors and warnings).
    pub findings: usize,
    /// Unwaived errors.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Waived findings.
    pub waived: usize,
}

/// The policy as named in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyInfo {
    /// Display name (path, or `<embedded default policy>`).
    pub source: String,
    /// Where it came from.
    pub origin: Origin,
    /// Git blob id of the policy text.
    pub digest: String,
}

/// The tool that produced the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tool {
    /// `countersign`.
    pub name: &'static str,
    /// The crate version.
    pub version: &'static str,
}

impl Default for Tool {
    fn default() -> Self {
        Tool {
            name: "countersign",
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// The whole result of a run: the one struct every reporter reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// Pass or fail.
    pub verdict: Verdict,
    /// Counts.
    pub summary: Summary,
    /// The range evaluated.
    pub range: RangeInfo,
    /// The policy used.
    pub policy: PolicyInfo,
    /// The tool.
    pub tool: Tool,
    /// Every commit evaluated, newest first.
    pub commits: Vec<CommitReport>,
    /// Run-level findings (`unused-rule`, `unused-waiver`).
    pub findings: Vec<Finding>,
}

impl Report {
    /// Every finding: per-commit first (in commit order), then run-level.
    pub fn all_findings(&self) -> impl Iterator<Item = &Finding> {
        self.commits
            .iter()
            .flat_map(|c| c.findings.iter())
            .chain(self.findings.iter())
    }
}
