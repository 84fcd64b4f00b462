//! Reporters: one [`Report`] feeds every output format, so formats cannot drift.

pub mod human;
pub mod json;

use std::path::PathBuf;

use crate::evaluate::Report;
use crate::policy::Policy;
use crate::{Error, Result};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// miette diagnostics for people (the default).
    Human,
    /// The versioned JSON wire format (`countersign/report/v1`).
    Json,
}

impl Format {
    /// Parses a format name.
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "human" => Some(Format::Human),
            "json" => Some(Format::Json),
            _ => None,
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
        let format = Format::parse(f)
            .ok_or_else(|| format!("unknown report format `{f}` (known: human, json)"))?;
        if p.is_empty() {
            return Err("the report path is empty".into());
        }
        Ok(ReportTarget {
            format,
            path: PathBuf::from(p),
        })
    }
}

/// Writes every requested report file.
pub fn write_reports(report: &Report, policy: &Policy, targets: &[ReportTarget]) -> Result<()> {
    for t in targets {
        let text = render(
            report,
            policy,
            t.format,
            Options {
                color: false,
                verbose: true,
            },
        );
        std::fs::write(&t.path, text).map_err(|e| {
            Error::output(format!("cannot write report {}: {e}", t.path.display()))
                .with_help("check that the directory exists and is writable")
        })?;
    }
    Ok(())
}
