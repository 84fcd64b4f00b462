//! Tier selection: which rule and tier each changed path gets; the highest wins.

use crate::findings::model::PathTier;
use crate::message::trailers::is_forbidden_char;
use crate::policy::{AppliesTo, Policy, Tier};

/// The classification of one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathClass {
    /// The tier index.
    pub tier: usize,
    /// The rule that set the tier: `Some(i)` a rule, `None` the default tier or protected.
    pub rule: Option<usize>,
    /// True when the path is a built-in protected path (policy file, CI configuration …).
    pub protected: bool,
    /// Every rule that matched.
    pub matched: Vec<usize>,
}

/// Classifies one path: the highest tier of every matching rule, else the default tier;
/// protected paths are at least the highest tier.
///
/// A path holding invisible characters (zero-width joiners, bidi controls, soft hyphens and
/// other format or control characters — the code points git itself ignores on HFS+) is
/// classified at least as the same path without them, so `src/au<U+200C>th/x.rs` is as risky
/// as `src/auth/x.rs` (threats.md C4, AT-P05).
pub fn classify(policy: &Policy, path: &str) -> PathClass {
    let mut class = classify_exact(policy, path);
    if path.chars().any(is_forbidden_char) {
        let visible: String = path.chars().filter(|&c| !is_forbidden_char(c)).collect();
        let alt = classify_exact(policy, &visible);
        for r in &alt.matched {
            if !class.matched.contains(r) {
                class.matched.push(*r);
            }
        }
        if alt.tier > class.tier {
            class.tier = alt.tier;
            class.rule = alt.rule;
            class.protected = alt.protected;
        }
    }
    class
}

fn classify_exact(policy: &Policy, path: &str) -> PathClass {
    let mut matched = Vec::new();
    let mut best: Option<(usize, usize)> = None; // (tier, rule)
    for (i, rule) in policy.rules.iter().enumerate() {
        if rule.matcher.is_match(path) {
            matched.push(i);
            if best.is_none_or(|(t, _)| rule.tier > t) {
                best = Some((rule.tier, i));
            }
        }
    }
    let protected = policy.protected.is_match(path);
    let (mut tier, mut rule) = match best {
        Some((t, r)) => (t, Some(r)),
        None => (policy.default_tier, None),
    };
    if protected && policy.highest_tier() > tier {
        tier = policy.highest_tier();
        rule = None;
    }
    PathClass {
        tier,
        rule,
        protected,
        matched,
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

/// The requirements of a commit that touches the tiers `touched` (indices), named after the
/// highest one: the most reviewers, a change record or declaration if any tier asks for one,
/// `applies_to: all` if any tier has it, `ai: forbidden` only from the highest tier (the
/// forbidden paths are found per path). Reviewer teams come from the highest tier, else from
/// the highest touched tier that names teams.
pub fn combine(policy: &Policy, highest: &Tier, touched: &[usize]) -> Tier {
    let mut t = highest.clone();
    let mut order: Vec<usize> = touched.to_vec();
    order.sort_unstable_by(|a, b| b.cmp(a));
    for other in order.iter().filter_map(|&i| policy.tiers.get(i)) {
        t.reviewers = t.reviewers.max(other.reviewers);
        t.change_record |= other.change_record;
        t.declaration |= other.declaration;
        if other.applies_to == AppliesTo::All {
            t.applies_to = AppliesTo::All;
        }
        if t.reviewers_from.is_empty() && !other.reviewers_from.is_empty() {
            t.reviewers_from = other.reviewers_from.clone();
        }
    }
    t
}
