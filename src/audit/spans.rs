//! Markdown code spans in one line of text (CommonMark §6.1), so commit subjects and finding
//! messages written with `` `x` `` show code in both renderings instead of raw backticks.
//!
//! A run of *n* backticks opens a span that the next run of exactly *n* backticks closes; a
//! run without a partner is literal text. One space is stripped from each side of the content
//! when both are there and the content is not only spaces.

/// Splits `s` into `(is_code, text)` parts, in order; adjacent text parts are merged.
pub fn spans(s: &str) -> Vec<(bool, String)> {
    let mut out: Vec<(bool, String)> = Vec::new();
    let push_text = |out: &mut Vec<(bool, String)>, t: &str| {
        if t.is_empty() {
            return;
        }
        match out.last_mut() {
            Some((false, prev)) => prev.push_str(t),
            _ => out.push((false, t.to_string())),
        }
    };
    let mut rest = s;
    while let Some(open) = rest.find('`') {
        let n = run_len(rest.get(open..).unwrap_or(""));
        let after = open + n;
        let Some(close) = find_run(rest.get(after..).unwrap_or(""), n) else {
            // No partner: this run is literal; go on after it.
            push_text(&mut out, rest.get(..after).unwrap_or(""));
            rest = rest.get(after..).unwrap_or("");
            continue;
        };
        push_text(&mut out, rest.get(..open).unwrap_or(""));
        let content = rest.get(after..after + close).unwrap_or("");
        let content = match content.strip_prefix(' ').and_then(|c| c.strip_suffix(' ')) {
            Some(inner) if !content.chars().all(|c| c == ' ') => inner,
            _ => content,
        };
        out.push((true, content.to_string()));
        rest = rest.get(after + close + n..).unwrap_or("");
    }
    push_text(&mut out, rest);
    out
}

/// The length of the backtick run at the start of `s`.
fn run_len(s: &str) -> usize {
    s.bytes().take_while(|&b| b == b'`').count()
}

/// The offset of the next run of exactly `n` backticks in `s`.
fn find_run(s: &str, n: usize) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b.get(i) == Some(&b'`') {
            let len = run_len(s.get(i..).unwrap_or(""));
            if len == n {
                return Some(i);
            }
            i += len;
        } else {
            i += 1;
        }
    }
    None
}

/// The longest run of backticks in `s` (a code span around `s` needs one more).
pub use crate::report::markdown::longest_backtick_run as longest_run;

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> (bool, String) {
        (true, s.to_string())
    }
    fn text(s: &str) -> (bool, String) {
        (false, s.to_string())
    }

    #[test]
    fn commonmark_code_spans() {
        assert_eq!(spans("a `b` c"), vec![text("a "), code("b"), text(" c")]);
        assert_eq!(spans("``a ` b``"), vec![code("a ` b")]);
        assert_eq!(spans("`` `x` ``"), vec![code("`x`")]);
        assert_eq!(spans("a ` b"), vec![text("a ` b")]);
        assert_eq!(spans("`a``"), vec![text("`a``")]);
        assert_eq!(spans("```"), vec![text("```")]);
        assert_eq!(spans("`  `"), vec![code("  ")]);
        assert_eq!(
            spans("x `é` y `"),
            vec![text("x "), code("é"), text(" y `")]
        );
        assert_eq!(spans(""), vec![]);
        assert_eq!(longest_run("a``b```c"), 3);
        assert_eq!(longest_run("abc"), 0);
    }
}
