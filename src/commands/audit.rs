//! `countersign audit`: evaluate a range like `check` and write the auditor's record
//! (JSON Lines, Markdown or HTML); `countersign audit verify LOG`: check an evidence log.
//!
//! Exit codes: `audit` is a report, so 0 whatever the verdict (2 when it cannot decide);
//! `audit verify` is 0 intact, 1 tampered, 2 not a countersign evidence log or unreadable.

use std::path::Path;

use crate::audit::log::{self, Verification};
use crate::audit::summary::summarise;
use crate::audit::{self, html, markdown};
use crate::cli::{AuditArgs, AuditCommand, AuditFormat, VerifyArgs};
use crate::commands::{evaluate_range, print_stdout};
use crate::time;
use crate::time::Date;
use crate::{Error, Result};

/// Runs `audit` (returns 0) or `audit verify` (0 intact, 1 tampered).
pub fn run(cwd: &Path, args: &AuditArgs) -> Result<u8> {
    if let Some(AuditCommand::Verify(v)) = &args.command {
        return verify(v);
    }
    if let Some(out) = &args.output {
        check_output(out)?;
    }
    let today = Date::today()?;
    let (policy, report) = evaluate_range(
        cwd,
        &args.range,
        args.policy.as_deref(),
        &args.limits,
        None,
        "auditing",
        today,
    )?;
    let now = time::now();
    let summary = summarise(&report, &policy, today, now.clone());
    let text = match args.format {
        AuditFormat::Jsonl => audit::render_jsonl(&report, &policy, &summary, &now),
        AuditFormat::Markdown => markdown::render(&summary),
        AuditFormat::Html => html::render(&summary),
    };
    match &args.output {
        Some(path) => std::fs::write(path, text).map_err(|e| {
            Error::output(format!("cannot write {}: {e}", path.display()))
                .with_help("check that the directory exists and is writable")
        })?,
        None => print_stdout(&text)?,
    }
    Ok(0)
}

/// Fails early (before a long scan) when `--output` cannot be written, and refuses to
/// overwrite an evidence log.
fn check_output(path: &Path) -> Result<()> {
    let shown = path.display();
    if path.is_dir() {
        return Err(Error::output(format!("--output {shown} is a directory"))
            .with_help("pass a file path, e.g. --output audit.html"));
    }
    if log::is_evidence_log(path) {
        return Err(Error::output(format!(
            "--output {shown} is a countersign evidence log; it is never overwritten"
        ))
        .with_help("write the audit to another file"));
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(Error::output(format!(
            "cannot write {shown}: {} is not a directory",
            parent.display()
        ))
        .with_help("create the directory first or pass another --output"));
    }
    let meta = std::fs::metadata(parent)
        .map_err(|e| Error::output(format!("cannot write {shown}: {e}")))?;
    if meta.permissions().readonly() {
        return Err(Error::output(format!(
            "cannot write {shown}: {} is read-only",
            parent.display()
        ))
        .with_help("pass a writable --output path"));
    }
    Ok(())
}

fn verify(args: &VerifyArgs) -> Result<u8> {
    match log::verify(&args.path, args.expect_head.as_deref())? {
        Verification::Intact { records, head } => {
            print_stdout(&format!(
                "{}: intact, {records} record(s); head {head}\n",
                args.path.display()
            ))?;
            Ok(0)
        }
        Verification::Broken { line, reason } => {
            print_stdout(&format!(
                "{}:{line}: chain broken: {reason}\n",
                args.path.display()
            ))?;
            Ok(1)
        }
    }
}
