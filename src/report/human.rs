//! Human output: miette diagnostics with the commit message as the source.
//!
//! Each finding underlines the trailer or marker in the message, adds a second diagnostic
//! at the policy line that decided ("rule `payments` sets tier `high` here"), and ends with
//! the exact fix. A one-line summary closes the output.

use std::fmt;
use std::ops::Range;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan,
};

use crate::evaluate::{CommitReport, Finding, Report, Verdict};
use crate::findings::{Code, Severity};
use crate::message::unicode::neutralize;
use crate::policy::{Origin, Policy};
use crate::report::Options;

/// A finding as a miette diagnostic.
#[derive(Debug)]
struct FindingDiag {
    title: String,
    code: Option<Code>,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<NamedSource<String>>,
    label: Option<(String, SourceSpan)>,
    related: Vec<FindingDiag>,
}

impl fmt::Display for FindingDiag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.title)
    }
}

impl std::error::Error for FindingDiag {}

impl Diagnostic for FindingDiag {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code
            .map(|c| Box::new(c.as_str()) as Box<dyn fmt::Display + 'a>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let (text, span) = self.label.as_ref()?;
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some(text.clone()),
            *span,
        ))))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|d| d as &dyn Diagnostic)))
    }
}

/// Clamps a byte range to `text` and to char boundaries so miette never sees a bad span.
fn clamp(text: &str, r: &Range<usize>) -> Option<SourceSpan> {
    let mut start = r.start.min(text.len());
    let mut end = r.end.min(text.len()).max(start);
    while start > 0 && !text.is_char_boundary(start) {
        start -= 1;
    }
    while end < text.len() && !text.is_char_boundary(end) {
        end += 1;
    }
    Some((start, end - start).into())
}

fn label_for(code: Code) -> &'static str {
    match code {
        Code::MissingReviewer => "no valid reviewer here",
        Code::MissingChangeRecord => "no valid change record here",
        Code::MissingDeclaration => "no declaration in this trailer block",
        Code::AiForbidden => "AI marker",
        Code::MarkerOutsideTrailers => "outside the trailer block",
        Code::SuspiciousTrailer => "not read as a trailer",
        _ => "here",
    }
}

fn diag(f: &Finding, commit: Option<&CommitReport>, policy: &Policy) -> FindingDiag {
    let mut source = None;
    let mut label = None;
    if let Some(c) = commit
        && let Some(msg) = &c.message
    {
        // Everything shown comes from the commit: no control or bidi character reaches the
        // terminal raw (issue 11, class 12); stand-ins keep the byte spans valid.
        let name = neutralize(&format!(
            "commit {} ({} <{}>)",
            crate::facts::short_id(&c.id),
            c.author.name,
            c.author.email
        ))
        .into_owned();
        let msg = neutralize(msg);
        let span = f.span.as_ref().and_then(|s| clamp(&msg, s));
        let span = span.or_else(|| clamp(&msg, &(0..msg.find('\n').unwrap_or(msg.len()))));
        if let Some(span) = span {
            label = Some((label_for(f.code).to_string(), span));
        }
        source = Some(NamedSource::new(name, msg.into_owned()));
    }
    let mut related = Vec::new();
    if let (Some(ps), Some(pl)) = (f.policy_span, &f.policy_label) {
        let text: &str = &policy.source.text;
        if let Some(span) = clamp(text, &(ps.offset..ps.offset + ps.len)) {
            related.push(FindingDiag {
                title: "decided by the policy".to_string(),
                code: None,
                severity: miette::Severity::Advice,
                help: None,
                source: Some(NamedSource::new(
                    neutralize(&policy.source.name()),
                    neutralize(text).into_owned(),
                )),
                label: Some((neutralize(pl).into_owned(), span)),
                related: Vec::new(),
            });
        }
    }
    let mut title = f.message.clone();
    if let Some(p) = &f.path
        && !title.contains(p.as_str())
    {
        title.push_str(&format!(" (path `{p}`)"));
    }
    if let Some(w) = &f.waived_by {
        title.push_str(&format!(" [waived by {w}]"));
    }
    FindingDiag {
        title: neutralize(&title).into_owned(),
        code: Some(f.code),
        severity: match f.severity {
            Severity::Error if f.waived_by.is_none() => miette::Severity::Error,
            _ => miette::Severity::Warning,
        },
        help: f.help.as_deref().map(|h| neutralize(h).into_owned()),
        source,
        label,
        related,
    }
}

/// Renders the whole report for people.
pub fn render(report: &Report, policy: &Policy, opts: Options) -> String {
    let theme = if opts.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_wrap_lines(false);
    let mut out = String::new();
    let emit = |d: &FindingDiag, out: &mut String| {
        let _ = handler.render_report(out, d);
        out.push('\n');
    };
    let advice = baseline_advice(report, opts);
    let total: usize = report.commits.iter().map(|c| c.findings.len()).sum();
    if let Some(a) = &advice {
        out.push_str(a);
    } else if !opts.verbose && total > SUMMARY_AT {
        out.push_str(&summary_table(report, total));
    } else {
        // Grouped by commit: a header names the commit, its findings follow.
        for c in report.commits.iter().filter(|c| !c.findings.is_empty()) {
            out.push_str(&commit_header(c));
            for f in &c.findings {
                emit(&diag(f, Some(c), policy), &mut out);
            }
        }
    }
    let mut unused_rules = Vec::new();
    for f in &report.findings {
        if f.code == Code::UnusedRule && !opts.verbose {
            unused_rules.push(f);
            continue;
        }
        emit(&diag(f, None, policy), &mut out);
    }
    if !unused_rules.is_empty() {
        let names: Vec<String> = unused_rules
            .iter()
            .map(|f| f.message.split('`').nth(1).unwrap_or_default().to_string())
            .collect();
        out.push_str(&format!(
            "note: {} rule(s) matched no changed path in this run (unused-rule): {}\n",
            names.len(),
            names.join(", ")
        ));
    }
    out.push_str(&summary_line(report));
    out.push('\n');
    // Every input above was neutralised; without colour miette writes no escape either, so
    // the whole text can be checked once more.
    if opts.color {
        out
    } else {
        neutralize(&out).into_owned()
    }
}

/// Past this many findings (and without `-v`), the human output prints a table by code and
/// by commit instead of each finding; the JSON report always has every detail.
pub const SUMMARY_AT: usize = 50;

/// The most commits the summary table lists by name.
const SUMMARY_COMMITS: usize = 40;

/// The line that opens a commit's findings: `commit <id> <subject> · tier … · AI: …`.
fn commit_header(c: &CommitReport) -> String {
    neutralize(&format!(
        "── commit {} {} · tier {} · AI: {}\n",
        crate::facts::short_id(&c.id),
        clip(&c.subject, 60),
        c.tier.as_deref().unwrap_or("(none)"),
        c.involvement.as_str()
    ))
    .into_owned()
}

/// `s` cut to at most `max` characters, with `…` when cut.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// More than [`SUMMARY_AT`] findings: counts by code, then the commits with their codes
/// (the first [`SUMMARY_COMMITS`]), and the commands that show the rest.
fn summary_table(report: &Report, total: usize) -> String {
    let with: Vec<&CommitReport> = report
        .commits
        .iter()
        .filter(|c| !c.findings.is_empty())
        .collect();
    let mut by_code: Vec<(Code, usize, usize)> = Vec::new();
    for c in &with {
        let mut seen: Vec<Code> = Vec::new();
        for f in &c.findings {
            let first = !seen.contains(&f.code);
            if first {
                seen.push(f.code);
            }
            match by_code.iter_mut().find(|(k, _, _)| *k == f.code) {
                Some((_, n, m)) => {
                    *n += 1;
                    *m += usize::from(first);
                }
                None => by_code.push((f.code, 1, 1)),
            }
        }
    }
    by_code.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut o = format!(
        "{total} findings in {} commits: more than {SUMMARY_AT}, so here is the table; \
         `-v` prints each finding with its fix, `countersign explain COMMIT` one commit, \
         `--format json` every detail.\n\n  findings  commits  code\n",
        with.len()
    );
    for (code, n, m) in &by_code {
        o.push_str(&format!("  {n:>8}  {m:>7}  {code}\n"));
    }
    o.push_str("\n  commit        codes\n");
    for c in with.iter().take(SUMMARY_COMMITS) {
        let mut codes: Vec<&str> = Vec::new();
        for f in &c.findings {
            let name = f.code.as_str();
            if !codes.contains(&name) {
                codes.push(name);
            }
        }
        o.push_str(&neutralize(&format!(
            "  {:<12}  {}  {}\n",
            crate::facts::short_id(&c.id),
            codes.join(", "),
            clip(&c.subject, 50)
        )));
    }
    if with.len() > SUMMARY_COMMITS {
        o.push_str(&format!(
            "  … and {} more commits (`-v` or `--format json`)\n",
            with.len() - SUMMARY_COMMITS
        ));
    }
    o.push('\n');
    o
}

/// Past this many failing commits, the human output says how to baseline the history instead
/// of printing the fix for each commit (`-v` prints them all; the JSON report always has them).
pub const BASELINE_ADVICE_AT: usize = 200;

/// For a first run over a long history (more than [`BASELINE_ADVICE_AT`] failing commits, no
/// `-v`): the findings counted by code, and how to mark the history as history — `countersign
/// init` when the run used the embedded default policy, else the exact `baseline:` line. The
/// id offered is the range's head (HEAD for `--all`): a full commit id, as `baseline:`
/// requires.
pub fn baseline_advice(report: &Report, opts: Options) -> Option<String> {
    let failing: Vec<&CommitReport> = report.commits.iter().filter(|c| c.is_failing()).collect();
    if opts.verbose || failing.len() <= BASELINE_ADVICE_AT {
        return None;
    }
    let mut by_code: Vec<(Code, usize)> = Vec::new();
    for f in failing.iter().flat_map(|c| c.findings.iter()) {
        if !f.is_blocking() {
            continue;
        }
        match by_code.iter_mut().find(|(c, _)| *c == f.code) {
            Some((_, n)) => *n += 1,
            None => by_code.push((f.code, 1)),
        }
    }
    let counts: Vec<String> = by_code.iter().map(|(c, n)| format!("{n} {c}")).collect();
    let head = report
        .range
        .head
        .clone()
        .unwrap_or_else(|| "<the full id of HEAD: `git rev-parse HEAD`>".to_string());
    let mut o = format!(
        "{} of {} commits fail ({}).\n\
         If they are history from before countersign was adopted, mark them as history instead \
         of fixing each one:\n",
        failing.len(),
        report.commits.len(),
        counts.join(", ")
    );
    if report.policy.origin == Origin::Embedded {
        o.push_str(
            "  countersign init          writes .countersign.yml with `baseline:` set to HEAD\n",
        );
        o.push_str(&format!("  or, in a policy file:     baseline: {head}\n"));
    } else {
        o.push_str(&format!(
            "  add to {}:  baseline: {head}\n",
            report.policy.source
        ));
    }
    o.push_str(
        "Commits after the baseline are still checked. `-v` prints every finding and its fix; \
         `--format json` has them all.\n",
    );
    Some(o)
}

/// `countersign: fail · 3 commits (2 AI-assisted) · 1 error · 1 warning · 0 waived`.
pub fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "countersign: {} · {} ({} AI-assisted) · {} · {} · {} waived",
        match report.verdict {
            Verdict::Pass => "pass",
            Verdict::Fail => "FAIL",
        },
        plural(s.commits, "commit", "commits"),
        s.ai_assisted,
        plural(s.errors, "error", "errors"),
        plural(s.warnings, "warning", "warnings"),
        s.waived
    )
}
