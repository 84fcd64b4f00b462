//! Waivers: turn matching findings into waived ones; an expired waiver is a finding itself.

use crate::evaluate::Context;
use crate::facts::CommitFacts;
use crate::findings::model::{CommitReport, Finding};
use crate::findings::{Code, Severity};
use crate::policy::{Policy, Waiver, classify};

/// Does waiver `w` cover finding `f` of `commit`?
///
/// Every scope the waiver names must hold (issue 11, class 7: a waiver cannot be aimed):
/// `commit:` is a full id and matches exactly; `paths:` must match every path that caused the
/// finding; `rules:` covers the finding only when every path that caused it falls under one
/// of the waiver's rules (a waiver for rule `payments` does not excuse a commit that also
/// changes a path of rule `auth`).
fn covers(w: &Waiver, policy: &Policy, commit: &CommitFacts, f: &Finding) -> bool {
    if !w.codes.contains(&f.code) {
        return false;
    }
    let s = &w.scope;
    if s.commits.is_empty() && s.path_matcher.is_none() && s.rules.is_empty() {
        return false;
    }
    let commit_ok =
        s.commits.is_empty() || s.commits.iter().any(|p| commit.id.eq_ignore_ascii_case(p));
    // The paths that caused the finding: its scope, else its path, else every changed path.
    let causes: Vec<&str> = if !f.scope.is_empty() {
        f.scope.iter().map(String::as_str).collect()
    } else if let Some(p) = &f.path {
        vec![p.as_str()]
    } else {
        commit.paths.iter().map(|p| p.path.as_str()).collect()
    };
    if causes.is_empty() && (s.path_matcher.is_some() || !s.rules.is_empty()) {
        return false;
    }
    let paths_ok = match &s.path_matcher {
        None => true,
        Some(m) => causes.iter().all(|p| m.is_match(p)),
    };
    let rules_ok = s.rules.is_empty()
        || causes.iter().all(|p| {
            classify::classify(policy, p)
                .matched
                .iter()
                .any(|r| s.rules.contains(r))
        });
    commit_ok && paths_ok && rules_ok
}

/// Applies the policy's waivers to the commit's error findings.
pub fn apply(ctx: &Context<'_>, commit: &CommitFacts, report: &mut CommitReport) {
    let mut expired_notes: Vec<Finding> = Vec::new();
    for (wi, w) in ctx.policy.waivers.iter().enumerate() {
        let mut used = false;
        for i in 0..report.findings.len() {
            let f = &report.findings[i];
            if f.severity != Severity::Error
                || f.waived_by.is_some()
                || f.code == Code::WaiverExpired
            {
                continue;
            }
            if !covers(w, ctx.policy, commit, f) {
                continue;
            }
            used = true;
            if w.expires < ctx.today {
                if !expired_notes
                    .iter()
                    .any(|n| n.message.contains(&format!("`{}`", w.id)))
                {
                    let mut n = Finding::new(
                        Code::WaiverExpired,
                        format!(
                            "waiver `{}` would cover `{}` but expired on {}",
                            w.id, f.code, w.expires
                        ),
                    );
                    n.commit = Some(commit.id.clone());
                    n.path = f.path.clone();
                    n.help = Some(format!(
                        "provide the evidence, or renew waiver `{}` (new `expires:`, re-approved) in the policy",
                        w.id
                    ));
                    n.policy_span = Some(w.span);
                    n.policy_label = Some(format!("waiver `{}` expired {}", w.id, w.expires));
                    expired_notes.push(n);
                }
            } else {
                report.findings[i].waived_by = Some(w.id.clone());
                if !report.waivers.contains(&w.id) {
                    report.waivers.push(w.id.clone());
                }
            }
        }
        if used {
            report.waiver_hits.push(wi);
        }
    }
    report.findings.extend(expired_notes);
}
