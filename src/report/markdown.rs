//! GitHub-flavoured Markdown for a PR comment or a job summary (`$GITHUB_STEP_SUMMARY`).
//!
//! A verdict headline, a counts table, a table of the commits that need attention and the exact
//! fixes. Untrusted text (subjects, messages, paths, names) is escaped: Markdown punctuation
//! gets a backslash, HTML's `<`, `>`, `&` become entities, line breaks become spaces and
//! `@mentions` are broken with a zero-width space so a commit cannot ping people. The output is
//! capped at [`MAX_BYTES`] (GitHub's step summary limit is 1 MiB) with a note when truncated.

use crate::evaluate::{CommitReport, Finding, Report, Verdict};
use crate::policy::Policy;
use crate::report::short_id;

/// The size cap: GitHub rejects step summaries over 1 MiB.
pub const MAX_BYTES: usize = 1024 * 1024;

/// Escapes untrusted text for inline Markdown (table cells, list items): one line, no markup,
/// no HTML, no mentions.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '@' => out.push_str("@&#8203;"),
            '\r' | '\n' | '\t' | '\u{2028}' | '\u{2029}' => out.push(' '),
            c if crate::message::unicode::is_forbidden(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A code span for text that is safe inside one (letters, digits and `-_./:`); anything else is
/// escaped plain text.
fn code(s: &str) -> String {
    let safe = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':'));
    if safe { format!("`{s}`") } else { escape(s) }
}

/// The longest run of backticks in `s`: a code span or fence around `s` needs one more.
pub fn longest_backtick_run(s: &str) -> usize {
    s.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// One line of countersign's own fix text: the `code spans` it writes stay code spans (inside
/// one, Markdown, HTML and mentions are inert, so only backticks, line breaks and forbidden
/// characters need care, and the split on backticks removes the first), everything else is
/// escaped like untrusted text. An unpaired backtick is escaped as plain text.
fn fix_line(line: &str) -> String {
    let parts: Vec<&str> = line.split('`').collect();
    let last = parts.len() - 1;
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 0 {
            out.push_str(&escape(part));
        } else if i < last && !part.trim().is_empty() {
            // A code span: its content is inert; only line breaks and forbidden characters.
            out.push('`');
            out.extend(part.chars().map(|c| match c {
                '\r' | '\n' | '\t' | '\u{2028}' | '\u{2029}' => ' ',
                c if crate::message::unicode::is_forbidden(c) => '\u{FFFD}',
                c => c,
            }));
            out.push('`');
        } else {
            // An empty span or an unpaired backtick: plain text.
            out.push_str("\\`");
            out.push_str(&escape(part));
            if i < last {
                out.push_str("\\`");
            }
        }
    }
    out
}

/// countersign's own (multi-line) fix text for a list item: lines joined with `<br>`, code
/// spans kept (`fix_line`), and indented lines (a block to paste, such as a waiver) as a
/// fenced block indented by `indent` under the item. The fence is longer than any backtick
/// run in the block, so nothing in it can close it.
pub fn fix_text(text: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut block: Vec<&str> = Vec::new();
    let flush = |block: &mut Vec<&str>, out: &mut String| {
        if block.is_empty() {
            return;
        }
        let longest = block
            .iter()
            .map(|l| longest_backtick_run(l))
            .max()
            .unwrap_or(0);
        let fence = "`".repeat(longest.max(2) + 1);
        out.push_str(&format!("\n\n{indent}{fence}yaml\n"));
        for l in block.drain(..) {
            let inert: String = l
                .strip_prefix("  ")
                .unwrap_or(l)
                .chars()
                .map(|c| {
                    if crate::message::unicode::is_forbidden(c) || c == '\r' {
                        '\u{FFFD}'
                    } else {
                        c
                    }
                })
                .collect();
            out.push_str(&format!("{indent}{inert}\n"));
        }
        out.push_str(&format!("{indent}{fence}\n\n{indent}"));
    };
    let mut first = true;
    for line in text.lines() {
        if line.starts_with("  ") {
            block.push(line);
            continue;
        }
        let had_block = !block.is_empty();
        flush(&mut block, &mut out);
        if !first && !had_block {
            out.push_str("<br>");
        }
        first = false;
        out.push_str(&fix_line(line));
    }
    flush(&mut block, &mut out);
    out.trim_end().to_string()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn needs_attention(c: &CommitReport) -> bool {
    c.findings.iter().any(|f| f.waived_by.is_none())
}

/// One list item: `- [prefix ]code — message (path) — waived by … | Fix: …`.
fn finding_line(prefix: &str, f: &Finding) -> String {
    let mut s = format!(
        "- {prefix}{} — {}",
        code(f.code.as_str()),
        fix_line(&f.message)
    );
    if let Some(p) = &f.path
        && !f.message.contains(p.as_str())
    {
        s.push_str(&format!(" (path {})", code(p)));
    }
    if let Some(w) = &f.waived_by {
        s.push_str(&format!(" — waived by {}", code(w)));
    } else {
        let fix = f.help.as_deref().unwrap_or(f.code.doc().fix);
        s.push_str(&format!("\n  - **Fix:** {}", fix_text(fix, "    ")));
    }
    s.push('\n');
    s
}

fn full(report: &Report) -> String {
    let s = &report.summary;
    let mut out = String::new();
    match report.verdict {
        Verdict::Fail => out.push_str("## ❌ countersign: fail\n\n"),
        Verdict::Pass => out.push_str("## ✅ countersign: pass\n\n"),
    }
    let failing = report.commits.iter().filter(|c| c.is_failing()).count();
    let run_errors = report.findings.iter().filter(|f| f.is_blocking()).count();
    match report.verdict {
        Verdict::Fail => {
            let mut what = Vec::new();
            if failing > 0 {
                what.push(plural(failing, "commit", "commits"));
            }
            if run_errors > 0 {
                what.push(plural(run_errors, "policy error", "policy errors"));
            }
            let verb = if failing + run_errors == 1 {
                "blocks"
            } else {
                "block"
            };
            out.push_str(&format!(
                "{} {verb} this change; the fixes are below.\n\n",
                what.join(" and ")
            ));
        }
        Verdict::Pass => out.push_str(&format!(
            "Every commit meets the policy ({} checked).\n\n",
            plural(s.commits, "commit", "commits")
        )),
    }
    out.push_str("| Commits | AI-assisted | Errors | Warnings | Waived |\n");
    out.push_str("| ---: | ---: | ---: | ---: | ---: |\n");
    out.push_str(&format!(
        "| {} | {} | {} | {} | {} |\n\n",
        s.commits, s.ai_assisted, s.errors, s.warnings, s.waived
    ));
    out.push_str(&format!(
        "Range {} · policy {} (digest {}) · {} {}\n",
        escape(&report.range.description),
        escape(&report.policy.source),
        code(short_id(&report.policy.digest)),
        report.tool.name,
        escape(report.tool.version)
    ));

    let listed: Vec<&CommitReport> = report
        .commits
        .iter()
        .filter(|c| needs_attention(c))
        .collect();
    if !listed.is_empty() {
        out.push_str("\n### Commits needing attention\n\n");
        out.push_str("| Commit | Subject | Tier | AI involvement | Findings |\n");
        out.push_str("| --- | --- | --- | --- | --- |\n");
        for c in &listed {
            let codes: Vec<String> = c
                .findings
                .iter()
                .filter(|f| f.waived_by.is_none())
                .map(|f| {
                    let mark = if f.is_blocking() { "❌" } else { "⚠️" };
                    format!("{mark} {}", code(f.code.as_str()))
                })
                .collect();
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                code(short_id(&c.id)),
                escape(&c.subject),
                c.tier.as_deref().map(code).unwrap_or_else(|| "—".into()),
                c.involvement.as_str(),
                codes.join("<br>")
            ));
        }
        out.push_str("\n### How to fix\n");
        for c in &listed {
            out.push_str(&format!(
                "\n**{}** {}\n\n",
                code(short_id(&c.id)),
                escape(&c.subject)
            ));
            for f in c.findings.iter().filter(|f| f.waived_by.is_none()) {
                out.push_str(&finding_line("", f));
            }
        }
    }

    let waived: Vec<(&CommitReport, &Finding)> = report
        .commits
        .iter()
        .flat_map(|c| c.findings.iter().map(move |f| (c, f)))
        .filter(|(_, f)| f.waived_by.is_some())
        .collect();
    if !waived.is_empty() {
        out.push_str("\n### Waived\n\n");
        for (c, f) in waived {
            out.push_str(&finding_line(&format!("{} ", code(short_id(&c.id))), f));
        }
    }

    if !report.findings.is_empty() {
        out.push_str("\n### Policy\n\n");
        for f in &report.findings {
            out.push_str(&finding_line("", f));
        }
    }
    out
}

/// Renders the Markdown summary, capped at [`MAX_BYTES`].
pub fn render(report: &Report, _policy: &Policy) -> String {
    render_limited(report, MAX_BYTES)
}

/// Renders the Markdown summary capped at `max_bytes`: when longer, it is cut at a line break
/// and ends with a note saying so.
pub fn render_limited(report: &Report, max_bytes: usize) -> String {
    let text = full(report);
    if text.len() <= max_bytes {
        return text;
    }
    let note = format!(
        "\n\n> **Note:** this summary was truncated to fit {max_bytes} bytes (the full text is {} bytes); the JSON or SARIF report has every finding.\n",
        text.len()
    );
    let budget = max_bytes.saturating_sub(note.len());
    let mut cut = budget.min(text.len());
    while cut > 0 && !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = text.get(..cut).unwrap_or_default();
    let head = match head.rfind('\n') {
        Some(i) => head.get(..i).unwrap_or_default(),
        None => "",
    };
    let mut out = head.to_string();
    out.push_str(&note);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fix_code_spans_render_as_code() {
        let t = fix_text(
            "after review: git rebase -i abc~1  (mark it `reword`, then add `Reviewed-by: A <a@b.c>`)",
            "    ",
        );
        assert!(t.contains("`reword`"), "{t}");
        assert!(t.contains("`Reviewed-by: A <a@b.c>`"), "{t}");
        assert!(!t.contains("\\`"), "{t}");
    }

    #[test]
    fn fix_text_outside_spans_is_escaped() {
        let t = fix_text("ask @team <b>now</b> | *x*", "    ");
        assert_eq!(t, "ask @&#8203;team &lt;b&gt;now&lt;/b&gt; \\| \\*x\\*");
    }

    #[test]
    fn unpaired_and_empty_backticks_stay_plain() {
        assert_eq!(fix_line("a ` b"), "a \\` b");
        assert_eq!(fix_line("a `` b"), "a \\`\\` b");
        assert_eq!(fix_line("`x` and ` y"), "`x` and \\` y");
    }

    #[test]
    fn hostile_text_in_a_span_is_inert_and_clean() {
        let t = fix_text("`Evil\u{1b}[31m\u{202e}\u{7}<script>` rejected", "    ");
        assert!(
            !t.contains('\u{1b}') && !t.contains('\u{202e}') && !t.contains('\u{7}'),
            "{t:?}"
        );
        assert!(t.starts_with('`'), "{t}");
    }

    #[test]
    fn indented_lines_become_a_fenced_block_nothing_can_close() {
        let t = fix_text(
            "is already on main.\nrecord it:\n  waivers:\n    - id: W-1\n      reason: \"````\"\nor: baseline: abc",
            "    ",
        );
        assert!(
            t.contains("\n\n    `````yaml\n    waivers:\n      - id: W-1\n"),
            "{t}"
        );
        assert!(t.contains("\n    `````\n\n    or: baseline: abc"), "{t}");
        assert!(t.starts_with("is already on main.<br>record it:"), "{t}");
    }
}
