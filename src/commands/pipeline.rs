//! The one evaluation pipeline: every command that judges commits from git (`check`,
//! `audit`, `ci`, the push hooks) reads them with the same scan, gives each its signed
//! reviews, evaluates it and hands back the reports in range order. What differs between
//! commands — how the range is chosen, which policy, the context — is decided before; the
//! report is finished ([`crate::evaluate::finish`]) after.

use git2::Oid;

use crate::Result;
use crate::commands::{NO_REVIEWS, signed_reviews};
use crate::evaluate::{CommitReport, Context};
use crate::facts::CommitFacts;
use crate::git::{self, Limits, merges::Base};
use crate::policy::Policy;
use crate::progress::Progress;

/// What one evaluation reads.
pub struct Run<'a> {
    /// The repository.
    pub repo: &'a git::Repo,
    /// The policy (already chosen: work tree, base commit or default branch).
    pub policy: &'a Policy,
    /// The evaluation context (PR, branch, heads, today).
    pub ctx: &'a Context<'a>,
    /// The commits, newest first.
    pub commits: &'a [Oid],
    /// What the range's merges are measured against.
    pub base: &'a Base,
    /// Hard limits.
    pub limits: &'a Limits,
    /// Extra notes commits to read signed reviews from (pre-receive: the pushed notes).
    pub notes: &'a [Oid],
    /// A progress bar label (`check`, `audit` on a terminal); `None` for hooks and CI.
    pub progress: Option<&'a str>,
    /// Also hand back every commit's parents (the in-memory graph that places failing
    /// commits on published refs without walking the history again).
    pub parents: bool,
}

/// The parents of each commit of a run, in range order.
pub type Graph = Vec<(Oid, Vec<Oid>)>;

/// Reads and evaluates every commit of `run`, in parallel, and returns the reports in range
/// order; the first error (in range order) ends the run.
pub fn evaluate(run: &Run<'_>) -> Result<Vec<CommitReport>> {
    evaluate_with_graph(run).map(|(reports, _)| reports)
}

/// [`evaluate`], also returning the commits' parents when `run.parents` is set.
pub fn evaluate_with_graph(run: &Run<'_>) -> Result<(Vec<CommitReport>, Graph)> {
    let mut graph: Graph = Vec::new();
    let want_parents = run.parents;
    // Signed reviews: on a large range, notes are read only for the commits that need
    // reviewers (a first pass finds them; they are judged again with their notes), which
    // gives the same reports as reading every note first. With `survives: rebase` any note
    // may match any commit, so all are read first.
    let lazy = run
        .policy
        .evidence
        .review
        .has(crate::policy::ReviewMode::Signed)
        && !run.policy.evidence.signed_review.survives_rebase;
    let (reviews, noted) = if lazy {
        (
            Default::default(),
            git::notes::annotated(run.repo, run.notes)?,
        )
    } else {
        (
            signed_reviews(run.repo, run.policy, run.commits, run.notes)?,
            std::collections::HashSet::new(),
        )
    };
    let progress = match run.progress {
        Some(verb) => Progress::start(verb, run.commits.len()),
        None => Progress::start("", 0),
    };
    // Streamed straight into the one vector the report keeps (a whole-history report is
    // the largest thing countersign holds; it is never gathered twice). Merges come last
    // (their paths depend on the rest of the range) and are put back in their places.
    let mut commits = git::InOrder::with_capacity(run.commits.len());
    let mut deferred: Vec<(usize, CommitFacts)> = Vec::new();
    let mut failed = None;
    git::scan_each(
        run.repo,
        run.commits,
        run.base,
        run.limits,
        |c| {
            let signed = reviews.get(&c.id).unwrap_or(&NO_REVIEWS);
            let r = crate::evaluate::evaluate_reviewed(run.ctx, &c, signed);
            progress.tick();
            let again = lazy
                && matches!(&r, Ok(rep) if rep.requirements.reviewers > 0)
                && git2::Oid::from_str(&c.id).is_ok_and(|o| noted.contains(&o));
            let parents: Option<Vec<Oid>> = want_parents.then(|| {
                c.parents
                    .iter()
                    .filter_map(|p| Oid::from_str(p).ok())
                    .collect()
            });
            (r, again.then_some(c), parents)
        },
        |i, (r, c, parents)| match r {
            Ok(rep) => {
                if let (Some(p), Some(id)) = (parents, run.commits.get(i)) {
                    graph.push((*id, p));
                }
                if let Some(c) = c {
                    deferred.push((i, c));
                }
                commits.push(i, rep);
            }
            Err(e) => {
                if failed.as_ref().is_none_or(|(j, _)| i < *j) {
                    failed = Some((i, e));
                }
            }
        },
    )?;
    progress.finish();
    if let Some((_, e)) = failed {
        return Err(e);
    }
    let mut commits = commits.finish();
    if !deferred.is_empty() {
        use rayon::prelude::*;
        let oids = deferred
            .iter()
            .map(|(_, c)| git2::Oid::from_str(&c.id))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let reviews = signed_reviews(run.repo, run.policy, &oids, run.notes)?;
        let redone: Vec<Result<(usize, crate::evaluate::CommitReport)>> = deferred
            .par_iter()
            .map(|(i, c)| {
                let signed = reviews.get(&c.id).unwrap_or(&NO_REVIEWS);
                crate::evaluate::evaluate_reviewed(run.ctx, c, signed).map(|r| (*i, r))
            })
            .collect();
        for r in redone {
            let (i, rep) = r?;
            if let Some(slot) = commits.get_mut(i) {
                *slot = rep;
            }
        }
    }
    Ok((commits, graph))
}
