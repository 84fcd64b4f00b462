//! `countersign explain CODE`: the documentation a finding code carries.

use crate::cli::ExplainArgs;
use crate::commands::print_stdout;
use crate::findings::Code;
use crate::{Error, Result};

/// Renders the documentation of one code.
pub fn render(code: Code) -> String {
    let d = code.doc();
    format!(
        "{code} ({severity})\n\n{summary}\n\nWhy it matters:\n  {why}\n\nHow to fix it:\n  {fix}\n\nExample:\n  {example}\n",
        severity = code.severity().as_str(),
        summary = d.summary,
        why = d.why,
        fix = d.fix,
        example = d.example,
    )
}

/// Runs `explain`.
pub fn run(args: &ExplainArgs) -> Result<u8> {
    match Code::parse(args.code.trim()) {
        Some(code) => {
            print_stdout(&render(code))?;
            Ok(0)
        }
        None => {
            let names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
            let close = names
                .iter()
                .map(|n| {
                    (
                        similar::TextDiff::from_chars(*n, args.code.as_str()).ratio(),
                        *n,
                    )
                })
                .filter(|(r, _)| *r >= 0.6)
                .max_by(|a, b| a.0.total_cmp(&b.0));
            let mut e = Error::usage(format!("unknown finding code `{}`", args.code));
            e = e.with_help(match close {
                Some((_, n)) => format!("did you mean `{n}`? known codes: {}", names.join(", ")),
                None => format!("known codes: {}", names.join(", ")),
            });
            Err(e)
        }
    }
}
