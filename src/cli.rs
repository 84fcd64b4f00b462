//! Command-line parsing (clap derive). Parsing only: no I/O happens here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::report::{Format, ReportTarget};

/// What `--version` prints: the crate version, then the git commit the binary was built from
/// when the build knew it (build.rs), e.g. `0.1.0 (commit 3b919bf1a2c4)`.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), env!("COUNTERSIGN_BUILD_COMMIT"));

/// countersign — a named human answers for every AI-assisted change.
///
/// Exit codes: 0 pass, 1 policy violated, 2 could not decide (bad input, bad policy,
/// incomplete history, limits exceeded).
#[derive(Debug, Parser)]
#[command(name = "countersign", version = VERSION, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// Run as if started in DIR.
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// When to colour output: `auto` (on a terminal; `NO_COLOR` turns it off,
    /// `CLICOLOR_FORCE` or `FORCE_COLOR` turn it on, e.g. for CI logs), `always`, `never`.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The `--color` choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless the environment says otherwise.
    Auto,
    /// Always (CI logs render ANSI colour).
    Always,
    /// Never.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate a range of commits against the policy (the main job).
    Check(CheckArgs),
    /// Print what the evaluator sees (commits, trailers' source, changed paths) as JSON.
    Facts(FactsArgs),
    /// Explain a commit's verdict (`explain COMMIT`), a path's tier (`explain --path PATH`),
    /// or a finding code (`explain CODE`).
    Explain(ExplainArgs),
    /// The CI gate: read the GitHub Actions event or GitLab CI variables, check the PR/MR
    /// (or push) range against the policy of its base, and report for the platform.
    Ci(CiArgs),
    /// Write a starter `.countersign.yml` that fits this repository.
    Init(InitArgs),
    /// Check, show, diff the policy, or print its JSON Schema.
    Policy(PolicyArgs),
    /// The record an auditor asks for: AI-assisted share, review coverage, violations and
    /// waivers over a range (exit 0 whatever the verdict; 2 when it cannot decide).
    /// `audit verify LOG` checks an evidence log's hash chain.
    Audit(AuditArgs),
    /// Git hooks: commit-msg, pre-push, pre-receive, and their installer.
    Hook(HookArgs),
    /// Print a shell completion script to stdout (bash, zsh, fish, powershell, elvish).
    Completions(CompletionsArgs),
    /// Print the man page (roff) to stdout, or write one page per command into a directory.
    Man(ManArgs),
    /// Sign a review of commits with your SSH key (`ssh-keygen -Y sign`) and store it as a git
    /// note under refs/notes/countersign; `--push REMOTE` shares it (union merge, no review lost).
    Review(ReviewArgs),
}

/// `countersign completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell, e.g. `source <(countersign completions bash)`.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// `countersign man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write `countersign.1` and one `countersign-<command>.1` per subcommand into DIR.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// `countersign review`.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The commits you reviewed: a git range (`A..B`, `A...B`) or one revision. Default: the
    /// current branch's commits not on its upstream (else not on the remote's default branch).
    #[arg(value_name = "RANGE")]
    pub range: Option<String>,
    /// The SSH key to sign with: a private key file, or a public key whose private half is in
    /// ssh-agent (FIDO keys work). Default: git's `user.signingKey`.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// A comment stored (and signed) with the review.
    #[arg(long, value_name = "TEXT")]
    pub comment: Option<String>,
    /// Push refs/notes/countersign to REMOTE afterwards (fetch, union merge, push, retry).
    #[arg(long, value_name = "REMOTE", value_parser = remote_name)]
    pub push: Option<String>,
    /// Policy file used to show tiers (default: discovered in the repository).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

/// A remote name or URL that cannot be read as an option.
fn remote_name(s: &str) -> Result<String, String> {
    if s.is_empty() || s.starts_with('-') {
        return Err("a remote name or URL (not starting with `-`)".into());
    }
    Ok(s.to_string())
}

/// Which commits.
#[derive(Debug, Args, Clone)]
pub struct RangeArgs {
    /// A git range (`A..B`, `A...B`) or one revision (that commit alone). Default: the
    /// current branch's commits not on its upstream (else not on the remote's default
    /// branch), else HEAD alone.
    #[arg(value_name = "RANGE")]
    pub range: Option<String>,
    /// Check all history (every commit reachable from any ref).
    #[arg(long, conflicts_with = "range")]
    pub all: bool,
}

/// Hard limits; exceeding one ends with exit 2 naming the limit.
#[derive(Debug, Args, Clone)]
pub struct LimitArgs {
    /// Most commits one run may evaluate.
    #[arg(long, value_name = "N", default_value_t = 5_000_000, value_parser = clap::value_parser!(u64).range(1..=50_000_000))]
    pub max_commits: u64,
    /// Most changed paths one commit may have.
    #[arg(long, value_name = "N", default_value_t = 200_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub max_paths: u64,
    /// Largest commit message, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20, value_parser = clap::value_parser!(u64).range(1024..=64 << 20))]
    pub max_message_bytes: u64,
}

/// `countersign check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The range.
    #[command(flatten)]
    pub range: RangeArgs,
    /// Policy file (default: discovered in the repository, else the embedded default).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Pull/merge request facts as JSON (title, body, labels, author, approvals …).
    #[arg(long, value_name = "FILE")]
    pub pr: Option<PathBuf>,
    /// Evaluate the facts in FILE (from `countersign facts`) instead of reading git.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["range", "all"])]
    pub from_facts: Option<PathBuf>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Also write FORMAT to PATH (repeatable), e.g. `--report json=countersign.json`.
    #[arg(long = "report", value_name = "FORMAT=PATH")]
    pub reports: Vec<ReportTarget>,
    /// Show every warning in full.
    #[arg(short, long)]
    pub verbose: bool,
    /// Append one hash-chained evidence record per evaluated commit to PATH (JSON Lines;
    /// created when missing, never truncated).
    #[arg(long, value_name = "PATH")]
    pub evidence_log: Option<PathBuf>,
    /// Limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Output formats of `countersign audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuditFormat {
    /// One evidence record per commit (oldest first), then one summary line.
    Jsonl,
    /// Summary tables and the commits that need attention.
    Markdown,
    /// One self-contained HTML file with charts and sortable tables.
    Html,
}

/// `countersign audit`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AuditArgs {
    /// `verify`: check an evidence log instead of auditing a range.
    #[command(subcommand)]
    pub command: Option<AuditCommand>,
    /// The range.
    #[command(flatten)]
    pub range: RangeArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AuditFormat::Markdown)]
    pub format: AuditFormat,
    /// Write to PATH instead of stdout.
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Policy file (default: discovered in the repository, else the embedded default).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Subcommands of `countersign audit`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify an evidence log: exit 0 intact, 1 a record was edited, removed, inserted or
    /// reordered (the first bad line is named), 2 not a countersign evidence log.
    Verify(VerifyArgs),
}

/// `countersign audit verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The evidence log.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// A head hash printed by an earlier verification: some record must still have it
    /// (detects records lost at the end of the log).
    #[arg(long, value_name = "SHA256")]
    pub expect_head: Option<String>,
}

/// `countersign facts`.
#[derive(Debug, Args)]
pub struct FactsArgs {
    /// The range.
    #[command(flatten)]
    pub range: RangeArgs,
    /// Pull/merge request facts as JSON, included in the output.
    #[arg(long, value_name = "FILE")]
    pub pr: Option<PathBuf>,
    /// The policy to record with the facts (default: the one `check` would find).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `countersign ci`.
#[derive(Debug, Args)]
pub struct CiArgs {
    /// GitHub: the PR's reviews as returned by `GET /repos/OWNER/REPO/pulls/NUMBER/reviews`
    /// (one array, or several pages concatenated).
    #[arg(long, value_name = "FILE")]
    pub reviews: Option<PathBuf>,
    /// GitLab: the MR approvals JSON (`GET /projects/:id/merge_requests/:iid/approvals`).
    #[arg(long, value_name = "FILE")]
    pub approvals: Option<PathBuf>,
    /// GitLab: the full MR JSON (`GET /projects/:id/merge_requests/:iid`); needed when the
    /// description in CI_MERGE_REQUEST_DESCRIPTION is truncated, and for the MR author.
    #[arg(long, value_name = "FILE")]
    pub mr: Option<PathBuf>,
    /// Output format on stdout (default: `github` on GitHub Actions, `human` elsewhere).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Also write FORMAT to PATH (repeatable), e.g. `--report sarif=countersign.sarif`.
    #[arg(long = "report", value_name = "FORMAT=PATH")]
    pub reports: Vec<ReportTarget>,
    /// Show every warning in full.
    #[arg(short, long)]
    pub verbose: bool,
    /// Append one hash-chained evidence record per evaluated commit to PATH (JSON Lines;
    /// created when missing, never truncated).
    #[arg(long, value_name = "PATH")]
    pub evidence_log: Option<PathBuf>,
    /// Limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `countersign explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A finding code (e.g. `missing-reviewer`) or a commit (any revision, e.g. `HEAD~2`).
    /// A finding code wins when a name could be both.
    #[arg(
        value_name = "COMMIT|CODE",
        required_unless_present = "path",
        conflicts_with = "path"
    )]
    pub target: Option<String>,
    /// Which rule and tier this path (relative to the repository root) gets.
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,
    /// Policy file (default: discovered in the repository, else the embedded default).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Pull/merge request facts as JSON (labels, body, approvals …) for `explain COMMIT`.
    #[arg(long, value_name = "FILE")]
    pub pr: Option<PathBuf>,
    /// Output format (`json`: the commit's report, or the path's classification).
    #[arg(long, value_enum, default_value_t = ExplainFormat::Human)]
    pub format: ExplainFormat,
}

/// Output format of `explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExplainFormat {
    /// Text for people.
    Human,
    /// JSON (for `explain COMMIT`: the commit's entry of the report, with `path_tiers`).
    Json,
}

/// `countersign init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Overwrite an existing `.countersign.yml`.
    #[arg(long)]
    pub force: bool,
}

/// `countersign policy`.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// What to do with the policy.
    #[command(subcommand)]
    pub command: PolicyCommand,
}

/// The `policy` subcommands.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Report every problem of the policy at once (exit 0 valid, 2 invalid).
    Check {
        /// Policy file (default: discovered in the repository, else the embedded default).
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
    },
    /// Print the effective policy, defaults filled in, as YAML.
    Show {
        /// Policy file (default: discovered in the repository, else the embedded default).
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
    },
    /// Print the JSON Schema of the policy file (for editor completion).
    Schema,
    /// Compare the policy at REV with the current one semantically (exit 1 when it weakens).
    Diff {
        /// The revision to compare with (e.g. `origin/main`).
        #[arg(value_name = "REV")]
        rev: String,
        /// The current policy file (default: discovered in the repository).
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ExplainFormat::Human)]
        format: ExplainFormat,
    },
}

/// `countersign hook`.
#[derive(Debug, Args)]
pub struct HookArgs {
    /// Which hook.
    #[command(subcommand)]
    pub hook: HookCommand,
}

/// The hooks.
#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Check the message of the commit being made (git's commit-msg hook).
    CommitMsg(CommitMsgArgs),
    /// Check every commit a push would send (git's pre-push hook; stdin from git).
    PrePush(PrePushArgs),
    /// Server side: check every commit a push brings in (git's pre-receive hook; stdin from
    /// git). The policy is read from the old tip of each ref, never from the push.
    PreReceive(PreReceiveArgs),
    /// Install the commit-msg and pre-push hooks (chaining any hook already there).
    Install(InstallArgs),
    /// Remove countersign's hooks and restore what was there before, byte for byte.
    Uninstall,
}

/// `countersign hook commit-msg`.
#[derive(Debug, Args)]
pub struct CommitMsgArgs {
    /// The file holding the proposed message (git passes `.git/COMMIT_EDITMSG`).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Policy file (default: discovered in the repository, else the embedded default).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Append one hash-chained evidence record per evaluated commit to PATH (JSON Lines).
    #[arg(long, value_name = "PATH")]
    pub evidence_log: Option<PathBuf>,
    /// Also print context notes (which policy applied, how many commits passed).
    #[arg(short, long)]
    pub verbose: bool,
    /// Limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `countersign hook pre-push`.
#[derive(Debug, Args)]
pub struct PrePushArgs {
    /// The remote's name (or URL when pushing to a URL). Without it, the range comes from
    /// pre-commit's `PRE_COMMIT_FROM_REF`/`PRE_COMMIT_TO_REF` environment.
    #[arg(value_name = "REMOTE")]
    pub remote: Option<String>,
    /// The remote's URL.
    #[arg(value_name = "URL")]
    pub url: Option<String>,
    /// Policy file (default: discovered in the repository, else the embedded default).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Append one hash-chained evidence record per evaluated commit to PATH (JSON Lines).
    #[arg(long, value_name = "PATH")]
    pub evidence_log: Option<PathBuf>,
    /// Also print context notes (which policy applied, how many commits passed).
    #[arg(short, long)]
    pub verbose: bool,
    /// Limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `countersign hook pre-receive`.
#[derive(Debug, Args)]
pub struct PreReceiveArgs {
    /// Append one hash-chained evidence record per evaluated commit to PATH (JSON Lines).
    #[arg(long, value_name = "PATH")]
    pub evidence_log: Option<PathBuf>,
    /// Also print context notes (which policy applied, how many commits passed).
    #[arg(short, long)]
    pub verbose: bool,
    /// Limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `countersign hook install`.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Install even when a hook manager (husky, lefthook, pre-commit) owns the hooks.
    #[arg(long)]
    pub force: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    /// clap reads `{n}` in help text as a line break (`pulls/{n}/reviews` printed as
    /// `pulls/` and `/reviews` on two lines): no help text may contain one.
    #[test]
    fn no_help_text_contains_a_clap_line_break_escape() {
        fn walk(cmd: &clap::Command, seen: &mut usize) {
            let mut texts: Vec<String> = Vec::new();
            texts.extend(cmd.get_about().map(|s| s.to_string()));
            texts.extend(cmd.get_long_about().map(|s| s.to_string()));
            for a in cmd.get_arguments() {
                texts.extend(a.get_help().map(|s| s.to_string()));
                texts.extend(a.get_long_help().map(|s| s.to_string()));
            }
            for t in texts {
                *seen += 1;
                assert!(!t.contains("{n}"), "{}: {t}", cmd.get_name());
            }
            for sub in cmd.get_subcommands() {
                walk(sub, seen);
            }
        }
        let mut seen = 0;
        walk(&Cli::command(), &mut seen);
        assert!(seen > 50, "walked the help texts ({seen})");
    }
}
