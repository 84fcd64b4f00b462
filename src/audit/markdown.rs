//! An audit as Markdown (GitHub-flavoured): a formatter of the [`rows`] document, nothing
//! more. Every piece of text goes through one function, [`inline`]:
//!
//! - prose: ASCII punctuation Markdown or HTML would act on gets a backslash (`\<script\>`
//!   renders as `<script>`, text and not a tag), an `@` that could mention someone is broken
//!   with a zero-width space entity;
//! - code: a code span fenced with one backtick more than the longest run inside, so its
//!   content is shown verbatim (`<embedded default policy>` needs no escaping there); in a
//!   table cell `|` is written `\|`, which GitHub reads as a literal `|` even in code.
//!
//! The text reaching the formatter was neutralised by the model ([`rows::clean`]): no
//! control, bidi or invisible character, no line break.

use std::fmt::Write;

use crate::audit::rows::{self, Block, Document, Inline, Kind, Table};
use crate::audit::spans::longest_run;
use crate::audit::summary::Summary;
use crate::report::short_id;

pub use crate::audit::rows::MAX_ROWS;
pub use crate::audit::tables::flags;

/// Renders `s` as Markdown.
pub fn render(s: &Summary) -> String {
    format(&rows::document(s))
}

/// Formats a document.
pub fn format(d: &Document) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# countersign audit\n");
    for (label, value) in &d.header {
        let _ = writeln!(o, "- **{label}:** {}", line(value, false));
    }
    for sec in &d.sections {
        if sec.blocks.iter().all(|b| matches!(b, Block::Chart(_))) {
            continue; // the tables hold the same figures
        }
        let hashes = "#".repeat(usize::from(sec.level.clamp(2, 3)));
        let _ = writeln!(o, "\n{hashes} {}\n", prose_text(&sec.title));
        let mut first = true;
        for b in &sec.blocks {
            if matches!(b, Block::Chart(_)) {
                continue;
            }
            if !first {
                o.push('\n');
            }
            first = false;
            block(&mut o, b);
        }
    }
    o
}

fn block(o: &mut String, b: &Block) {
    match b {
        Block::Para(p) => {
            let _ = writeln!(o, "{}", line(p, false));
        }
        Block::List(items) => {
            for i in items {
                let _ = writeln!(o, "- {}", line(i, false));
            }
        }
        Block::Figures(f) => {
            for x in f {
                let _ = writeln!(o, "- **{}** {}", prose_text(&x.value), prose_text(&x.label));
            }
        }
        Block::Table(t) => table(o, t),
        Block::Chart(_) => {}
    }
}

fn table(o: &mut String, t: &Table) {
    let head: Vec<String> = t.columns.iter().map(|c| prose_text(c.title)).collect();
    let rule: Vec<&str> = t
        .columns
        .iter()
        .map(|c| if c.kind == Kind::Num { "---:" } else { "---" })
        .collect();
    let _ = writeln!(o, "| {} |\n| {} |", head.join(" | "), rule.join(" | "));
    for row in &t.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|cell| {
                let lines: Vec<String> = cell.iter().map(|l| line(l, true)).collect();
                let s = lines.join(" · ");
                if s.is_empty() { "–".to_string() } else { s }
            })
            .collect();
        let _ = writeln!(o, "| {} |", cells.join(" | "));
    }
    if t.hidden > 0 {
        let _ = writeln!(
            o,
            "\n{} more not shown; `--format jsonl` lists every commit.",
            t.hidden
        );
    }
}

fn line(l: &[Inline], in_table: bool) -> String {
    l.iter().map(|i| inline(i, in_table)).collect()
}

/// The one escaping function: every piece of text of the document is written by it.
pub fn inline(i: &Inline, in_table: bool) -> String {
    match i {
        Inline::Text(s) | Inline::Word(s) | Inline::Key(s) => prose_text(s),
        Inline::Strong(s) => format!("**{}**", prose_text(s)),
        Inline::Code(s) => code_span(s, in_table),
        Inline::Commit(id) => code_span(short_id(id), in_table),
    }
}

/// Prose with Markdown and HTML syntax escaped.
fn prose_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut prev: Option<char> = None;
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '~' | '#' | '$' | '!' => {
                out.push('\\');
                out.push(c);
            }
            // `@name` mentions someone on GitHub; `a@b` (an address) does not.
            '@' if !prev.is_some_and(char::is_alphanumeric) => out.push_str("@&#8203;"),
            c => out.push(c),
        }
        prev = Some(c);
    }
    out
}

/// A code span showing `s` verbatim.
fn code_span(s: &str, in_table: bool) -> String {
    if s.is_empty() {
        return String::new();
    }
    let fence = "`".repeat(longest_run(s) + 1);
    let body = if in_table {
        s.replace('|', "\\|")
    } else {
        s.to_string()
    };
    // A span starting or ending with a backtick (or a space on both sides) needs padding.
    let pad = body.starts_with('`')
        || body.ends_with('`')
        || (body.starts_with(' ') && body.ends_with(' '));
    if pad {
        format!("{fence} {body} {fence}")
    } else {
        format!("{fence}{body}{fence}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_escape_for_every_cell() {
        assert_eq!(
            prose_text("<script> & *x* | @all a@b.c"),
            "\\<script\\> \\& \\*x\\* \\| @&#8203;all a@b.c"
        );
        assert_eq!(
            code_span("<embedded default policy>", false),
            "`<embedded default policy>`"
        );
        assert_eq!(code_span("a|b", true), "`a\\|b`");
        assert_eq!(code_span("a`b", false), "``a`b``");
        assert_eq!(code_span("`x`", false), "`` `x` ``");
        assert_eq!(code_span("", false), "");
    }
}
