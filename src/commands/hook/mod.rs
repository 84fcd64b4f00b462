//! `countersign hook …`: the git hooks (commit-msg, pre-push, pre-receive) and their
//! installer. Every hook builds facts, runs the same evaluator as `check`, and prints a
//! short summary on stderr (git shows hook output to the user; in pre-receive it is sent to
//! the pushing client).

pub mod commit_msg;
pub mod install;
pub mod pre_push;
pub mod pre_receive;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::cli::{HookArgs, HookCommand};
use crate::evaluate::{CommitReport, Finding, Report};
use crate::findings::{Code, Severity};
use crate::message::unicode::neutralize;
use crate::policy::{HookMode, Policy};
use crate::{Error, Result};

/// Runs `countersign hook …`.
pub fn run(cwd: &Path, args: &HookArgs) -> Result<u8> {
    match &args.hook {
        HookCommand::CommitMsg(a) => {
            crate::commands::set_verbose_notes(a.verbose);
            commit_msg::run(cwd, a)
        }
        HookCommand::PrePush(a) => {
            crate::commands::set_verbose_notes(a.verbose);
            pre_push::run(cwd, a)
        }
        HookCommand::PreReceive(a) => {
            crate::commands::set_verbose_notes(a.verbose);
            pre_receive::run(cwd, a)
        }
        HookCommand::Install(a) => install::install(cwd, a.force),
        HookCommand::Uninstall => install::uninstall(cwd),
    }
}

/// Codes a `warn`-mode client hook reports without blocking: evidence that usually arrives
/// later (review happens after the commit is written). `ai-forbidden`, `waiver-expired` and
/// any other error still block.
pub const SOFT_IN_WARN: &[Code] = &[
    Code::MissingReviewer,
    Code::MissingChangeRecord,
    Code::MissingDeclaration,
];

/// True when `f` stops the hook in `mode`.
pub fn blocks(f: &Finding, mode: HookMode) -> bool {
    f.is_blocking() && (mode == HookMode::Enforce || !SOFT_IN_WARN.contains(&f.code))
}

/// True when any commit finding of `report` stops the hook in `mode`.
pub fn report_blocks(report: &Report, mode: HookMode) -> bool {
    report
        .commits
        .iter()
        .flat_map(|c| &c.findings)
        .any(|f| blocks(f, mode))
}

/// Reads stdin (at most `max` bytes).
pub fn read_stdin(max: usize) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    std::io::stdin()
        .lock()
        .take(max as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| {
            Error::input(format!("cannot read the hook input on stdin: {e}"))
                .with_help("run the hook from git, which writes one line per ref on stdin")
        })?;
    if buf.len() > max {
        return Err(Error::limit(format!(
            "the hook input on stdin is larger than {max} bytes"
        )));
    }
    Ok(buf)
}

/// `path` relative to `cwd` unless absolute.
pub fn resolve(cwd: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    }
}

/// Lines of hook output, each prefixed (GitLab needs `GL-HOOK-ERR: ` on every line of a
/// rejection for the user to see it), written to stderr at once.
#[derive(Debug, Default)]
pub struct Out {
    prefix: String,
    lines: Vec<String>,
}

impl Out {
    /// Output with every line prefixed by `prefix`.
    pub fn new(prefix: impl Into<String>) -> Self {
        Out {
            prefix: prefix.into(),
            lines: Vec::new(),
        }
    }

    /// Adds one or more lines (split at newlines).
    pub fn line(&mut self, text: impl AsRef<str>) {
        for l in text.as_ref().split('\n') {
            self.lines.push(l.to_string());
        }
    }

    /// True when nothing was added.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The prefixed text.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for l in &self.lines {
            s.push_str(&self.prefix);
            s.push_str(&neutralize(l));
            s.push('\n');
        }
        s
    }

    /// Writes the text to stderr.
    pub fn flush(&mut self) {
        let text = self.text();
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
        self.lines.clear();
    }
}

/// Writes one commit's findings (severity as the hook treats it) into `out`; returns true
/// when something was written.
pub fn commit_findings(
    out: &mut Out,
    c: &CommitReport,
    mode: HookMode,
    header: Option<&str>,
    show_help: bool,
) -> bool {
    let shown: Vec<&Finding> = c
        .findings
        .iter()
        .filter(|f| f.waived_by.is_none())
        .collect();
    if shown.is_empty() {
        return false;
    }
    if let Some(h) = header {
        out.line(h);
    }
    for f in shown {
        let (sev, note) = if blocks(f, mode) {
            ("error", "")
        } else if f.severity == Severity::Error {
            ("warning", " (CI will require it)")
        } else {
            ("warning", "")
        };
        out.line(format!("  {sev}[{}]: {}{note}", f.code.as_str(), f.message));
        if show_help
            && blocks(f, mode)
            && let Some(h) = &f.help
        {
            for l in h.lines() {
                out.line(format!("      {l}"));
            }
        }
    }
    true
}

/// Reports the failing commits of an update of an unprotected ref: one short line each
/// saying what a merge into a protected ref will need. Never blocks. Returns whether
/// anything was printed.
pub fn merge_needs(out: &mut Out, what: &str, report: &Report) -> bool {
    let mut any = false;
    for c in &report.commits {
        let codes: Vec<&str> = c
            .findings
            .iter()
            .filter(|f| f.waived_by.is_none() && f.severity == Severity::Error)
            .map(|f| f.code.as_str())
            .collect();
        if codes.is_empty() {
            continue;
        }
        if !any {
            out.line(format!(
                "countersign: {what} is not a protected ref: accepted; a merge into a protected branch will need:"
            ));
            any = true;
        }
        out.line(format!(
            "  {} {}: {} (`countersign explain {}`)",
            crate::facts::short_id(&c.id),
            c.subject,
            codes.join(", "),
            crate::facts::short_id(&c.id),
        ));
    }
    any
}

/// The trailer lines that would satisfy the missing evidence of `c`, e.g.
/// `Reviewed-by: Name <email>` and `Change-Record: <id>`.
pub fn trailer_lines(policy: &Policy, c: &CommitReport) -> Vec<String> {
    let mut out = Vec::new();
    let open = |code: Code| {
        c.findings
            .iter()
            .any(|f| f.code == code && f.waived_by.is_none())
    };
    if open(Code::MissingReviewer) && policy.evidence.review.reads_trailers() {
        let key = first(&policy.evidence.reviewer_trailers, "Reviewed-by");
        let accepted = c.reviewers.iter().filter(|r| r.accepted).count() as u32;
        let missing = c.requirements.reviewers.saturating_sub(accepted).max(1);
        for _ in 0..missing {
            out.push(format!("{key}: Name <email>"));
        }
    }
    if open(Code::MissingChangeRecord) {
        let key = first(&policy.evidence.change_record_trailers, "Change-Record");
        out.push(format!("{key}: <id>"));
    }
    if open(Code::MissingDeclaration) {
        let key = first(&policy.evidence.declaration_trailers, "AI-Assisted");
        out.push(format!("{key}: yes|no"));
    }
    out
}

fn first<'a>(v: &'a [String], dflt: &'a str) -> &'a str {
    v.first().map(String::as_str).unwrap_or(dflt)
}

/// The accepted change-record formats, for the hint after `Change-Record: <id>`.
pub fn record_formats(policy: &Policy) -> Option<String> {
    let f: Vec<&str> = policy
        .evidence
        .change_record_formats
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    (!f.is_empty()).then(|| f.join(", "))
}

/// `HookMode` as written in the policy.
pub fn mode_name(mode: HookMode) -> &'static str {
    match mode {
        HookMode::Warn => "warn",
        HookMode::Enforce => "enforce",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_prefixes_every_line_and_strips_escapes() {
        let mut o = Out::new("GL-HOOK-ERR: ");
        o.line("a\nb\u{1b}[31m");
        assert_eq!(o.text(), "GL-HOOK-ERR: a\nGL-HOOK-ERR: b?[31m\n");
    }

    #[test]
    fn warn_mode_softens_only_missing_evidence() {
        let r = Finding::new(Code::MissingReviewer, "x");
        let a = Finding::new(Code::AiForbidden, "x");
        let w = Finding::new(Code::WaiverExpired, "x");
        assert!(!blocks(&r, HookMode::Warn));
        assert!(blocks(&r, HookMode::Enforce));
        assert!(blocks(&a, HookMode::Warn));
        assert!(blocks(&w, HookMode::Warn));
        let s = Finding::new(Code::SuspiciousTrailer, "x");
        assert!(!blocks(&s, HookMode::Enforce));
    }
}
