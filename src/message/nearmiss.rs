//! Near misses of evidence trailers: `Reviewed by:`, `Reveiwed-by:`, look-alike characters
//! (`Rеviewed-by` with a Cyrillic е, U+2010 hyphen, full-width colon), an indented or `>`-quoted
//! key, and a known key outside the trailer block (wrong paragraph, title, or a rejected block).
//!
//! Each near miss names the key it resembles and says why it does not count, so the user can
//! fix the message. Accepted trailers are never reported.

use std::ops::Range;

use super::trailers::{Anomaly, ParsedMessage, is_blank};

/// A line that looks like an evidence trailer but is not one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NearMiss {
    /// Byte span of the line in the message.
    pub span: Range<usize>,
    /// The key as written (or the text before the separator).
    pub found: String,
    /// The known key it resembles (did-you-mean).
    pub suggestion: String,
    /// Why it is not a trailer, for the user.
    pub why: String,
}

/// Minimum `similar` character ratio for a misspelling to count as a near miss.
pub const MISSPELLING_RATIO: f32 = 0.8;

/// Longest text before a separator that is still considered a key.
const MAX_KEY_CHARS: usize = 48;

/// Separators people (or look-alike attacks) use instead of `:`.
fn is_separator(c: char) -> bool {
    matches!(
        c,
        ':' | '\u{FF1A}' | '\u{FE55}' | '\u{FE13}' | '\u{A789}' | '\u{2236}'
    )
}

/// False when `line` cannot hold an [`is_separator`] character: no `:` and none of the lead
/// bytes of the others' UTF-8 forms (U+FF1A, U+FE55, U+FE13: `EF`; U+A789: `EA`; U+2236:
/// `E2`). A line without a separator is never a near miss ([`check_line`]), so most lines
/// of a history are passed over without decoding them.
fn may_have_separator(line: &[u8]) -> bool {
    line.iter().any(|&b| matches!(b, b':' | 0xEF | 0xEA | 0xE2))
}

/// Maps a look-alike character to the ASCII character it imitates, if any.
fn ascii_lookalike(c: char) -> Option<char> {
    let mapped = match c {
        // Cyrillic.
        'а' => 'a',
        'е' => 'e',
        'о' => 'o',
        'р' => 'p',
        'с' => 'c',
        'у' => 'y',
        'х' => 'x',
        'і' => 'i',
        'ј' => 'j',
        'ѕ' => 's',
        'ԁ' => 'd',
        'ӏ' => 'l',
        'к' => 'k',
        'м' => 'm',
        'н' => 'h',
        'т' => 't',
        'в' => 'b',
        'А' => 'A',
        'В' => 'B',
        'С' => 'C',
        'Е' => 'E',
        'Н' => 'H',
        'І' => 'I',
        'К' => 'K',
        'М' => 'M',
        'О' => 'O',
        'Р' => 'P',
        'Ѕ' => 'S',
        'Т' => 'T',
        'Х' => 'X',
        // Greek.
        'α' => 'a',
        'ε' => 'e',
        'ι' => 'i',
        'κ' => 'k',
        'ν' => 'v',
        'ο' => 'o',
        'ρ' => 'p',
        'τ' => 't',
        'υ' => 'u',
        'Α' => 'A',
        'Β' => 'B',
        'Ε' => 'E',
        'Η' => 'H',
        'Ι' => 'I',
        'Κ' => 'K',
        'Μ' => 'M',
        'Ν' => 'N',
        'Ο' => 'O',
        'Ρ' => 'P',
        'Τ' => 'T',
        'Χ' => 'X',
        // Dashes and hyphens.
        '\u{2010}'..='\u{2015}'
        | '\u{2212}'
        | '\u{FE58}'
        | '\u{FE63}'
        | '\u{FF0D}'
        | '\u{00AD}' => '-',
        // Full-width ASCII.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFF01 + 0x21)?,
        _ => return None,
    };
    Some(mapped)
}

/// Invisible characters are dropped when comparing keys: the one list of
/// [`crate::message::unicode`] (it used to be a shorter list of its own, without U+00AD or
/// U+2066–U+206F).
use super::unicode::is_invisible;

/// The comparable form of a key: look-alikes mapped to ASCII, invisible characters dropped,
/// lowercase, spaces and underscores as `-`.
fn skeleton(key: &str) -> String {
    key.chars()
        .filter(|c| !is_invisible(*c))
        .map(|c| ascii_lookalike(c).unwrap_or(c))
        .map(|c| match c {
            ' ' | '\t' | '_' | '\u{00A0}' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

fn similarity(a: &str, b: &str) -> f32 {
    // The ratio is 2·matches / (len a + len b) and matches ≤ the shorter length, so keys of
    // very different lengths cannot reach the threshold: skip the diff (this runs on every
    // `Key: value` line of every commit in whole-history scans).
    let (la, lb) = (a.chars().count(), b.chars().count());
    if la + lb == 0 {
        return 1.0;
    }
    let bound = 2.0 * la.min(lb) as f32 / (la + lb) as f32;
    if bound < MISSPELLING_RATIO {
        return bound;
    }
    lcs_ratio(a, b)
}

/// `2·LCS / (len a + len b)` over characters: the ratio `similar`'s character diff reports
/// (a minimal diff keeps exactly a longest common subsequence), computed with one DP row on
/// the stack — this runs for every `Key: value` line of every commit in a history scan.
fn lcs_ratio(a: &str, b: &str) -> f32 {
    const N: usize = 64;
    let (mut ab, mut bb) = (['\0'; N], ['\0'; N]);
    let (mut la, mut lb) = (0, 0);
    for c in a.chars() {
        if la == N {
            return similar::TextDiff::from_chars(a, b).ratio();
        }
        ab[la] = c;
        la += 1;
    }
    for c in b.chars() {
        if lb == N {
            return similar::TextDiff::from_chars(a, b).ratio();
        }
        bb[lb] = c;
        lb += 1;
    }
    if la + lb == 0 {
        return 1.0;
    }
    // row[j] = LCS of a[..i] and b[..j]
    let mut row = [0u8; N + 1];
    for &ca in &ab[..la] {
        let mut diag = 0u8;
        for j in 0..lb {
            let up = row[j + 1];
            row[j + 1] = if ca == bb[j] {
                diag + 1
            } else {
                up.max(row[j])
            };
            diag = up;
        }
    }
    2.0 * f32::from(row[lb]) / (la + lb) as f32
}

/// The line ranges of `msg`: LF (and CRLF) lines, or CR-separated lines when the message has
/// bare CR line endings.
fn line_spans(msg: &[u8], cr_lines: bool) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &b) in msg.iter().enumerate() {
        let ends = b == b'\n' || (cr_lines && b == b'\r' && msg.get(i + 1) != Some(&b'\n'));
        if ends {
            let end = if i > start && msg.get(i - 1) == Some(&b'\r') {
                i - 1
            } else {
                i
            };
            out.push(start..end);
            start = i + 1;
        }
    }
    if start < msg.len() {
        out.push(start..msg.len());
    }
    out
}

/// Where a line sits relative to the trailer block.
fn placement_reason(
    parsed: &ParsedMessage,
    line: &Range<usize>,
    title_end: usize,
) -> Option<String> {
    for a in &parsed.anomalies {
        match a {
            Anomaly::Nul { .. } => {
                return Some("the message contains a NUL byte, so no trailers are read".into());
            }
            Anomaly::CrLineEndings { .. } => {
                return Some(
                    "the message has bare CR line endings, so no trailers are read".into(),
                );
            }
            Anomaly::LeadingBlankLine => {
                return Some(
                    "the message starts with a blank line, so no trailers are read".into(),
                );
            }
            Anomaly::NonTrailerInBlock { span }
                if span.start <= line.start && line.end <= span.end =>
            {
                return Some(
                    "its last paragraph also holds non-trailer lines, so the block is not \
                     read as trailers; keep only `Key: value` lines in the last paragraph"
                        .into(),
                );
            }
            Anomaly::ControlChar { span } if span.start <= line.start && line.end <= span.end => {
                // Reported as a control-character anomaly already.
                return None;
            }
            _ => {}
        }
    }
    if line.end <= title_end {
        return Some(
            "it is in the title (first paragraph); trailers go in the last paragraph".into(),
        );
    }
    match &parsed.block {
        Some(b) if b.start <= line.start && line.end <= b.end => None,
        _ => Some(
            "it is not in the last paragraph (the trailer block); move it to the final \
             paragraph, after a blank line"
                .into(),
        ),
    }
}

/// Finds near misses of `known_keys` (compared case-insensitively) in `msg`.
pub fn near_misses(msg: &[u8], parsed: &ParsedMessage, known_keys: &[&str]) -> Vec<NearMiss> {
    let mut out = Vec::new();
    if known_keys.is_empty() {
        return out;
    }
    let known: Vec<(String, &str)> = known_keys
        .iter()
        .map(|k| (k.to_ascii_lowercase(), *k))
        .collect();
    let cr_lines = parsed
        .anomalies
        .iter()
        .any(|a| matches!(a, Anomaly::CrLineEndings { .. }));
    let spans = line_spans(msg, cr_lines);
    // End of the title: the first blank line (the whole message when there is none).
    let title_end = spans
        .iter()
        .skip_while(|s| is_blank(msg.get((*s).clone()).unwrap_or_default()))
        .find(|s| is_blank(msg.get((*s).clone()).unwrap_or_default()))
        .map_or(msg.len(), |s| s.start);
    // Accepted trailers with a known key are fine; an accepted trailer with an unknown key
    // (`Reveiwed-by: …`) is still checked for resemblance.
    let accepted: Vec<usize> = parsed
        .trailers
        .iter()
        .filter(|t| known.iter().any(|(k, _)| t.key.eq_ignore_ascii_case(k)))
        .map(|t| t.span.start)
        .collect();

    for span in spans {
        if accepted.contains(&span.start) {
            continue;
        }
        let bytes = msg.get(span.clone()).unwrap_or_default();
        if !may_have_separator(bytes) {
            continue;
        }
        let text = String::from_utf8_lossy(bytes);
        if let Some(nm) = check_line(&text, &span, parsed, title_end, &known) {
            out.push(nm);
        }
    }
    out
}

fn check_line(
    text: &str,
    span: &Range<usize>,
    parsed: &ParsedMessage,
    title_end: usize,
    known: &[(String, &str)],
) -> Option<NearMiss> {
    // Leading whitespace and `>` quoting.
    let body = text.trim_start_matches(|c: char| c == '>' || c.is_whitespace());
    let prefix = text.get(..text.len() - body.len()).unwrap_or_default();
    let quoted = prefix.contains('>');
    let indented = !prefix.is_empty() && !quoted;

    let (sep_pos, sep) = body.char_indices().find(|(_, c)| is_separator(*c))?;
    let found_raw = body.get(..sep_pos)?;
    let found = found_raw.trim_end();
    if found.is_empty()
        || found.chars().count() > MAX_KEY_CHARS
        || found.split_whitespace().count() > 3
        || found.starts_with(|c: char| c.is_whitespace())
    {
        return None;
    }
    // A URL (`https://…`) is not a key.
    if body.get(sep_pos + sep.len_utf8()..)?.starts_with("//") {
        return None;
    }
    let sk = skeleton(found);
    let mut best: Option<(f32, &str, &str)> = None;
    for (lower, orig) in known {
        let r = if &sk == lower {
            1.0
        } else {
            similarity(&sk, lower)
        };
        if best.is_none_or(|(b, _, _)| r > b) {
            best = Some((r, lower.as_str(), orig));
        }
    }
    let (ratio, lower, suggestion) = best?;
    if ratio < MISSPELLING_RATIO {
        return None;
    }
    let key_ok = found.eq_ignore_ascii_case(lower);

    let mut reasons: Vec<String> = Vec::new();
    if !key_ok {
        let lookalikes: Vec<String> = found
            .chars()
            .filter(|c| !c.is_ascii() && (ascii_lookalike(*c).is_some() || is_invisible(*c)))
            .map(|c| format!("U+{:04X}", c as u32))
            .collect();
        if !lookalikes.is_empty() {
            reasons.push(format!(
                "the key contains non-ASCII look-alike or invisible characters ({})",
                lookalikes.join(", ")
            ));
        } else if sk == lower {
            if found.contains(char::is_whitespace) {
                reasons.push("the key has a space where a hyphen belongs".into());
            } else if found.contains('_') {
                reasons.push("the key has an underscore where a hyphen belongs".into());
            } else {
                reasons.push("the key is spelled differently".into());
            }
        } else {
            reasons.push(format!("the key `{found}` is misspelled"));
        }
    }
    if sep != ':' {
        reasons.push(format!(
            "the separator is U+{:04X}, not an ASCII colon",
            sep as u32
        ));
    }
    if quoted {
        reasons.push("the line is quoted with `>`".into());
    } else if indented {
        reasons.push(
            "the line starts with whitespace (git reads it as a continuation of the line above)"
                .into(),
        );
    }
    if reasons.is_empty() {
        // An exact, well-formed key that is not an accepted trailer: placement.
        reasons.push(placement_reason(parsed, span, title_end)?);
    }
    Some(NearMiss {
        span: span.clone(),
        found: found.to_string(),
        suggestion: suggestion.to_string(),
        why: format!("not a `{suggestion}` trailer: {}", reasons.join("; ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_separator_passes_the_byte_prefilter() {
        for c in [
            ':', '\u{FF1A}', '\u{FE55}', '\u{FE13}', '\u{A789}', '\u{2236}',
        ] {
            assert!(is_separator(c));
            let line = format!("Reviewed-by{c} A <a@x>");
            assert!(may_have_separator(line.as_bytes()), "{c:?}");
        }
        assert!(!may_have_separator(b"Reviewed-by A <a@x>"));
        // Every character the filter lets through by its lead byte but that is no separator
        // is still checked by `check_line` (the filter only ever skips lines).
        for cp in 0..=0x10FFFFu32 {
            if let Some(c) = char::from_u32(cp)
                && is_separator(c)
            {
                let mut buf = [0u8; 4];
                assert!(
                    may_have_separator(c.encode_utf8(&mut buf).as_bytes()),
                    "{c:?}"
                );
            }
        }
    }

    #[test]
    fn lcs_ratio_is_the_similar_ratio() {
        let words = [
            "",
            "a",
            "reviewed-by",
            "reveiwed-by",
            "reviewd-by",
            "reviewed by",
            "co-authored-by",
            "coauthored-by",
            "signed-off-by",
            "assisted-by",
            "asisted-by",
            "generated-by",
            "change-id",
            "ticket",
            "tikcet",
            "refs",
            "ref",
            "ai-assisted",
            "x-reviewer",
            "réviewed-by",
            "revieweed-byy",
            "zzzz",
            "abababab",
            "babababa",
        ];
        for a in words {
            for b in words {
                let want = similar::TextDiff::from_chars(a, b).ratio();
                assert!((lcs_ratio(a, b) - want).abs() < 1e-6, "{a:?} {b:?}");
            }
        }
    }
    use crate::message::trailers::parse;

    const KEYS: &[&str] = &["Reviewed-by", "Change-Record", "Refs"];

    fn misses(msg: &str) -> Vec<NearMiss> {
        let m = msg.as_bytes();
        near_misses(m, &parse(m), KEYS)
    }

    fn one(msg: &str) -> NearMiss {
        let v = misses(msg);
        assert_eq!(v.len(), 1, "{msg:?} → {v:?}");
        v.into_iter().next().unwrap()
    }

    #[test]
    fn accepted_trailers_are_not_reported() {
        assert!(misses("s\n\nb\n\nReviewed-by: Bob <b@c>\nrefs: CHG-1\n").is_empty());
        assert!(misses("s\n\nb\n\nReviewed-by : Bob <b@c>\n").is_empty());
    }

    #[test]
    fn space_instead_of_hyphen() {
        let m = "s\n\nb\n\nReviewed by: Bob <b@c>\n";
        let n = one(m);
        assert_eq!(n.suggestion, "Reviewed-by");
        assert_eq!(n.found, "Reviewed by");
        assert!(n.why.contains("space"));
        assert_eq!(&m[n.span.clone()], "Reviewed by: Bob <b@c>");
        let n = one("s\n\nReviewed_by: Bob <b@c>\n");
        assert!(n.why.contains("underscore"));
    }

    #[test]
    fn misspellings() {
        let n = one("s\n\nb\n\nReveiwed-by: Bob <b@c>\n");
        assert_eq!(n.suggestion, "Reviewed-by");
        assert!(n.why.contains("misspelled"));
        let n = one("s\n\nChange-Recrod: CHG-1\n");
        assert_eq!(n.suggestion, "Change-Record");
        let n = one("s\n\nRef: CHG-1\n");
        assert_eq!(n.suggestion, "Refs");
        // Not similar enough.
        assert!(misses("s\n\nAcked-by: A <a@b>\nFixes: 123\nSigned-off-by: X <x@y>\n").is_empty());
        assert!(misses("s\n\nNote: reviewed-by Bob is needed\n").is_empty());
    }

    #[test]
    fn lookalikes() {
        let n = one("s\n\nRеviewed-by: Bob <b@c>\n");
        assert_eq!(n.suggestion, "Reviewed-by");
        assert!(n.why.contains("U+0435"), "{}", n.why);
        let n = one("s\n\nReviewed\u{2010}by: Bob <b@c>\n");
        assert!(n.why.contains("U+2010"));
        let n = one("s\n\nReviewed-by\u{FF1A} Bob <b@c>\n");
        assert!(n.why.contains("U+FF1A"));
        let n = one("s\n\nRe\u{200B}viewed-by: Bob <b@c>\n");
        assert!(n.why.contains("U+200B"));
    }

    #[test]
    fn indented_and_quoted() {
        let n = one("s\n\nbody\n\n  Reviewed-by: Bob <b@c>\n");
        assert!(n.why.contains("whitespace"));
        let n = one("s\n\n> Reviewed-by: Bob <b@c>\n");
        assert!(n.why.contains("quoted"));
        // Folded under an accepted trailer: still reported.
        let v = misses("s\n\nRefs: CHG-1\n Reviewed-by: Bob <b@c>\n");
        assert_eq!(v.len(), 1);
        assert!(v[0].why.contains("continuation"));
    }

    #[test]
    fn exact_key_outside_block() {
        let n = one("s\n\nReviewed-by: Bob <b@c>\n\nMore prose.\n");
        assert!(n.why.contains("not in the last paragraph"));
        let n = one("Reviewed-by: Bob <b@c>\n");
        assert!(n.why.contains("title"));
        // GitHub squash body (AT-T22).
        let n = one("T (#1)\n\nReviewed-by: R <r@x>\n\n---------\n\nCo-authored-by: X <x@y>\n");
        assert_eq!(n.suggestion, "Reviewed-by");
        // Rejected mixed block (AT-T05).
        let n = one("s\n\n```\nReviewed-by: Bob <b@c>\n```\nSigned-off-by: A <a@b>\n");
        assert!(n.why.contains("non-trailer lines"));
        // Whole message refused.
        let n = one("\ns\n\nReviewed-by: Bob <b@c>\n");
        assert!(n.why.contains("blank line"));
        let n = one("s\r\rReviewed-by: Bob <b@c>\r");
        assert!(n.why.contains("CR"));
    }

    #[test]
    fn control_char_trailer_not_double_reported() {
        assert!(misses("s\n\nReviewed-by: B\u{200B}ob <b@c>\n").is_empty());
    }

    #[test]
    fn urls_and_prose_are_ignored() {
        assert!(misses("s\n\nrefs://example.com\n").is_empty());
        assert!(misses("s\n\nThis was reviewed by many people over the years: Bob\n").is_empty());
        assert!(near_misses(b"s\n\nReviewed by: x\n", &ParsedMessage::default(), &[]).is_empty());
    }
}
