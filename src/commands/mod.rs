//! The subcommands: each turns arguments into facts, evaluates, and reports.
//!
//! This is the only layer (with `main.rs`) that prints: reporters return strings, the
//! evaluator returns data.

pub mod audit;
pub mod check;
pub mod ci;
pub mod completions;
pub mod explain;
pub mod facts;
pub mod hook;
pub mod init;
pub mod pipeline;
pub mod policy;
pub mod review;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use serde::{Deserialize, Serialize};

use crate::cli::{Cli, ColorWhen, Command, LimitArgs, RangeArgs};
use crate::facts::{CommitFacts, PullRequest, RangeInfo};
use crate::git::{self, Limits, RangeSpec};
use crate::message::unicode::neutralize;
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
    set_color(cli.color);
    if matches!(cli.command, Command::Hook(_)) {
        // Hooks run on every commit and push: context notes only on request.
        QUIET.store(true, Ordering::Relaxed);
    }
    match cli.command {
        Command::Check(args) => check::run(&cwd, &args),
        Command::Facts(args) => facts::run(&cwd, &args),
        Command::Ci(args) => ci::run(&cwd, &args),
        Command::Explain(args) => explain::run(&cwd, &args),
        Command::Init(args) => init::run(&cwd, &args),
        Command::Policy(args) => policy::run(&cwd, &args),
        Command::Audit(args) => audit::run(&cwd, &args),
        Command::Hook(args) => hook::run(&cwd, &args),
        Command::Completions(args) => completions::completions(&args),
        Command::Man(args) => completions::man(&cwd, &args),
        Command::Review(args) => review::run(&cwd, &args),
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
    /// Signed reviews found in the git notes, by commit id (commits without any are absent).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub reviews: std::collections::BTreeMap<String, crate::facts::CommitReviews>,
    /// The policy the facts were read under, as `check` would have found it: `check
    /// --from-facts` evaluates with it (unless `--policy` is given), so the replay gives the
    /// verdict the repository gave, wherever it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<RecordedPolicy>,
    /// The facts cover the whole history (`--all`): only then are `unused-rule` and
    /// `unused-waiver` reported.
    #[serde(default)]
    pub whole_history: bool,
}

/// A policy carried inside a facts document: where it came from, its text and its digest
/// (the git blob id of the text, checked when it is read back).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordedPolicy {
    /// Where `countersign facts` found it.
    pub origin: Origin,
    /// The git blob id of `text`.
    pub digest: String,
    /// The policy text.
    pub text: String,
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
    let mut policy = load::load(&text, Origin::File { path: shown }).map_err(policy_failed)?;
    load_signers(None, &mut policy, root)?;
    Ok(policy)
}

/// Reads the policy's `evidence.allowed_signers` file from the same place as the policy: the
/// commit it was read from (`repo` needed), or the work tree at `root`. A named file that is
/// missing or invalid is an error (exit 2): the trust anchor must be what the policy says.
pub fn load_signers(
    repo: Option<&git::Repo>,
    policy: &mut Policy,
    root: Option<&Path>,
) -> Result<()> {
    let Some(file) = policy.evidence.allowed_signers.as_mut() else {
        return Ok(());
    };
    let (where_, bytes) = match &policy.source.origin {
        Origin::Commit { commit, .. } => {
            let Some(repo) = repo else {
                return Err(Error::policy(format!(
                    "cannot read `{}` from {commit} without the repository",
                    file.path
                )));
            };
            (
                format!("{}:{}", crate::facts::short_id(commit), file.path),
                git::read_blob_at(
                    repo,
                    commit,
                    &file.path,
                    crate::review::signers::MAX_FILE_BYTES as u64,
                )?,
            )
        }
        Origin::File { .. } | Origin::Embedded => {
            let Some(root) = root else {
                return Err(Error::policy(format!(
                    "`evidence.allowed_signers: {}` is relative to the repository root, but there is no work tree",
                    file.path
                ))
                .with_help("run countersign in a repository with a work tree"));
            };
            let path = root.join(&file.path);
            let bytes = match std::fs::metadata(&path) {
                Ok(_) => Some(read_input(
                    &path,
                    crate::review::signers::MAX_FILE_BYTES as u64,
                )?),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => {
                    return Err(Error::policy(format!(
                        "cannot read {}: {e}",
                        path.display()
                    )));
                }
            };
            (file.path.clone(), bytes)
        }
    };
    let Some(bytes) = bytes else {
        return Err(Error::policy(format!(
            "the policy names `evidence.allowed_signers: {}`, but {where_} does not exist",
            file.path
        ))
        .with_help("commit the allowed-signers file next to the policy, or remove the setting"));
    };
    let text = String::from_utf8(bytes).map_err(|_| {
        Error::policy(format!(
            "the allowed-signers file {where_} is not UTF-8 text"
        ))
    })?;
    let signers = crate::review::signers::parse(&text).map_err(|e| {
        Error::policy(format!("the allowed-signers file {where_} is invalid: {e}")).with_help(
            "one signer per line: `email [namespaces=\"countersign-review\"] ssh-ed25519 AAAA…`; see `man ssh-keygen` (ALLOWED SIGNERS)",
        )
    })?;
    file.signers = Some(signers);
    Ok(())
}

/// The signed-review facts for `commits` when the policy accepts signed reviews (nothing is
/// read otherwise). `extra` are notes commits to read besides `refs/notes/countersign`.
pub fn signed_reviews(
    repo: &git::Repo,
    policy: &Policy,
    commits: &[git2::Oid],
    extra: &[git2::Oid],
) -> Result<std::collections::BTreeMap<String, crate::facts::CommitReviews>> {
    if !policy
        .evidence
        .review
        .has(crate::policy::ReviewMode::Signed)
    {
        return Ok(Default::default());
    }
    git::notes::collect(
        repo,
        commits,
        extra,
        policy.evidence.signed_review.survives_rebase,
    )
}

/// No signed reviews (for commits the facts have none for).
pub static NO_REVIEWS: crate::facts::CommitReviews = crate::facts::CommitReviews {
    patch_id: None,
    signed: Vec::new(),
};

/// Renders every policy problem on stderr and turns them into the exit-2 error.
pub fn policy_failed(errs: PolicyErrors) -> Error {
    let handler = miette::GraphicalReportHandler::new_themed(if use_color(&std::io::stderr()) {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    });
    eprint!("{}", errs.render(&handler));
    let n = errs.diagnostics.len();
    Error::policy(format!(
        "invalid policy {}: {n} problem(s)",
        errs.source.name()
    ))
    .with_help(format!(
        "fix the {n} problem(s) above; `countersign policy check` lists them again"
    ))
}

/// The run's colour choice, set once from `--color` (0 auto, 1 always, 2 never).
static COLOR: AtomicU8 = AtomicU8::new(0);
/// Context notes are suppressed (hooks, unless `-v`).
static QUIET: AtomicBool = AtomicBool::new(false);
/// Notes already printed this run: each says its piece once.
static NOTED: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn set_color(when: ColorWhen) {
    let v = match when {
        ColorWhen::Auto => 0,
        ColorWhen::Always => 1,
        ColorWhen::Never => 2,
    };
    COLOR.store(v, Ordering::Relaxed);
}

/// Whether to colour `stream`: `--color always|never` wins; with `auto`, `NO_COLOR` turns
/// colour off, `CLICOLOR_FORCE` or `FORCE_COLOR` (set, not `0`) turn it on, else only on a
/// terminal.
pub fn use_color(stream: &impl IsTerminal) -> bool {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    color_decision(
        COLOR.load(Ordering::Relaxed),
        env("NO_COLOR").is_some(),
        env("CLICOLOR_FORCE")
            .or_else(|| env("FORCE_COLOR"))
            .is_some_and(|v| v != "0" && v != "false"),
        stream.is_terminal(),
    )
}

/// The colour rule as a pure function (tested below).
fn color_decision(choice: u8, no_color: bool, force: bool, terminal: bool) -> bool {
    match choice {
        1 => true,
        2 => false,
        _ if no_color => false,
        _ if force => true,
        _ => terminal,
    }
}

/// Hooks call this with their `-v`: notes show again.
pub fn set_verbose_notes(verbose: bool) {
    if verbose {
        QUIET.store(false, Ordering::Relaxed);
    }
}

/// A line of context on stderr, printed once per run (a hook checking several refs says
/// "no policy file" once), and not at all in hooks unless `-v`; neutralised, as notes
/// quote untrusted text (paths, logins, policy edits).
pub fn note(msg: &str) {
    if QUIET.load(Ordering::Relaxed) {
        return;
    }
    if let Ok(mut seen) = NOTED.lock() {
        if seen.iter().any(|m| m == msg) {
            return;
        }
        seen.push(msg.to_string());
    }
    let _ = writeln!(std::io::stderr(), "countersign: {}", neutralize(msg));
}

/// Writes text meant for people (not a machine format) to stdout, [`neutralize`]d: no
/// control character or escape sequence from commits, PRs or policies reaches the terminal.
pub fn print_text(text: &str) -> Result<()> {
    print_stdout(&neutralize(text))
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

/// The policy's `baseline:` after [`git::baseline::verify`]: a full commit id that is an
/// ancestor of `policy_commit`, the commit the policy was read from (`check`, `audit` and
/// the client hooks: `HEAD`; `ci` and `pre-receive`: the base). Exit 2 otherwise.
pub fn verified_baseline(
    repo: &git::Repo,
    policy: &Policy,
    policy_commit: Option<git2::Oid>,
) -> Result<Option<String>> {
    match policy.baseline.as_deref() {
        None => Ok(None),
        Some(b) => git::baseline::verify(repo, b, policy_commit).map(|id| Some(id.to_string())),
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
    let baseline = verified_baseline(&repo, &policy, git::baseline::head_commit(&repo))?;
    let range = git::resolve(&repo, &range_spec(range_args), baseline.as_deref())?;
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
    let repo_head = git::baseline::head_commit(&repo).map(|o| o.to_string());
    let ctx = crate::evaluate::Context {
        policy: &policy,
        pr,
        branch: branch.as_deref(),
        today,
        head: range.info.head.as_deref(),
        repo_head: repo_head.as_deref(),
        explain: false,
        whole_history: range_args.all,
    };
    // A whole-history run keeps the commit graph it read: it places failing commits on
    // published refs without walking the history a second time.
    let (commits, graph) = pipeline::evaluate_with_graph(&pipeline::Run {
        repo: &repo,
        policy: &policy,
        ctx: &ctx,
        commits: &range.commits,
        base: &range.base,
        limits: &limits(limit_args),
        notes: &[],
        progress: Some(verb),
        parents: range_args.all,
    })?;
    let mut report = crate::evaluate::finish(&ctx, range.info.clone(), commits);
    let hide: &[git2::Oid] = match &range.base {
        git::merges::Base::Range(b) => b,
        git::merges::Base::Closed | git::merges::Base::Single => &[],
    };
    let published = published_failing(
        &repo,
        &policy,
        &report,
        hide,
        range_args.all.then_some(&graph),
    );
    crate::evaluate::fixes::published(&mut report, &policy, &published, today);
    Ok((policy, report))
}

/// The failing commits of `report` that everyone already has — reachable from a remote's
/// protected branch or a protected tag — with the ref they are on: their fix is a waiver or
/// a baseline, not a rewrite ([`crate::evaluate::fixes`]). Advice only: refs that cannot be
/// read, or more failing commits than the human output lists one by one, leave the advice
/// as the evaluator wrote it.
pub fn published_failing(
    repo: &git::Repo,
    policy: &Policy,
    report: &crate::evaluate::Report,
    hide: &[git2::Oid],
    graph: Option<&pipeline::Graph>,
) -> std::collections::HashMap<String, String> {
    let failing: std::collections::HashSet<git2::Oid> = report
        .commits
        .iter()
        .filter(|c| c.is_failing())
        .filter_map(|c| git2::Oid::from_str(&c.id).ok())
        .collect();
    if failing.is_empty() || failing.len() > crate::report::human::BASELINE_ADVICE_AT {
        return Default::default();
    }
    let defaults: Vec<String> = match git::refs::remote_default_branch(repo, "origin") {
        Some(d) => vec![d],
        None => crate::policy::protect::FALLBACK_BRANCHES
            .iter()
            .map(|b| format!("refs/heads/{b}"))
            .collect(),
    };
    let protected = |name: &str| {
        policy.protect.classify(name, &defaults) != crate::policy::protect::Protection::None
    };
    let Ok(tips) = git::refs::published_tips(repo, protected) else {
        return Default::default();
    };
    // A whole-history run holds every commit a published ref reaches: search its graph.
    if let Some(graph) = graph {
        return git::refs::reachable_in(graph, &tips, &failing)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
    }
    match git::refs::reachable_from(repo, &tips, &failing, hide) {
        Ok(m) => m.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        Err(_) => Default::default(),
    }
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

/// Writes every requested report file.
pub fn write_reports(
    report: &crate::evaluate::Report,
    policy: &crate::policy::Policy,
    targets: &[crate::report::ReportTarget],
) -> Result<()> {
    for t in targets {
        let opts = crate::report::Options {
            color: false,
            verbose: true,
        };
        std::fs::File::create(&t.path)
            .and_then(|f| {
                let mut w = std::io::BufWriter::new(f);
                crate::report::write(&mut w, report, policy, t.format, opts)?;
                std::io::Write::flush(&mut w)
            })
            .map_err(|e| {
                Error::output(format!("cannot write report {}: {e}", t.path.display()))
                    .with_help("check that the directory exists and is writable")
            })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::color_decision;

    #[test]
    fn color_flag_beats_environment_and_environment_beats_the_terminal() {
        // choice: 0 auto, 1 always, 2 never; then NO_COLOR, FORCE, terminal.
        assert!(color_decision(1, true, false, false));
        assert!(!color_decision(2, false, true, true));
        assert!(!color_decision(0, true, true, true));
        assert!(color_decision(0, false, true, false));
        assert!(color_decision(0, false, false, true));
        assert!(!color_decision(0, false, false, false));
    }
}
