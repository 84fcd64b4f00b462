//! Reporters: one [`Report`] feeds every output format, so formats cannot drift.

pub mod codequality;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;

use std::path::PathBuf;

use crate::evaluate::{CommitReport, Finding, Report};
use crate::policy::Policy;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// miette diagnostics for people (the default).
    Human,
    /// The versioned JSON wire format (`countersign/report/v1`).
    Json,
    /// SARIF 2.1.0 (GitHub code scanning and other SARIF viewers).
    Sarif,
    /// JUnit XML (GitLab/Jenkins test reports).
    Junit,
    /// GitLab Code Quality JSON.
    Codequality,
    /// GitHub Actions workflow commands (annotations and a summary notice).
    Github,
    /// GitHub-flavoured Markdown (PR comment, job summary).
    Markdown,
}

impl Format {
    /// Parses a format name.
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "human" => Some(Format::Human),
            "json" => Some(Format::Json),
            "sarif" => Some(Format::Sarif),
            "junit" => Some(Format::Junit),
            "codequality" => Some(Format::Codequality),
            "github" => Some(Format::Github),
            "markdown" => Some(Format::Markdown),
            _ => None,
        }
    }

    /// Every format, in documentation order.
    pub const ALL: &'static [Format] = &[
        Format::Human,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Codequality,
        Format::Github,
        Format::Markdown,
    ];

    /// The stable name [`Format::parse`] accepts.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Codequality => "codequality",
            Format::Github => "github",
            Format::Markdown => "markdown",
        }
    }
}

/// How to render.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Use colour (only on a terminal, and never with `NO_COLOR`).
    pub color: bool,
    /// Show every run-level warning in full (otherwise `unused-rule` is one line).
    pub verbose: bool,
}

/// Renders `report` in `format`.
pub fn render(report: &Report, policy: &Policy, format: Format, opts: Options) -> String {
    match format {
        Format::Human => human::render(report, policy, opts),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report, policy),
        Format::Junit => junit::render(report, policy),
        Format::Codequality => codequality::render(report, policy),
        Format::Github => github::render(report, policy),
        Format::Markdown => markdown::render(report, policy),
    }
}

/// Writes the report in `format` to `out`. JSON is serialised straight into the writer, so a
/// whole-history report (tens of MB) is never held as one string as well as a struct.
pub fn write(
    out: &mut dyn std::io::Write,
    report: &Report,
    policy: &Policy,
    format: Format,
    opts: Options,
) -> std::io::Result<()> {
    match format {
        Format::Json => json::write(out, report),
        Format::Sarif => sarif::write(out, report, policy),
        _ => out.write_all(render(report, policy, format, opts).as_bytes()),
    }
}

/// A `--report FORMAT=PATH` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportTarget {
    /// The format.
    pub format: Format,
    /// Where to write it.
    pub path: PathBuf,
}

impl std::str::FromStr for ReportTarget {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let (f, p) = s
            .split_once('=')
            .ok_or_else(|| format!("expected FORMAT=PATH (e.g. json=report.json), got `{s}`"))?;
        let format = Format::parse(f).ok_or_else(|| {
            let known: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
            format!("unknown report format `{f}` (known: {})", known.join(", "))
        })?;
        if p.is_empty() {
            return Err("the report path is empty".into());
        }
        Ok(ReportTarget {
            format,
            path: PathBuf::from(p),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Shared by the machine formats (SARIF, JUnit, Code Quality, GitHub, Markdown).

/// Where a finding points in the repository: a repo-relative file and a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Location {
    /// Repo-relative path.
    pub path: String,
    /// 1-based line.
    pub line: usize,
}

/// The policy file's repo-relative path (none for the embedded policy, which has no file).
pub(crate) fn policy_path(policy: &Policy) -> Option<&str> {
    match &policy.source.origin {
        crate::policy::Origin::Embedded => None,
        crate::policy::Origin::File { path } | crate::policy::Origin::Commit { path, .. } => {
            Some(path.as_str())
        }
    }
}

/// The 1-based line of byte `offset` in `text` (clamped to the text).
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let bytes = text.as_bytes();
    let end = offset.min(bytes.len());
    bytes.iter().take(end).filter(|&&b| b == b'\n').count() + 1
}

/// Locates a finding: its changed path (line 1: we do not know lines in files); for a commit
/// finding without a path, the commit's decisive path; for a policy-located finding, the line
/// of the policy file; for a run-level finding, the policy file. `None` when nothing fits (the
/// embedded policy, an empty commit).
pub(crate) fn locate(
    f: &Finding,
    commit: Option<&CommitReport>,
    policy: &Policy,
) -> Option<Location> {
    if let Some(p) = &f.path {
        return Some(Location {
            path: p.clone(),
            line: 1,
        });
    }
    if let Some(dp) = commit.and_then(|c| c.decisive_path.as_ref()) {
        return Some(Location {
            path: dp.path.clone(),
            line: 1,
        });
    }
    let pp = policy_path(policy)?;
    if let Some(span) = f.policy_span {
        return Some(Location {
            path: pp.to_string(),
            line: line_of(&policy.source.text, span.offset),
        });
    }
    commit.is_none().then(|| Location {
        path: pp.to_string(),
        line: 1,
    })
}

/// Every finding with its commit (per-commit findings in commit order, then run-level ones):
/// the same order as [`Report::all_findings`].
pub(crate) fn findings_with_commits(
    report: &Report,
) -> impl Iterator<Item = (&Finding, Option<&CommitReport>)> {
    report
        .commits
        .iter()
        .flat_map(|c| c.findings.iter().map(move |f| (f, Some(c))))
        .chain(report.findings.iter().map(|f| (f, None)))
}

pub(crate) use crate::facts::short_id;

/// FNV-1a, 64 bits: a small stable hash for fingerprints (not for security).
pub(crate) fn fnv1a64(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            // A separator byte that cannot occur in UTF-8 text, so ("ab","c") != ("a","bc").
            h ^= 0xff;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        for b in p.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// One stable, unique fingerprint per finding (16 hex digits), in [`findings_with_commits`]
/// order. The key is code + commit + path (or policy line); repeats of the same key get an
/// occurrence number so every fingerprint is unique and still stable across runs.
pub(crate) fn fingerprints(report: &Report, policy: &Policy) -> Vec<String> {
    let mut seen_keys: std::collections::HashMap<String, usize> = Default::default();
    let mut seen_hashes = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (f, c) in findings_with_commits(report) {
        let loc = locate(f, c, policy)
            .map(|l| format!("{}:{}", l.path, l.line))
            .unwrap_or_default();
        let commit = c.map(|c| c.id.as_str()).unwrap_or_default();
        let base = format!("{}\u{0}{}\u{0}{}", f.code.as_str(), commit, loc);
        let n = seen_keys.entry(base.clone()).or_insert(0);
        *n += 1;
        let occurrence = n.to_string();
        let mut salt = 0u32;
        let hex = loop {
            let salt_s = salt.to_string();
            let mut parts = vec![f.code.as_str(), commit, loc.as_str()];
            if occurrence != "1" {
                parts.push(&occurrence);
            }
            if salt > 0 {
                parts.push(&salt_s);
            }
            let hex = format!("{:016x}", fnv1a64(&parts));
            if seen_hashes.insert(hex.clone()) {
                break hex;
            }
            salt += 1;
        };
        out.push(hex);
    }
    out
}
