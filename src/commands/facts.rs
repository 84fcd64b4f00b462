//! `countersign facts`: print exactly what the evaluator sees, as JSON.

use std::path::Path;

use crate::cli::FactsArgs;
use crate::commands::{
    FACTS_SCHEMA, FactsDoc, RecordedPolicy, limits, load_policy, note, print_stdout, range_spec,
    read_pr, verified_baseline,
};
use crate::git;
use crate::{Error, Result};

/// Runs `facts`; always 0 on success.
pub fn run(cwd: &Path, args: &FactsArgs) -> Result<u8> {
    let pr = read_pr(args.pr.as_deref())?;
    let repo = git::open(cwd)?;
    // The policy `check` would use, recorded in the document; its baseline bounds the range
    // as in `check`.
    let policy = load_policy(repo.workdir(), args.policy.as_deref())?;
    let baseline = verified_baseline(&repo, &policy, git::baseline::head_commit(&repo))?;
    let range = git::resolve(&repo, &range_spec(&args.range), baseline.as_deref())?;
    note(&format!(
        "reading {} commit(s) of {}",
        range.commits.len(),
        range.info.description
    ));
    let commits = git::scan(
        &repo,
        &range.commits,
        &range.base,
        &limits(&args.limits),
        |c| c,
    )?;
    // Every review that could count under some policy: the commits' own notes, and reviews
    // of other commits with the same patch-id (`signed_review: { survives: rebase }`).
    let reviews = git::notes::collect(&repo, &range.commits, &[], true)?;
    let doc = FactsDoc {
        schema: FACTS_SCHEMA.to_string(),
        range: range.info,
        pr,
        commits,
        reviews,
        policy: Some(RecordedPolicy {
            origin: policy.source.origin.clone(),
            digest: policy.source.digest.clone(),
            text: policy.source.text.to_string(),
        }),
        whole_history: args.range.all,
    };
    let mut text = serde_json::to_string_pretty(&doc)
        .map_err(|e| Error::output(format!("cannot serialise facts: {e}")))?;
    text.push('\n');
    print_stdout(&text)?;
    Ok(0)
}
