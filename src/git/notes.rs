//! Signed reviews in git notes: reading `refs/notes/countersign` (and, in pre-receive, a
//! pushed notes commit seen through the quarantine), appending a review to a commit's note,
//! and the stable patch-id that lets a review survive a rebase.
//!
//! Reading walks the notes tree once into a map (annotated commit → note bytes), never one
//! libgit2 note lookup per commit: git stores notes either flat (`<40 hex>`) or fanned out
//! into directories (`ab/cdef…`, `ab/cd/ef…`) as the notes tree grows, and both are read.
//! Entries that are not notes of a full object id are ignored. Every note blob's size is
//! checked from its header before it is read, and the total read is bounded.

use std::collections::{BTreeMap, HashMap, HashSet};

use git2::{ObjectType, Oid};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::facts::{CommitReviews, SignedReview};
use crate::git::Repo;
use crate::git::odb::objects::Objects;
use crate::git::odb::pack::Kind;
use crate::review::{NOTES_REF, note, statement::Statement};

/// The most bytes of notes one run reads in all.
pub const MAX_TOTAL_NOTE_BYTES: usize = 512 << 20;

/// The notes of one or more notes commits: annotated commit → the union of its note lines.
#[derive(Debug, Default)]
pub struct NoteMap {
    notes: HashMap<Oid, Vec<u8>>,
    bytes: usize,
}

impl NoteMap {
    /// Number of annotated commits.
    pub fn len(&self) -> usize {
        self.notes.len()
    }

    /// True when no note was read.
    pub fn is_empty(&self) -> bool {
        self.notes.is_empty()
    }

    /// The note of `oid`, when there is one.
    pub fn get(&self, oid: Oid) -> Option<&[u8]> {
        self.notes.get(&oid).map(Vec::as_slice)
    }

    /// Every annotated commit and its note.
    pub fn iter(&self) -> impl Iterator<Item = (Oid, &[u8])> {
        self.notes.iter().map(|(o, n)| (*o, n.as_slice()))
    }

    fn add(&mut self, oid: Oid, bytes: &[u8]) -> Result<()> {
        self.bytes += bytes.len();
        if self.bytes > MAX_TOTAL_NOTE_BYTES {
            return Err(Error::limit(format!(
                "the review notes ({NOTES_REF}) hold more than {} MiB",
                MAX_TOTAL_NOTE_BYTES >> 20
            ))
            .with_help(
                "check a smaller range, or prune reviews of commits that no longer matter",
            ));
        }
        match self.notes.get_mut(&oid) {
            None => {
                self.notes.insert(oid, bytes.to_vec());
            }
            Some(existing) => {
                // A second source (a pushed notes commit): union of the lines.
                let mut merged = existing.clone();
                for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                    let mut l = line.to_vec();
                    l.push(b'\n');
                    merged = note::append(&merged, &l);
                }
                *existing = merged;
            }
        }
        Ok(())
    }
}

/// The commit `refs/notes/countersign` points at, when the ref exists.
pub fn notes_tip(repo: &Repo) -> Result<Option<Oid>> {
    match repo.raw().refname_to_id(NOTES_REF) {
        Ok(id) => Ok(Some(id)),
        Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
        Err(e) => Err(Error::repo(format!(
            "cannot read {NOTES_REF}: {}",
            e.message()
        ))),
    }
}

/// A note as read: the annotated commit and the note's bytes.
type NoteBlob = (Oid, Vec<u8>);

/// Note blobs read per unit of parallel work.
const READ_CHUNK: usize = 1024;

/// Walks the notes trees of `sources`: every (annotated commit, note blob) whose annotated
/// commit passes `want`, in tree order (no blob is read).
fn walk(repo: &Repo, sources: &[Oid], want: &dyn Fn(Oid) -> bool) -> Result<Vec<(Oid, Oid)>> {
    let g = repo.raw();
    let mut wanted: Vec<(Oid, Oid)> = Vec::new();
    for &src in sources {
        let commit = g.find_commit(src).map_err(|e| {
            Error::incomplete(format!(
                "the review notes commit {src} cannot be read: {}",
                e.message()
            ))
            .with_help(format!(
                "fetch the notes: `git fetch origin {NOTES_REF}:{NOTES_REF}`"
            ))
        })?;
        let tree = commit.tree().map_err(|e| {
            Error::incomplete(format!(
                "the tree of the review notes commit {src} cannot be read: {}",
                e.message()
            ))
        })?;
        // Explicit stack: (tree, hex prefix so far). Fan-out directories are two hex digits.
        let mut stack = vec![(tree, String::new())];
        while let Some((tree, prefix)) = stack.pop() {
            for entry in tree.iter() {
                let Ok(name) = std::str::from_utf8(entry.name_bytes()) else {
                    continue;
                };
                if !name.bytes().all(|b| b.is_ascii_hexdigit()) {
                    continue;
                }
                let full = format!("{prefix}{}", name.to_ascii_lowercase());
                match entry.kind() {
                    Some(ObjectType::Tree) if name.len() == 2 && full.len() < 40 => {
                        let sub = g.find_tree(entry.id()).map_err(|e| {
                            Error::incomplete(format!(
                                "a review notes tree cannot be read: {}",
                                e.message()
                            ))
                        })?;
                        stack.push((sub, full));
                    }
                    Some(ObjectType::Blob) if full.len() == 40 || full.len() == 64 => {
                        if let Ok(annotated) = Oid::from_str(&full)
                            && want(annotated)
                        {
                            wanted.push((annotated, entry.id()));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(wanted)
}

/// The commits that have a note in `refs/notes/countersign` (or in `extra` notes commits),
/// from the notes trees alone: no note is read.
pub fn annotated(repo: &Repo, extra: &[Oid]) -> Result<HashSet<Oid>> {
    let mut sources: Vec<Oid> = notes_tip(repo)?.into_iter().collect();
    sources.extend(extra.iter().copied());
    Ok(walk(repo, &sources, &|_| true)?
        .into_iter()
        .map(|(a, _)| a)
        .collect())
}

/// Reads the notes of every commit in `sources` (notes commits) whose annotated object
/// passes `want`; notes of the same object in several sources are united line by line.
/// The notes trees are walked on this thread; the note blobs are read on all rayon threads
/// (one repository handle and pack reader per unit of work), in the tree order.
pub fn read(repo: &Repo, sources: &[Oid], want: &(dyn Fn(Oid) -> bool + Sync)) -> Result<NoteMap> {
    let wanted = walk(repo, sources, want)?;
    let (how, packs) = (&repo.how, repo.packs());
    let chunks: Vec<Result<Vec<NoteBlob>>> = wanted
        .par_chunks(READ_CHUNK)
        .map(|chunk| read_blobs(how, packs, chunk))
        .collect();
    let mut map = NoteMap::default();
    for chunk in chunks {
        for (annotated, data) in chunk? {
            map.add(annotated, &data)?;
        }
    }
    Ok(map)
}

/// Reads the note blobs of `chunk` (annotated commit, blob) with a repository handle of its
/// own; sizes are checked from the object headers before anything is inflated.
fn read_blobs(
    how: &super::OpenHow,
    packs: &crate::git::odb::pack::PackSet,
    chunk: &[(Oid, Oid)],
) -> Result<Vec<NoteBlob>> {
    let g = how
        .open()
        .map_err(|e| Error::repo(format!("cannot reopen the repository: {}", e.message())))?;
    let odb = g.odb()?;
    let mut objects = Objects::new(packs, &odb);
    let mut out = Vec::with_capacity(chunk.len());
    for &(annotated, blob) in chunk {
        let what = format!("the review note of {annotated}");
        let (kind, data) = objects
            .read(blob, &what, note::MAX_NOTE_BYTES as u64)
            .map_err(|e| match e.kind {
                crate::ErrorKind::Limit => {
                    e.with_help("a note holds one line per review; remove what is not a review")
                }
                _ => e,
            })?;
        if kind == Kind::Blob {
            out.push((annotated, data.to_vec()));
        }
    }
    Ok(out)
}

/// The facts about signed reviews for `commits`: the note lines of each commit, and — with
/// `rebase` — the reviews of other commits whose statement names the same stable patch-id
/// (the patch-ids of `commits` are computed only when there are such reviews at all).
/// `extra` are more notes commits to read (a pushed notes ref in pre-receive).
pub fn collect(
    repo: &Repo,
    commits: &[Oid],
    extra: &[Oid],
    rebase: bool,
) -> Result<BTreeMap<String, CommitReviews>> {
    let mut sources: Vec<Oid> = notes_tip(repo)?.into_iter().collect();
    for e in extra {
        if !sources.contains(e) {
            sources.push(*e);
        }
    }
    let mut out: BTreeMap<String, CommitReviews> = BTreeMap::new();
    if sources.is_empty() {
        return Ok(out);
    }
    let in_range: HashSet<Oid> = commits.iter().copied().collect();
    let notes = read(repo, &sources, &|o| rebase || in_range.contains(&o))?;
    let mut candidates: HashMap<String, Vec<SignedReview>> = HashMap::new();
    for (oid, bytes) in notes.iter() {
        let entries = note::parse(bytes).map_err(|e| {
            Error::limit(format!("the review note of {oid}: {e}"))
                .with_help("a note holds one line per review; remove what is not a review")
        })?;
        let direct = in_range.contains(&oid);
        for e in entries {
            let review = SignedReview {
                note_of: oid.to_string(),
                statement: e.statement,
                signature: e.signature,
            };
            if direct {
                out.entry(oid.to_string()).or_default().signed.push(review);
            } else if let Ok(s) = Statement::parse(review.statement.as_bytes())
                && let Some(p) = s.patch_id
            {
                candidates.entry(p).or_default().push(review);
            }
        }
    }
    if rebase && !candidates.is_empty() {
        for &c in commits {
            let Some(p) = patch_id(repo, c)? else {
                continue;
            };
            let entry = out.entry(c.to_string()).or_default();
            if let Some(found) = candidates.get(&p) {
                entry.signed.extend(found.iter().cloned());
            }
            entry.patch_id = Some(p);
        }
        out.retain(|_, r| !r.signed.is_empty());
    }
    Ok(out)
}

/// The stable patch-id of a non-merge commit's diff to its parent (the empty tree for a root
/// commit), as `git diff-tree -p --no-renames PARENT COMMIT | git patch-id --stable` computes
/// it (git's default diff: Myers with the indent heuristic, 3 lines of context). `None` for
/// merges and for commits that change nothing.
pub fn patch_id(repo: &Repo, commit: Oid) -> Result<Option<String>> {
    let g = repo.raw();
    let c = g.find_commit(commit).map_err(|e| {
        Error::incomplete(format!("commit {commit} cannot be read: {}", e.message()))
    })?;
    if c.parent_count() > 1 {
        return Ok(None);
    }
    let new = c.tree()?;
    let old = match c.parent_count() {
        0 => None,
        _ => Some(c.parent(0)?.tree()?),
    };
    let mut opts = git2::DiffOptions::new();
    opts.indent_heuristic(true).context_lines(3);
    let diff = g.diff_tree_to_tree(old.as_ref(), Some(&new), Some(&mut opts))?;
    if diff.deltas().len() == 0 {
        return Ok(None);
    }
    Ok(Some(diff.patchid(None)?.to_string()))
}

/// Appends the review `line` to the note of `commit` (creating the notes ref or the note
/// when missing; a line already there is not added twice). Returns false when it was there.
pub fn append(repo: &Repo, commit: Oid, line: &[u8], who: &git2::Signature<'_>) -> Result<bool> {
    let g = repo.raw();
    let existing: Vec<u8> = match g.find_note(Some(NOTES_REF), commit) {
        Ok(n) => n.message_bytes().to_vec(),
        Err(e) if e.code() == git2::ErrorCode::NotFound => Vec::new(),
        Err(e) => {
            return Err(Error::repo(format!(
                "cannot read the note of {commit}: {}",
                e.message()
            )));
        }
    };
    let updated = note::append(&existing, line);
    if updated == existing {
        return Ok(false);
    }
    let text = String::from_utf8(updated)
        .map_err(|_| Error::repo(format!("the note of {commit} is not UTF-8 text")))?;
    g.note(who, who, Some(NOTES_REF), commit, &text, true)?;
    Ok(true)
}
