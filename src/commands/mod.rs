//! The subcommands: each turns arguments into facts, evaluates, and reports.
//!
//! This is the only layer (with `main.rs`) that prints: reporters return strings, the
//! evaluator returns data.

pub mod audit;
pub mod check;
pub mod ci;
pub mod explain;
pub mod facts;
pub mod hook;
pub mod init;
pub mod policy;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::cli::{Cli, Command, LimitArgs, RangeArgs};
use crate::facts::{CommitFacts, PullRequest, RangeInfo};
use crate::git::{self, Limits, RangeSpec};
use crate::policy::load::{self, PolicyErrors};
use crate::policy::{Origin, Policy};
use crate::{Error, Result};

/// Runs the parsed command line; returns the exit code (0 pass, 1 fail) or an error (exit 2).
pub fn run(cli: Cli) -> Result<u8> {
    let cwd = match &cli.dir {
        Some(d) => d.clone(),
        None => std::env::current_dir()
            .map_err(|e| Error::usage(format!("cannot read the current directory: {e}")))?,
    };
    match cli.command {
        Command::Check(args) => check::run(&cwd, &args),
        Command::Facts(args) => facts::run(&cwd, &args),
        Command::Ci(args) => ci::run(&cwd, &args),
        Command::Explain(args) => explain::run(&cwd, &args),
        Command::Init(args) => init::run(&cwd, &args),
        Command::Policy(args) => policy::run(&cwd, &args),
        Command::Audit(args) => audit::run(&cwd, &args),
        Command::Hook(args) => hook::run(&cwd, &args),
    }
}

/// The JSON document `countersign facts` prints and `check --from-facts` reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FactsDoc {
    /// Always `countersign/facts/v1`.
    pub schema: String,
    /// The range.
    pub range: RangeInfo,
    /// The PR, when there is one.
    #[serde(default)]
    pub pr: Option<PullRequest>,
    /// The commits, newest first.
    pub commits: Vec<CommitFacts>,
}

/// The schema tag of [`FactsDoc`].
pub const FACTS_SCHEMA: &str = "countersign/facts/v1";

/// Turns CLI limits into scan limits.
pub fn limits(args: &LimitArgs) -> Limits {
    Limits {
        max_commits: usize::try_from(args.max_commits).unwrap_or(usize::MAX),
        max_paths_per_commit: usize::try_from(args.max_paths).unwrap_or(usize::MAX),
        max_message_bytes: usize::try_from(args.max_message_bytes).unwrap_or(usize::MAX),
    }
}

/// Turns CLI range arguments into a range spec.
pub fn range_spec(args: &RangeArgs) -> RangeSpec {
    match (&args.range, args.all) {
        (_, true) => RangeSpec::All,
        (Some(r), false) => RangeSpec::Expr(r.clone()),
        (None, false) => RangeSpec::Default,
    }
}

/// Reads `--pr FILE`.
pub fn read_pr(path: Option<&Path>) -> Result<Option<PullRequest>> {
    let Some(path) = path else {
        return Ok(None);
    };
    let text = read_input(path, 16 << 20)?;
    serde_json::from_slice(&text).map(Some).map_err(|e| {
        Error::input(format!("{} is not valid PR facts JSON: {e}", path.display()))
            .with_help("see `countersign facts --help`; the PR object has title, body, labels, author_login, head_branch, approvals")
    })
}

/// Reads a file of at most `max` bytes (errors name the file and the fix).
pub fn read_input(path: &Path, max: u64) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).map_err(|e| {
        Error::input(format!("cannot read {}: {e}", path.display()))
            .with_help("check the path and its permissions")
    })?;
    if meta.len() > max {
        return Err(Error::limit(format!(
            "{} is {} bytes, over the limit of {max}",
            path.display(),
            meta.len()
        )));
    }
    std::fs::read(path).map_err(|e| {
        Error::input(format!("cannot read {}: {e}", path.display()))
            .with_help("check the path and its permissions")
    })
}

/// Loads the policy for a run: `--policy FILE`, else discovered in the repository root,
/// else the embedded default (said on stderr). Invalid policies are rendered in full on
/// stderr and end the run with exit 2.
pub fn load_policy(root: Option<&Path>, explicit: Option<&Path>) -> Result<Policy> {
    let path: Option<PathBuf> = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => root.and_then(load::discover),
    };
    let Some(path) = path else {
        note(
            "no policy file found (.countersign.yml); using the embedded default policy — `countersign init` writes one",
        );
        return Ok(load::default_policy());
    };
    let bytes = read_input(&path, 1 << 20).map_err(|e| {
        if e.kind == crate::ErrorKind::Limit {
            Error::policy(format!("policy {} is larger than 1 MiB", path.display()))
        } else {
            Error::policy(e.message).with_help("check the --policy path")
        }
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Error::policy(format!("policy {} is not valid UTF-8", path.display()))
            .with_help("save the policy file as UTF-8")
    })?;
    let shown = match root.and_then(|r| path.strip_prefix(r).ok()) {
        Some(rel) => rel.display().to_string(),
        None => path.display().to_string(),
    };
    load::load(&text, Origin::File { path: shown }).map_err(policy_failed)
}

/// Renders every policy problem on stderr and turns them into the exit-2 error.
pub fn policy_failed(errs: PolicyErrors) -> Error {
    let handler = miette::GraphicalReportHandler::new_themed(if use_color(&std::io::stderr()) {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    });
    let mut s = String::new();
    let _ = handler.render_report(&mut s, &errs);
    eprint!("{s}");
    let n = errs.diagnostics.len();
    Error::policy(format!(
        "invalid policy {}: {n} problem(s)",
        errs.source.name()
    ))
    .with_help(format!(
        "fix the {n} problem(s) above; `countersign policy check` lists them again"
    ))
}

/// Colour only on a terminal and never with `NO_COLOR`.
pub fn use_color(stream: &impl IsTerminal) -> bool {
    stream.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// A line of progress or context on stderr.
pub fn note(msg: &str) {
    let _ = writeln!(std::io::stderr(), "countersign: {msg}");
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub fn print_stdout(text: &str) -> Result<()> {
    write_stdout(|w| w.write_all(text.as_bytes()))
}

/// Streams output to stdout through a buffer; a closed pipe (`| head`) is not an error.
pub fn write_stdout(f: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match f(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::output(format!("cannot write to stdout: {e}"))),
    }
}

/// Opens the repository at `cwd` and resolves the range (used by `check` and `facts`).
pub fn open_range(
    cwd: &Path,
    args: &RangeArgs,
    baseline: Option<&str>,
) -> Result<(git::Repo, git::ResolvedRange)> {
    let repo = git::open(cwd)?;
    let range = git::resolve(&repo, &range_spec(args), baseline)?;
    Ok((repo, range))
}

/// The pipeline `check` and `audit` share: open the repository, load its policy, resolve the
/// range (minus the policy's baseline), then read and evaluate every commit in parallel with
/// a progress bar. `verb` names the work on stderr ("checking", "auditing").
pub fn evaluate_range(
    cwd: &Path,
    range_args: &RangeArgs,
    policy_path: Option<&Path>,
    limit_args: &LimitArgs,
    pr: Option<&PullRequest>,
    verb: &str,
    today: crate::time::Date,
) -> Result<(Policy, crate::evaluate::Report)> {
    let repo = git::open(cwd)?;
    let policy = load_policy(repo.workdir(), policy_path)?;
    let range = git::resolve(&repo, &range_spec(range_args), policy.baseline.as_deref())?;
    note(&format!(
        "{verb} {} commit(s) of {} against {}",
        range.commits.len(),
        range.info.description,
        policy.source.name()
    ));
    let branch = pr
        .map(|p| p.head_branch.clone())
        .filter(|b| !b.is_empty())
        .or_else(|| range.info.branch.clone());
    let ctx = crate::evaluate::Context {
        policy: &policy,
        pr,
        branch: branch.as_deref(),
        today,
        head: range.info.head.as_deref(),
        explain: false,
        whole_history: range_args.all,
    };
    let progress = crate::progress::Progress::start(verb, range.commits.len());
    // Streamed straight into the one vector the report keeps (a whole-history report is
    // the largest thing countersign holds; it is never gathered twice). Merges come last
    // (their paths depend on the rest of the range) and are put back in their places.
    let mut commits = git::InOrder::with_capacity(range.commits.len());
    let mut failed = None;
    git::scan_each(
        &repo,
        &range.commits,
        &range.base,
        &limits(limit_args),
        |c| {
            let r = crate::evaluate::evaluate_commit(&ctx, &c);
            progress.tick();
            r
        },
        |i, r| match r {
            Ok(c) => commits.push(i, c),
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
    let report = crate::evaluate::finish(&ctx, range.info.clone(), commits.finish());
    Ok((policy, report))
}

/// The first policy file among `candidates` (normally [`load::DISCOVERY`]) in the tree of
/// `rev`: its path and text. Used wherever the policy must come from a commit (the base of a
/// PR, the old tip in pre-receive, the REV of `policy diff`), never from the work tree.
pub fn policy_text_at(
    repo: &git::Repo,
    rev: &str,
    candidates: &[&str],
) -> Result<Option<(String, String)>> {
    for name in candidates {
        if let Some(bytes) = git::read_blob_at(repo, rev, name, git::MAX_POLICY_BYTES)? {
            let text = String::from_utf8(bytes).map_err(|_| {
                Error::policy(format!("the policy {name} at {rev} is not valid UTF-8"))
                    .with_help("save the policy file as UTF-8")
            })?;
            return Ok(Some(((*name).to_string(), text)));
        }
    }
    Ok(None)
}
