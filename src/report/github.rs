//! GitHub Actions workflow commands: annotations, a summary notice, `$GITHUB_OUTPUT` lines.
//!
//! GitHub shows at most 10 error and 10 warning annotations per step, so errors come first
//! (at most [`MAX_ANNOTATIONS`]), then warnings (at most as many), then one notice with the
//! summary and how many findings were not annotated. Every value is escaped as `@actions/core`
//! does (data: `%`, CR, LF; properties also `:` and `,`), so no untrusted text (a commit
//! subject, a message, a path) can end our line or start a command of its own: every line this
//! module prints starts with a command we chose.

use std::path::PathBuf;

use crate::evaluate::{CommitReport, Finding, Report};
use crate::findings::Severity;
use crate::message::unicode::neutralize;
use crate::policy::Policy;
use crate::report::{findings_with_commits, fnv1a64, locate, markdown, short_id};

/// Annotations of each kind GitHub displays per step.
pub const MAX_ANNOTATIONS: usize = 10;

/// Escapes a command's data (the text after `::`): `%`, `\r`, `\n`; every other control or
/// invisible character (ESC sequences, BEL, C1, bidi overrides) is neutralised, since the
/// job log renders them ([`neutralize`]).
pub fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    neutralize(&out).into_owned()
}

/// Escapes a command property value: as [`escape_data`], plus `:` and `,`.
pub fn escape_property(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    neutralize(&out).into_owned()
}

fn message(f: &Finding, commit: Option<&CommitReport>) -> String {
    let mut s = String::new();
    if let Some(c) = commit {
        s.push_str(&format!("Commit {} \"{}\": ", short_id(&c.id), c.subject));
    }
    s.push_str(&f.message);
    if let Some(h) = &f.help {
        s.push_str("\nFix: ");
        s.push_str(h);
    }
    s
}

fn annotation(kind: &str, f: &Finding, commit: Option<&CommitReport>, policy: &Policy) -> String {
    let mut props = Vec::new();
    if let Some(loc) = locate(f, commit, policy) {
        props.push(format!("file={}", escape_property(&loc.path)));
        props.push(format!("line={}", loc.line));
    }
    let title = match commit {
        Some(c) => format!("countersign {} ({})", f.code.as_str(), short_id(&c.id)),
        None => format!("countersign {}", f.code.as_str()),
    };
    props.push(format!("title={}", escape_property(&title)));
    format!(
        "::{kind} {}::{}\n",
        props.join(","),
        escape_data(&message(f, commit))
    )
}

/// Renders the annotations and the closing summary notice.
pub fn render(report: &Report, policy: &Policy) -> String {
    let mut out = String::new();
    let errors: Vec<_> = findings_with_commits(report)
        .filter(|(f, _)| f.is_blocking())
        .collect();
    let warnings: Vec<_> = findings_with_commits(report)
        .filter(|(f, _)| f.waived_by.is_none() && f.severity == Severity::Warning)
        .collect();
    for (f, c) in errors.iter().take(MAX_ANNOTATIONS) {
        out.push_str(&annotation("error", f, *c, policy));
    }
    for (f, c) in warnings.iter().take(MAX_ANNOTATIONS) {
        out.push_str(&annotation("warning", f, *c, policy));
    }
    let hidden = errors.len().saturating_sub(MAX_ANNOTATIONS)
        + warnings.len().saturating_sub(MAX_ANNOTATIONS);
    let mut summary = crate::report::human::summary_line(report);
    if hidden > 0 {
        summary.push_str(&format!(
            " · {hidden} more finding(s) not annotated (GitHub shows {MAX_ANNOTATIONS} of each kind); see the job summary"
        ));
    }
    out.push_str(&format!(
        "::notice title={}::{}\n",
        escape_property("countersign"),
        escape_data(&summary)
    ));
    out
}

/// The job summary for `$GITHUB_STEP_SUMMARY`: the Markdown report.
pub fn step_summary(report: &Report, policy: &Policy) -> String {
    markdown::render(report, policy)
}

/// A heredoc delimiter that does not occur in `value` (derived from it, so the output stays
/// deterministic, and checked, so no value can contain it).
fn delimiter(value: &str) -> String {
    let mut salt = 0u64;
    loop {
        let d = format!("ghadelimiter_{:016x}", fnv1a64(&[value, &salt.to_string()]));
        if !value.contains(&d) {
            return d;
        }
        salt += 1;
    }
}

/// An output name: letters, digits, `-` and `_` kept; anything else becomes `_`.
fn output_name(s: &str) -> String {
    let n: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if n.is_empty() { "_".to_string() } else { n }
}

/// Lines for `$GITHUB_OUTPUT`: `verdict=pass|fail`, then `<format>-report` = path for each
/// written report. Paths use the heredoc form (`name<<DELIM` … `DELIM`) with a delimiter that
/// does not occur in the value, so a path with a newline cannot set other outputs.
pub fn outputs(report: &Report, reports: &[(String, PathBuf)]) -> String {
    let mut out = format!("verdict={}\n", report.verdict.as_str());
    for (format, path) in reports {
        let value = path.to_string_lossy();
        let d = delimiter(&value);
        out.push_str(&format!(
            "{}-report<<{d}\n{value}\n{d}\n",
            output_name(format)
        ));
    }
    out
}
