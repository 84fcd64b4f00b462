//! The shape of a message as detection reads it: which lines are *examples* (fenced code
//! blocks), which belong to a *squash body* (the messages of the commits a platform squashed
//! into this one), and the *segments* of a line that holds literal `\n` sequences.
//!
//! Why: a marker in a squash body is real involvement, but nobody can "move it into the
//! trailer block" of a commit the platform wrote, so it counts without a warning; a marker in
//! a fenced example is documentation, not involvement; and tools that write messages with
//! literal `\n` escapes put a whole message (trailers included) on one line.
//!
//! Squash bodies recognised (all lines after the title, before the end given below):
//!
//! | writer | shape | ends at |
//! | --- | --- | --- |
//! | GitHub squash merge | paragraphs starting `* <subject>` (one per commit), then a `---------` line before the co-author trailers | the `---------` line |
//! | GitLab `%{all_commits}` | `* <message>` per commit, joined by blank lines (the first may follow a line ending in `:`, e.g. `Squashed commits:`) | the trailer block, or the end |
//! | `git merge --squash` | a line `Squashed commit of the following:`, then `commit`/`Author:`/`Date:` headers and 4-space indented messages | the trailer block, or the end |
//!
//! Bullets alone are a squash body only with the `---------` line or with at least two
//! `* ` paragraphs; a single bulleted list in one paragraph is an ordinary body. The trailer
//! block itself is never part of a squash body and never an example: git reads it as trailers
//! whatever surrounds it.

use std::ops::Range;

use super::matching::lines;

/// The line git's squash-merge writes before the commits it lists.
const GIT_SQUASH_HEADER: &[u8] = b"Squashed commit of the following:";

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|&b| b == b' ' || b == b'\t')
}

fn trim_end(line: &[u8]) -> &[u8] {
    let n = line
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(0, |i| i + 1);
    line.get(..n).unwrap_or(line)
}

/// A line of only `-` (at least three), as GitHub writes before a squash's co-authors.
fn is_separator(line: &[u8]) -> bool {
    let t = trim_end(line);
    t.len() >= 3 && t.iter().all(|&b| b == b'-')
}

/// A fence line of a Markdown code block (```` ``` ```` or `~~~`, optionally indented).
pub(super) fn is_fence(line: &[u8]) -> bool {
    let t = line
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .and_then(|i| line.get(i..))
        .unwrap_or_default();
    t.starts_with(b"```") || t.starts_with(b"~~~")
}

/// The byte range of the squash body of `msg`, if it has one (see the module documentation).
/// `block` is the trailer block; the squash body always ends before it.
pub(super) fn squash_body(msg: &[u8], block: Option<&Range<usize>>) -> Option<Range<usize>> {
    let block_start = block.map_or(msg.len(), |b| b.start);
    let mut in_title = true;
    let mut prev_blank = false;
    let mut prev_colon = false;
    let mut first_bullet: Option<usize> = None;
    let mut bullets = 0usize;
    let mut separator: Option<usize> = None;
    for r in lines(msg) {
        if r.start >= block_start {
            break;
        }
        let line = msg.get(r.clone()).unwrap_or_default();
        let blank = is_blank(line);
        if in_title {
            // The title paragraph never belongs to a squash body.
            if blank {
                in_title = false;
                prev_blank = true;
            }
            continue;
        }
        if trim_end(line) == GIT_SQUASH_HEADER {
            return Some(r.start..block_start);
        }
        if line.starts_with(b"* ") && (prev_blank || prev_colon) {
            bullets += 1;
            first_bullet.get_or_insert(r.start);
        }
        if first_bullet.is_some() && separator.is_none() && is_separator(line) {
            separator = Some(r.start);
        }
        prev_blank = blank;
        prev_colon = trim_end(line).ends_with(b":");
    }
    let start = first_bullet?;
    if separator.is_none() && bullets < 2 {
        return None;
    }
    Some(start..separator.unwrap_or(block_start))
}

/// The segments of one line: the line split at literal `\n` escapes (a backslash and `n`;
/// a `\r` escape before one is dropped). Absolute byte ranges; a line without escapes is one
/// segment.
pub(super) fn segments(msg: &[u8], line: Range<usize>) -> impl Iterator<Item = Range<usize>> + '_ {
    let end = line.end;
    let mut start = Some(line.start);
    std::iter::from_fn(move || {
        let s = start?;
        let rest = msg.get(s..end)?;
        let (seg_end, next) = match rest.windows(2).position(|w| w == b"\\n") {
            Some(i) => (s + i, Some(s + i + 2)),
            None => (end, None),
        };
        start = next.filter(|&n| n < end);
        let seg_end = match msg.get(s..seg_end) {
            Some(t) if t.ends_with(b"\\r") => seg_end - 2,
            _ => seg_end,
        };
        Some(s..seg_end)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(msg: &str, block: Option<Range<usize>>) -> Option<&str> {
        squash_body(msg.as_bytes(), block.as_ref()).map(|r| &msg[r])
    }

    #[test]
    fn github_squash_with_separator() {
        let msg = "Add x (#12)\n\n* first\n\nCo-authored-by: Claude <noreply@anthropic.com>\n\n* second\n\n---------\n\nCo-authored-by: Claude <noreply@anthropic.com>\n";
        let block = msg.rfind("Co-authored-by").map(|s| s..msg.len() - 1);
        let b = body(msg, block).expect("squash");
        assert!(b.starts_with("* first"), "{b}");
        assert!(b.ends_with("* second\n\n"), "{b}");
    }

    #[test]
    fn bullets_need_two_paragraphs_or_a_separator() {
        assert_eq!(body("Fix\n\n* a\n* b\n\nAssisted-by: X\n", None), None);
        assert!(body("Fix\n\n* a\n\n* b\n", None).is_some());
        assert!(body("Fix\n\nSquashed commits:\n* a\n\nbody\n\n* b\n", None).is_some());
        assert_eq!(body("* a\n\n* b\n", None), None, "title only");
        assert_eq!(body("Fix\n\n---------\n\n* a\n", None), None);
    }

    #[test]
    fn git_merge_squash() {
        let msg = "Merge feature\n\nSquashed commit of the following:\n\ncommit 1234\nAuthor: Claude <noreply@anthropic.com>\n\n    Fix\n";
        assert!(
            body(msg, None)
                .expect("squash")
                .starts_with("Squashed commit")
        );
    }

    #[test]
    fn fences() {
        assert!(is_fence(b"```"));
        assert!(is_fence(b"  ~~~text"));
        assert!(!is_fence(b"`x`"));
    }

    #[test]
    fn literal_newlines_split_a_line() {
        let m = br"a\n\nb\r\nc\n";
        let got: Vec<&[u8]> = segments(m, 0..m.len()).map(|r| &m[r]).collect();
        assert_eq!(got, vec![&b"a"[..], b"", b"b", b"c"]);
        let plain = b"plain";
        assert_eq!(segments(plain, 0..5).count(), 1);
    }
}
