//! The figures of an audit, computed from a [`Report`] (pure: no I/O).
//!
//! - *AI-assisted*: a commit with involvement above `none`.
//! - *Needs evidence*: an AI-assisted commit whose tier asks for something (reviewers, a change
//!   record or a declaration).
//! - *Evidenced*: needs evidence and has no error finding at all; *waived*: its only errors are
//!   waived; *missing*: at least one unwaived error. Coverage = evidenced / needs evidence.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::evaluate::{CommitReport, Report};
use crate::findings::Severity;
use crate::policy::{Involvement, Policy};
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
    /// The range audited.
    pub range: String,
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
    /// Per tier, in policy order (then `(none)`).
    pub tiers: Vec<TierRow>,
    /// AI-assisted commits that needed evidence, over all tiers.
    pub needs_evidence: usize,
    /// … whose evidence was valid.
    pub evidenced: usize,
    /// Commits that fail or were waived, newest first.
    pub attention: Vec<Attention>,
    /// Number of failing commits.
    pub violations: usize,
    /// Run-level findings (`unused-rule`, `unused-waiver`): code and message.
    pub run_findings: Vec<(String, String)>,
    /// The policy's waivers.
    pub waivers: Vec<WaiverRow>,
}

/// The label of commits without a tier.
pub const NO_TIER: &str = "(none)";
/// The label of AI-assisted commits whose markers name no model.
pub const NO_MODEL: &str = "(not stated)";

fn needs_evidence(c: &CommitReport) -> bool {
    let r = &c.requirements;
    c.involvement > Involvement::None
        && r.applies
        && (r.reviewers > 0 || r.change_record || r.declaration)
}

fn has_errors(c: &CommitReport) -> bool {
    c.findings.iter().any(|f| f.severity == Severity::Error)
}

/// Computes the summary of `report`; `today` dates waiver expiry, `generated` is the run time.
pub fn summarise(report: &Report, policy: &Policy, today: Date, generated: String) -> Summary {
    let mut weeks: BTreeMap<String, Week> = BTreeMap::new();
    let mut tools: BTreeMap<String, usize> = BTreeMap::new();
    let mut models: BTreeMap<String, usize> = BTreeMap::new();
    let mut tiers: Vec<TierRow> = policy
        .tiers
        .iter()
        .map(|t| TierRow {
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
        })
        .collect();
    let none_row = tiers.len();
    tiers.push(TierRow {
        tier: NO_TIER.to_string(),
        commits: 0,
        ai_assisted: 0,
        needs_evidence: 0,
        evidenced: 0,
        waived: 0,
        missing: 0,
        controls: Vec::new(),
    });
    let mut attention = Vec::new();
    let mut waiver_use: BTreeMap<&str, usize> = BTreeMap::new();
    let (mut ai_total, mut violations) = (0, 0);

    for c in &report.commits {
        let ai = c.involvement > Involvement::None;
        let label = week_label(c.time);
        let w = weeks.entry(label.clone()).or_insert(Week {
            week: label,
            commits: 0,
            ai_assisted: 0,
        });
        w.commits += 1;
        let row_i = c
            .tier
            .as_deref()
            .and_then(|t| policy.tier_index(t))
            .unwrap_or(none_row);
        if let Some(row) = tiers.get_mut(row_i) {
            row.commits += 1;
            if ai {
                row.ai_assisted += 1;
            }
            if needs_evidence(c) {
                row.needs_evidence += 1;
                if c.is_failing() {
                    row.missing += 1;
                } else if has_errors(c) {
                    row.waived += 1;
                } else {
                    row.evidenced += 1;
                }
            }
        }
        if ai {
            ai_total += 1;
            w.ai_assisted += 1;
            let mut seen_tools: Vec<&str> = Vec::new();
            let mut seen_models: Vec<&str> = Vec::new();
            for m in &c.markers {
                if !seen_tools.contains(&m.tool.as_str()) {
                    seen_tools.push(&m.tool);
                }
                if let Some(model) = m.model.as_deref()
                    && !seen_models.contains(&model)
                {
                    seen_models.push(model);
                }
            }
            if seen_models.is_empty() {
                seen_models.push(NO_MODEL);
            }
            for t in seen_tools {
                *tools.entry(t.to_string()).or_default() += 1;
            }
            for m in seen_models {
                *models.entry(m.to_string()).or_default() += 1;
            }
        }
        for id in &c.waivers {
            *waiver_use.entry(id.as_str()).or_default() += 1;
        }
        let failing = c.is_failing();
        if failing {
            violations += 1;
        }
        if failing || has_errors(c) {
            attention.push(Attention {
                commit: c.id.clone(),
                time: rfc3339(c.time),
                author: c.author.to_string(),
                subject: c.subject.clone(),
                tier: c.tier.clone(),
                involvement: c.involvement,
                status: if failing { "fail" } else { "waived" },
                codes: c
                    .findings
                    .iter()
                    .filter(|f| f.severity == Severity::Error)
                    .map(|f| f.code.to_string())
                    .collect(),
            });
        }
    }
    if tiers.last().is_some_and(|r| r.commits == 0) {
        tiers.pop();
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
    let ranked = |m: BTreeMap<String, usize>| {
        let mut v: Vec<Count> = m
            .into_iter()
            .map(|(name, commits)| Count { name, commits })
            .collect();
        v.sort_by(|a, b| b.commits.cmp(&a.commits).then_with(|| a.name.cmp(&b.name)));
        v
    };
    let needs = tiers.iter().map(|t| t.needs_evidence).sum();
    let evidenced = tiers.iter().map(|t| t.evidenced).sum();
    Summary {
        generated,
        today: today.to_string(),
        range: report.range.description.clone(),
        policy: report.policy.source.clone(),
        policy_digest: report.policy.digest.clone(),
        verdict: report.verdict.as_str(),
        commits: report.commits.len(),
        ai_assisted: ai_total,
        weeks: weeks.into_values().collect(),
        tools: ranked(tools),
        models: ranked(models),
        tiers,
        needs_evidence: needs,
        evidenced,
        attention,
        violations,
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
