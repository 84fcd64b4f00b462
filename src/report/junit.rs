//! JUnit XML: one `<testsuite name="countersign">`, one `<testcase>` per commit.
//!
//! A commit's unwaived errors are `<failure>` elements (`type` = the finding code); its warnings
//! and waived findings go to `<system-out>`. Run-level findings (`unused-rule`, …) get one extra
//! test case named after the policy. `tests` counts test cases and `failures` counts failing
//! test cases. Every piece of text is XML-escaped, and characters XML 1.0 forbids are replaced
//! by U+FFFD, so a hostile commit message cannot break the document.

use crate::evaluate::{CommitReport, Finding, Report};
use crate::policy::Policy;
use crate::report::short_id;

/// True for characters XML 1.0 allows (`Char` production).
fn xml_allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Escapes text for element content (and attribute values, which also keep line breaks and
/// tabs as character references so parsers do not normalise them away).
pub fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            c if !xml_allowed(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn describe(f: &Finding) -> String {
    let mut s = format!("{}: {}", f.code.as_str(), f.message);
    if let Some(p) = &f.path {
        s.push_str(&format!("\npath: {p}"));
    }
    if let Some(h) = &f.help {
        s.push_str(&format!("\nfix: {h}"));
    }
    s
}

fn testcase(out: &mut String, classname: &str, name: &str, findings: &[Finding]) {
    out.push_str(&format!(
        "    <testcase classname=\"{}\" name=\"{}\"",
        escape(classname, true),
        escape(name, true)
    ));
    let failures: Vec<&Finding> = findings.iter().filter(|f| f.is_blocking()).collect();
    let others: Vec<&Finding> = findings.iter().filter(|f| !f.is_blocking()).collect();
    if failures.is_empty() && others.is_empty() {
        out.push_str("/>\n");
        return;
    }
    out.push_str(">\n");
    for f in failures {
        out.push_str(&format!(
            "      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
            escape(&f.message, true),
            escape(f.code.as_str(), true),
            escape(&describe(f), false)
        ));
    }
    if !others.is_empty() {
        let lines: Vec<String> = others
            .iter()
            .map(|f| {
                let head = match &f.waived_by {
                    Some(w) => format!("waived by {w}"),
                    None => f.severity.as_str().to_string(),
                };
                format!("{head}: {}", describe(f))
            })
            .collect();
        out.push_str(&format!(
            "      <system-out>{}</system-out>\n",
            escape(&lines.join("\n"), false)
        ));
    }
    out.push_str("    </testcase>\n");
}

fn commit_name(c: &CommitReport) -> String {
    format!("{} {}", short_id(&c.id), c.subject)
}

/// Renders the report as a JUnit XML document.
pub fn render(report: &Report, _policy: &Policy) -> String {
    let run_level = !report.findings.is_empty();
    let tests = report.commits.len() + usize::from(run_level);
    let failures = report.commits.iter().filter(|c| c.is_failing()).count()
        + usize::from(report.findings.iter().any(Finding::is_blocking));
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"countersign\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">\n"
    ));
    out.push_str(&format!(
        "  <testsuite name=\"countersign\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">\n"
    ));
    out.push_str("    <properties>\n");
    for (k, v) in [
        ("verdict", report.verdict.as_str()),
        ("range", report.range.description.as_str()),
        ("policy", report.policy.source.as_str()),
        ("policy-digest", report.policy.digest.as_str()),
        ("tool-version", report.tool.version),
    ] {
        out.push_str(&format!(
            "      <property name=\"{}\" value=\"{}\"/>\n",
            escape(k, true),
            escape(v, true)
        ));
    }
    out.push_str("    </properties>\n");
    for c in &report.commits {
        let class = c.tier.as_deref().unwrap_or("none");
        testcase(&mut out, class, &commit_name(c), &c.findings);
    }
    if run_level {
        testcase(
            &mut out,
            "policy",
            &report.policy.source,
            report.findings.as_slice(),
        );
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
