//! The refs the push hooks ask about: the repository's default branch (as the server or a
//! remote names it) and the tips of protected tags.

use git2::Oid;

use crate::error::{Error, Result};
use crate::git::Repo;
use crate::git::walks::peel_commit;

/// The full ref `HEAD` points at (`refs/heads/main` in a bare server repository), whether or
/// not that branch exists yet.
pub fn head_target(repo: &Repo) -> Option<String> {
    let head = repo.raw().find_reference("HEAD").ok()?;
    let target = head.symbolic_target().ok().flatten()?;
    Some(target.to_string())
}

/// The default branch of `remote` as known locally (`refs/remotes/<remote>/HEAD`, written
/// by `git clone` and `git remote set-head`), as the remote's own ref name
/// (`refs/heads/main`).
pub fn remote_default_branch(repo: &Repo, remote: &str) -> Option<String> {
    if remote.is_empty() {
        return None;
    }
    let r = repo
        .raw()
        .find_reference(&format!("refs/remotes/{remote}/HEAD"))
        .ok()?;
    let target = r.symbolic_target().ok().flatten()?;
    let branch = target.strip_prefix(&format!("refs/remotes/{remote}/"))?;
    Some(format!("refs/heads/{branch}"))
}

/// The commits at the tips of the refs whose full name `keep` accepts (symbolic refs
/// resolved; refs naming no commit, such as tags of blobs, skipped). A ref whose name is not
/// UTF-8 is skipped: callers use tips to *hide* history, so skipping one checks more
/// commits, never fewer.
pub fn tips(repo: &Repo, keep: impl Fn(&str) -> bool) -> Result<Vec<Oid>> {
    let err = |e: git2::Error| {
        Error::repo(format!(
            "cannot read the repository's refs: {}",
            e.message()
        ))
        .with_help("run `git fsck`; the refs may be damaged")
    };
    let mut out = Vec::new();
    for r in repo.raw().references().map_err(err)? {
        let r = r.map_err(err)?;
        let Ok(name) = r.name() else { continue };
        if !keep(name) {
            continue;
        }
        let Ok(r) = r.resolve() else { continue };
        if let Some(oid) = r.target()
            && let Some(c) = peel_commit(repo, oid)?
        {
            out.push(c);
        }
    }
    Ok(out)
}

/// The published refs of a clone: each remote's branches that `protected` accepts (asked
/// with the remote's own name, `refs/heads/<branch>`) and the tags `protected` accepts, with
/// the commits they name. These are the commits everyone already has: fix advice for them is
/// a waiver or a baseline, never a rewrite.
pub fn published_tips(repo: &Repo, protected: impl Fn(&str) -> bool) -> Result<Vec<(Oid, String)>> {
    let remotes: Vec<String> = repo
        .raw()
        .remotes()
        .map(|r| {
            (0..r.len())
                .filter_map(|i| r.get(i).ok().flatten().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let mut out = Vec::new();
    for r in repo.raw().references()? {
        let r = r?;
        let Ok(name) = r.name() else { continue };
        let own = if name.starts_with("refs/tags/") {
            Some(name.to_string())
        } else {
            remotes.iter().find_map(|remote| {
                name.strip_prefix("refs/remotes/")?
                    .strip_prefix(remote.as_str())?
                    .strip_prefix('/')
                    .filter(|b| *b != "HEAD")
                    .map(|b| format!("refs/heads/{b}"))
            })
        };
        let Some(own) = own else { continue };
        if !protected(&own) {
            continue;
        }
        let name = name.to_string();
        let Ok(r) = r.resolve() else { continue };
        if let Some(oid) = r.target()
            && let Some(c) = peel_commit(repo, oid)?
        {
            out.push((c, name));
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// For each of `targets` reachable from some of `tips` (walking no further than `hide`), a
/// published ref it is on: the first of the first eight tips (in order: remote branches
/// before tags) that contains it, else "a protected ref". One walk for all tips, stopped as
/// soon as every target is found. Used only for fix advice.
pub fn reachable_from(
    repo: &Repo,
    tips: &[(Oid, String)],
    targets: &std::collections::HashSet<Oid>,
    hide: &[Oid],
) -> Result<std::collections::HashMap<Oid, String>> {
    let mut out = std::collections::HashMap::new();
    if tips.is_empty() || targets.is_empty() {
        return Ok(out);
    }
    let mut walk = repo.raw().revwalk()?;
    for (tip, _) in tips {
        walk.push(*tip)?;
    }
    for h in hide {
        walk.hide(*h)?;
    }
    let mut found = Vec::new();
    for oid in walk {
        let oid = oid?;
        if targets.contains(&oid) {
            found.push(oid);
            if found.len() == targets.len() {
                break;
            }
        }
    }
    for c in found {
        let name = tips
            .iter()
            .take(8)
            .find(|(t, _)| super::query::contains(repo, *t, c))
            .map_or_else(|| "a protected ref".to_string(), |(_, n)| n.clone());
        out.insert(c, name);
    }
    Ok(out)
}

/// [`reachable_from`] over a commit graph already in memory (a whole-history run read every
/// commit a ref reaches): a breadth-first search from all tips at once, each commit labelled
/// with the first tip to reach it. No object is read.
pub fn reachable_in(
    graph: &[(Oid, Vec<Oid>)],
    tips: &[(Oid, String)],
    targets: &std::collections::HashSet<Oid>,
) -> std::collections::HashMap<Oid, String> {
    use std::collections::{HashMap, VecDeque};
    let parents: HashMap<Oid, &[Oid]> = graph.iter().map(|(c, p)| (*c, p.as_slice())).collect();
    let mut label: HashMap<Oid, usize> = HashMap::new();
    let mut queue = VecDeque::new();
    for (i, (tip, _)) in tips.iter().enumerate() {
        if parents.contains_key(tip) && !label.contains_key(tip) {
            label.insert(*tip, i);
            queue.push_back(*tip);
        }
    }
    let mut out = HashMap::new();
    while let Some(c) = queue.pop_front() {
        let l = label.get(&c).copied().unwrap_or(0);
        if targets.contains(&c) {
            out.insert(c, tips.get(l).map(|(_, n)| n.clone()).unwrap_or_default());
            if out.len() == targets.len() {
                break;
            }
        }
        for p in parents.get(&c).copied().unwrap_or(&[]) {
            if parents.contains_key(p) && !label.contains_key(p) {
                label.insert(*p, l);
                queue.push_back(*p);
            }
        }
    }
    out
}
