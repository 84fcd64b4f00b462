//! Path classification: which rules and tiers apply to each changed path.
//!
//! A path is classified under every spelling it can have ([`pathmatch::forms`]): as stored,
//! without invisible characters, and folded (NFC + Unicode case folding); a submodule or
//! symlink also as a directory entry (a rule that can match something below it applies); and a
//! symlink also through its target, resolved within the repository (the target as it is in the
//! commit and, when the link was changed or removed, as it was in the parent). Each spelling is
//! classified on its own — the tiers of every rule it matches, or the default tier when it
//! matches none — and the path gets the tiers of all of them. A protected path (the policy
//! file, CI configuration) gets every tier.
//!
//! The requirements of those tiers are combined in `evaluate::requirements`.

use std::borrow::Cow;

use crate::facts::ChangedPath;
use crate::findings::model::PathTier;
use crate::policy::Policy;
use crate::policy::pathmatch::{self, Form};

const S_IFMT: u32 = 0o170000;
const S_IFLNK: u32 = 0o120000;
const S_IFGITLINK: u32 = 0o160000;

/// The classification of one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathClass {
    /// The highest tier of [`PathClass::tiers`] (the path's tier, for reports).
    pub tier: usize,
    /// The rule that set `tier`: `Some(i)` a rule, `None` the default tier or protected.
    pub rule: Option<usize>,
    /// True when some spelling of the path is a built-in protected path.
    pub protected: bool,
    /// Every rule that matched some spelling, in policy order.
    pub matched: Vec<usize>,
    /// Every tier that applies to the path (indices, ascending): its requirements combine.
    pub tiers: Vec<usize>,
}

impl PathClass {
    /// The first of the path's tiers that forbids AI, if any (`ai: forbidden` is sticky: a
    /// higher rule or a protected-path raise never lifts it).
    pub fn forbidding_tier(&self, policy: &Policy) -> Option<usize> {
        self.tiers
            .iter()
            .copied()
            .find(|&t| policy.tiers.get(t).is_some_and(|t| t.ai_forbidden))
    }
}

/// True when a mode is a symlink or a gitlink (an entry that may stand for a directory).
fn dir_like(mode: Option<u32>) -> bool {
    mode.is_some_and(|m| matches!(m & S_IFMT, S_IFLNK | S_IFGITLINK))
}

/// Whether folded spellings of ASCII paths must be tried (a policy glob is not ASCII).
fn fold_needed(policy: &Policy) -> bool {
    !policy.protected.is_ascii() || policy.rules.iter().any(|r| !r.globs.is_ascii())
}

/// Classifies a path as a plain file (`explain --path`, `policy diff` samples).
pub fn classify(policy: &Policy, path: &str) -> PathClass {
    let fold = fold_needed(policy);
    // The common case, without allocating: an ASCII path with no other spelling.
    if !fold
        && path
            .bytes()
            .all(|b| b.is_ascii() && !(b as char).is_ascii_control())
    {
        let only = Form {
            text: Cow::Borrowed(path),
            folded: false,
            below: false,
        };
        return classify_forms(policy, std::slice::from_ref(&only));
    }
    classify_forms(policy, &pathmatch::forms(path, false, fold))
}

/// Classifies one changed path of a commit: every spelling of the path; a gitlink or symlink
/// (in the commit or the parent; or an entry of unknown mode, e.g. from hand-written facts)
/// also as a directory entry; and a symlink's targets, each as a directory entry.
pub fn classify_changed(policy: &Policy, p: &ChangedPath) -> PathClass {
    let unknown = p.old_mode.is_none() && p.new_mode.is_none();
    let dir = unknown || dir_like(p.old_mode) || dir_like(p.new_mode);
    if !dir && p.link_target.is_none() && p.old_link_target.is_none() {
        return classify(policy, &p.path);
    }
    let fold = fold_needed(policy);
    let mut forms = pathmatch::forms(&p.path, dir, fold);
    for target in [&p.link_target, &p.old_link_target].into_iter().flatten() {
        for t in pathmatch::link_target_paths(&p.path, target) {
            for f in pathmatch::forms(&t, true, fold) {
                let f = Form {
                    text: Cow::Owned(f.text.into_owned()),
                    ..f
                };
                if !forms.contains(&f) {
                    forms.push(f);
                }
            }
        }
    }
    classify_forms(policy, &forms)
}

/// Classifies each form on its own and joins the results.
fn classify_forms(policy: &Policy, forms: &[Form<'_>]) -> PathClass {
    let mut matched: Vec<usize> = Vec::new();
    let mut tiers: Vec<usize> = Vec::new();
    let mut protected = false;
    for form in forms {
        let mut any = false;
        for (i, rule) in policy.rules.iter().enumerate() {
            let hit = if !form.folded && !form.below {
                rule.matcher.is_match(form.text.as_ref())
            } else {
                rule.globs.matches(form)
            };
            if hit {
                any = true;
                if !matched.contains(&i) {
                    matched.push(i);
                }
                if !tiers.contains(&rule.tier) {
                    tiers.push(rule.tier);
                }
            }
        }
        if !any && !tiers.contains(&policy.default_tier) {
            tiers.push(policy.default_tier);
        }
        protected |= policy.protected.matches(form);
    }
    if protected {
        tiers = (0..policy.tiers.len()).collect();
    }
    matched.sort_unstable();
    tiers.sort_unstable();
    let tier = tiers.last().copied().unwrap_or(policy.default_tier);
    let rule = matched
        .iter()
        .copied()
        .find(|&r| policy.rules.get(r).is_some_and(|r| r.tier == tier));
    PathClass {
        tier,
        rule,
        protected,
        matched,
        tiers,
    }
}

/// The classification as reported (names instead of indices).
pub fn describe(policy: &Policy, path: &str, class: &PathClass) -> PathTier {
    let rule = match class.rule {
        Some(i) => policy.rules.get(i).map(|r| r.name.clone()),
        None if class.protected => Some("protected".to_string()),
        None => None,
    };
    PathTier {
        path: path.to_string(),
        tier: policy
            .tiers
            .get(class.tier)
            .map(|t| t.name.clone())
            .unwrap_or_default(),
        rule,
        matched: class
            .matched
            .iter()
            .filter_map(|&i| policy.rules.get(i).map(|r| r.name.clone()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Change;
    use crate::policy::{Origin, load};

    const POLICY: &str = "version: 1
tiers:
  - {name: low}
  - {name: standard, reviewers: 1}
  - {name: restricted, ai: forbidden}
  - {name: high, reviewers: 2}
default_tier: standard
rules:
  - {name: docs, paths: [\"docs/**\", \"**/*.md\"], tier: low}
  - {name: auth, paths: [\"src/auth/**\"], tier: high}
  - {name: keys, paths: [\"src/auth/keys/**\"], tier: restricted}
  - {name: lock, paths: [\"**/Cargo.lock\"], tier: high}
";

    fn policy() -> Policy {
        load(
            POLICY,
            Origin::File {
                path: "p.yml".into(),
            },
        )
        .unwrap_or_else(|e| panic!("{}", e.render_plain()))
    }

    fn entry(path: &str, mode: u32, target: Option<&str>) -> ChangedPath {
        ChangedPath {
            path: path.into(),
            change: Change::Added,
            old_mode: None,
            new_mode: Some(mode),
            link_target: target.map(str::to_string),
            old_link_target: None,
        }
    }

    fn names(p: &Policy, c: &PathClass) -> Vec<String> {
        c.tiers
            .iter()
            .filter_map(|&t| p.tiers.get(t).map(|t| t.name.clone()))
            .collect()
    }

    #[test]
    fn every_spelling_and_entry_kind_adds_its_tiers() {
        let p = policy();
        let c = |e: ChangedPath| names(&p, &classify_changed(&p, &e));
        // A plain file: its rules only.
        assert_eq!(c(entry("src/auth/a.rs", 0o100644, None)), ["high"]);
        assert_eq!(c(entry("src/auth", 0o100644, None)), ["standard"]);
        // A submodule or symlink at the folder: the rules of what may lie below it (`**/*.md`
        // too), and the default tier of the entry's own name (matching no rule).
        assert_eq!(
            c(entry("src/auth", 0o160000, None)),
            ["low", "standard", "restricted", "high"]
        );
        assert_eq!(
            c(entry("src/auth/keys", 0o120000, Some("x"))),
            ["low", "restricted", "high"]
        );
        // `**/Cargo.lock` may lie in any submodule.
        assert_eq!(
            c(entry("vendor/lib", 0o160000, None)),
            ["low", "standard", "high"]
        );
        // A symlink by its target.
        assert_eq!(
            c(entry("docs/readme", 0o120000, Some("../src/auth"))),
            ["low", "standard", "restricted", "high"]
        );
        // An absolute target is outside the repository: only the link's own path counts (as
        // a possible directory, where `**/Cargo.lock` may lie).
        assert_eq!(
            c(entry("docs/readme", 0o120000, Some("/etc/passwd"))),
            ["low", "high"]
        );
        // Folded spellings.
        assert_eq!(
            c(entry("ſrc/auth/a.rs", 0o100644, None)),
            ["standard", "high"]
        );
        assert_eq!(
            c(entry("Cargo.loc\u{212A}", 0o100644, None)),
            ["standard", "high"]
        );
        // The policy file: every tier.
        let all = classify(&p, ".countersign.yml");
        assert!(all.protected);
        assert_eq!(all.tiers, vec![0, 1, 2, 3]);
        assert_eq!(all.forbidding_tier(&p), p.tier_index("restricted"));
    }

    #[test]
    fn ai_forbidden_is_sticky() {
        let p = policy();
        // `keys` forbids AI; `auth` (higher) also matches: still forbidden.
        let c = classify(&p, "src/auth/keys/k.pem");
        assert_eq!(c.tier, p.tier_index("high").unwrap_or(99));
        assert_eq!(c.rule, p.rules.iter().position(|r| r.name == "auth"));
        assert_eq!(c.forbidding_tier(&p), p.tier_index("restricted"));
        assert_eq!(classify(&p, "src/auth/a.rs").forbidding_tier(&p), None);
    }
}
