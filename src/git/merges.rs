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
//!   commit. The base is the newest history the range builds on: the commits outside the
//!   range that are parents of commits in it, less those that are ancestors of other such
//!   commits (for `A..B`, the merge-bases of A and B; for a pull request, the merge-base with
//!   its target). A merge of the target branch into a feature branch brings nothing new.
//!
//! Paths that differ from **every** parent (conflict resolutions, "evil" changes) are always
//! the merge's own. So every path of the range's net change is answered for by some
//! evaluated commit: a side branch forked before a reviewed fix, an old ancestor, an octopus
//! parent or an unrelated history cannot bring old content back unanswered.
//!
//! A single commit checked on its own ([`Base::None`]) has nothing else in its range and no
//! base: a merge then answers for its whole diff against its first parent.
//!
//! How, streaming: the scan hands commits over children first. A merge's candidate paths
//! (first-parent differences that are not its own) are registered when it passes; every
//! later commit's change set is looked up against them, and a hit settles that path. After
//! the scan, what is still open is compared with the base trees and the merges are
//! evaluated last. Memory: the open candidates, nothing per commit.

use std::collections::HashMap;

use git2::Oid;

use crate::error::Result;
use crate::facts::CommitFacts;
use crate::git::commit;
use crate::git::odb::idhash::IdMap;
use crate::git::odb::objects::Objects;
use crate::git::treediff::{Diff, Key, TreeReader};
use crate::git::{Repo, TREE_CACHE_BYTES};

/// What a scan's merges are measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// The commits form a range (`A..B`, a push, a pull request, `--all`): other commits of
    /// the range and the range's base (its boundary) settle a merge's paths.
    Boundary,
    /// One commit checked on its own (`check <commit>`, `explain`): a merge answers for its
    /// whole first-parent diff.
    None,
}

/// A path of a pending merge: its own, waiting to be settled, or settled by another commit
/// or the base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Answered,
    Waiting,
    Settled,
}

/// A merge whose paths are decided after the scan.
struct Pending {
    index: usize,
    facts: CommitFacts,
    diff: Diff,
    state: Vec<State>,
}

/// One (path, entry) some pending merges wait for: `(merge, leaf)` pairs.
struct Want {
    key: Key,
    waiters: Vec<(usize, usize)>,
}

/// The bookkeeping of the merge rule over one scan (on the thread that receives the
/// commits in order).
pub(crate) struct Book {
    in_range: IdMap<Oid, ()>,
    boundary: Vec<Oid>,
    seen_boundary: IdMap<Oid, ()>,
    wanted: HashMap<Box<[u8]>, Vec<Want>>,
    pending: Vec<Pending>,
}

impl Book {
    /// A book for a scan of `commits`.
    pub(crate) fn new(commits: &[Oid]) -> Self {
        let mut in_range = IdMap::default();
        in_range.reserve(commits.len());
        for c in commits {
            in_range.insert(*c, ());
        }
        Book {
            in_range,
            boundary: Vec::new(),
            seen_boundary: IdMap::default(),
            wanted: HashMap::new(),
            pending: Vec::new(),
        }
    }

    /// Takes in the next commit, in scan order: its parents (the boundary) and its own
    /// change set (which settles what earlier merges wait for).
    pub(crate) fn see(&mut self, parents: &[Oid], diff: &Diff) {
        for p in parents {
            if !self.in_range.contains_key(p) && self.seen_boundary.insert(*p, ()).is_none() {
                self.boundary.push(*p);
            }
        }
        if self.wanted.is_empty() {
            return;
        }
        for (i, leaf) in diff.leaves.iter().enumerate() {
            let path = diff.path(i);
            let Some(wants) = self.wanted.get_mut(path) else {
                continue;
            };
            let Some(pos) = wants.iter().position(|w| w.key == leaf.key) else {
                continue;
            };
            let w = wants.swap_remove(pos);
            if wants.is_empty() {
                self.wanted.remove(path);
            }
            for (m, l) in w.waiters {
                if let Some(s) = self.pending.get_mut(m).and_then(|p| p.state.get_mut(l)) {
                    *s = State::Settled;
                }
            }
        }
    }

    /// Keeps merge `facts` (at `index` of the scan) until the end; registers the paths it
    /// differs from its first parent on but not from every parent. Call after [`Book::see`].
    pub(crate) fn defer(&mut self, index: usize, facts: CommitFacts, diff: Diff) {
        let m = self.pending.len();
        let mut state = Vec::with_capacity(diff.leaves.len());
        for (i, leaf) in diff.leaves.iter().enumerate() {
            if leaf.everywhere {
                state.push(State::Answered);
                continue;
            }
            state.push(State::Waiting);
            let path = diff.path(i);
            let wants = match self.wanted.get_mut(path) {
                Some(w) => w,
                None => self.wanted.entry(path.into()).or_default(),
            };
            match wants.iter_mut().find(|w| w.key == leaf.key) {
                Some(w) => w.waiters.push((m, i)),
                None => wants.push(Want {
                    key: leaf.key,
                    waiters: vec![(m, i)],
                }),
            }
        }
        self.pending.push(Pending {
            index,
            facts,
            diff,
            state,
        });
    }

    /// Settles what is still open against the base and returns the deferred merges with
    /// their paths, in scan order.
    pub(crate) fn finish(
        mut self,
        repo: &Repo,
        commit_cap: u64,
    ) -> Result<Vec<(usize, CommitFacts)>> {
        self.wanted = HashMap::new();
        let open = self
            .pending
            .iter()
            .any(|p| p.state.contains(&State::Waiting));
        if open && !self.boundary.is_empty() {
            let odb = repo.raw().odb()?;
            let mut base = BaseTrees {
                reader: TreeReader::new(Objects::new(repo.packs(), &odb), TREE_CACHE_BYTES),
                commits: std::mem::take(&mut self.boundary),
                trees: Vec::new(),
                independent: Vec::new(),
                commit_cap,
            };
            for p in &mut self.pending {
                for (i, s) in p.state.iter_mut().enumerate() {
                    if *s == State::Waiting
                        && let Some(leaf) = p.diff.leaves.get(i)
                        && base.has(repo, p.diff.path(i), leaf.key)?
                    {
                        *s = State::Settled;
                    }
                }
            }
        }
        let mut out = Vec::with_capacity(self.pending.len());
        for p in self.pending {
            let mut facts = p.facts;
            facts.paths = p
                .state
                .iter()
                .enumerate()
                .filter(|(_, s)| **s != State::Settled)
                .filter_map(|(i, _)| p.diff.changed_path(i))
                .collect();
            out.push((p.index, facts));
        }
        Ok(out)
    }
}

/// The base commits' trees, read on demand.
struct BaseTrees<'o> {
    reader: TreeReader<'o>,
    commits: Vec<Oid>,
    trees: Vec<Option<Oid>>,
    /// Per boundary commit: not an ancestor of another boundary commit (memoised).
    independent: Vec<Option<bool>>,
    commit_cap: u64,
}

impl BaseTrees<'_> {
    /// True when a base commit has `key` at `path`.
    fn has(&mut self, repo: &Repo, path: &[u8], key: Key) -> Result<bool> {
        if self.trees.is_empty() {
            for &c in &self.commits {
                let (_, obj) = self
                    .reader
                    .objects()
                    .read(c, "base commit", self.commit_cap)?;
                self.trees.push(commit::tree_of(&obj));
            }
            self.independent = vec![None; self.commits.len()];
        }
        for i in 0..self.commits.len() {
            let Some(Some(tree)) = self.trees.get(i).copied() else {
                continue;
            };
            if self.reader.entry_at(tree, path)? != key {
                continue;
            }
            if self.is_independent(repo, i)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Boundary commit `i` is part of the base unless it is an ancestor of another one (an
    /// old commit a side branch forked from is not what the range builds on).
    fn is_independent(&mut self, repo: &Repo, i: usize) -> Result<bool> {
        if let Some(Some(v)) = self.independent.get(i) {
            return Ok(*v);
        }
        let Some(&c) = self.commits.get(i) else {
            return Ok(false);
        };
        let mut v = true;
        for (j, &other) in self.commits.iter().enumerate() {
            if j != i
                && repo
                    .raw()
                    .graph_descendant_of(other, c)
                    .map_err(|e| crate::git::walk_error(repo, e))?
            {
                v = false;
                break;
            }
        }
        if let Some(slot) = self.independent.get_mut(i) {
            *slot = Some(v);
        }
        Ok(v)
    }
}
