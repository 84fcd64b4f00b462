//! `countersign facts`: print exactly what the evaluator sees, as JSON.

use std::path::Path;

use crate::cli::FactsArgs;
use crate::commands::{FACTS_SCHEMA, FactsDoc, limits, note, print_stdout, range_spec, read_pr};
use crate::git;
use crate::{Error, Result};

/// Runs `facts`; always 0 on success.
pub fn run(cwd: &Path, args: &FactsArgs) -> Result<u8> {
    let pr = read_pr(args.pr.as_deref())?;
    let repo = git::open(cwd)?;
    let range = git::resolve(&repo, &range_spec(&args.range), None)?;
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
    };
    let mut text = serde_json::to_string_pretty(&doc)
        .map_err(|e| Error::output(format!("cannot serialise facts: {e}")))?;
    text.push('\n');
    print_stdout(&text)?;
    Ok(0)
}
