//! Protected refs: where the gate is enforced.
//!
//! Review happens between a push and a merge, so the gate belongs at the door that matters:
//! updates of the branches a team merges into and of release tags. pre-push and pre-receive
//! enforce only there; every other ref flows, with a note of what the merge will need, so
//! work can be pushed *to be* reviewed. A protected tag is a release: every commit new in it
//! since the previous protected tag (or the baseline) must pass.

use globset::GlobSet;
use serde::Serialize;

/// The tag globs protected when the policy says nothing: release tags by the common
/// convention (`v1.2.3`).
pub const DEFAULT_TAGS: &[&str] = &["v*"];

/// Branches protected when the repository's default branch cannot be learnt (a pre-push to
/// a remote whose `HEAD` was never fetched).
pub const FALLBACK_BRANCHES: &[&str] = &["main", "master"];

/// The policy's `protect:` section, compiled.
#[derive(Debug, Clone, Serialize)]
pub struct Protect {
    /// Branch globs as written (names without `refs/heads/`). `None`: the repository's
    /// default branch (pre-receive: the branch `HEAD` names; pre-push: the remote's `HEAD`
    /// as known locally, else `main` and `master`).
    pub branches: Option<Vec<String>>,
    /// Compiled branch globs (when `branches` is given).
    #[serde(skip)]
    pub branch_matcher: Option<GlobSet>,
    /// Tag globs as written (names without `refs/tags/`); default [`DEFAULT_TAGS`].
    pub tags: Vec<String>,
    /// Compiled tag globs.
    #[serde(skip)]
    pub tag_matcher: GlobSet,
}

/// What an update of one ref must satisfy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    /// A protected branch: every new commit must pass.
    Branch,
    /// A protected tag (a release): every commit since the previous protected tag must pass.
    Tag,
    /// Not protected: report what a merge will need, never block.
    None,
}

impl Default for Protect {
    /// No `protect:` section: the default branch and [`DEFAULT_TAGS`].
    fn default() -> Self {
        let mut b = globset::GlobSetBuilder::new();
        for t in DEFAULT_TAGS {
            if let Ok(g) = super::validate::compile_glob(t) {
                b.add(g);
            }
        }
        Protect {
            branches: None,
            branch_matcher: None,
            tags: DEFAULT_TAGS.iter().map(|s| s.to_string()).collect(),
            // The constant globs compile (a unit test proves it); an empty set here would
            // only ever protect fewer tags, which the test would catch.
            tag_matcher: b.build().unwrap_or_else(|_| GlobSet::empty()),
        }
    }
}

impl Protect {
    /// How the update of `refname` (a full ref name) is judged. `default_branches` are the
    /// full ref names of the repository's default branch as the caller learnt it (used only
    /// when the policy names no branches).
    pub fn classify(&self, refname: &str, default_branches: &[String]) -> Protection {
        if let Some(branch) = refname.strip_prefix("refs/heads/") {
            let hit = match &self.branch_matcher {
                Some(m) => m.is_match(branch),
                None => default_branches.iter().any(|d| d == refname),
            };
            if hit {
                return Protection::Branch;
            }
        } else if let Some(tag) = refname.strip_prefix("refs/tags/")
            && self.tag_matcher.is_match(tag)
        {
            return Protection::Tag;
        }
        Protection::None
    }

    /// Whether `refname` is a protected tag.
    pub fn is_protected_tag(&self, refname: &str) -> bool {
        refname
            .strip_prefix("refs/tags/")
            .is_some_and(|t| self.tag_matcher.is_match(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_protect_the_default_branch_and_release_tags() {
        let p = Protect::default();
        let d = vec!["refs/heads/main".to_string()];
        assert_eq!(p.classify("refs/heads/main", &d), Protection::Branch);
        assert_eq!(p.classify("refs/heads/feature/x", &d), Protection::None);
        assert_eq!(p.classify("refs/tags/v1.2.3", &d), Protection::Tag);
        assert_eq!(p.classify("refs/tags/nightly", &d), Protection::None);
        assert_eq!(p.classify("refs/notes/countersign", &d), Protection::None);
        // A branch named like the default under another namespace is not it.
        assert_eq!(p.classify("refs/heads/x/main", &d), Protection::None);
    }
}
