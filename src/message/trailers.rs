//! The trailer parser (strict profile).
//!
//! Follows `git log --format=%(trailers:only,unfold)` on a commit object (whole message, no
//! `---` divider, title never holds trailers, only the last paragraph is a candidate), plus
//! countersign's strict differences (reference/threats.md §3):
//!
//! * the last paragraph is the trailer block only if **every** line is a trailer line, a
//!   continuation line or a git-generated `(cherry picked from commit <hex>)` line — git's
//!   25 % / `Signed-off-by` rule is not applied ([`Anomaly::NonTrailerInBlock`]);
//! * comment-looking lines (`# …`) and URL-like lines (`https://…`) are ordinary non-trailer
//!   lines, so the verdict depends neither on `core.commentChar` nor on the git version;
//! * CRLF is read as LF; a bare CR, a NUL or a leading blank line means no trailers at all;
//! * a trailer whose line holds a control, format (Cf) or bidi character, or invalid UTF-8,
//!   is not returned ([`Anomaly::ControlChar`]).
//!
//! The parser works on bytes, runs in linear time and never panics.

use std::ops::Range;

/// One trailer of the final trailer block.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Trailer {
    /// The key as written (original case).
    pub key: String,
    /// The value: continuation lines unfolded with one space, trimmed.
    pub value: String,
    /// Byte span of the whole trailer (key line and continuation lines, without the final newline).
    pub span: Range<usize>,
    /// Byte span of the key.
    pub key_span: Range<usize>,
}

impl Trailer {
    /// True when the key equals `key`, compared ASCII case-insensitively.
    pub fn key_is(&self, key: &str) -> bool {
        self.key.eq_ignore_ascii_case(key)
    }
}

/// Something about a message that makes countersign refuse to read evidence from (part of) it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Anomaly {
    /// A NUL byte: git stops reading there; we read no trailers at all.
    Nul {
        /// Byte offset of the first NUL.
        offset: usize,
    },
    /// Lines end in CR only (or CR and LF are mixed so that a bare CR ends a line): no trailers.
    CrLineEndings {
        /// Byte offset of the first bare CR.
        offset: usize,
    },
    /// A control, format (Cf) or bidi character inside a trailer line: that trailer is not evidence.
    ControlChar {
        /// Byte span of the trailer (key line and continuation lines).
        span: Range<usize>,
    },
    /// The last paragraph mixes trailers and other lines (git's 25 % rule would accept it; we do not).
    NonTrailerInBlock {
        /// Byte span of the whole last paragraph (without the final newline).
        span: Range<usize>,
    },
    /// The message starts with a blank line (git would still find trailers there; `git log` does not).
    LeadingBlankLine,
    /// The trailer block holds more than [`MAX_TRAILERS`] trailers: none is read, and the
    /// evaluator stops with a limit error (exit 2).
    TooManyTrailers {
        /// How many trailer lines the block has.
        count: usize,
        /// The limit.
        limit: usize,
    },
}

/// The most trailers one commit may carry. A real trailer block has a handful; thousands are
/// an attack on the reporters (and on people reading the report), so the run stops instead.
pub const MAX_TRAILERS: usize = 1000;

/// The result of parsing one message.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct ParsedMessage {
    /// Trailers that may serve as evidence, in order.
    pub trailers: Vec<Trailer>,
    /// Byte span of the trailer block, when there is one.
    pub block: Option<Range<usize>>,
    /// Anomalies found.
    pub anomalies: Vec<Anomaly>,
}

impl ParsedMessage {
    /// The trailers whose key equals `key` (ASCII case-insensitive), in order.
    pub fn get<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Trailer> + 'a {
        self.trailers.iter().filter(move |t| t.key_is(key))
    }

    /// True when the parser refused to read the whole message (NUL, bare CR, leading blank line)
    /// or rejected the last paragraph as a mixed block.
    pub fn block_rejected(&self) -> bool {
        self.anomalies.iter().any(|a| {
            matches!(
                a,
                Anomaly::Nul { .. }
                    | Anomaly::CrLineEndings { .. }
                    | Anomaly::LeadingBlankLine
                    | Anomaly::NonTrailerInBlock { .. }
                    | Anomaly::TooManyTrailers { .. }
            )
        })
    }
}

/// One line of a message: `start..end` is its content, without `\n` and without a `\r` right
/// before the `\n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    /// Offset of the first byte of the line.
    pub start: usize,
    /// Offset just after the content (before `\r\n` / `\n`, or the end of the message).
    pub end: usize,
}

impl Line {
    /// The content bytes of the line in `msg` (empty if the range does not fit `msg`).
    pub fn bytes<'m>(&self, msg: &'m [u8]) -> &'m [u8] {
        msg.get(self.start..self.end).unwrap_or_default()
    }

    /// The byte span of the content.
    pub fn span(&self) -> Range<usize> {
        self.start..self.end
    }
}

/// Splits `msg` into lines (LF and CRLF endings; a final line without newline counts).
pub fn lines(msg: &[u8]) -> Vec<Line> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < msg.len() {
        let nl = msg
            .get(start..)
            .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
            .map(|p| start + p);
        let (content_end, next) = match nl {
            Some(n) => (n, n + 1),
            None => (msg.len(), msg.len()),
        };
        let end = if content_end > start && msg.get(content_end - 1) == Some(&b'\r') {
            content_end - 1
        } else {
            content_end
        };
        out.push(Line { start, end });
        start = next;
    }
    out
}

/// True for an empty or whitespace-only (SP, TAB, CR) line, as git's `is_blank_line`.
pub fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|&b| matches!(b, b' ' | b'\t' | b'\r'))
}

/// If `line` is a strict trailer line, the end of its key and the offset just after the `:`.
///
/// Key = ASCII `[A-Za-z0-9-]+` at the start of the line, then optional spaces/tabs, then `:`.
/// A separator directly followed by `//` (a URL such as `https://x`) is not a trailer.
pub fn trailer_key(line: &[u8]) -> Option<(usize, usize)> {
    let key_end = line
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'-'))
        .unwrap_or(line.len());
    if key_end == 0 {
        return None;
    }
    let mut i = key_end;
    while matches!(line.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    if line.get(i) != Some(&b':') {
        return None;
    }
    let after = i + 1;
    if line.get(after..after + 2) == Some(b"//".as_slice()) {
        return None;
    }
    Some((key_end, after))
}

/// True for git's `(cherry picked from commit <hex>)` line (trailing whitespace allowed).
pub fn is_cherry_pick_line(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"(cherry picked from commit ".as_slice()) else {
        return false;
    };
    let rest = trim_end(rest);
    let Some(hex) = rest.strip_suffix(b")".as_slice()) else {
        return false;
    };
    (4..=64).contains(&hex.len()) && hex.iter().all(|b| b.is_ascii_hexdigit())
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    b.get(n..).unwrap_or_default()
}

fn trim_end(b: &[u8]) -> &[u8] {
    let n = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(0, |p| p + 1);
    b.get(..n).unwrap_or_default()
}

fn trim(b: &[u8]) -> &[u8] {
    trim_start(trim_end(b))
}

/// True for characters that make a trailer line unusable as evidence: controls other than TAB,
/// Unicode format (Cf) characters, bidi controls and invisible separators — the one list of
/// [`crate::message::unicode`].
pub use super::unicode::is_forbidden as is_forbidden_char;

/// Byte span of the last paragraph (the trailer-block candidate): the non-blank lines after the
/// last blank line, ignoring trailing blank lines. `None` when the message has no paragraph
/// after its title (or starts with a blank line, or holds a NUL or a bare CR).
pub fn last_paragraph(msg: &[u8]) -> Option<Range<usize>> {
    let ls = lines(msg);
    let (first, last) = candidate_lines(msg, &ls)?;
    Some(ls.get(first)?.start..ls.get(last)?.end)
}

/// Indices (first, last) of the candidate block lines, when the message is readable.
fn candidate_lines(msg: &[u8], ls: &[Line]) -> Option<(usize, usize)> {
    if msg.contains(&0) || bare_cr(msg).is_some() {
        return None;
    }
    let first = ls.first()?;
    if is_blank(first.bytes(msg)) {
        return None;
    }
    // The title is the first paragraph: it ends at the first blank line.
    let title_blank = ls.iter().position(|l| is_blank(l.bytes(msg)))?;
    let last = ls.iter().rposition(|l| !is_blank(l.bytes(msg)))?;
    if last < title_blank {
        return None;
    }
    let start = ls
        .get(..last)?
        .iter()
        .rposition(|l| is_blank(l.bytes(msg)))
        .map_or(0, |p| p + 1);
    Some((start, last))
}

fn bare_cr(msg: &[u8]) -> Option<usize> {
    msg.iter()
        .enumerate()
        .find(|&(i, &b)| b == b'\r' && msg.get(i + 1) != Some(&b'\n'))
        .map(|(i, _)| i)
}

/// Kind of one line of the candidate block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A trailer line: key end and value start (relative to the line).
    Trailer(usize, usize),
    Continuation,
    CherryPick,
    Other,
}

/// git's scissors line with the default comment char: it and everything below it are dropped.
pub const SCISSORS: &str = "# ------------------------ >8 ------------------------";

/// Parses a commit message (strict profile).
pub fn parse(msg: &[u8]) -> ParsedMessage {
    let mut out = ParsedMessage::default();
    if let Some(offset) = msg.iter().position(|&b| b == 0) {
        out.anomalies.push(Anomaly::Nul { offset });
        return out;
    }
    if let Some(offset) = bare_cr(msg) {
        out.anomalies.push(Anomaly::CrLineEndings { offset });
        return out;
    }
    let ls = lines(msg);
    if ls.first().is_some_and(|l| is_blank(l.bytes(msg))) {
        out.anomalies.push(Anomaly::LeadingBlankLine);
        return out;
    }
    let Some((first, last)) = candidate_lines(msg, &ls) else {
        return out;
    };
    let Some(block) = ls.get(first..=last) else {
        return out;
    };

    // Classify every line of the candidate block.
    let mut kinds = Vec::with_capacity(block.len());
    let mut prev_is_trailer = false;
    for l in block {
        let b = l.bytes(msg);
        let kind = if matches!(b.first(), Some(b' ' | b'\t')) {
            if prev_is_trailer {
                Kind::Continuation
            } else {
                Kind::Other
            }
        } else if let Some((k, v)) = trailer_key(b) {
            Kind::Trailer(k, v)
        } else if is_cherry_pick_line(b) {
            Kind::CherryPick
        } else {
            Kind::Other
        };
        prev_is_trailer = matches!(kind, Kind::Trailer(..) | Kind::Continuation);
        kinds.push(kind);
    }
    let any_trailer = kinds.iter().any(|k| matches!(k, Kind::Trailer(..)));
    let any_other = kinds.contains(&Kind::Other);
    let (Some(first_line), Some(last_line)) = (block.first(), block.last()) else {
        return out;
    };
    let block_span = first_line.start..last_line.end;
    if !any_trailer {
        // Ordinary prose (or only cherry-pick lines): no trailer block, nothing odd.
        return out;
    }
    if any_other {
        out.anomalies
            .push(Anomaly::NonTrailerInBlock { span: block_span });
        return out;
    }
    let count = kinds
        .iter()
        .filter(|k| matches!(k, Kind::Trailer(..)))
        .count();
    if count > MAX_TRAILERS {
        out.anomalies.push(Anomaly::TooManyTrailers {
            count,
            limit: MAX_TRAILERS,
        });
        return out;
    }
    out.block = Some(block_span);

    // Build the trailers: each trailer line plus the continuation lines directly under it.
    let mut i = 0;
    while let (Some(l), Some(kind)) = (block.get(i), kinds.get(i)) {
        let Kind::Trailer(key_end, value_start) = *kind else {
            i += 1;
            continue;
        };
        let line = l.bytes(msg);
        let mut value: Vec<u8> = line.get(value_start..).unwrap_or_default().to_vec();
        let mut end = l.end;
        let mut j = i + 1;
        while let (Some(c), Some(Kind::Continuation)) = (block.get(j), kinds.get(j)) {
            value.push(b' ');
            value.extend_from_slice(trim_start(c.bytes(msg)));
            end = c.end;
            j += 1;
        }
        let span = l.start..end;
        // Check the content of every line (line endings excluded).
        let clean = block.get(i..j).unwrap_or_default().iter().all(|l| {
            std::str::from_utf8(l.bytes(msg)).is_ok_and(|s| !s.chars().any(is_forbidden_char))
        });
        if clean {
            let key = String::from_utf8_lossy(line.get(..key_end).unwrap_or_default());
            out.trailers.push(Trailer {
                key: key.into_owned(),
                value: String::from_utf8_lossy(trim(&value)).into_owned(),
                span,
                key_span: l.start..l.start + key_end,
            });
        } else {
            out.anomalies.push(Anomaly::ControlChar { span });
        }
        i = j;
    }
    out
}

/// Key/value pairs as git 2.47 `git log --format=%(trailers:only,unfold)` would print them for
/// the same message — **for reporting and tests only**, never for evidence.
///
/// This is the git-compatible profile: git's 25 % rule with the `Signed-off-by: ` /
/// `(cherry picked from commit ` prefixes, `#` comment lines skipped (default comment char),
/// URL-like lines counted as trailers, leading blank lines skipped, text after a NUL ignored,
/// the message cut at the scissors line.
pub fn parse_git_compatible(msg: &[u8]) -> Vec<(String, String)> {
    let msg = msg.split(|&b| b == 0).next().unwrap_or_default();
    // git log starts at the subject: leading blank lines are skipped.
    let start = lines(msg)
        .iter()
        .find(|l| !is_blank(l.bytes(msg)))
        .map_or(msg.len(), |l| l.start);
    let msg = msg.get(start..).unwrap_or_default();
    // Raw lines split on LF only, as git does (a CR stays in the line).
    let mut raw: Vec<&[u8]> = msg.split(|&b| b == b'\n').collect();
    if msg.ends_with(b"\n") {
        raw.pop();
    }
    let is_comment = |l: &[u8]| l.first() == Some(&b'#');
    let git_blank = |l: &[u8]| l.iter().all(|&b| matches!(b, b' ' | b'\t' | b'\r'));
    let git_sep = |l: &[u8]| -> Option<usize> {
        let mut ws = false;
        for (i, &c) in l.iter().enumerate() {
            if c == b':' {
                return Some(i);
            }
            if !ws && (c.is_ascii_alphanumeric() || c == b'-') {
                continue;
            }
            if i != 0 && (c == b' ' || c == b'\t') {
                ws = true;
                continue;
            }
            break;
        }
        None
    };
    // The scissors line and everything below it are not part of the message.
    let mut end = raw
        .iter()
        .position(|l| *l == SCISSORS.as_bytes())
        .unwrap_or(raw.len());
    // Trailing comment and blank lines are not part of the message.
    while end > 0
        && raw
            .get(end - 1)
            .is_some_and(|l| is_comment(l) || git_blank(l))
    {
        end -= 1;
    }
    let raw = raw.get(..end).unwrap_or_default();
    let mut title_end = raw.len();
    for (i, l) in raw.iter().enumerate() {
        if is_comment(l) {
            continue;
        }
        if git_blank(l) {
            title_end = i;
            break;
        }
    }
    let (mut trailer_lines, mut non_trailer, mut cont, mut recognized) = (0usize, 0usize, 0, false);
    let mut block_start = None;
    let mut only_spaces = true;
    for i in (title_end..raw.len()).rev() {
        let Some(l) = raw.get(i) else { break };
        if is_comment(l) {
            non_trailer += cont;
            cont = 0;
            continue;
        }
        if git_blank(l) {
            if only_spaces {
                continue;
            }
            non_trailer += cont;
            if (recognized && trailer_lines * 3 >= non_trailer)
                || (trailer_lines > 0 && non_trailer == 0)
            {
                block_start = Some(i + 1);
            }
            break;
        }
        only_spaces = false;
        if l.starts_with(b"Signed-off-by: ") || l.starts_with(b"(cherry picked from commit ") {
            trailer_lines += 1;
            cont = 0;
            recognized = true;
            continue;
        }
        let sep = git_sep(l);
        let first_space = matches!(l.first(), Some(b' ' | b'\t' | b'\r'));
        if sep.is_some_and(|s| s >= 1) && !first_space {
            trailer_lines += 1;
            cont = 0;
        } else if first_space {
            cont += 1;
        } else {
            non_trailer += 1 + cont;
            cont = 0;
        }
    }
    let Some(bs) = block_start else {
        return Vec::new();
    };
    let mut items: Vec<Vec<u8>> = Vec::new();
    for l in raw.get(bs..).unwrap_or_default() {
        if is_comment(l) {
            continue;
        }
        if matches!(l.first(), Some(b' ' | b'\t' | b'\r'))
            && let Some(last) = items.last_mut()
        {
            last.push(b'\n');
            last.extend_from_slice(l);
            continue;
        }
        items.push(l.to_vec());
    }
    let mut out = Vec::new();
    for it in items {
        let Some(sep) = git_sep(&it).filter(|&s| s >= 1) else {
            continue;
        };
        let key = trim(it.get(..sep).unwrap_or_default());
        let val = trim(it.get(sep + 1..).unwrap_or_default());
        let mut unfolded = Vec::with_capacity(val.len());
        let mut k = 0;
        while let Some(&c) = val.get(k) {
            k += 1;
            if c == b'\n' {
                while val
                    .get(k)
                    .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                {
                    k += 1;
                }
                unfolded.push(b' ');
            } else {
                unfolded.push(c);
            }
        }
        out.push((
            String::from_utf8_lossy(key).into_owned(),
            String::from_utf8_lossy(trim(&unfolded)).into_owned(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(p: &ParsedMessage) -> Vec<(&str, &str)> {
        p.trailers
            .iter()
            .map(|t| (t.key.as_str(), t.value.as_str()))
            .collect()
    }

    #[test]
    fn simple_block() {
        let m = b"subj\n\nbody\n\nReviewed-by: Bob <bob@corp>\nChange-Record: CHG-1\n";
        let p = parse(m);
        assert_eq!(
            kv(&p),
            vec![
                ("Reviewed-by", "Bob <bob@corp>"),
                ("Change-Record", "CHG-1")
            ]
        );
        assert!(p.anomalies.is_empty());
        let t = &p.trailers[0];
        assert_eq!(&m[t.span.clone()], b"Reviewed-by: Bob <bob@corp>");
        assert_eq!(&m[t.key_span.clone()], b"Reviewed-by");
        let b = p.block.clone().unwrap();
        assert_eq!(
            &m[b],
            b"Reviewed-by: Bob <bob@corp>\nChange-Record: CHG-1".as_slice()
        );
        assert_eq!(p.get("reviewed-BY").count(), 1);
    }

    #[test]
    fn title_only_is_not_trailers() {
        assert!(parse(b"Reviewed-by: Bob <b@c>\n").trailers.is_empty());
        assert!(
            parse(b"Reviewed-by: Bob <b@c>\nAcked-by: x\n\n\n")
                .trailers
                .is_empty()
        );
    }

    #[test]
    fn mixed_block_rejected() {
        let p = parse(b"s\n\n```\nReviewed-by: A\n```\nSigned-off-by: B\n");
        assert!(p.trailers.is_empty());
        assert!(p.block.is_none());
        assert!(matches!(
            p.anomalies[..],
            [Anomaly::NonTrailerInBlock { .. }]
        ));
        // Prose only: no anomaly.
        let p = parse(b"s\n\njust prose\nmore prose\n");
        assert!(p.anomalies.is_empty() && p.trailers.is_empty());
    }

    #[test]
    fn continuation_crlf_and_spans() {
        let m = b"s\r\n\r\nKey: part1\r\n\tpart2\r\nOther : x \r\n";
        let p = parse(m);
        assert_eq!(kv(&p), vec![("Key", "part1 part2"), ("Other", "x")]);
        assert_eq!(&m[p.trailers[0].span.clone()], b"Key: part1\r\n\tpart2");
        assert_eq!(&m[p.trailers[1].key_span.clone()], b"Other");
    }

    #[test]
    fn rejects_nul_cr_leading_blank() {
        assert_eq!(
            parse(b"s\n\nA: b\0\n").anomalies,
            vec![Anomaly::Nul { offset: 7 }]
        );
        assert_eq!(
            parse(b"s\r\rA: b\r").anomalies,
            vec![Anomaly::CrLineEndings { offset: 1 }]
        );
        assert_eq!(
            parse(b"\ns\n\nA: b\n").anomalies,
            vec![Anomaly::LeadingBlankLine]
        );
        assert!(parse(b"\ns\n\nA: b\n").trailers.is_empty());
    }

    #[test]
    fn control_chars_drop_trailer() {
        let m = "s\n\nReviewed-by: B\u{200B}ob <b@c>\nAcked-by: ok\n X\u{202E}\nOther: fine\n";
        let p = parse(m.as_bytes());
        assert_eq!(kv(&p), vec![("Other", "fine")]);
        assert_eq!(p.anomalies.len(), 2);
        assert!(p.block.is_some());
        let p = parse(b"s\n\nA: \xff\xfe\nB: c\n");
        assert_eq!(kv(&p), vec![("B", "c")]);
        assert!(matches!(p.anomalies[..], [Anomaly::ControlChar { .. }]));
    }

    #[test]
    fn url_and_comment_lines_are_not_trailers() {
        assert!(trailer_key(b"https://x").is_none());
        assert!(trailer_key(b"https: //x").is_some());
        assert!(trailer_key(b"Key:value").is_some());
        assert!(trailer_key(b"Key\t: value").is_some());
        assert!(trailer_key(b" Key: value").is_none());
        assert!(trailer_key(b"Hash-in-v6.11: x").is_none());
        let p = parse(b"s\n\nReviewed-by: X\n# note\n");
        assert!(p.trailers.is_empty());
    }

    #[test]
    fn cherry_pick_line_accepted_not_emitted() {
        let p = parse(b"s\n\nSigned-off-by: A <a@b>\n(cherry picked from commit 0123abcd)\n");
        assert_eq!(kv(&p), vec![("Signed-off-by", "A <a@b>")]);
        assert!(p.anomalies.is_empty());
    }

    #[test]
    fn never_panics_on_odd_bytes() {
        let samples: [&[u8]; 8] = [
            b"",
            b"\n",
            b"\r",
            b"\r\n\r\n",
            b"a\n\n:\n",
            b"a\n\n \n\tx\n",
            b"a\n\n-:\xff",
            b"a\n\nk:\r\n \r\n",
        ];
        for s in samples {
            let _ = parse(s);
            let _ = parse_git_compatible(s);
            let _ = last_paragraph(s);
        }
        // All byte pairs / triples around interesting bytes.
        let alphabet = [b'a', b':', b'\n', b'\r', b' ', b'#', 0xff, b'-'];
        for a in alphabet {
            for b in alphabet {
                for c in alphabet {
                    let m = [b's', b'\n', b'\n', a, b, c, b'\n', a];
                    let p = parse(&m);
                    for t in &p.trailers {
                        assert!(t.span.end <= m.len() && t.key_span.end <= t.span.end);
                    }
                    let _ = parse_git_compatible(&m);
                }
            }
        }
    }

    #[test]
    fn linear_time_on_big_input() {
        let mut m = b"s\n\n".to_vec();
        for _ in 0..200_000 {
            m.extend_from_slice(b"Key: v\n continued\n");
        }
        let t = std::time::Instant::now();
        let p = parse(&m);
        // Over the cap: nothing is read, and the anomaly says why (the evaluator stops).
        assert!(p.trailers.is_empty());
        assert_eq!(
            p.anomalies,
            [Anomaly::TooManyTrailers {
                count: 200_000,
                limit: MAX_TRAILERS
            }]
        );
        assert!(t.elapsed().as_secs() < 5);
    }

    #[test]
    fn trailer_cap_boundary() {
        let block = |n: usize| {
            let mut m = b"s\n\n".to_vec();
            for i in 0..n {
                m.extend_from_slice(format!("Key-{i}: v\n").as_bytes());
            }
            m
        };
        assert_eq!(parse(&block(MAX_TRAILERS)).trailers.len(), MAX_TRAILERS);
        let over = parse(&block(MAX_TRAILERS + 1));
        assert!(over.trailers.is_empty() && over.block_rejected());
    }
}
