//! The merge rule (DESIGN §5): which paths a merge answers for.
//!
//! A merge answers for every path where its result differs from its **first** parent,
//! except
//!
//! - (a) content that a commit of the range introduced: a commit evaluated in the same run,
//!   listed after the merge (so never a descendant of it), whose own change set — its diff
//!   against its first parent — sets that path to exactly that entry (object id and mode, or
//!   a deletion). That commit answers for it;
//! - (b) content that the range's **base** already has: the entry at that path in a base
//!   commit — the merge-bases of the range's head with the branch it goes into (`A..B`: of A
//!   and B; a pull request: of its base and head; a push: of the pushed tip and the ref's
//!   old tip, or the default branch for a new ref). A merge of the target branch into a
//!   feature branch brings nothing new. Other hidden history is no base: an old commit a side
//!   branch forked from, an unprotected branch already on the server, the policy baseline.
//!
//! Paths that differ from **every** parent (conflict resolutions, "evil" changes) are always
//! the merge's own. And where the base meets history that does not contain it — a merge
//! that contains a base commit, but not through its first parent (the target merged *into*
//! a branch forked before a fix) — the merge also answers for content it keeps from its
//! first parent that differs from the base and that no commit of the range introduced: it
//! is where the old content met the base. So every path of the range's net change is
//! answered for by some evaluated commit: a side branch forked before a reviewed fix, an
//! old ancestor, an octopus parent or an unrelated history cannot bring old content back
//! unanswered, whichever parent it comes through. (Of several merges waiting for the same
//! content, the last one in the range's order answers for it.)
//!
//! A range without a base (`--all`, history down to its roots) only has (a). A single
//! commit checked on its own ([`Base::Single`]) has nothing else in its range and no base: a
//! merge then answers for its whole diff against its first parent.
//!
//! How, streaming: the scan hands commits over children first. A merge's diff is taken
//! against its parents (and, at a join point, the base trees) in one walk; its candidate paths are registered
//! when it passes; every later commit's change set is looked up against them (one hash
//! lookup per changed path), and a hit settles that path. After the scan, what is still
//! open is decided (the last merge waiting for the same content answers for it) and the
//! merges are evaluated last. Memory: the open candidates, nothing per commit.

use std::collections::HashMap;

use git2::Oid;

use crate::error::Result;
use crate::facts::{Change, ChangedPath, CommitFacts};
use crate::git::Repo;
use crate::git::treediff::{Diff, Key, fact};

/// What a scan's merges are measured against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// The commits form a range (`A..B`, a push, a pull request, `--all`) whose base is
    /// these commits (none for `--all`): other commits of the range and the base settle a
    /// merge's paths.
    Range(Vec<Oid>),
    /// A range that holds every ancestor of its commits (`--all` without a baseline): with
    /// nothing hidden, content a merge has from a parent was always introduced by a commit
    /// of the range listed after it (the first commit of that lineage to have it) — except a
    /// deletion where that parent's side never had the path, back to a root. So only a
    /// merge's deletions are left to decide (the same answer as [`Base::Range`] with no
    /// base, at a fraction of the bookkeeping).
    Closed,
    /// One commit checked on its own (`check <commit>`, `explain`): a merge answers for its
    /// whole first-parent diff.
    Single,
}

/// The base of a range from `target` (the branch it goes into, when there is one) to
/// `heads`: the merge-bases of each head with the target.
pub fn range_base(repo: &Repo, target: Option<Oid>, heads: &[Oid]) -> Result<Base> {
    let mut out: Vec<Oid> = Vec::new();
    if let Some(t) = target {
        for &h in heads {
            let bases = match repo.raw().merge_bases(t, h) {
                Ok(v) => v.iter().copied().collect::<Vec<_>>(),
                Err(e) if e.code() == git2::ErrorCode::NotFound => Vec::new(),
                Err(e) => return Err(crate::git::walk_error(repo, e)),
            };
            for b in bases {
                if !out.contains(&b) {
                    out.push(b);
                }
            }
        }
    }
    Ok(Base::Range(out))
}

/// A merge whose paths are not decided yet: its facts, with the paths it answers for so far
/// (those that differ from every parent) filled in, each with its position in the merge's
/// diff, and how many of its candidates are still open. Handed back (and dropped here) as
/// soon as none is.
struct Pending {
    index: usize,
    facts: Option<CommitFacts>,
    order: Vec<u32>,
    open: u32,
}

impl Pending {
    /// The facts with their paths back in the diff's (git's tree) order; `None` once taken.
    fn take(&mut self) -> Option<(usize, CommitFacts)> {
        let mut facts = self.facts.take()?;
        let order = std::mem::take(&mut self.order);
        let mut paired: Vec<(u32, ChangedPath)> = order.into_iter().zip(facts.paths).collect();
        paired.sort_by_key(|(seq, _)| *seq);
        facts.paths = paired.into_iter().map(|(_, c)| c).collect();
        Some((self.index, facts))
    }
}

/// A candidate path of a pending merge, kept (under its path in [`Book::wanted`]) only
/// until something settles it.
struct Waiter {
    merge: u32,
    /// The merge's position in the scan (later = closer to the roots).
    index: usize,
    seq: u32,
    change: Change,
    old_mode: Option<u32>,
    new_mode: Option<u32>,
}

/// One (path, entry) some pending merges wait for.
struct Want {
    key: Key,
    waiters: Vec<Waiter>,
}

/// The bookkeeping of the merge rule over one scan (on the thread that receives the
/// commits in order). Memory: the pending merges' facts and the candidates not settled yet;
/// a settled candidate is dropped at once.
pub(crate) struct Book {
    wanted: HashMap<Box<[u8]>, Vec<Want>>,
    pending: Vec<Pending>,
    /// Pending merges with nothing open any more, ready to be handed back.
    ready: Vec<usize>,
}

impl Book {
    /// A book for the scan of a range.
    pub(crate) fn new() -> Self {
        Book {
            wanted: HashMap::new(),
            pending: Vec::new(),
            ready: Vec::new(),
        }
    }

    /// Takes in the change set (diff against the first parent) of the next commit, in scan
    /// order: it settles what earlier merges wait for.
    pub(crate) fn see(&mut self, diff: &Diff) {
        if self.wanted.is_empty() {
            return;
        }
        for (i, leaf) in diff.leaves.iter().enumerate() {
            if !leaf.first {
                continue;
            }
            let path = diff.path(i);
            let Some(wants) = self.wanted.get_mut(path) else {
                continue;
            };
            let Some(pos) = wants.iter().position(|w| w.key == leaf.key) else {
                continue;
            };
            let want = wants.swap_remove(pos);
            if wants.is_empty() {
                self.wanted.remove(path);
            }
            for w in want.waiters {
                let m = w.merge as usize;
                if let Some(p) = self.pending.get_mut(m) {
                    p.open = p.open.saturating_sub(1);
                    if p.open == 0 {
                        self.ready.push(m);
                    }
                }
            }
        }
    }

    /// The merges whose paths are decided now (every candidate settled), with their paths.
    pub(crate) fn take_ready(&mut self) -> Vec<(usize, CommitFacts)> {
        let ready = std::mem::take(&mut self.ready);
        ready
            .into_iter()
            .filter_map(|m| self.pending.get_mut(m).and_then(Pending::take))
            .collect()
    }

    /// Keeps merge `facts` (at `index` of the scan) until the end. Of its diff (against
    /// the first parent and the base, [`crate::git::treediff::TreeReader::diff_with_base`]):
    /// what differs from every parent is its own; what the base has is settled; the rest
    /// waits for a later commit of the range that introduces it. Call after [`Book::see`].
    pub(crate) fn defer(
        &mut self,
        index: usize,
        mut facts: CommitFacts,
        diff: Diff,
        only_deletions: bool,
    ) {
        let m = u32::try_from(self.pending.len()).unwrap_or(u32::MAX);
        let mut order = Vec::new();
        let mut open = 0u32;
        facts.paths = Vec::new();
        for (i, leaf) in diff.leaves.iter().enumerate() {
            let seq = u32::try_from(i).unwrap_or(u32::MAX);
            if leaf.everywhere {
                if let Some(p) = diff.changed_path(i) {
                    facts.paths.push(p);
                    order.push(seq);
                }
                continue;
            }
            if !leaf.from_base || (only_deletions && leaf.key != Key::ABSENT) {
                continue;
            }
            let waiter = Waiter {
                merge: m,
                index,
                seq,
                change: leaf.change,
                old_mode: leaf.old_mode,
                new_mode: leaf.new_mode,
            };
            open += 1;
            let path = diff.path(i);
            let wants = match self.wanted.get_mut(path) {
                Some(w) => w,
                None => self.wanted.entry(path.into()).or_default(),
            };
            match wants.iter_mut().find(|w| w.key == leaf.key) {
                Some(w) => w.waiters.push(waiter),
                None => wants.push(Want {
                    key: leaf.key,
                    waiters: vec![waiter],
                }),
            }
        }
        if open == 0 {
            self.ready.push(self.pending.len());
        }
        self.pending.push(Pending {
            index,
            facts: Some(facts),
            order,
            open,
        });
    }

    /// Decides what is still open and returns the deferred merges with their paths, in scan
    /// order. Of the merges waiting for the same content, the last one in scan order answers
    /// for it and settles it for the ones before it.
    pub(crate) fn finish(mut self) -> Vec<(usize, CommitFacts)> {
        let wanted = std::mem::take(&mut self.wanted);
        for (path, wants) in wanted {
            for want in wants {
                if let Some(w) = want.waiters.into_iter().max_by_key(|w| w.index)
                    && let Some(p) = self.pending.get_mut(w.merge as usize)
                    && let Some(facts) = p.facts.as_mut()
                {
                    facts
                        .paths
                        .push(fact(&path, w.change, w.old_mode, w.new_mode));
                    p.order.push(w.seq);
                }
            }
        }
        self.pending.iter_mut().filter_map(Pending::take).collect()
    }
}
