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
    /// The record an auditor asks for: AI-assisted share, review coverage, violations and
    /// waivers over a range (exit 0 whatever the verdict; 2 when it cannot decide).
    /// `audit verify LOG` checks an evidence log's hash chain.
    Audit(AuditArgs),
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
