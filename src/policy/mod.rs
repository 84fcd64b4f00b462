//! The policy: load (YAML with spans) → validate (collect every error) → [`Policy`].
//!
//! Only a validated, compiled [`Policy`] reaches the evaluator. Every user-written item keeps
//! its [`Span`] into [`PolicySource::text`] so findings can point at the line that decided.

pub mod classify;
pub mod diff;
pub mod lint;
pub mod load;
pub mod pathmatch;
pub mod protect;
pub mod schema;
pub mod show;
mod validate;
mod yaml;

pub use load::{
    DISCOVERY, PolicyDiagnostic, PolicyErrors, default_policy, digest, discover, load,
    load_with_warnings,
};
pub use validate::PROTECTED;

use crate::time::Date;

use std::sync::Arc;

use globset::GlobSet;
use regex::Regex;
use serde::Serialize;

/// A byte range `offset..offset+len` into the policy text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Span {
    /// Byte offset.
    pub offset: usize,
    /// Length in bytes.
    pub len: usize,
}

impl Span {
    /// A span at `offset` of `len` bytes.
    pub fn new(offset: usize, len: usize) -> Self {
        Span { offset, len }
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(s: Span) -> Self {
        (s.offset, s.len).into()
    }
}

/// Where the policy came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Origin {
    /// The policy embedded in the binary (no policy file in the repository).
    Embedded,
    /// A file in the working tree (or given with `--policy`).
    File {
        /// Path as given/found.
        path: String,
    },
    /// A blob read from a commit (the base of a PR, the old tip in pre-receive).
    Commit {
        /// Path inside the tree.
        path: String,
        /// The commit it was read from.
        commit: String,
    },
}

/// The policy text and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySource {
    /// Where it came from.
    pub origin: Origin,
    /// The full text, shared so diagnostics can borrow it cheaply.
    pub text: Arc<str>,
    /// The git blob id of the text (`git hash-object`), so the evidence names the exact policy.
    pub digest: String,
}

impl PolicySource {
    /// A display name: the path, or `<embedded default policy>`.
    pub fn name(&self) -> String {
        match &self.origin {
            Origin::Embedded => "<embedded default policy>".to_string(),
            Origin::File { path } => path.clone(),
            Origin::Commit { path, commit } => {
                format!("{}:{}", crate::facts::short_id(commit), path)
            }
        }
    }
}

crate::names::named_enum! {
/// AI involvement, ordered: `none` < `assisted` < `generated` < `autonomous`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
pub enum Involvement {
    /// No AI marker found.
    #[default]
    None = "none",
    /// A human drove, AI helped.
    Assisted = "assisted",
    /// AI wrote content a human committed.
    Generated = "generated",
    /// An agent authored or committed by itself.
    Autonomous = "autonomous",
}
}

impl Involvement {
    /// Parses `assisted|generated|autonomous|none`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "none" => Some(Involvement::None),
            "assisted" => Some(Involvement::Assisted),
            "generated" => Some(Involvement::Generated),
            "autonomous" => Some(Involvement::Autonomous),
            _ => None,
        }
    }
}

/// Whether a tier's evidence is needed only for AI-involved changes or for all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum AppliesTo {
    /// Only changes with AI involvement need the evidence (the default).
    #[default]
    Ai,
    /// Every change needs the evidence (markers are voluntary).
    All,
}

/// A risk tier (index in [`Policy::tiers`] is its rank: higher index = more risk).
#[derive(Debug, Clone, Serialize)]
pub struct Tier {
    /// Name.
    pub name: String,
    /// Description, for reports.
    pub description: Option<String>,
    /// Named human reviewers needed.
    pub reviewers: u32,
    /// A change record is needed.
    pub change_record: bool,
    /// Reviewers must be members of one of these teams (indices into [`Policy::teams`]).
    pub reviewers_from: Vec<usize>,
    /// Whether the evidence is needed for all changes or only AI-involved ones.
    pub applies_to: AppliesTo,
    /// AI-involved changes may not touch paths of this tier.
    pub ai_forbidden: bool,
    /// An explicit declaration trailer (e.g. `AI-Assisted: yes|no`) is required.
    pub declaration: bool,
    /// Span of the tier entry (its `name:` value).
    #[serde(skip)]
    pub span: Span,
}

/// A rule: path globs → tier.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    /// Name.
    pub name: String,
    /// The globs as written.
    pub paths: Vec<String>,
    /// Compiled globs (case-insensitive, `literal_separator`, backslash escapes on every OS).
    #[serde(skip)]
    pub matcher: GlobSet,
    /// The same globs for the other spellings of a path (folded, directory entry).
    #[serde(skip)]
    pub globs: pathmatch::PathGlobs,
    /// The tier (index into [`Policy::tiers`]).
    pub tier: usize,
    /// Span of the rule's `name:` value.
    #[serde(skip)]
    pub span: Span,
    /// Span of the rule's `tier:` value.
    #[serde(skip)]
    pub tier_span: Span,
}

/// Extra requirements for a level of AI involvement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Extra {
    /// Reviewers on top of the tier's.
    pub extra_reviewers: u32,
    /// A change record even when the tier does not ask for one.
    pub change_record: bool,
}

/// Requirements that grow with AI involvement (`involvement:` in the policy).
#[derive(Debug, Clone, Default, Serialize)]
pub struct InvolvementExtras {
    /// For `assisted`.
    pub assisted: Extra,
    /// For `generated`.
    pub generated: Extra,
    /// For `autonomous`.
    pub autonomous: Extra,
}

impl InvolvementExtras {
    /// The extras for exactly this level (none for `None`).
    pub fn for_level(&self, level: Involvement) -> Extra {
        match level {
            Involvement::None => Extra::default(),
            Involvement::Assisted => self.assisted,
            Involvement::Generated => self.generated,
            Involvement::Autonomous => self.autonomous,
        }
    }
}

/// A member of a team.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    /// Name.
    pub name: String,
    /// Email (compared normalised).
    pub email: String,
    /// GitHub login, for matching platform approvals.
    pub github: Option<String>,
    /// GitLab username, for matching platform approvals.
    pub gitlab: Option<String>,
    /// SSH public keys whose signed reviews are this person's, canonical `type base64`
    /// (comments dropped).
    pub ssh_keys: Vec<String>,
}

/// A named group of people.
#[derive(Debug, Clone, Serialize)]
pub struct Team {
    /// Name.
    pub name: String,
    /// Members.
    pub members: Vec<Member>,
    /// Span of the team's `name:` value.
    #[serde(skip)]
    pub span: Span,
}

crate::names::named_enum! {
/// How review evidence is established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum ReviewMode {
    /// `Reviewed-by:` trailers in the commit's trailer block.
    #[default]
    Trailer = "trailer",
    /// Platform approvals only.
    Approval = "approval",
    /// A trailer counts only when the same person approved on the platform (on the head commit).
    TrailerAndApproval = "trailer+approval",
    /// A signed review statement (SSHSIG, git note under `refs/notes/countersign`) by a key the
    /// policy registers for a person who did not write the change.
    Signed = "signed",
}
}

impl ReviewMode {
    /// Every mode, in the order the policy documentation lists them.
    pub const ALL: [ReviewMode; 4] = [
        ReviewMode::Trailer,
        ReviewMode::Approval,
        ReviewMode::TrailerAndApproval,
        ReviewMode::Signed,
    ];
}

/// `evidence.review`: one mode or a list meaning "any of" (never empty, no repeats, in the
/// order written).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ReviewModes(pub Vec<ReviewMode>);

impl Default for ReviewModes {
    fn default() -> Self {
        ReviewModes(vec![ReviewMode::Trailer])
    }
}

impl ReviewModes {
    /// Exactly one mode.
    pub fn one(m: ReviewMode) -> Self {
        ReviewModes(vec![m])
    }

    /// True when `m` is one of the modes.
    pub fn has(&self, m: ReviewMode) -> bool {
        self.0.contains(&m)
    }

    /// True when trailers are read as reviewers (`trailer` or `trailer+approval`).
    pub fn reads_trailers(&self) -> bool {
        self.has(ReviewMode::Trailer) || self.has(ReviewMode::TrailerAndApproval)
    }

    /// True when every accepted mode needs platform approval data: without it, no reviewer
    /// could ever count (the run cannot decide).
    pub fn needs_platform(&self) -> bool {
        self.0
            .iter()
            .all(|m| matches!(m, ReviewMode::Approval | ReviewMode::TrailerAndApproval))
    }

    /// True when a reviewer can be named in the commit itself (a `trailer` mode): otherwise
    /// review evidence only ever exists after the commit (approvals, signed reviews).
    pub fn evidence_in_commit(&self) -> bool {
        self.has(ReviewMode::Trailer)
    }

    /// `a`, or `[a, b]`, as written in the policy.
    pub fn describe(&self) -> String {
        match self.0.as_slice() {
            [one] => one.as_str().to_string(),
            many => format!(
                "[{}]",
                many.iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// `evidence.signed_review`: how signed reviews are matched to commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct SignedReviewSettings {
    /// `survives: rebase`: a review also counts for a commit whose stable patch-id equals the
    /// reviewed commit's (the same change re-applied on another base).
    pub survives_rebase: bool,
}

/// `evidence.allowed_signers`: a file in git's allowed-signers format, read from the same
/// commit (or work tree) as the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AllowedSignersFile {
    /// The path as written (relative to the repository root).
    pub path: String,
    /// Span of the value in the policy.
    #[serde(skip)]
    pub span: Span,
    /// The parsed lines, once the command layer has read the file (`None` before: the
    /// evaluator refuses to judge signed reviews with a file it has not seen).
    #[serde(skip)]
    pub signers: Option<Vec<crate::review::signers::AllowedSigner>>,
}

/// One accepted change-record format.
#[derive(Debug, Clone, Serialize)]
pub struct RecordFormat {
    /// Name (e.g. `jira`).
    pub name: String,
    /// The regex as written.
    pub pattern: String,
    /// Compiled (size-limited, linear-time).
    #[serde(skip)]
    pub regex: Regex,
}

/// What counts as evidence.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    /// How reviews are established (any of these modes).
    pub review: ReviewModes,
    /// Span of the `review:` value (for lints), when written.
    #[serde(skip)]
    pub review_span: Option<Span>,
    /// How signed reviews are matched (`signed_review:`).
    pub signed_review: SignedReviewSettings,
    /// Keys from a file in git's allowed-signers format (`allowed_signers:`).
    pub allowed_signers: Option<AllowedSignersFile>,
    /// Trailer keys that name a reviewer (compared case-insensitively).
    pub reviewer_trailers: Vec<String>,
    /// Trailer keys that carry a change record.
    pub change_record_trailers: Vec<String>,
    /// Accepted change-record formats; empty means any non-empty value.
    pub change_record_formats: Vec<RecordFormat>,
    /// Trailer keys that declare AI involvement explicitly (`AI-Assisted: yes|no`).
    pub declaration_trailers: Vec<String>,
}

/// A policy-defined trailer signature.
#[derive(Debug, Clone, Serialize)]
pub struct TrailerSignature {
    /// Trailer key (case-insensitive).
    pub key: String,
    /// Accepted values (case-insensitive); empty means any value.
    pub values: Vec<String>,
    /// The involvement it implies.
    pub involvement: Involvement,
}

/// A policy-defined identity signature (author, committer or co-author).
#[derive(Debug, Clone, Serialize)]
pub struct IdentitySignature {
    /// Email glob (case-insensitive), e.g. `*@agents.example.com`.
    pub email: String,
    /// Compiled.
    #[serde(skip)]
    pub matcher: globset::GlobMatcher,
    /// The involvement it implies.
    pub involvement: Involvement,
}

/// Detection settings.
#[derive(Debug, Clone, Serialize)]
pub struct Detect {
    /// Use the shipped signatures.
    pub builtin: bool,
    /// Extra trailer signatures.
    pub trailers: Vec<TrailerSignature>,
    /// Extra identity signatures.
    pub identities: Vec<IdentitySignature>,
    /// PR labels that mark AI involvement (case-insensitive), implying `assisted`.
    pub labels: Vec<String>,
    /// Branch globs that mark AI involvement, implying `assisted`.
    pub branches: Vec<String>,
    /// Compiled branch globs.
    #[serde(skip)]
    pub branch_matcher: GlobSet,
}

/// Which commits a waiver covers.
#[derive(Debug, Clone, Serialize, Default)]
pub struct WaiverScope {
    /// Commit id prefixes (hex, ≥ 7 characters).
    pub commits: Vec<String>,
    /// Path globs: the waiver applies when a finding's path (or any changed path) matches.
    pub paths: Vec<String>,
    /// Compiled path globs.
    #[serde(skip)]
    pub path_matcher: Option<GlobSet>,
    /// Rule names (indices into [`Policy::rules`]): applies when the commit matched one of them.
    pub rules: Vec<usize>,
}

/// A named, reasoned, approved, expiring exception.
#[derive(Debug, Clone, Serialize)]
pub struct Waiver {
    /// Id, e.g. `W-2026-001`.
    pub id: String,
    /// What it covers.
    pub scope: WaiverScope,
    /// Finding codes it waives (never empty).
    pub codes: Vec<crate::findings::Code>,
    /// Why.
    pub reason: String,
    /// Who approved it (`Name <email>`).
    pub approved_by: String,
    /// Who asked for it, when recorded.
    pub requested_by: Option<String>,
    /// Last day it applies (inclusive).
    pub expires: Date,
    /// Span of the waiver's `id:` value.
    #[serde(skip)]
    pub span: Span,
}

/// How a client hook reacts to findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HookMode {
    /// Report; block only on `ai-forbidden`.
    Warn,
    /// Block on every error.
    Enforce,
}

/// Client hook settings.
#[derive(Debug, Clone, Serialize)]
pub struct Hooks {
    /// `commit-msg` (default `warn`).
    pub commit_msg: HookMode,
    /// `pre-push` (default `enforce`).
    pub pre_push: HookMode,
}

impl Default for Hooks {
    fn default() -> Self {
        Hooks {
            commit_msg: HookMode::Warn,
            pre_push: HookMode::Enforce,
        }
    }
}

/// A validated, compiled policy: the only form the evaluator accepts.
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    /// Where it came from (not serialised with the policy itself).
    #[serde(skip)]
    pub source: PolicySource,
    /// Tiers, least → most risk.
    pub tiers: Vec<Tier>,
    /// Tier for paths no rule matches (index into `tiers`).
    pub default_tier: usize,
    /// Rules, in order.
    pub rules: Vec<Rule>,
    /// Paths that get every tier's requirements: the policy files and CI configuration.
    #[serde(skip)]
    pub protected: pathmatch::PathGlobs,
    /// The protected globs as written (for reports).
    pub protected_paths: Vec<String>,
    /// Extras by involvement.
    pub involvement: InvolvementExtras,
    /// Teams.
    pub teams: Vec<Team>,
    /// Evidence settings.
    pub evidence: Evidence,
    /// Detection settings.
    pub detect: Detect,
    /// Waivers.
    pub waivers: Vec<Waiver>,
    /// Commits reachable from this revision are history, not checked.
    pub baseline: Option<String>,
    /// Client hook modes.
    pub hooks: Hooks,
    /// Where the gate is enforced (protected branches and tags).
    pub protect: protect::Protect,
    /// Framework references per tier name, shown in reports.
    pub controls: Vec<(String, Vec<String>)>,
}

impl Policy {
    /// The index of the highest tier.
    pub fn highest_tier(&self) -> usize {
        self.tiers.len().saturating_sub(1)
    }

    /// The index of the tier named `name`.
    pub fn tier_index(&self, name: &str) -> Option<usize> {
        self.tiers.iter().position(|t| t.name == name)
    }
}
