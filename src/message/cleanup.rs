//! Hook-time message cleanup: what `git commit` does to an edited message with the default
//! `commit.cleanup=strip` (and `-v`/scissors), so the commit-msg hook parses the same message
//! CI will later read from the commit object.

/// The scissors marker that follows the comment string on git's cut line.
pub const CUT_LINE: &str = " ------------------------ >8 ------------------------";

/// Cleans `msg` like `git commit --cleanup=strip -v` does, with comment string `comment`
/// (git's `core.commentChar`/`core.commentString`, usually `#`):
///
/// 1. cut at the scissors line `<comment> ------------------------ >8 ------------------------`
///    (a whole line, followed by a newline) and drop everything from it on;
/// 2. drop lines that start with `comment` (when `comment` is not empty);
/// 3. strip trailing whitespace from every line, collapse runs of blank lines into one, drop
///    leading and trailing blank lines, end every line with a single `\n`.
///
/// The result is empty when nothing but blank and comment lines remain.
pub fn cleanup(msg: &[u8], comment: &str) -> Vec<u8> {
    let cut = cut_at_scissors(msg, comment);
    strip(cut, comment)
}

/// The part of `msg` before the scissors line (all of `msg` when there is none).
pub fn cut_at_scissors<'m>(msg: &'m [u8], comment: &str) -> &'m [u8] {
    let mut pattern = comment.as_bytes().to_vec();
    pattern.extend_from_slice(CUT_LINE.as_bytes());
    pattern.push(b'\n');
    let mut start = 0;
    while start < msg.len() {
        let rest = msg.get(start..).unwrap_or_default();
        if rest.starts_with(&pattern) {
            return msg.get(..start).unwrap_or_default();
        }
        match rest.iter().position(|&b| b == b'\n') {
            Some(p) => start += p + 1,
            None => break,
        }
    }
    msg
}

/// git's `strbuf_stripspace` (C `isspace` whitespace): comment lines removed (if `comment` is not empty), trailing
/// whitespace stripped, blank-line runs collapsed, leading/trailing blank lines removed.
pub fn strip(msg: &[u8], comment: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(msg.len());
    let mut pending_blank = false;
    for line in msg.split_inclusive(|&b| b == b'\n') {
        if !comment.is_empty() && line.starts_with(comment.as_bytes()) {
            continue;
        }
        let content_len = line
            .iter()
            .rposition(|b| !matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
            .map_or(0, |p| p + 1);
        let content = line.get(..content_len).unwrap_or_default();
        if content.is_empty() {
            pending_blank = true;
            continue;
        }
        if pending_blank && !out.is_empty() {
            out.push(b'\n');
        }
        pending_blank = false;
        out.extend_from_slice(content);
        out.push(b'\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_comments_and_blank_runs() {
        let m = b"\n\nsubj  \n# comment\n\n\n\nbody\t\r\n\n";
        assert_eq!(cleanup(m, "#"), b"subj\n\nbody\n");
    }

    #[test]
    fn cuts_at_scissors() {
        let m = b"subj\n\nReviewed-by: X\n# ------------------------ >8 ------------------------\ndiff\n";
        assert_eq!(cleanup(m, "#"), b"subj\n\nReviewed-by: X\n");
        // Another comment string.
        let m = b"subj\n; ------------------------ >8 ------------------------\nx\n";
        assert_eq!(cleanup(m, ";"), b"subj\n");
        // Not at line start: no cut.
        let m = b"subj x# ------------------------ >8 ------------------------\n";
        assert_eq!(cut_at_scissors(m, "#"), m.as_slice());
    }

    #[test]
    fn empty_comment_string_keeps_hash_lines() {
        assert_eq!(cleanup(b"a\n# b\n", ""), b"a\n# b\n");
        assert_eq!(cleanup(b"# only\n\n", "#"), b"");
    }
}
