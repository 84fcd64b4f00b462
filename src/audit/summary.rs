//! The figures of an audit, computed from a [`Report`] (pure: no I/O).
//!
//! - *AI-assisted*: a commit with involvement above `none`.
//! - *Needs evidence*: an AI-assisted commit whose tier asks for something (reviewers, a change
//!   record or a declaration).
//! - *Evidenced*: needs evidence and has no error finding at all; *waived*: its only errors are
//!   waived; *missing*: at least one unwaived error. Coverage = evidenced / needs evidence.
//! - Each AI-assisted commit counts for one tool and one model ([`super::attribution`]), so
//!   the shares of each table sum to at most 100 %.
//! - Every reviewer of every AI-assisted commit is listed ([`ReviewRow`]), accepted or not, with
//!   the strength of its evidence: the claim an auditor has to check.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::audit::attribution::{commit_model, commit_tool};
use crate::evaluate::{CommitReport, EvidenceSource, Report};
use crate::findings::Severity;
use crate::policy::{AppliesTo, Involvement, Policy};
use crate::time::Date;
use crate::time::{rfc3339, week_label};

/// One ISO week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Week {
    /// `2024-W01`.
    pub week: String,
    /// Commits (by committer date, UTC).
    pub commits: usize,
    /// AI-assisted commits.
    pub ai_assisted: usize,
}

/// A name and how many commits carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    /// Tool or model name.
    pub name: String,
    /// Commits.
    pub commits: usize,
}

/// Figures for one tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TierRow {
    /// Tier name (`(none)` for commits that change no path).
    pub tier: String,
    /// Commits in this tier.
    pub commits: usize,
    /// AI-assisted commits in this tier.
    pub ai_assisted: usize,
    /// AI-assisted commits that needed evidence.
    pub needs_evidence: usize,
    /// … whose evidence was valid.
    pub evidenced: usize,
    /// … whose missing evidence was waived.
    pub waived: usize,
    /// … with evidence missing (unwaived errors).
    pub missing: usize,
    /// Framework references for this tier (`controls:` in the policy).
    pub controls: Vec<String>,
    /// What the tier means: which paths get it and what it asks for ([`NO_TIER`] included).
    pub meaning: TierMeaning,
}

/// What a tier value means, for the reader of an audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct TierMeaning {
    /// The policy's description of the tier.
    pub description: Option<String>,
    /// The rules that put paths in this tier.
    pub rules: Vec<String>,
    /// Paths no rule matches get this tier (`default_tier`).
    pub default: bool,
    /// `ai` (only AI-assisted commits must show evidence) or `all`.
    pub applies_to: &'static str,
    /// What a commit of this tier must show, one item each (`1 named reviewer`, …); empty
    /// when it asks for nothing.
    pub asks: Vec<String>,
}

/// A commit that needs attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attention {
    /// Full id.
    pub commit: String,
    /// Committer date, RFC 3339.
    pub time: String,
    /// Author (`Name <email>`).
    pub author: String,
    /// Subject line.
    pub subject: String,
    /// Tier.
    pub tier: Option<String>,
    /// Involvement.
    pub involvement: Involvement,
    /// `fail` (unwaived errors) or `waived` (only waived errors).
    pub status: &'static str,
    /// Finding codes (errors; waived ones included).
    pub codes: Vec<String>,
}

/// One reviewer of an AI-assisted commit (or the lack of one): one row per reviewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewRow {
    /// Full commit id.
    pub commit: String,
    /// Subject line.
    pub subject: String,
    /// Tier ([`NO_TIER`] when the commit changes no path).
    pub tier: String,
    /// Involvement.
    pub involvement: Involvement,
    /// The reviewer as named (`Name <email>`, a login); `None`: the commit names none.
    pub reviewer: Option<String>,
    /// Where the reviewer came from: `trailer`, `approval`, `pr-body`, `signed-review`.
    pub source: Option<&'static str>,
    /// Accepted reviewers: `claimed` (a trailer anyone can type), `platform` (the review
    /// platform recorded the approval) or `signed` (a signature by a registered key).
    pub strength: Option<&'static str>,
    /// Rejected reviewers: the stable reason (`self-review`, `not-human` …).
    pub rejected: Option<&'static str>,
    /// The commit's own verdict: `pass`, `fail`, or `waived` (only waived errors).
    pub status: &'static str,
}

/// One waiver of the policy and its use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaiverRow {
    /// Id.
    pub id: String,
    /// Who approved it.
    pub approved_by: String,
    /// Who asked for it.
    pub requested_by: Option<String>,
    /// Why.
    pub reason: String,
    /// Last day it applies.
    pub expires: String,
    /// Days from the audit date to expiry (negative: expired).
    pub days_to_expiry: i64,
    /// Past its expiry.
    pub expired: bool,
    /// Commits it excused in this range.
    pub used: usize,
    /// Not used in this range.
    pub unused: bool,
}

/// Everything an audit summarises.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// When the audit was made (RFC 3339 UTC).
    pub generated: String,
    /// The date waiver expiry is measured against.
    pub today: String,
    /// The range audited, exactly: how it was given and what it holds, and the policy's
    /// baseline when one hides history (`…, not reachable from baseline <full id>`).
    pub range: String,
    /// The range's head commit (full id), when it has one.
    pub head: Option<String>,
    /// The range's base commit (full id), when it has one.
    pub base: Option<String>,
    /// The policy's `baseline:` (full id): it and its ancestors are not audited.
    pub baseline: Option<String>,
    /// Policy display name.
    pub policy: String,
    /// Policy blob id.
    pub policy_digest: String,
    /// `pass` or `fail` as `check` would decide.
    pub verdict: &'static str,
    /// Commits audited.
    pub commits: usize,
    /// AI-assisted commits.
    pub ai_assisted: usize,
    /// Per ISO week, oldest first.
    pub weeks: Vec<Week>,
    /// AI-assisted commits per tool, most first.
    pub tools: Vec<Count>,
    /// AI-assisted commits per model (`(not stated)` when no marker names one), most first.
    pub models: Vec<Count>,
    /// Per tier, in policy order, then `(none)` (always listed, with its meaning).
    pub tiers: Vec<TierRow>,
    /// AI-assisted commits that needed evidence, over all tiers.
    pub needs_evidence: usize,
    /// … whose evidence was valid.
    pub evidenced: usize,
    /// Commits that fail or were waived, newest first.
    pub attention: Vec<Attention>,
    /// The reviewers of every AI-assisted commit, newest commit first; one row per reviewer
    /// (a commit without any has one row without a reviewer).
    pub reviews: Vec<ReviewRow>,
    /// Number of failing commits.
    pub violations: usize,
    /// Run-level findings (`unused-rule`, `unused-waiver`): code and message.
    pub run_findings: Vec<(String, String)>,
    /// The policy's waivers.
    pub waivers: Vec<WaiverRow>,
}

/// The label of commits without a tier.
pub const NO_TIER: &str = "(none)";
/// What [`NO_TIER`] means.
pub const NO_TIER_MEANING: &str = "the commit changes no path, so no rule applies and nothing is required: an empty commit, or a merge that brings no change of its own";
/// The label of AI-assisted commits whose markers name no model.
pub const NO_MODEL: &str = "(not stated)";
/// The label of AI-assisted commits whose markers name no tool (never expected: every marker
/// names one).
pub const NO_TOOL: &str = "(unknown)";

fn needs_evidence(c: &CommitReport) -> bool {
    let r = &c.requirements;
    c.involvement > Involvement::None
        && r.applies
        && (r.reviewers > 0 || r.change_record || r.declaration)
}

fn has_errors(c: &CommitReport) -> bool {
    c.findings.iter().any(|f| f.severity == Severity::Error)
}

/// The tier rows of `policy`, empty, in policy order, then [`NO_TIER`].
fn tier_rows(policy: &Policy) -> Vec<TierRow> {
    let mut rows: Vec<TierRow> = policy
        .tiers
        .iter()
        .enumerate()
        .map(|(i, t)| TierRow {
            tier: t.name.clone(),
            commits: 0,
            ai_assisted: 0,
            needs_evidence: 0,
            evidenced: 0,
            waived: 0,
            missing: 0,
            controls: policy
                .controls
                .iter()
                .find(|(n, _)| *n == t.name)
                .map(|(_, r)| r.clone())
                .unwrap_or_default(),
            meaning: meaning(policy, i),
        })
        .collect();
    rows.push(TierRow {
        tier: NO_TIER.to_string(),
        commits: 0,
        ai_assisted: 0,
        needs_evidence: 0,
        evidenced: 0,
        waived: 0,
        missing: 0,
        controls: Vec::new(),
        meaning: TierMeaning {
            description: Some(NO_TIER_MEANING.to_string()),
            applies_to: "ai",
            ..TierMeaning::default()
        },
    });
    rows
}

/// What tier `i` of `policy` means.
fn meaning(policy: &Policy, i: usize) -> TierMeaning {
    let Some(t) = policy.tiers.get(i) else {
        return TierMeaning::default();
    };
    let mut asks = Vec::new();
    if t.reviewers > 0 {
        let s = if t.reviewers == 1 { "" } else { "s" };
        let mut r = format!("{} named human reviewer{s}", t.reviewers);
        let teams: Vec<&str> = t
            .reviewers_from
            .iter()
            .filter_map(|&k| policy.teams.get(k).map(|x| x.name.as_str()))
            .collect();
        if !teams.is_empty() {
            r.push_str(&format!(" from {}", teams.join(" or ")));
        }
        asks.push(r);
    }
    if t.change_record {
        asks.push("a change record".to_string());
    }
    if t.declaration {
        asks.push("an AI declaration trailer".to_string());
    }
    if t.ai_forbidden {
        asks.push("no AI involvement at all (AI-assisted changes are refused)".to_string());
    }
    TierMeaning {
        description: t.description.clone(),
        rules: policy
            .rules
            .iter()
            .filter(|r| r.tier == i)
            .map(|r| r.name.clone())
            .collect(),
        default: policy.default_tier == i,
        applies_to: match t.applies_to {
            AppliesTo::Ai => "ai",
            AppliesTo::All => "all",
        },
        asks,
    }
}

/// The range as audited, exactly, with the policy's baseline when it hides history.
fn range_text(report: &Report, policy: &Policy) -> String {
    let d = &report.range.description;
    let Some(b) = policy.baseline.as_deref() else {
        return d.clone();
    };
    let cut = format!("not reachable from baseline {b}");
    match d.strip_suffix(')') {
        Some(open) if !d.contains("; ") => format!("{open}, {cut})"),
        _ => format!("{d} ({cut})"),
    }
}

fn source_name(s: EvidenceSource) -> &'static str {
    match s {
        EvidenceSource::Trailer => "trailer",
        EvidenceSource::Approval => "approval",
        EvidenceSource::PrBody => "pr-body",
        EvidenceSource::SignedReview => "signed-review",
    }
}

/// `pass`, `fail` or `waived` for one commit.
fn status(c: &CommitReport) -> &'static str {
    if c.is_failing() {
        "fail"
    } else if has_errors(c) {
        "waived"
    } else {
        "pass"
    }
}

/// One row per reviewer candidate of `c`, or one row without a reviewer.
fn reviews_of(c: &CommitReport, out: &mut Vec<ReviewRow>) {
    let row = |reviewer: Option<String>| ReviewRow {
        commit: c.id.clone(),
        subject: c.subject.clone(),
        tier: c.tier.clone().unwrap_or_else(|| NO_TIER.to_string()),
        involvement: c.involvement,
        reviewer,
        source: None,
        strength: None,
        rejected: None,
        status: status(c),
    };
    if c.reviewers.is_empty() {
        out.push(row(None));
    }
    for r in &c.reviewers {
        let name = r
            .identity
            .as_ref()
            .map_or_else(|| r.raw.clone(), ToString::to_string);
        out.push(ReviewRow {
            source: Some(source_name(r.source)),
            strength: r.accepted.then(|| r.strength.map(|s| s.as_str())).flatten(),
            rejected: (!r.accepted).then(|| r.reason.map_or("rejected", |x| x.as_str())),
            ..row(Some(name))
        });
    }
}

/// Counts per name, most first (then by name).
fn ranked(m: BTreeMap<String, usize>) -> Vec<Count> {
    let mut v: Vec<Count> = m
        .into_iter()
        .map(|(name, commits)| Count { name, commits })
        .collect();
    v.sort_by(|a, b| b.commits.cmp(&a.commits).then_with(|| a.name.cmp(&b.name)));
    v
}

/// The running figures of [`summarise`].
#[derive(Default)]
struct Tally {
    weeks: BTreeMap<String, Week>,
    tools: BTreeMap<String, usize>,
    models: BTreeMap<String, usize>,
    attention: Vec<Attention>,
    reviews: Vec<ReviewRow>,
    ai: usize,
    violations: usize,
}

impl Tally {
    /// Counts commit `c` (its tier row is `row`).
    fn add(&mut self, c: &CommitReport, row: Option<&mut TierRow>) {
        let ai = c.involvement > Involvement::None;
        let label = week_label(c.time);
        let w = self.weeks.entry(label.clone()).or_insert(Week {
            week: label,
            commits: 0,
            ai_assisted: 0,
        });
        w.commits += 1;
        if let Some(row) = row {
            row.commits += 1;
            row.ai_assisted += usize::from(ai);
            if needs_evidence(c) {
                row.needs_evidence += 1;
                match status(c) {
                    "fail" => row.missing += 1,
                    "waived" => row.waived += 1,
                    _ => row.evidenced += 1,
                }
            }
        }
        if ai {
            self.ai += 1;
            w.ai_assisted += 1;
            let tool = commit_tool(&c.markers);
            let model = commit_model(&c.markers, tool.as_deref());
            *self
                .tools
                .entry(tool.unwrap_or_else(|| NO_TOOL.to_string()))
                .or_default() += 1;
            *self
                .models
                .entry(model.unwrap_or_else(|| NO_MODEL.to_string()))
                .or_default() += 1;
            reviews_of(c, &mut self.reviews);
        }
        let failing = c.is_failing();
        self.violations += usize::from(failing);
        if failing || has_errors(c) {
            self.attention.push(Attention {
                commit: c.id.clone(),
                time: rfc3339(c.time),
                author: c.author.to_string(),
                subject: c.subject.clone(),
                tier: c.tier.clone(),
                involvement: c.involvement,
                status: status(c),
                codes: c
                    .findings
                    .iter()
                    .filter(|f| f.severity == Severity::Error)
                    .map(|f| f.code.to_string())
                    .collect(),
            });
        }
    }
}

/// Computes the summary of `report`; `today` dates waiver expiry, `generated` is the run time.
pub fn summarise(report: &Report, policy: &Policy, today: Date, generated: String) -> Summary {
    let mut tiers = tier_rows(policy);
    // `(none)` stays even when no commit has it: its meaning is part of the record.
    let none_row = tiers.len() - 1;
    let mut waiver_use: BTreeMap<&str, usize> = BTreeMap::new();
    let mut t = Tally::default();
    for c in &report.commits {
        let row_i = c
            .tier
            .as_deref()
            .and_then(|x| policy.tier_index(x))
            .unwrap_or(none_row);
        t.add(c, tiers.get_mut(row_i));
        for id in &c.waivers {
            *waiver_use.entry(id.as_str()).or_default() += 1;
        }
    }
    let waivers = policy
        .waivers
        .iter()
        .map(|w| {
            let used = waiver_use.get(w.id.as_str()).copied().unwrap_or(0);
            let days = w.expires.to_days() - today.to_days();
            WaiverRow {
                id: w.id.clone(),
                approved_by: w.approved_by.clone(),
                requested_by: w.requested_by.clone(),
                reason: w.reason.clone(),
                expires: w.expires.to_string(),
                days_to_expiry: days,
                expired: days < 0,
                used,
                unused: used == 0,
            }
        })
        .collect();
    let needs = tiers.iter().map(|t| t.needs_evidence).sum();
    let evidenced = tiers.iter().map(|t| t.evidenced).sum();
    Summary {
        generated,
        today: today.to_string(),
        range: range_text(report, policy),
        head: report.range.head.clone(),
        base: report.range.base.clone(),
        baseline: policy.baseline.clone(),
        policy: report.policy.source.clone(),
        policy_digest: report.policy.digest.clone(),
        verdict: report.verdict.as_str(),
        commits: report.commits.len(),
        ai_assisted: t.ai,
        weeks: t.weeks.into_values().collect(),
        tools: ranked(t.tools),
        models: ranked(t.models),
        tiers,
        needs_evidence: needs,
        evidenced,
        attention: t.attention,
        reviews: t.reviews,
        violations: t.violations,
        run_findings: report
            .findings
            .iter()
            .map(|f| (f.code.to_string(), f.message.clone()))
            .collect(),
        waivers,
    }
}

/// `n` of `d` as a percentage with one decimal (`33.3%`), or `–` when `d` is 0.
pub fn pct(n: usize, d: usize) -> String {
    if d == 0 {
        return "–".to_string();
    }
    // Integer arithmetic, rounded half up, so figures are stable across platforms.
    let tenths = (n as u128 * 1000 + d as u128 / 2) / d as u128;
    format!("{}.{}%", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::pct;

    #[test]
    fn percentages() {
        assert_eq!(pct(1, 3), "33.3%");
        assert_eq!(pct(2, 3), "66.7%");
        assert_eq!(pct(0, 5), "0.0%");
        assert_eq!(pct(5, 5), "100.0%");
        assert_eq!(pct(0, 0), "–");
    }
}
