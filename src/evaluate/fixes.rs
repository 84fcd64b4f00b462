//! Fix advice that fits where a commit stands.
//!
//! The evaluator writes each finding's fix for a commit that can still be changed: `git
//! commit --amend` for the commit the author has checked out, a `reword` rebase for an
//! earlier unpublished one. A commit that is already published — on a protected branch of a
//! remote, in a release tag, or pushed to a protected branch in CI — cannot be reworded
//! without rewriting everyone's history: its fix is a signed review (a git note, which
//! changes no commit), a waiver for that commit, or a `baseline:` after it. The command layer
//! learns which commits are published (git) and hands the facts here; this module only
//! rewrites text, so the verdict never depends on it.

use std::collections::HashMap;

use crate::findings::Code;
use crate::findings::model::Report;
use crate::policy::{Policy, ReviewMode};
use crate::time::Date;

/// How long the waiver offered for a published commit runs (days from today).
pub const WAIVER_DAYS: i64 = 90;

/// The finding codes whose fix adds a trailer to the commit message (a rewrite).
fn rewrites_message(code: Code) -> bool {
    matches!(
        code,
        Code::MissingReviewer | Code::MissingChangeRecord | Code::MissingDeclaration
    )
}

/// Rewrites the fix advice of the blocking findings of every commit in `published` (full
/// commit id → the published ref it is on): a waiver written out for that commit and code,
/// the `baseline:` line, and for a missing reviewer under signed reviews the `countersign
/// review` command first (a note rewrites nothing).
pub fn published(
    report: &mut Report,
    policy: &Policy,
    published: &HashMap<String, String>,
    today: Date,
) {
    if published.is_empty() {
        return;
    }
    let expires = Date::from_unix((today.to_days() + WAIVER_DAYS) * 86_400);
    let source = policy.source.name();
    for c in &mut report.commits {
        let Some(on) = published.get(&c.id) else {
            continue;
        };
        let short = crate::facts::short_id(&c.id);
        for f in &mut c.findings {
            if !f.is_blocking() || !rewrites_message(f.code) {
                continue;
            }
            let mut help = String::new();
            // Keep the reasons reviewers were rejected (the lines before the first fix).
            if let Some(old) = &f.help {
                for line in old.lines() {
                    if line.contains("` rejected: ") {
                        help.push_str(line);
                        help.push('\n');
                    }
                }
            }
            help.push_str(&format!(
                "{short} is already on {on}: rewording it would rewrite published history.\n"
            ));
            if f.code == Code::MissingReviewer && policy.evidence.review.has(ReviewMode::Signed) {
                help.push_str(&format!(
                    "a reviewer who did not write the change runs `countersign review {short}` and pushes `{}` (a note changes no commit)\nor: ",
                    crate::review::NOTES_REF
                ));
            }
            help.push_str(&format!(
                "record the exception in {source}:\n  waivers:\n    - id: W-{}-{}\n      commit: {}\n      codes: [{}]\n      reason: \"<why this commit stands without it>\"\n      approved_by: Approver Name <approver@example.com>   # not the author\n      expires: {expires}\n",
                today.year,
                c.id.chars().take(8).collect::<String>(),
                c.id,
                f.code,
            ));
            help.push_str(&format!(
                "or, when it and everything before it is history from before countersign: baseline: {}",
                c.id
            ));
            f.help = Some(help);
        }
    }
}
