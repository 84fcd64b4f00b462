//! Command-line parsing (clap derive). Parsing only: no I/O happens here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::report::{Format, ReportTarget};

/// countersign — a named human answers for every AI-assisted change.
///
/// Exit codes: 0 pass, 1 policy violated, 2 could not decide (bad input, bad policy,
/// incomplete history, limits exceeded).
#[derive(Debug, Parser)]
#[command(name = "countersign", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// Run as if started in DIR.
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate a range of commits against the policy (the main job).
    Check(CheckArgs),
    /// Print what the evaluator sees (commits, trailers' source, changed paths) as JSON.
    Facts(FactsArgs),
    /// Explain a finding code: what it means, why it matters, how to fix it.
    Explain(ExplainArgs),
    /// Git hooks: commit-msg, pre-push, pre-receive, and their installer.
    Hook(HookArgs),
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
    /// Limits.
    #[command(flatten)]
    pub limits: LimitArgs,
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
    /// Limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `countersign explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A finding code, e.g. `missing-reviewer`.
    #[arg(value_name = "CODE")]
    pub code: String,
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
    /// Limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `countersign hook pre-receive`.
#[derive(Debug, Args)]
pub struct PreReceiveArgs {
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
}
