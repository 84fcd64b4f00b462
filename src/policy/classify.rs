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
    classify_forms(policy, &pathmatch::forms(path, false, fold_needed(policy)))
}

/// Classifies one changed path of a commit: every spelling of the path; a gitlink or symlink
/// (in the commit or the parent; or an entry of unknown mode, e.g. from hand-written facts)
/// also as a directory entry; and a symlink's targets, each as a directory entry.
pub fn classify_changed(policy: &Policy, p: &ChangedPath) -> PathClass {
    let fold = fold_needed(policy);
    let unknown = p.old_mode.is_none() && p.new_mode.is_none();
    let dir = unknown || dir_like(p.old_mode) || dir_like(p.new_mode);
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
            let hit = if !form.folded && !form.dir {
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
