//! GitLab Code Quality: one JSON array (no BOM) of issues with `description`, `check_name`,
//! `fingerprint` (unique per finding), `severity` and `location.path` + `location.lines.begin`.
//!
//! Severity: an unwaived error is `major` (`critical` for `ai-forbidden`), a warning `minor`,
//! a waived finding `info`. A finding with no file to point at uses `.` as its path.

use serde_json::{Value, json};

use crate::evaluate::{CommitReport, Finding, Report};
use crate::findings::{Code, Severity};
use crate::policy::Policy;
use crate::report::{findings_with_commits, fingerprints, locate, short_id};

/// The Code Quality severity of a finding.
pub fn severity(f: &Finding) -> &'static str {
    if f.waived_by.is_some() {
        return "info";
    }
    match (f.severity, f.code) {
        (Severity::Error, Code::AiForbidden) => "critical",
        (Severity::Error, _) => "major",
        (Severity::Warning, _) => "minor",
    }
}

fn description(f: &Finding, commit: Option<&CommitReport>) -> String {
    let mut s = String::new();
    if let Some(c) = commit {
        s.push_str(&format!("{} \"{}\": ", short_id(&c.id), c.subject));
    }
    s.push_str(&f.message);
    if let Some(h) = &f.help {
        s.push_str(" Fix: ");
        s.push_str(h);
    }
    if let Some(w) = &f.waived_by {
        s.push_str(&format!(" [waived by {w}]"));
    }
    s
}

/// Renders the report as a GitLab Code Quality JSON array (with a trailing newline).
pub fn render(report: &Report, policy: &Policy) -> String {
    let fps = fingerprints(report, policy);
    let issues: Vec<Value> = findings_with_commits(report)
        .zip(fps)
        .map(|((f, c), fp)| {
            let (path, line) = match locate(f, c, policy) {
                Some(l) => (l.path, l.line),
                None => (".".to_string(), 1),
            };
            json!({
                "type": "issue",
                "description": description(f, c),
                "check_name": f.code.as_str(),
                "fingerprint": fp,
                "severity": severity(f),
                "categories": ["Security"],
                "location": { "path": path, "lines": { "begin": line } },
            })
        })
        .collect();
    let mut s =
        serde_json::to_string_pretty(&Value::Array(issues)).unwrap_or_else(|_| "[]".to_string());
    s.push('\n');
    s
}
