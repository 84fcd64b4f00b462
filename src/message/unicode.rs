//! The one list of characters that are not what they look like, and the one function that
//! neutralises them wherever text reaches a person (issue 11, class 12).
//!
//! - [`is_invisible`]: Unicode format (Cf) characters, bidi embeddings, overrides and
//!   isolates, zero-width characters, invisible separators, the soft hyphen, tag characters.
//!   The trailer parser refuses them in evidence, near-miss detection ignores them when
//!   comparing keys, and paths are classified without them too.
//! - [`is_forbidden`]: [`is_invisible`] or a control character other than TAB (C0, DEL, C1).
//! - [`neutralize`]: what every output boundary (human report, miette diagnostics, `explain`,
//!   hook output, CI logs, stderr notes and errors) applies to text it did not write itself
//!   (commit messages, names, paths, PR text, policy text): each forbidden character becomes
//!   a visible stand-in **of the same length in bytes**, so byte spans into the text (the
//!   underlines of miette) stay valid. No ESC/CSI/OSC sequence, BEL, C1 control, carriage
//!   return overwrite or bidi override survives.

use std::borrow::Cow;

/// True for characters that render as nothing (or reorder what follows): Unicode format
/// characters (Cf) — bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069),
/// zero-width space/joiners/marks (U+200B–U+200F), word joiner and invisible operators
/// (U+2060–U+2064), deprecated format controls (U+206A–U+206F), BOM (U+FEFF), soft hyphen
/// (U+00AD), Arabic/Syriac/Kaithi/Egyptian format marks, tag characters (U+E0001,
/// U+E0020–U+E007F) — plus the line and paragraph separators (U+2028, U+2029), the combining
/// grapheme joiner, the Mongolian vowel separator, the Khmer inherent vowels and the Hangul
/// fillers, which display as nothing or blank. (Variation selectors are not listed: emoji
/// use them in ordinary text.)
#[inline]
pub fn is_invisible(c: char) -> bool {
    // Everything below U+00AD (ASCII included) is visible: one comparison for most text.
    if (c as u32) < 0x00AD {
        return false;
    }
    matches!(
        c as u32,
        0x00AD
            | 0x034F
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180E
            | 0x200B..=0x200F
            | 0x2028..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0x3164
            | 0xFEFF
            | 0xFFA0
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    )
}

/// True for characters that make a trailer line unusable as evidence and that no output may
/// carry raw: controls other than TAB (C0, DEL, C1 U+0080–U+009F) and [`is_invisible`].
#[inline]
pub fn is_forbidden(c: char) -> bool {
    (c.is_control() && c != '\t') || is_invisible(c)
}

/// `text` with every [`is_forbidden`] character except `\n` (and `\t`) replaced by a visible
/// stand-in of the same UTF-8 length: `?` for one- and two-byte characters (`??`), U+FFFD
/// `�` for three bytes (`�?` for four). A CR right before LF becomes a space (CRLF text stays
/// readable; a lone CR could overwrite the line on a terminal). Borrowed when nothing changes.
pub fn neutralize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_forbidden(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' || !is_forbidden(c) {
            out.push(c);
            continue;
        }
        if c == '\r' && chars.peek() == Some(&'\n') {
            out.push(' ');
            continue;
        }
        match c.len_utf8() {
            n @ (1 | 2) => out.extend(std::iter::repeat_n('?', n)),
            n => {
                out.push('\u{FFFD}');
                out.extend(std::iter::repeat_n('?', n - 3));
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralize_keeps_lengths_and_removes_every_escape() {
        for s in [
            "plain text\nline two\ttab",
            "\x1b[31mred\x1b[0m",
            "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07",
            "\u{9b}31m C1 CSI \u{90}DCS\u{9c}",
            "overwrite\rOK",
            "crlf\r\nline",
            "bidi \u{202e}txt.exe\u{202c} \u{2066}iso\u{2069}",
            "soft\u{ad}hyphen zero\u{200b}width bom\u{feff} tag\u{e0041}",
            "bell\x07 del\x7f nul\0",
        ] {
            let n = neutralize(s);
            assert_eq!(n.len(), s.len(), "{s:?}");
            assert!(
                !n.chars().any(|c| c != '\n' && c != '\t' && is_forbidden(c)),
                "{n:?}"
            );
            // Newlines stay where they were (spans and line numbers hold).
            assert_eq!(
                n.match_indices('\n').collect::<Vec<_>>(),
                s.match_indices('\n').collect::<Vec<_>>()
            );
        }
        assert!(matches!(neutralize("clean"), Cow::Borrowed(_)));
        assert_eq!(neutralize("a\x1bb"), "a?b");
        assert_eq!(neutralize("a\u{202e}b"), "a\u{FFFD}b");
    }

    #[test]
    fn one_list_covers_both_old_lists() {
        // The near-miss list and the trailer list disagreed on these.
        for c in [
            '\u{ad}', '\u{2066}', '\u{2069}', '\u{206f}', '\u{200b}', '\u{202e}',
        ] {
            assert!(is_invisible(c), "{c:?}");
        }
        assert!(!is_invisible('a') && !is_invisible(' ') && !is_invisible('é'));
        assert!(is_forbidden('\u{85}') && is_forbidden('\x1b') && !is_forbidden('\t'));
    }
}
