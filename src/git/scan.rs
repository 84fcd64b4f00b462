//! The parallel commit scan: every commit of a range read raw (size-checked before it is
//! inflated, parsed by [`crate::git::commit`]), diffed against its parents
//! ([`crate::git::treediff`]), and handed on as [`CommitFacts`]; merges get their paths from
//! the merge rule ([`crate::git::merges`]) once the rest of the range has been seen.
//!
//! Large scans run on all rayon threads with one `git2::Repository` per thread over
//! contiguous chunks of commits; the calling thread puts the chunks back in order.

use std::collections::{BTreeMap, HashSet};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use git2::Oid;
use rayon::prelude::*;

use crate::error::{Error, ErrorKind, Result};
use crate::facts::CommitFacts;
use crate::git::merges::{Base, Book};
use crate::git::odb::idhash::IdMap;
use crate::git::odb::objects::Objects;
use crate::git::odb::pack::{Kind, PackSet};
use crate::git::treediff::{Diff, Key, Leaf, TreeReader, too_many_parents};
use crate::git::{
    CHUNK, Limits, PARALLEL_MIN, Repo, SHALLOW_HELP, TREE_CACHE_BYTES, commit, too_many, tune,
};

/// The error for a commit object countersign cannot read the way git does.
pub(crate) fn malformed(oid: Oid, why: commit::Malformed) -> Error {
    Error::incomplete(format!(
        "commit {oid} cannot be read the way git reads it: {why}"
    ))
    .with_help(
        "run `git fsck`; git itself never writes such a commit (it takes `git hash-object \
         --literally` or another tool): rewrite the history from before it, or set a policy \
         `baseline:` after it",
    )
}

/// The error for a commit whose parents are cut off by a shallow clone.
fn shallow_commit(oid: Oid) -> Error {
    Error::incomplete(format!(
        "commit {oid} is at the shallow boundary of this clone: its parents are not here"
    ))
    .with_help(SHALLOW_HELP)
}

/// Header bytes allowed in a commit object on top of `max_message_bytes` (tree, parents,
/// identities, encoding, signatures and merged tags), so an oversized commit is refused
/// before it is inflated.
pub(crate) const COMMIT_HEADER_BYTES: u64 = 1 << 20;

/// The largest commit object any run reads (the largest `--max-message-bytes`, 64 MiB, plus
/// the header allowance): the bound for resolving revisions and peeling refs outside a scan.
pub const MAX_COMMIT_OBJECT: u64 = (64 << 20) + COMMIT_HEADER_BYTES;

/// The largest commit object a run reads with these limits.
pub fn commit_cap(limits: &Limits) -> u64 {
    (limits.max_message_bytes as u64).saturating_add(COMMIT_HEADER_BYTES)
}

/// The error for a commit object over [`commit_cap`].
pub(crate) fn commit_too_big(what: &str, oid: Oid, cap: u64) -> Error {
    Error::limit(format!(
        "{what} {oid} is larger than {cap} bytes, so its message is over the limit \
         max_message_bytes"
    ))
    .with_help("such a message cannot be checked; rewrite the commit or raise --max-message-bytes")
}

/// One commit as read by a scanner: its facts (paths not yet filled in) and its diff
/// against its parents.
struct Read {
    facts: CommitFacts,
    diff: Diff,
}

impl Read {
    /// Fills in every changed path (a non-merge, or a merge checked on its own).
    fn all_paths(mut self) -> (CommitFacts, Diff) {
        self.facts.paths = (0..self.diff.leaves.len())
            .filter_map(|i| self.diff.changed_path(i))
            .collect();
        (self.facts, self.diff)
    }
}

/// What a scanning thread hands back for one commit.
enum Item<R> {
    /// Evaluated: the result, plus the change set the merge rule needs (empty for a
    /// single commit).
    Done(R, Diff),
    /// A merge of a range: decided after the scan.
    Merge(Box<CommitFacts>, Diff),
}

/// What a scan of a range needs for its merges: the range's base and the merges that join
/// it ([`join_points`]), whose diffs are also taken against the base trees; in a closed
/// range ([`Base::Closed`]) only deletions are left to decide.
#[derive(Clone, Copy)]
struct Ranged<'a> {
    base: &'a [Oid],
    joins: &'a IdMap<Oid, ()>,
    closed: bool,
}

/// The deletions of `diff` alone (what a commit of a closed range can settle).
fn deletions(diff: Diff) -> Diff {
    if diff.leaves.iter().all(|l| l.key != Key::ABSENT) {
        return Diff::default();
    }
    let mut out = Diff::default();
    for (i, l) in diff.leaves.iter().enumerate() {
        if l.key == Key::ABSENT {
            out.raw.extend_from_slice(diff.path(i));
            out.leaves.push(Leaf {
                end: out.raw.len(),
                ..*l
            });
        }
    }
    out
}

/// The merges of `commits` where the range's base meets history that does not contain it:
/// merges that contain a base commit, but not through their first parent (the target
/// merged into a branch that forked before it). Only these can carry content from their
/// first parent that is neither the base's nor introduced in the range
/// ([`crate::git::merges`]). One pass over the range's commit headers (size-checked and
/// parsed as in the scan); containment is computed on the range's own graph.
fn join_points(
    repo: &Repo,
    commits: &[Oid],
    base: &[Oid],
    limits: &Limits,
) -> Result<IdMap<Oid, ()>> {
    let mut joins = IdMap::default();
    if base.is_empty() {
        return Ok(joins);
    }
    let odb = repo.raw().odb()?;
    let mut s = Scanner::new(repo.packs(), &odb, limits);
    let mut index: IdMap<Oid, usize> = IdMap::default();
    let mut parents: Vec<Vec<Oid>> = Vec::with_capacity(commits.len());
    for (i, &c) in commits.iter().enumerate() {
        let obj = s.read_raw(&repo.shallow, c)?;
        let raw = commit::parse(&obj).map_err(|m| malformed(c, m))?;
        parents.push(raw.parents);
        index.insert(c, i);
    }
    // contains[i]: commit i has a base commit among its ancestors (depth-first, parents
    // before children, on an explicit stack).
    let mut contains = vec![false; commits.len()];
    let mut state = vec![0u8; commits.len()];
    for start in 0..commits.len() {
        if state.get(start) != Some(&0) {
            continue;
        }
        let mut stack = vec![(start, 0usize)];
        if let Some(st) = state.get_mut(start) {
            *st = 1;
        }
        while let Some(&mut (i, ref mut k)) = stack.last_mut() {
            let next = parents.get(i).and_then(|ps| ps.get(*k)).copied();
            if let Some(p) = next {
                *k += 1;
                if let Some(&j) = index.get(&p)
                    && state.get(j) == Some(&0)
                {
                    if let Some(st) = state.get_mut(j) {
                        *st = 1;
                    }
                    stack.push((j, 0));
                }
                continue;
            }
            let has = |p: &Oid| {
                base.contains(p)
                    || index
                        .get(p)
                        .is_some_and(|&j| contains.get(j) == Some(&true))
            };
            let ps = parents.get(i).map(Vec::as_slice).unwrap_or_default();
            let any = ps.iter().any(has);
            if ps.len() > 1
                && any
                && !ps.first().is_some_and(has)
                && let Some(&c) = commits.get(i)
            {
                joins.insert(c, ());
            }
            if let Some(v) = contains.get_mut(i) {
                *v = any;
            }
            if let Some(st) = state.get_mut(i) {
                *st = 2;
            }
            stack.pop();
        }
    }
    Ok(joins)
}

/// Per-thread scanning state: the tree reader (and the object reader under it), and the tree
/// ids of recently read commits so that a parent commit read earlier is not inflated a
/// second time to find its tree.
struct Scanner<'o> {
    reader: TreeReader<'o>,
    trees: IdMap<Oid, Oid>,
    commit_cap: u64,
    base_trees: Option<Vec<Oid>>,
}

/// The scanner forgets remembered commit → tree ids beyond this many entries.
const TREE_IDS_MAX: usize = 1 << 16;

impl<'o> Scanner<'o> {
    fn new(packs: &'o PackSet, odb: &'o git2::Odb<'o>, limits: &Limits) -> Self {
        Scanner {
            reader: TreeReader::new(Objects::new(packs, odb), TREE_CACHE_BYTES),
            trees: IdMap::default(),
            commit_cap: commit_cap(limits),
            base_trees: None,
        }
    }

    /// Reads one raw commit object (`what` names it in errors). Objects larger than a
    /// message of `max_message_bytes` could make are refused before they are inflated.
    fn read_commit_object(&mut self, oid: Oid, what: &str) -> Result<Rc<Vec<u8>>> {
        let cap = self.commit_cap;
        let (kind, data) = self.reader.objects().read(oid, what, cap).map_err(|e| {
            if e.kind == ErrorKind::Limit {
                commit_too_big(what, oid, cap)
            } else {
                e
            }
        })?;
        if kind != Kind::Commit {
            return Err(
                Error::repo(format!("{oid} is a {}, not a commit", kind.name()))
                    .with_help("name a commit"),
            );
        }
        Ok(data)
    }

    /// Reads one raw commit object (a commit, not at the shallow boundary).
    fn read_raw(&mut self, shallow: &HashSet<Oid>, oid: Oid) -> Result<Rc<Vec<u8>>> {
        if shallow.contains(&oid) {
            return Err(shallow_commit(oid));
        }
        self.read_commit_object(oid, "commit")
    }

    /// Reads `commits` (a contiguous, newest-first run) and returns what each gives, in
    /// order. All commit objects are read first, so a parent inside the run is not read
    /// again.
    fn run<R>(
        &mut self,
        shallow: &HashSet<Oid>,
        commits: &[Oid],
        limits: &Limits,
        ranged: Option<Ranged<'_>>,
        f: &impl Fn(CommitFacts) -> R,
    ) -> Result<Vec<Item<R>>> {
        if self.trees.len() > TREE_IDS_MAX {
            self.trees.clear();
        }
        let mut objs = Vec::with_capacity(commits.len());
        for &c in commits {
            let obj = self.read_raw(shallow, c);
            if let Ok(o) = &obj
                && let Some(t) = commit::tree_of(o)
            {
                self.trees.insert(c, t);
            }
            objs.push(obj);
        }
        let mut out = Vec::with_capacity(commits.len());
        for (&c, obj) in commits.iter().zip(objs) {
            let base = ranged.filter(|r| r.joins.contains_key(&c)).map(|r| r.base);
            let read = self.read(c, &obj?, limits, base)?;
            let closed = ranged.is_some_and(|r| r.closed);
            out.push(match ranged {
                None => Item::Done(f(read.all_paths().0), Diff::default()),
                Some(_) if !read.facts.is_merge() => {
                    let (facts, diff) = read.all_paths();
                    let diff = if closed { deletions(diff) } else { diff };
                    Item::Done(f(facts), diff)
                }
                Some(_)
                    if closed
                        && !read
                            .diff
                            .leaves
                            .iter()
                            .any(|l| !l.everywhere && l.key == Key::ABSENT) =>
                {
                    // Nothing of this merge is left to decide: its paths are its own.
                    let mut facts = read.facts;
                    facts.paths = (0..read.diff.leaves.len())
                        .filter(|&i| read.diff.leaves.get(i).is_some_and(|l| l.everywhere))
                        .filter_map(|i| read.diff.changed_path(i))
                        .collect();
                    Item::Done(f(facts), deletions(read.diff))
                }
                Some(_) => Item::Merge(Box::new(read.facts), read.diff),
            });
        }
        Ok(out)
    }

    /// The tree ids of the range's base commits (read once per scanner).
    fn base_trees(&mut self, base: &[Oid]) -> Result<Vec<Oid>> {
        if self.base_trees.is_none() {
            let mut trees = Vec::with_capacity(base.len());
            for &b in base {
                let obj = self.read_commit_object(b, "base commit")?;
                trees.push(commit::tree_of(&obj).ok_or_else(|| {
                    malformed(
                        b,
                        commit::Malformed("the first line is not `tree <40 hex>`"),
                    )
                })?);
            }
            self.base_trees = Some(trees);
        }
        Ok(self.base_trees.clone().unwrap_or_default())
    }

    /// Reads commit `oid` from its raw object: facts (without paths) and its diff — for a
    /// join point of a range ([`join_points`]), compared with the base trees as well.
    fn read(
        &mut self,
        oid: Oid,
        obj: &[u8],
        limits: &Limits,
        base: Option<&[Oid]>,
    ) -> Result<Read> {
        let raw = commit::parse(obj).map_err(|m| malformed(oid, m))?;
        if raw.message.len() > limits.max_message_bytes {
            return Err(Error::limit(format!(
                "commit {oid} has a {}-byte message, more than {} (limit max_message_bytes)",
                raw.message.len(),
                limits.max_message_bytes
            ))
            .with_help("such a message cannot be checked; rewrite the commit or raise the limit"));
        }
        if raw.parents.len() > crate::git::treediff::MAX_PARENTS {
            return Err(too_many_parents(raw.parents.len()));
        }
        let mut parent_trees = Vec::with_capacity(raw.parents.len().max(1));
        for p in &raw.parents {
            let tree = match self.trees.get(p) {
                Some(t) => *t,
                None => {
                    let pobj = self.read_commit_object(*p, "parent commit")?;
                    let t = commit::tree_of(&pobj).ok_or_else(|| {
                        malformed(
                            *p,
                            commit::Malformed("the first line is not `tree <40 hex>`"),
                        )
                    })?;
                    self.trees.insert(*p, t);
                    t
                }
            };
            parent_trees.push(Some(tree));
        }
        if parent_trees.is_empty() {
            parent_trees.push(None);
        }
        let base_trees = match base {
            Some(b) if raw.parents.len() > 1 && !b.is_empty() => self.base_trees(b)?,
            _ => Vec::new(),
        };
        let diff = self.reader.diff_with_base(
            Some(raw.tree),
            &parent_trees,
            &base_trees,
            limits.max_paths_per_commit,
        )?;
        let (author, _) = commit::identity(raw.author);
        let (committer, time) = commit::identity(raw.committer);
        let facts = CommitFacts {
            id: oid.to_string(),
            parents: raw.parents.iter().map(Oid::to_string).collect(),
            author,
            committer,
            time,
            message: raw.message.to_vec(),
            encoding: raw
                .encoding
                .map(|e| String::from_utf8_lossy(e).into_owned()),
            paths: Vec::new(),
        };
        Ok(Read { facts, diff })
    }
}

/// Reads one commit on its own: identities, raw message, parents and changed paths (for a
/// merge, every path where it differs from its first parent: [`Base::Single`]).
pub fn read_commit(repo: &Repo, oid: Oid, limits: &Limits) -> Result<CommitFacts> {
    tune();
    let odb = repo.raw().odb()?;
    let mut s = Scanner::new(repo.packs(), &odb, limits);
    let obj = s.read_raw(&repo.shallow, oid)?;
    Ok(s.read(oid, &obj, limits, None)?.all_paths().0)
}

/// Reads every commit of `commits` and returns `f` of each, in the order of `commits`
/// (see [`scan_each`]).
pub fn scan<R: Send>(
    repo: &Repo,
    commits: &[Oid],
    base: &Base,
    limits: &Limits,
    f: impl Fn(CommitFacts) -> R + Sync,
) -> Result<Vec<R>> {
    let mut out = InOrder::with_capacity(commits.len().min(limits.max_commits));
    scan_each(repo, commits, base, limits, f, |i, r| out.push(i, r))?;
    Ok(out.finish())
}

/// Collects what [`scan_each`] hands over back into commit order: results that come in
/// order are appended as they come; the merges that come last are put in their places at
/// the end (one pass, no second copy of the in-order part's elements beyond the final move).
#[derive(Debug)]
pub struct InOrder<R> {
    out: Vec<R>,
    late: Vec<(usize, R)>,
    last: Option<usize>,
}

impl<R> InOrder<R> {
    /// An empty collection with room for `n` results.
    pub fn with_capacity(n: usize) -> Self {
        InOrder {
            out: Vec::with_capacity(n),
            late: Vec::new(),
            last: None,
        }
    }

    /// Takes result `r` of the commit at position `i`.
    pub fn push(&mut self, i: usize, r: R) {
        if self.last.is_none_or(|l| i > l) {
            self.last = Some(i);
            self.out.push(r);
        } else {
            self.late.push((i, r));
        }
    }

    /// The results in commit order, rearranged in place (no second vector of results: one
    /// position per result).
    pub fn finish(self) -> Vec<R> {
        let InOrder {
            mut out, mut late, ..
        } = self;
        if late.is_empty() {
            return out;
        }
        late.sort_by_key(|(i, _)| *i);
        let n = out.len() + late.len();
        // Where each element goes: the in-order ones fill the positions the late ones leave.
        let mut dest: Vec<usize> = Vec::with_capacity(n);
        let mut li = late.iter().map(|(i, _)| *i).peekable();
        for p in 0..n {
            if li.peek() == Some(&p) {
                li.next();
            } else {
                dest.push(p);
            }
        }
        dest.extend(late.iter().map(|(i, _)| *i));
        out.extend(late.into_iter().map(|(_, r)| r));
        // Apply the permutation by cycles.
        for k in 0..n {
            while let Some(&t) = dest.get(k) {
                if t == k || t >= n {
                    break;
                }
                out.swap(k, t);
                dest.swap(k, t);
            }
        }
        out
    }
}

/// Reads every commit of `commits` and hands `f` of each to `sink` with its position in
/// `commits`, as the scan goes: results are streamed, never gathered twice. Commits come in
/// order, except the merges of a range ([`Base::Range`]), which come after all the others
/// (their paths depend on the commits after them: [`crate::git::merges`]). Large lists run
/// on all rayon threads (one repository handle and one set of caches per thread, contiguous
/// chunks of commits taken in order), and a small reorder buffer on the calling thread puts
/// the chunks back in order. The first error (in commit order) ends the scan.
pub fn scan_each<R: Send>(
    repo: &Repo,
    commits: &[Oid],
    base: &Base,
    limits: &Limits,
    f: impl Fn(CommitFacts) -> R + Sync,
    mut sink: impl FnMut(usize, R),
) -> Result<()> {
    tune();
    if commits.len() > limits.max_commits {
        return Err(too_many(limits));
    }
    repo.refuse_grafts()?;
    let mut book = match base {
        Base::Range(_) | Base::Closed => Some(Book::new()),
        Base::Single => None,
    };
    let joins = match base {
        Base::Range(b) => join_points(repo, commits, b, limits)?,
        Base::Closed | Base::Single => IdMap::default(),
    };
    let ranged = match base {
        Base::Range(b) => Some(Ranged {
            base: b,
            joins: &joins,
            closed: false,
        }),
        Base::Closed => Some(Ranged {
            base: &[],
            joins: &joins,
            closed: true,
        }),
        Base::Single => None,
    };
    let only_deletions = *base == Base::Closed;
    {
        let mut take = |i: usize, item: Item<R>| match item {
            Item::Done(r, diff) => {
                if let Some(b) = book.as_mut() {
                    b.see(&diff);
                    for (j, facts) in b.take_ready() {
                        sink(j, f(facts));
                    }
                }
                sink(i, r);
            }
            Item::Merge(facts, diff) => {
                if let Some(b) = book.as_mut() {
                    b.see(&diff);
                    b.defer(i, *facts, diff, only_deletions);
                    for (j, facts) in b.take_ready() {
                        sink(j, f(facts));
                    }
                }
            }
        };
        let threads = rayon::current_num_threads();
        if commits.len() < PARALLEL_MIN || threads < 2 {
            let odb = repo.raw().odb()?;
            let mut s = Scanner::new(repo.packs(), &odb, limits);
            let mut i = 0;
            for chunk in commits.chunks(CHUNK) {
                for item in s.run(&repo.shallow, chunk, limits, ranged, &f)? {
                    take(i, item);
                    i += 1;
                }
                repo.packs().scanned_some();
            }
        } else {
            parallel(repo, commits, limits, ranged, &f, &mut take)?;
        }
    }
    if let Some(b) = book {
        // Evaluated on all threads, a window at a time (never all results twice).
        let mut merges = b.finish().into_iter();
        loop {
            let window: Vec<(usize, CommitFacts)> = merges.by_ref().take(1024).collect();
            if window.is_empty() {
                break;
            }
            let done: Vec<(usize, R)> = window
                .into_par_iter()
                .map(|(i, facts)| (i, f(facts)))
                .collect();
            for (i, r) in done {
                sink(i, r);
            }
        }
    }
    Ok(())
}

/// The parallel part of [`scan_each`]: chunks on the pool's threads, results to `take` in
/// order on this thread.
fn parallel<R: Send>(
    repo: &Repo,
    commits: &[Oid],
    limits: &Limits,
    ranged: Option<Ranged<'_>>,
    f: &(impl Fn(CommitFacts) -> R + Sync),
    take: &mut impl FnMut(usize, Item<R>),
) -> Result<()> {
    let chunks: Vec<&[Oid]> = commits.chunks(CHUNK).collect();
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let how = &repo.how;
    let shallow = &repo.shallow;
    let packs = repo.packs();
    type Msg<R> = (usize, Result<Vec<Item<R>>>);
    let (tx, rx) = mpsc::channel::<Msg<R>>();
    let worker = |tx: &mpsc::Sender<Msg<R>>| {
        let fail = |i: usize, e: Error| {
            failed.store(true, Ordering::Relaxed);
            let _ = tx.send((i, Err(e)));
        };
        let g = match how.open() {
            Ok(g) => g,
            Err(e) => {
                return fail(
                    0,
                    Error::repo(format!("cannot reopen the repository: {}", e.message())),
                );
            }
        };
        let odb = match g.odb() {
            Ok(o) => o,
            Err(e) => return fail(0, e.into()),
        };
        let mut s = Scanner::new(packs, &odb, limits);
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(chunk) = chunks.get(i) else { return };
            if failed.load(Ordering::Relaxed) {
                return;
            }
            match s.run(shallow, chunk, limits, ranged, f) {
                Ok(out) => {
                    packs.scanned_some();
                    if tx.send((i, Ok(out))).is_err() {
                        return;
                    }
                }
                Err(e) => return fail(i, e),
            }
        }
    };
    let mut first_error: Option<(usize, Error)> = None;
    let mut wanted = 0;
    std::thread::scope(|sc| {
        // The pool's threads do the reading; this thread only reorders and hands on.
        sc.spawn(move || {
            rayon::broadcast(|_| worker(&tx));
            drop(tx);
        });
        let mut pending: BTreeMap<usize, Vec<Item<R>>> = BTreeMap::new();
        for (i, res) in rx {
            match res {
                Ok(out) => {
                    pending.insert(i, out);
                    while let Some(out) = pending.remove(&wanted) {
                        if first_error.is_none() {
                            for (k, item) in out.into_iter().enumerate() {
                                take(wanted * CHUNK + k, item);
                            }
                        }
                        wanted += 1;
                    }
                }
                Err(e) => {
                    if first_error.as_ref().is_none_or(|(j, _)| i < *j) {
                        first_error = Some((i, e));
                    }
                }
            }
        }
    });
    if let Some((_, e)) = first_error {
        return Err(e);
    }
    if wanted != chunks.len() {
        return Err(
            Error::incomplete("a scanning thread stopped before finishing").with_help("run again"),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::InOrder;

    #[test]
    fn in_order_puts_late_results_back_in_place() {
        // In order, with gaps where merges come later (in any order among themselves).
        for late in [
            vec![],
            vec![0],
            vec![9],
            vec![3, 1, 7],
            vec![0, 2, 4, 6, 8],
            vec![5, 6, 7, 8, 9],
        ] {
            let mut c = InOrder::with_capacity(10);
            for i in (0..10).filter(|i| !late.contains(i)) {
                c.push(i, i);
            }
            for &i in &late {
                c.push(i, i);
            }
            assert_eq!(c.finish(), (0..10).collect::<Vec<_>>(), "late {late:?}");
        }
    }
}
