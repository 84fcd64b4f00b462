//! Evaluation (pure): a validated policy + facts → a [`Report`]. No I/O, no git, no environment.
//!
//! Per commit: involvement from markers (commit + PR); the tiers of every changed path
//! (`policy::classify`); requirements = the strongest of each over those tiers, with the
//! accumulated involvement extras ([`requirements`]); then reviewers, change records,
//! declaration, `ai: forbidden` (per path, sticky), and waivers. A commit that changes no
//! path (an empty commit, a clean merge) has no tier and nothing to answer for; its parents
//! are evaluated on their own.

mod diags;
pub mod fixes;
pub mod records;
pub mod requirements;
pub mod reviewers;
pub mod signed;
pub mod waivers;

use crate::detect;
use crate::facts::{CommitFacts, CommitReviews, PullRequest, RangeInfo};
use crate::findings::Severity;
use crate::message::nearmiss::near_misses;
use crate::message::trailers::{self, Anomaly, ParsedMessage};
use crate::policy::classify;
use crate::policy::{Involvement, Policy};
use crate::time::Date;
use crate::{Error, Result};

pub use crate::findings::model::*;

/// What the evaluator knows besides the commit itself.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The validated policy.
    pub policy: &'a Policy,
    /// The PR/MR around the commits, when there is one.
    pub pr: Option<&'a PullRequest>,
    /// The branch being checked, when known (branch markers).
    pub branch: Option<&'a str>,
    /// Today's date (waiver expiry).
    pub today: Date,
    /// The head commit under evaluation (a PR's head: approvals must name it).
    pub head: Option<&'a str>,
    /// The commit the author has checked out (the repository's `HEAD`; the pushed tip in
    /// pre-receive; the PR head in CI): only it is fixed with `git commit --amend`, any other
    /// with a `reword` rebase. `None`: the commit being written (commit-msg), which is HEAD
    /// once it exists.
    pub repo_head: Option<&'a str>,
    /// Keep per-path classification in the report (for `explain`).
    pub explain: bool,
    /// The run covers the whole history (`--all`): only then does "matched nothing" say
    /// something about a rule or waiver, so only then are `unused-rule`/`unused-waiver` reported.
    pub whole_history: bool,
}

/// Evaluates one commit without signed reviews (see [`evaluate_reviewed`]).
pub fn evaluate_commit(ctx: &Context<'_>, commit: &CommitFacts) -> Result<CommitReport> {
    evaluate_reviewed(ctx, commit, &CommitReviews::default())
}

/// Evaluates one commit with the signed reviews found for it. Fails (exit 2) only when the
/// policy needs data that was not given (platform approvals when every review mode needs
/// them; an allowed-signers file the command layer did not read).
pub fn evaluate_reviewed(
    ctx: &Context<'_>,
    commit: &CommitFacts,
    reviews: &CommitReviews,
) -> Result<CommitReport> {
    let policy = ctx.policy;
    let parsed = trailers::parse(&commit.message);
    if let Some(Anomaly::TooManyTrailers { count, limit }) = parsed
        .anomalies
        .iter()
        .find(|a| matches!(a, Anomaly::TooManyTrailers { .. }))
    {
        return Err(Error::limit(format!(
            "commit {} has {count} trailers, more than {limit} (limit max_trailers)",
            commit.id
        ))
        .with_help("such a trailer block cannot be checked; rewrite the commit message"));
    }
    let markers = detect::detect(commit, &parsed, ctx.pr, ctx.branch, &policy.detect);
    let involvement = detect::involvement(&markers);

    let Classified {
        rule_hits,
        decisive,
        forbidden_paths,
        path_tiers,
        touched,
        path_needs,
    } = classify_paths(ctx, commit);

    let mut report = CommitReport {
        id: commit.id.clone(),
        subject: commit.subject(),
        author: commit.author.clone(),
        committer: commit.committer.clone(),
        time: commit.time,
        merge: commit.is_merge(),
        involvement,
        markers,
        tier: None,
        rules: rule_hits
            .iter()
            .filter_map(|&i| policy.rules.get(i).map(|r| r.name.clone()))
            .collect(),
        paths_changed: commit.paths.len(),
        decisive_path: None,
        requirements: Requirements::default(),
        reviewers: Vec::new(),
        change_records: Vec::new(),
        declaration: None,
        waivers: Vec::new(),
        findings: Vec::new(),
        path_tiers,
        message: None,
        rule_hits,
        waiver_hits: Vec::new(),
    };

    warnings(ctx, commit, &parsed, &mut report);

    let combined = requirements::combine(policy, &touched, involvement);
    if let Some((_, class, path)) = decisive
        && let Some(combined) = combined
        && let Some(highest) = policy.tiers.get(combined.highest)
    {
        // Requirements combine every tier the commit touches, each as the strongest, so a path
        // of a higher tier with weaker requirements (e.g. `ai: forbidden` without reviewers)
        // never drops the requirements of the others (regression b001, issue 11 class 6).
        // Reviewers count only as members of the constrained teams when no touched tier
        // accepts anyone; each tier's team constraint is checked on its own below.
        let reviewer_tier = crate::policy::Tier {
            reviewers: combined.reviewers,
            reviewers_from: combined.reviewer_teams(),
            ..highest.clone()
        };
        let tier = &reviewer_tier;
        report.tier = Some(tier.name.clone());
        report.decisive_path = Some(classify::describe(policy, path, &class));
        let (policy_span, policy_label) = match class.rule.and_then(|r| policy.rules.get(r)) {
            Some(rule) => (
                rule.tier_span,
                format!("rule `{}` sets tier `{}` here", rule.name, tier.name),
            ),
            None if class.protected => (
                tier.span,
                format!(
                    "`{path}` is a protected path: the strongest requirement of every tier (highest `{}`)",
                    tier.name
                ),
            ),
            None => (tier.span, format!("default tier `{}`", tier.name)),
        };
        let extra = combined.extra;
        report.requirements = combined.report(policy);

        let input = reviewers::ReviewInput {
            policy,
            tier,
            commit,
            trailers: &parsed.trailers,
            pr: ctx.pr,
            head: ctx.head,
            // Verifying signatures costs; it is only done where reviewers decide something
            // (or for `explain`): a commit that needs no reviewer passes without them.
            signed: if report.requirements.reviewers > 0 || ctx.explain {
                &reviews.signed
            } else {
                &[]
            },
            patch_id: reviews.patch_id.as_deref(),
        };
        review_inputs_given(ctx, report.requirements.reviewers)?;
        report.reviewers = reviewers::check(&input);
        report.change_records = records::collect(policy, &parsed.trailers, ctx.pr);
        report.declaration = records::declaration(policy, &parsed.trailers);

        let fix_target = diags::FixTarget::new(&commit.id, ctx.repo_head);
        // The paths that set the requirements: every path under a tier that asks for evidence
        // (or every path, when only involvement extras ask for it).
        let mut scope: Vec<String> = commit
            .paths
            .iter()
            .zip(&path_needs)
            .filter(|(_, n)| **n)
            .map(|(p, _)| p.path.clone())
            .collect();
        if scope.is_empty() {
            scope = commit.paths.iter().map(|p| p.path.clone()).collect();
        }
        // Where the tier's findings point (the declaration points at its own tier).
        let site = diags::Site {
            path,
            scope: &scope,
            policy_span,
            policy_label: &policy_label,
            block: parsed.block.clone(),
        };
        if involvement > Involvement::None
            && let Some(&(_, forbidding)) = forbidden_paths.first()
        {
            let forbidding = policy
                .tiers
                .get(forbidding)
                .map_or(tier.name.as_str(), |t| t.name.as_str());
            let marker = report.markers.iter().find_map(|m| m.span.clone());
            let f = diags::ai_forbidden(involvement, &forbidden_paths, forbidding, marker);
            report.findings.push(f);
        }
        let shortfalls = combined.shortfalls(policy, &report.reviewers);
        if let Some(first) = shortfalls.first() {
            let mut message = first.describe(policy);
            if extra.extra_reviewers > 0 {
                message = message.replacen(
                    " reviewer(s)",
                    &format!(
                        " reviewer(s) ({} extra for {} involvement)",
                        extra.extra_reviewers,
                        involvement.as_str()
                    ),
                    1,
                );
            }
            for more in shortfalls.iter().skip(1) {
                message.push_str("; ");
                message.push_str(&more.describe(policy));
            }
            let teams = shortfalls
                .iter()
                .find(|s| !s.teams.is_empty())
                .map_or(&tier.reviewers_from, |s| &s.teams);
            let f = diags::missing_reviewer(
                policy,
                message,
                &report.reviewers,
                teams,
                &fix_target,
                &site,
            );
            report.findings.push(f);
        }
        if report.requirements.change_record && !report.change_records.iter().any(|r| r.valid) {
            let asking = combined
                .change_record
                .flatten()
                .and_then(|t| policy.tiers.get(t));
            let f = diags::missing_change_record(
                policy,
                asking,
                involvement,
                &report.change_records,
                &fix_target,
                &site,
            );
            report.findings.push(f);
        }
        if report.requirements.declaration && report.declaration.is_none() {
            let asking = combined
                .declaration
                .and_then(|t| policy.tiers.get(t))
                .unwrap_or(tier);
            let site = diags::Site {
                path,
                scope: &scope,
                policy_span: asking.span,
                policy_label: &format!("tier `{}` requires a declaration", asking.name),
                block: parsed.block.clone(),
            };
            let f = diags::missing_declaration(policy, asking, &fix_target, &site);
            report.findings.push(f);
        }
    }

    for f in &mut report.findings {
        f.commit = Some(commit.id.clone());
    }
    waivers::apply(ctx, commit, &mut report);
    if !report.findings.is_empty() {
        report.message = Some(commit.message_text());
    }
    Ok(report)
}

/// The data the accepted review modes need is there (exit 2 otherwise): platform approvals
/// when every mode reads them, the head they are for, an allowed-signers file that was read.
fn review_inputs_given(ctx: &Context<'_>, reviewers: u32) -> Result<()> {
    let policy = ctx.policy;
    if reviewers > 0
        && policy.evidence.review.needs_platform()
        && ctx.pr.is_none_or(|pr| pr.approvals.is_none())
    {
        return Err(Error::input(format!(
            "the policy reads reviews from the platform (evidence.review: {}) but no approval data was given",
            policy.evidence.review.describe()
        ))
        .with_help(
            "run `countersign ci` with `--reviews FILE` (GitHub) or `--approvals FILE` (GitLab), \
             or pass the PR facts with `--pr FILE`",
        ));
    }
    // Approvals count only on the evaluated head: when there are any, it must be known,
    // and be the PR's.
    if reviewers > 0
        && policy.evidence.review.needs_platform()
        && let Some(pr) = ctx.pr
        && pr.approvals.as_ref().is_some_and(|a| !a.is_empty())
    {
        match (ctx.head, pr.head_sha.as_deref()) {
            (None, None) => {
                return Err(Error::input(
                    "platform approvals count only on the head commit, but neither the range nor the PR facts name one",
                )
                .with_help("give the PR facts a `head_sha` (the commit the approvals are for) and check a range that ends there"));
            }
            (Some(h), Some(p)) if !h.eq_ignore_ascii_case(p) => {
                return Err(Error::input(format!(
                    "the PR facts are for head {p}, but the evaluated range ends at {h}: its approvals are not for this head"
                ))
                .with_help("check the range that ends at the PR's head (`countersign check BASE..<head_sha>`), or pass the PR facts of this head"));
            }
            _ => {}
        }
    }
    if policy
        .evidence
        .review
        .has(crate::policy::ReviewMode::Signed)
        && let Some(f) = &policy.evidence.allowed_signers
        && f.signers.is_none()
    {
        return Err(Error::policy(format!(
            "the allowed-signers file `{}` of the policy was not read",
            f.path
        ))
        .with_help("this is a bug in countersign: please report it"));
    }
    Ok(())
}

/// What the changed paths of a commit say, before any evidence is looked at.
struct Classified<'c> {
    /// The rules that matched some path (indices, sorted).
    rule_hits: Vec<usize>,
    /// The highest tier, its classification and the path that set it.
    decisive: Option<(usize, classify::PathClass, &'c str)>,
    /// Paths a tier forbids AI on, with that tier.
    forbidden_paths: Vec<(&'c str, usize)>,
    /// Per-path classification (for `explain`).
    path_tiers: Vec<PathTier>,
    /// Every tier any path touches.
    touched: Vec<usize>,
    /// Per path: does any tier that applies to it ask for evidence? (waiver scope)
    path_needs: Vec<bool>,
}

/// Tiers: every tier of every changed path; the highest names the commit's tier.
fn classify_paths<'c>(ctx: &Context<'_>, commit: &'c CommitFacts) -> Classified<'c> {
    let policy = ctx.policy;
    let mut rule_hits: Vec<usize> = Vec::new();
    let mut decisive: Option<(usize, classify::PathClass, &str)> = None;
    // (path, the tier that forbids AI on it)
    let mut forbidden_paths: Vec<(&str, usize)> = Vec::new();
    let mut path_tiers = Vec::new();
    let mut touched: Vec<usize> = Vec::new();
    // Per path: does any tier that applies to it ask for evidence? (waiver scope)
    let mut path_needs: Vec<bool> = Vec::with_capacity(commit.paths.len());
    for p in &commit.paths {
        let class = classify::classify_changed(policy, p);
        let mut needs = false;
        for &t in &class.tiers {
            if !touched.contains(&t) {
                touched.push(t);
            }
            needs |= policy
                .tiers
                .get(t)
                .is_some_and(|t| t.reviewers > 0 || t.change_record || t.declaration);
        }
        path_needs.push(needs);
        for &r in &class.matched {
            if !rule_hits.contains(&r) {
                rule_hits.push(r);
            }
        }
        if let Some(t) = class.forbidding_tier(policy) {
            forbidden_paths.push((&p.path, t));
        }
        if ctx.explain {
            path_tiers.push(classify::describe(policy, &p.path, &class));
        }
        if decisive.as_ref().is_none_or(|(t, _, _)| class.tier > *t) {
            decisive = Some((class.tier, class, &p.path));
        }
    }
    rule_hits.sort_unstable();
    Classified {
        rule_hits,
        decisive,
        forbidden_paths,
        path_tiers,
        touched,
        path_needs,
    }
}

/// Warnings that do not depend on the tier: markers outside the trailer block, near misses,
/// and messages whose trailer block could not be read.
fn warnings(
    ctx: &Context<'_>,
    commit: &CommitFacts,
    parsed: &ParsedMessage,
    report: &mut CommitReport,
) {
    let policy = ctx.policy;
    if let Some(f) = diags::marker_outside_trailers(&commit.message, &report.markers) {
        report.findings.push(f);
    }
    let keys: Vec<&str> = policy
        .evidence
        .reviewer_trailers
        .iter()
        .chain(&policy.evidence.change_record_trailers)
        .chain(&policy.evidence.declaration_trailers)
        .map(String::as_str)
        .collect();
    for nm in near_misses(&commit.message, parsed, &keys) {
        let f = diags::near_miss(&nm);
        report.findings.push(f);
    }
    for a in &parsed.anomalies {
        let (msg, span) = match a {
            Anomaly::Nul { offset } => (
                "the message contains a NUL byte; no trailer is read from it".to_string(),
                Some(*offset..*offset + 1),
            ),
            Anomaly::CrLineEndings { offset } => (
                "the message uses CR-only line endings; no trailer is read from it".to_string(),
                Some(*offset..*offset + 1),
            ),
            Anomaly::ControlChar { span } => (
                "a trailer holds a control, invisible or bidi character; it is not evidence"
                    .to_string(),
                Some(span.clone()),
            ),
            Anomaly::NonTrailerInBlock { span } => {
                // Only worth saying when the rejected block held evidence keys.
                let text = commit.message.get(span.clone()).unwrap_or_default();
                let text = String::from_utf8_lossy(text).to_ascii_lowercase();
                if !keys
                    .iter()
                    .any(|k| text.contains(&format!("{}:", k.to_ascii_lowercase())))
                {
                    continue;
                }
                (
                    "the last paragraph mixes trailers with other lines, so none of its trailers are read"
                        .to_string(),
                    Some(span.clone()),
                )
            }
            Anomaly::LeadingBlankLine => (
                "the message starts with a blank line; git reads no trailers from it".to_string(),
                None,
            ),
            // Never reached: evaluate_commit stops with a limit error first.
            Anomaly::TooManyTrailers { count, limit } => (
                format!("the trailer block has {count} trailers, more than {limit}"),
                None,
            ),
        };
        let f = diags::unreadable_trailers(msg, span);
        report.findings.push(f);
    }
}

/// Finishes a run: run-level warnings (`unused-rule`, `unused-waiver`), summary and verdict.
pub fn finish(ctx: &Context<'_>, range: RangeInfo, commits: Vec<CommitReport>) -> Report {
    let policy = ctx.policy;
    let mut findings = Vec::new();
    if ctx.whole_history && !commits.is_empty() {
        let mut rule_used = vec![false; policy.rules.len()];
        let mut waiver_used = vec![false; policy.waivers.len()];
        for c in &commits {
            for &r in &c.rule_hits {
                if let Some(u) = rule_used.get_mut(r) {
                    *u = true;
                }
            }
            for &w in &c.waiver_hits {
                if let Some(u) = waiver_used.get_mut(w) {
                    *u = true;
                }
            }
        }
        for (rule, used) in policy.rules.iter().zip(&rule_used) {
            if !used {
                let f = diags::unused_rule(rule);
                findings.push(f);
            }
        }
        for (w, used) in policy.waivers.iter().zip(&waiver_used) {
            if !used {
                let f = diags::unused_waiver(w);
                findings.push(f);
            }
        }
    }
    let mut summary = Summary {
        commits: commits.len(),
        ..Summary::default()
    };
    for f in commits.iter().flat_map(|c| &c.findings).chain(&findings) {
        if f.waived_by.is_some() {
            summary.waived += 1;
        } else if f.severity == Severity::Error {
            summary.errors += 1;
        } else {
            summary.warnings += 1;
        }
    }
    summary.findings = summary.errors + summary.warnings;
    summary.ai_assisted = commits
        .iter()
        .filter(|c| c.involvement > Involvement::None)
        .count();
    let verdict = if summary.errors > 0 {
        Verdict::Fail
    } else {
        Verdict::Pass
    };
    Report {
        schema: SCHEMA,
        verdict,
        summary,
        range,
        policy: PolicyInfo {
            source: policy.source.name(),
            origin: policy.source.origin.clone(),
            digest: policy.source.digest.clone(),
        },
        tool: Tool::default(),
        commits,
        findings,
    }
}
