//! Lint checks on a valid policy: problems that do not make it invalid but make it lie.
//!
//! - **Unreachable rules**: a rule that never changes what a path needs because every glob of
//!   it is covered by another rule (or a protected path) whose tier wins. Every matching rule's
//!   tier adds its requirements (`evaluate::requirements`), so rule `R` is shadowed by rule `S`
//!   only when `S`'s tier is higher and asks at least as much in every requirement (reviewers,
//!   change record, declaration, `applies_to`, `ai: forbidden`, and a team constraint at least
//!   as narrow), or is the same tier and `S` comes first. A protected path gets every tier, so
//!   it shadows any rule below the highest tier.
//! - **Rules that match no file** in a given tree (HEAD's): usually a typo or a stale path.
//!   A rule all of whose globs are globs of the embedded default policy is not reported: those
//!   are known-good and guard paths that may appear later (`countersign init` keeps every one
//!   of them so that what it writes is never weaker than the default).
//!
//! Glob subsumption ("every path `b` matches, `a` matches too") is decided exactly only by
//! comparing automata, which is costly; here it is a deliberately *conservative*
//! approximation on the glob text: it answers "yes" only for shapes it can prove and "no"
//! otherwise, so a reported shadowed rule is really shadowed, while some shadowed rules with
//! exotic globs go unreported. The shapes (case-insensitively):
//!
//! | `a` | subsumes `b` when |
//! | --- | --- |
//! | `**` | always |
//! | same text as `b` | always |
//! | `P/**` (`P` literal) | `b` starts with `P/` and has more after it |
//! | `**/NAME` (`NAME` literal) | `b`'s last component is exactly `NAME` |
//! | `**/*.EXT` (`EXT` literal) | `b` ends with `.EXT` in a literal last part |
//! | `**/DIR/**` (`DIR` literal) | a component of `b` before its last is exactly `DIR` |

use super::load::PolicyDiagnostic;
use super::validate::PROTECTED;
use super::{Policy, Span};
use crate::findings::Severity;

/// Characters with a meaning in a glob.
const META: &[char] = &['*', '?', '[', ']', '{', '}', '\\'];

fn literal(s: &str) -> bool {
    !s.is_empty() && !s.contains(META)
}

/// True when every path matched by glob `b` is provably matched by glob `a` (see the module
/// documentation for the shapes recognised; anything else answers `false`).
pub fn subsumes(a: &str, b: &str) -> bool {
    let a = a.to_ascii_lowercase();
    let b = b.to_ascii_lowercase();
    if a == "**" || a == b {
        return true;
    }
    // `P/**`
    if let Some(prefix) = a.strip_suffix("/**")
        && !prefix.contains(META)
        && !prefix.is_empty()
        && let Some(rest) = b.strip_prefix(&format!("{prefix}/"))
    {
        return !rest.is_empty();
    }
    let b_parts: Vec<&str> = b.split('/').collect();
    let Some((b_last, b_dirs)) = b_parts.split_last() else {
        return false;
    };
    if let Some(tail) = a.strip_prefix("**/") {
        // `**/DIR/**`
        if let Some(dir) = tail.strip_suffix("/**")
            && literal(dir)
            && !dir.contains('/')
        {
            return b_dirs.contains(&dir);
        }
        // `**/*.EXT`
        if let Some(ext) = tail.strip_prefix("*.")
            && literal(ext)
            && !ext.contains('/')
        {
            let suffix = format!(".{ext}");
            return b_last
                .strip_suffix(suffix.as_str())
                .is_some_and(|stem| !stem.ends_with('\\'));
        }
        // `**/NAME`
        if literal(tail) && !tail.contains('/') {
            return *b_last == tail;
        }
    }
    false
}

/// Does tier `s` ask at least as much as tier `r` in every requirement, so that a path with
/// both needs nothing for `r`? A team constraint of `r` is implied only by one of `s` whose
/// teams are among `r`'s (and `s` asks at least as many reviewers).
fn dominates(policy: &Policy, s: usize, r: usize) -> bool {
    let (Some(s), Some(r)) = (policy.tiers.get(s), policy.tiers.get(r)) else {
        return false;
    };
    let teams_ok = r.reviewers_from.is_empty()
        || (!s.reviewers_from.is_empty()
            && s.reviewers_from
                .iter()
                .all(|t| r.reviewers_from.contains(t)));
    s.reviewers >= r.reviewers
        && (s.change_record || !r.change_record)
        && (s.declaration || !r.declaration)
        && (s.ai_forbidden || !r.ai_forbidden)
        && (s.applies_to == super::AppliesTo::All || r.applies_to == super::AppliesTo::Ai)
        && teams_ok
}

/// Who shadows a rule: `(name, tier name, glob)` for each of the rule's globs.
fn shadowers(policy: &Policy, idx: usize) -> Option<Vec<(String, &str, String)>> {
    let rule = policy.rules.get(idx)?;
    let top = policy.highest_tier();
    let mut out = Vec::new();
    for g in &rule.paths {
        let by_rule = policy.rules.iter().enumerate().find_map(|(j, s)| {
            let wins = j != idx
                && ((s.tier > rule.tier && dominates(policy, s.tier, rule.tier))
                    || (s.tier == rule.tier && j < idx));
            if !wins {
                return None;
            }
            s.paths
                .iter()
                .find(|sg| subsumes(sg, g))
                .map(|sg| (format!("rule `{}`", s.name), s.tier, sg.clone()))
        });
        let found = by_rule.or_else(|| {
            (rule.tier < top)
                .then(|| PROTECTED.iter().find(|p| subsumes(p, g)))
                .flatten()
                .map(|p| ("the protected paths".to_string(), top, p.to_string()))
        });
        let (who, tier, glob) = found?;
        let tier_name = policy.tiers.get(tier).map_or("?", |t| t.name.as_str());
        out.push((who, tier_name, format!("`{glob}` covers `{g}`")));
    }
    Some(out)
}

/// Rules that can never decide a tier (see the module documentation).
pub fn unreachable_rules(policy: &Policy) -> Vec<PolicyDiagnostic> {
    let mut out = Vec::new();
    for (i, rule) in policy.rules.iter().enumerate() {
        let Some(by) = shadowers(policy, i) else {
            continue;
        };
        if by.is_empty() {
            continue;
        }
        let mut names: Vec<String> = by
            .iter()
            .map(|(w, t, _)| format!("{w} (tier `{t}`)"))
            .collect();
        names.dedup();
        let why: Vec<String> = by.into_iter().map(|(_, _, g)| g).collect();
        let tier = policy.tiers.get(rule.tier).map_or("?", |t| t.name.as_str());
        out.push(PolicyDiagnostic {
            severity: Severity::Warning,
            message: format!(
                "rule `{}` is unreachable: every path it matches gets its tier from {}",
                rule.name,
                names.join(", ")
            ),
            span: Some(rule.span),
            label: format!("never decides a tier (its tier `{tier}` never wins)"),
            help: Some(format!(
                "{}; remove the rule, or give it a higher tier than the rule that covers it",
                why.join(", ")
            )),
        });
    }
    out
}

/// Rules none of whose globs matches any of `paths` (a tree listing, e.g. HEAD's).
pub fn unmatched_rules(
    policy: &Policy,
    paths: &[String],
    tree_name: &str,
) -> Vec<PolicyDiagnostic> {
    let mut hit = vec![false; policy.rules.len()];
    for p in paths {
        for (i, r) in policy.rules.iter().enumerate() {
            if let Some(h) = hit.get_mut(i)
                && !*h
                && r.matcher.is_match(p)
            {
                *h = true;
            }
        }
        if hit.iter().all(|h| *h) {
            break;
        }
    }
    let defaults = default_globs();
    policy
        .rules
        .iter()
        .zip(hit)
        .filter(|(r, h)| !h && !r.paths.iter().all(|g| defaults.contains(g)))
        .map(|(r, _)| PolicyDiagnostic {
            severity: Severity::Warning,
            message: format!("rule `{}` matches no file in {tree_name}", r.name),
            span: Some(r.span),
            label: "matches nothing yet".to_string(),
            help: Some(format!(
                "check the globs for typos ({}); globs are relative to the repository root, and `*` stays within one directory (use `**` for any depth)",
                r.paths
                    .iter()
                    .take(5)
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        })
        .collect()
}

/// Every glob of the embedded default policy (preventive: never reported as unmatched).
fn default_globs() -> &'static [String] {
    static GLOBS: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
        super::load::default_policy()
            .rules
            .iter()
            .flat_map(|r| r.paths.iter().cloned())
            .collect()
    });
    &GLOBS
}

/// Review-mode lints: `trailer` accepted on its own is self-asserted evidence (whoever
/// writes the commit message can name a reviewer who never saw the change); `signed` with no
/// key registered anywhere can never be satisfied.
pub fn review_lints(policy: &Policy) -> Vec<PolicyDiagnostic> {
    use super::ReviewMode;
    let e = &policy.evidence;
    let mut out = Vec::new();
    let needs_review = policy.tiers.iter().any(|t| t.reviewers > 0)
        || [
            policy.involvement.assisted,
            policy.involvement.generated,
            policy.involvement.autonomous,
        ]
        .iter()
        .any(|x| x.extra_reviewers > 0);
    if e.review.has(ReviewMode::Trailer) && needs_review {
        out.push(PolicyDiagnostic {
            severity: Severity::Warning,
            message: "`evidence.review: trailer` is self-asserted: whoever writes the commit message (the author, or an AI agent) can type `Reviewed-by:` for someone who never saw the change".to_string(),
            span: e.review_span,
            label: "a claim, not proof of review".to_string(),
            help: Some(
                "prefer `signed` (reviewers sign with an SSH key: `countersign review`) or `approval` (platform approvals), e.g. `review: [signed, approval]`; keep `trailer` only where a maintainer collects the trailers"
                    .to_string(),
            ),
        });
    }
    let keys = policy
        .teams
        .iter()
        .flat_map(|t| &t.members)
        .any(|m| !m.ssh_keys.is_empty());
    if e.review.has(ReviewMode::Signed) && !keys && e.allowed_signers.is_none() {
        out.push(PolicyDiagnostic {
            severity: Severity::Warning,
            message: "`evidence.review` accepts `signed` reviews but no key is registered: no signed review can count".to_string(),
            span: e.review_span,
            label: "no reviewer key anywhere".to_string(),
            help: Some(
                "add `ssh_keys: [\"ssh-ed25519 AAAA…\"]` to team members, or `evidence.allowed_signers: PATH`"
                    .to_string(),
            ),
        });
    }
    out
}

/// Every lint of a valid policy; `tree` is `(paths, name)` of a tree to check rules against.
pub fn lint(policy: &Policy, tree: Option<(&[String], &str)>) -> Vec<PolicyDiagnostic> {
    let mut out = unreachable_rules(policy);
    out.extend(review_lints(policy));
    if let Some((paths, name)) = tree {
        out.extend(unmatched_rules(policy, paths, name));
    }
    out.sort_by_key(|d| d.span.map(|s: Span| (s.offset, s.len)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsumption_shapes() {
        let yes = [
            ("**", "anything/at/all"),
            ("src/**", "src/auth/**"),
            ("src/**", "src/a.rs"),
            ("SRC/**", "src/x/*.rs"),
            ("**/auth/**", "src/auth/**"),
            ("**/auth/**", "auth/login.rs"),
            ("**/*.md", "docs/*.md"),
            ("**/*.md", "README.md"),
            ("**/Cargo.toml", "Cargo.toml"),
            ("**/Cargo.toml", "crates/*/Cargo.toml"),
            ("docs/**", "docs/**"),
        ];
        for (a, b) in yes {
            assert!(subsumes(a, b), "{a} should subsume {b}");
        }
        let no = [
            ("src/**", "src"),
            ("src/**", "srcx/a"),
            ("src/auth/**", "src/**"),
            ("**/auth/**", "src/auth"),
            ("**/auth/**", "src/authz/**"),
            ("**/*.md", "docs/*"),
            ("**/*.md", "docs/*.m[d]"),
            ("**/Cargo.toml", "Cargo.*"),
            ("s*/**", "src/a"),
            ("*.md", "docs/a.md"),
        ];
        for (a, b) in no {
            assert!(!subsumes(a, b), "{a} should not subsume {b}");
        }
    }
}
