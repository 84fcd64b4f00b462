//! Waivers: turn matching findings into waived ones; an expired waiver is a finding itself.

use crate::evaluate::Context;
use crate::facts::CommitFacts;
use crate::findings::model::{CommitReport, Finding};
use crate::findings::{Code, Severity};
use crate::policy::Waiver;

/// Does waiver `w` cover finding `f` of `commit`?
fn covers(w: &Waiver, commit: &CommitFacts, report: &CommitReport, f: &Finding) -> bool {
    if !w.codes.contains(&f.code) {
        return false;
    }
    let s = &w.scope;
    if s.commits.is_empty() && s.path_matcher.is_none() && s.rules.is_empty() {
        return false;
    }
    let commit_ok = s.commits.is_empty()
        || s.commits.iter().any(|p| {
            p.len() >= 7
                && commit
                    .id
                    .get(..p.len())
                    .is_some_and(|c| c.eq_ignore_ascii_case(p))
        });
    // A path-scoped waiver must cover every path that caused the finding: a waiver for
    // `src/auth/legacy.rs` does not excuse a commit that also changes `src/auth/new.rs`.
    let paths_ok = match &s.path_matcher {
        None => true,
        Some(m) if !f.scope.is_empty() => f.scope.iter().all(|p| m.is_match(p)),
        Some(m) => match &f.path {
            Some(p) => m.is_match(p),
            None => !commit.paths.is_empty() && commit.paths.iter().all(|p| m.is_match(&p.path)),
        },
    };
    let rules_ok = s.rules.is_empty() || s.rules.iter().any(|r| report.rule_hits.contains(r));
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
            if !covers(w, commit, report, f) {
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
