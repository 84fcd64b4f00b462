//! One constructor per finding code the evaluator writes: the wording, the span, the fix and
//! the policy line that decided, in one place, each with a unit test.
//!
//! [`super::evaluate_reviewed`] decides *whether* a finding applies; this module says *what
//! it says*. Text from the commit (reviewer values, marker lines, trailer keys) is quoted in
//! code spans and neutralised by every output.

use std::ops::Range;

use crate::detect::{self, MarkerSource};
use crate::findings::Code;
use crate::findings::model::{Finding, RecordCheck, ReviewerCheck};

use crate::message::nearmiss::NearMiss;
use crate::policy::{Involvement, Policy, Rule, Span, Tier, Waiver};

/// Where a tier finding points: the decisive path, the paths it is about, the policy line
/// that decided and the trailer block.
pub struct Site<'a> {
    /// The path that set the tier.
    pub path: &'a str,
    /// Every path whose tier asks for this evidence.
    pub scope: &'a [String],
    /// The policy line that decided.
    pub policy_span: Span,
    /// What that line says ("rule `payments` sets tier `high` here").
    pub policy_label: &'a str,
    /// The message's trailer block, when it has one.
    pub block: Option<Range<usize>>,
}

impl Site<'_> {
    fn apply(&self, f: &mut Finding) {
        f.path = Some(self.path.to_string());
        f.policy_span = Some(self.policy_span);
        f.policy_label = Some(self.policy_label.to_string());
        f.scope = self.scope.to_vec();
    }
}

/// `ai-forbidden`: an AI-involved change touches paths a tier forbids AI on.
pub fn ai_forbidden(
    involvement: Involvement,
    forbidden: &[(&str, usize)],
    tier: &str,
    marker: Option<Range<usize>>,
) -> Finding {
    let first = forbidden.first().map_or("", |(p, _)| *p);
    let mut f = Finding::new(
        Code::AiForbidden,
        format!(
            "AI-involved ({}) change touches `{first}`{} where tier `{tier}` forbids AI",
            involvement.as_str(),
            if forbidden.len() > 1 {
                format!(" and {} more path(s)", forbidden.len() - 1)
            } else {
                String::new()
            },
        ),
    );
    f.path = Some(first.to_string());
    f.scope = forbidden.iter().map(|(p, _)| p.to_string()).collect();
    f.span = marker;
    f.help = Some("write this change without AI help, or move it out of the forbidden paths; a policy waiver can grant a named, expiring exception".into());
    f
}

/// `missing-reviewer`: `message` says what is short; the help lists each rejected reviewer
/// with the reason, then every way the accepted review modes offer to get one.
pub fn missing_reviewer(
    policy: &Policy,
    message: String,
    reviewers: &[ReviewerCheck],
    teams: &[usize],
    fix: &FixTarget,
    site: &Site<'_>,
) -> Finding {
    let mut f = Finding::new(Code::MissingReviewer, message);
    site.apply(&mut f);
    let rejected: Vec<String> = reviewers
        .iter()
        .filter(|r| !r.accepted)
        .map(|r| {
            format!(
                "`{}` rejected: {} ({})",
                r.raw,
                r.reason.map(|x| x.as_str()).unwrap_or("?"),
                r.detail.as_deref().unwrap_or("")
            )
        })
        .collect();
    f.span = reviewers
        .iter()
        .find(|r| !r.accepted)
        .and_then(|r| r.span.clone())
        .or_else(|| site.block.clone());
    let who = if teams.is_empty() {
        "Name <email>".to_string()
    } else {
        format!(
            "Name <email> of {}",
            teams
                .iter()
                .filter_map(|&t| policy.teams.get(t).map(|t| t.name.as_str()))
                .collect::<Vec<_>>()
                .join("/")
        )
    };
    let key = policy
        .evidence
        .reviewer_trailers
        .first()
        .map(String::as_str)
        .unwrap_or("Reviewed-by");
    let mut help = String::new();
    if !rejected.is_empty() {
        help.push_str(&rejected.join("; "));
        help.push('\n');
    }
    help.push_str(&reviewer_help(policy, fix, &format!("{key}: {who}")));
    f.help = Some(help);
    f
}

/// `missing-change-record`: `asking` is the tier that asks (`None`: the involvement extras).
pub fn missing_change_record(
    policy: &Policy,
    asking: Option<&Tier>,
    involvement: Involvement,
    records: &[RecordCheck],
    fix: &FixTarget,
    site: &Site<'_>,
) -> Finding {
    let key = policy
        .evidence
        .change_record_trailers
        .first()
        .map(String::as_str)
        .unwrap_or("Change-Record");
    let formats: Vec<&str> = policy
        .evidence
        .change_record_formats
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    let mut f = Finding::new(
        Code::MissingChangeRecord,
        format!(
            "{} needs a change record{}",
            match asking {
                Some(t) => format!("tier `{}`", t.name),
                None => format!("{} involvement", involvement.as_str()),
            },
            match records.first() {
                Some(r) => format!(", `{}: {}` matches no accepted format", r.key, r.value),
                None => String::new(),
            }
        ),
    );
    site.apply(&mut f);
    f.span = records
        .first()
        .and_then(|r| r.span.clone())
        .or_else(|| site.block.clone());
    f.help = Some(format!(
        "{}{}",
        fix.command(&format!("{key}: <id>")),
        if formats.is_empty() {
            String::new()
        } else {
            format!(" (accepted formats: {})", formats.join(", "))
        }
    ));
    f
}

/// `missing-declaration`: tier `asking` wants an explicit `AI-Assisted: yes|no`.
pub fn missing_declaration(
    policy: &Policy,
    asking: &Tier,
    fix: &FixTarget,
    site: &Site<'_>,
) -> Finding {
    let key = policy
        .evidence
        .declaration_trailers
        .first()
        .map(String::as_str)
        .unwrap_or("AI-Assisted");
    let mut f = Finding::new(
        Code::MissingDeclaration,
        format!(
            "tier `{}` needs an explicit `{key}: yes|no` declaration",
            asking.name
        ),
    );
    site.apply(&mut f);
    f.span = site.block.clone();
    f.help = Some(fix.command(&format!("{key}: no")) + "  (or yes)");
    f
}

/// `suspicious-trailer` for a line that looks like an evidence trailer but is not read as one.
pub fn near_miss(nm: &NearMiss) -> Finding {
    let mut f = Finding::new(
        Code::SuspiciousTrailer,
        format!(
            "`{}` is not read as `{}`: {}",
            nm.found, nm.suggestion, nm.why
        ),
    );
    f.span = Some(nm.span.clone());
    f.help = Some(format!(
        "did you mean `{}:`? write it in the final paragraph",
        nm.suggestion
    ));
    f
}

/// `suspicious-trailer` for a message whose trailer block git would not read (`message` says
/// why).
pub fn unreadable_trailers(message: String, span: Option<Range<usize>>) -> Finding {
    let mut f = Finding::new(Code::SuspiciousTrailer, message);
    f.span = span;
    f.help =
        Some("put the trailers alone in the final paragraph, one `Key: value` per line".into());
    f
}

/// `unused-rule`: a rule matched no changed path over the whole history.
pub fn unused_rule(rule: &Rule) -> Finding {
    let mut f = Finding::new(
        Code::UnusedRule,
        format!("rule `{}` matched no changed path in this run", rule.name),
    );
    f.policy_span = Some(rule.span);
    f.policy_label = Some(format!("rule `{}`", rule.name));
    f
}

/// `unused-waiver`: a waiver waived nothing over the whole history.
pub fn unused_waiver(w: &Waiver) -> Finding {
    let mut f = Finding::new(
        Code::UnusedWaiver,
        format!("waiver `{}` waived nothing in this run", w.id),
    );
    f.policy_span = Some(w.span);
    f.policy_label = Some(format!("waiver `{}` (expires {})", w.id, w.expires));
    f
}

/// Marker lines listed in a `marker-outside-trailers` message; the JSON report's markers keep
/// every one.
const MAX_LISTED_MARKERS: usize = 5;

/// One `marker-outside-trailers` warning for all the commit's trailer-shaped marker lines
/// outside the trailer block (markers in a squash body count, but do not warn: nobody can move
/// them; footer lines belong in the body). It points at the first line and lists the lines
/// with their tools.
pub fn marker_outside_trailers(message: &[u8], markers: &[detect::Marker]) -> Option<Finding> {
    let outside: Vec<&detect::Marker> = markers
        .iter()
        .filter(|m| m.source == MarkerSource::Message && m.is_trailer_line())
        .collect();
    let first = outside.first()?;
    let line_of = |m: &detect::Marker| {
        m.span.as_ref().map_or(0, |s| {
            1 + message
                .get(..s.start)
                .map_or(0, |h| h.iter().filter(|&&b| b == b'\n').count())
        })
    };
    let mut tools: Vec<&str> = Vec::new();
    for m in &outside {
        if !tools.contains(&m.tool.as_str()) {
            tools.push(&m.tool);
        }
    }
    let listed: Vec<String> = outside
        .iter()
        .take(MAX_LISTED_MARKERS)
        .map(|m| format!("line {}: `{}`", line_of(m), m.text.trim()))
        .collect();
    let more = outside.len().saturating_sub(MAX_LISTED_MARKERS);
    let message = if outside.len() == 1 {
        format!(
            "{} marker outside the trailer block, {}",
            first.tool,
            listed.join("")
        )
    } else {
        format!(
            "{} AI marker lines outside the trailer block ({}): {}{}",
            outside.len(),
            tools.join(", "),
            listed.join("; "),
            if more > 0 {
                format!("; and {more} more (see `--format json`)")
            } else {
                String::new()
            }
        )
    };
    let mut f = Finding::new(Code::MarkerOutsideTrailers, message);
    f.span = first.span.clone();
    f.help = Some(if outside.len() == 1 {
        "move the line into the final paragraph, with the other trailers".into()
    } else {
        "move these lines into the final paragraph, with the other trailers".into()
    });
    Some(f)
}

/// What gets a commit the reviewers it lacks, for each accepted review mode.
fn reviewer_help(policy: &Policy, fix: &FixTarget, trailer: &str) -> String {
    use crate::policy::ReviewMode;
    let modes = &policy.evidence.review;
    let mut ways = Vec::new();
    if modes.has(ReviewMode::Signed) {
        ways.push(format!(
            "a reviewer who did not write the change runs `countersign review {}` (with an SSH key registered in the policy) and pushes `{}`",
            fix.short,
            crate::review::NOTES_REF
        ));
    }
    if modes.has(ReviewMode::Approval) {
        ways.push(
            "get an approval on the pull/merge request from a human who did not write the change"
                .to_string(),
        );
    }
    if modes.reads_trailers() {
        let mut w = format!(
            "after review by someone who did not write the change: {}",
            fix.command(trailer)
        );
        if !modes.has(ReviewMode::Trailer) {
            w.push_str(" (and that person approves the pull/merge request)");
        }
        ways.push(w);
    }
    ways.join("\nor: ")
}

/// How to give a commit a new trailer: `--amend` at the tip, a reword rebase elsewhere.
pub struct FixTarget {
    at_head: bool,
    short: String,
}

impl FixTarget {
    /// The fix target of commit `id` when `head` is the checked-out commit (`None`: the commit
    /// being written).
    pub fn new(id: &str, head: Option<&str>) -> Self {
        FixTarget {
            at_head: head.is_none_or(|h| h == id),
            short: crate::facts::short_id(id).to_string(),
        }
    }

    /// The command that adds `trailer` to the commit.
    pub fn command(&self, trailer: &str) -> String {
        if self.at_head {
            format!("`git commit --amend --trailer \"{trailer}\"`")
        } else {
            format!(
                "`git rebase -i {}~1`  (mark it `reword`, then add the trailer line `{trailer}`)",
                self.short
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::model::{EvidenceSource, RejectReason};
    use crate::policy::Origin;
    use crate::policy::load::load;

    const POLICY: &str = "version: 1\ntiers:\n  - name: standard\n    reviewers: 1\n  - name: high\n    reviewers: 2\n    reviewers_from: [security]\n    change_record: true\n    declaration: true\ndefault_tier: standard\nteams:\n  - name: security\n    members:\n      - { name: Sam Security, email: sam@example.com }\nevidence:\n  change_record:\n    trailers: [Change-Record]\n    formats:\n      - { name: jira, regex: '^[A-Z]+-[0-9]+$' }\n";

    fn policy(extra: &str) -> Policy {
        load(&format!("{POLICY}{extra}"), Origin::Embedded).expect("test policy")
    }

    const ID: &str = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b";

    fn site<'a>(scope: &'a [String]) -> Site<'a> {
        Site {
            path: "src/pay.rs",
            scope,
            policy_span: Span { offset: 3, len: 4 },
            policy_label: "rule `pay` sets tier `high` here",
            block: Some(10..20),
        }
    }

    fn rejected(raw: &str, reason: RejectReason) -> ReviewerCheck {
        ReviewerCheck {
            raw: raw.into(),
            identity: None,
            source: EvidenceSource::Trailer,
            accepted: false,
            reason: Some(reason),
            detail: Some("ada@example.com is the author".into()),
            span: Some(30..40),
            strength: None,
        }
    }

    #[test]
    fn fix_target_amends_only_the_checked_out_commit() {
        let at = FixTarget::new(ID, Some(ID)).command("Reviewed-by: A <a@b.c>");
        assert_eq!(
            at,
            "`git commit --amend --trailer \"Reviewed-by: A <a@b.c>\"`"
        );
        let writing = FixTarget::new(ID, None).command("X: y");
        assert!(writing.contains("--amend"), "{writing}");
        let other = FixTarget::new(ID, Some("ffff")).command("X: y");
        assert_eq!(
            other,
            "`git rebase -i 1a2b3c4d5e6f~1`  (mark it `reword`, then add the trailer line `X: y`)"
        );
    }

    #[test]
    fn ai_forbidden_names_the_first_path_and_counts_the_rest() {
        let f = ai_forbidden(
            Involvement::Assisted,
            &[("src/crypto/a.rs", 2), ("src/crypto/b.rs", 2)],
            "restricted",
            Some(5..9),
        );
        assert_eq!(f.code, Code::AiForbidden);
        assert_eq!(
            f.message,
            "AI-involved (assisted) change touches `src/crypto/a.rs` and 1 more path(s) where tier `restricted` forbids AI"
        );
        assert_eq!(f.scope, ["src/crypto/a.rs", "src/crypto/b.rs"]);
        assert_eq!(f.span, Some(5..9));
        assert_eq!(f.path.as_deref(), Some("src/crypto/a.rs"));
    }

    #[test]
    fn missing_reviewer_lists_rejections_then_every_way_to_fix() {
        let p = policy("");
        let scope = vec!["src/pay.rs".to_string()];
        let fix = FixTarget::new(ID, Some(ID));
        let f = missing_reviewer(
            &p,
            "tier `high` needs 2".into(),
            &[rejected("Ada <ada@example.com>", RejectReason::SelfReview)],
            &[0],
            &fix,
            &site(&scope),
        );
        assert_eq!(f.code, Code::MissingReviewer);
        let help = f.help.as_deref().unwrap_or_default();
        assert!(
            help.starts_with(
                "`Ada <ada@example.com>` rejected: self-review (ada@example.com is the author)\n"
            ),
            "{help}"
        );
        assert!(
            help.contains(
                "`git commit --amend --trailer \"Reviewed-by: Name <email> of security\"`"
            ),
            "{help}"
        );
        // Pointing at the rejected trailer, with the policy line that decided.
        assert_eq!(f.span, Some(30..40));
        assert_eq!(
            f.policy_label.as_deref(),
            Some("rule `pay` sets tier `high` here")
        );
        assert_eq!(f.scope, scope);
        // Signed reviews accepted: `countersign review` is offered first; approvals next.
        let p = policy("  review: [signed, approval, trailer]\n");
        let f = missing_reviewer(&p, "m".into(), &[], &[], &fix, &site(&scope));
        let help = f.help.unwrap_or_default();
        let review = help
            .find("countersign review 1a2b3c4d5e6f")
            .expect("review offered");
        let approval = help.find("get an approval").expect("approval offered");
        let trailer = help.find("--amend").expect("trailer offered");
        assert!(review < approval && approval < trailer, "{help}");
        // No trailer mode: no trailer advice.
        let p = policy("  review: signed\n");
        let f = missing_reviewer(&p, "m".into(), &[], &[], &fix, &site(&scope));
        assert!(!f.help.unwrap_or_default().contains("--amend"));
        // Without a rejected trailer the span is the trailer block.
        let f = missing_reviewer(&policy(""), "m".into(), &[], &[], &fix, &site(&scope));
        assert_eq!(f.span, Some(10..20));
    }

    #[test]
    fn missing_change_record_names_the_value_that_did_not_match() {
        let p = policy("");
        let scope = vec![];
        let fix = FixTarget::new(ID, Some(ID));
        let high = p.tiers.iter().find(|t| t.name == "high");
        let bad = RecordCheck {
            key: "Change-Record".into(),
            value: "nope".into(),
            source: EvidenceSource::Trailer,
            valid: false,
            format: None,
            span: Some(50..60),
        };
        let f = missing_change_record(&p, high, Involvement::Assisted, &[bad], &fix, &site(&scope));
        assert_eq!(
            f.message,
            "tier `high` needs a change record, `Change-Record: nope` matches no accepted format"
        );
        assert_eq!(f.span, Some(50..60));
        assert_eq!(
            f.help.as_deref(),
            Some("`git commit --amend --trailer \"Change-Record: <id>\"` (accepted formats: jira)")
        );
        // Asked by the involvement extras, with nothing given.
        let f = missing_change_record(&p, None, Involvement::Autonomous, &[], &fix, &site(&scope));
        assert_eq!(f.message, "autonomous involvement needs a change record");
        assert_eq!(f.span, Some(10..20));
    }

    #[test]
    fn missing_declaration_offers_the_declaration_trailer() {
        let p = policy("");
        let high = p.tiers.iter().find(|t| t.name == "high").expect("high");
        let fix = FixTarget::new(ID, Some("other"));
        let f = missing_declaration(&p, high, &fix, &site(&[]));
        assert_eq!(
            f.message,
            "tier `high` needs an explicit `AI-Assisted: yes|no` declaration"
        );
        let help = f.help.unwrap_or_default();
        assert!(help.contains("git rebase -i 1a2b3c4d5e6f~1"), "{help}");
        assert!(help.ends_with("`AI-Assisted: no`)  (or yes)"), "{help}");
    }

    #[test]
    fn near_misses_and_unreadable_blocks_are_suspicious_trailers() {
        let nm = NearMiss {
            span: 4..20,
            found: "Reviewed by".into(),
            suggestion: "Reviewed-by".into(),
            why: "space instead of a hyphen".into(),
        };
        let f = near_miss(&nm);
        assert_eq!(f.code, Code::SuspiciousTrailer);
        assert_eq!(
            f.message,
            "`Reviewed by` is not read as `Reviewed-by`: space instead of a hyphen"
        );
        assert_eq!(f.span, Some(4..20));
        let f = unreadable_trailers("a NUL byte".into(), Some(1..2));
        assert_eq!((f.code, f.span), (Code::SuspiciousTrailer, Some(1..2)));
    }

    #[test]
    fn unused_rule_and_waiver_point_at_the_policy() {
        let p = load(
            "version: 1\ntiers:\n  - name: low\ndefault_tier: low\nrules:\n  - name: docs\n    paths: [\"docs/**\"]\n    tier: low\nwaivers:\n  - id: W-1\n    paths: [\"x/**\"]\n    codes: [missing-reviewer]\n    reason: r\n    approved_by: Carol Chief <carol@example.com>\n    expires: 2999-01-01\n",
            Origin::Embedded,
        )
        .expect("policy");
        let f = unused_rule(&p.rules[0]);
        assert_eq!(f.message, "rule `docs` matched no changed path in this run");
        assert_eq!(f.policy_span, Some(p.rules[0].span));
        let f = unused_waiver(&p.waivers[0]);
        assert_eq!(f.message, "waiver `W-1` waived nothing in this run");
        assert_eq!(
            f.policy_label.as_deref(),
            Some("waiver `W-1` (expires 2999-01-01)")
        );
    }
}
