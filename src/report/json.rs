//! The JSON report: `countersign/report/v1`, pretty-printed, one document.
//!
//! The document is exactly what serde_json's pretty printer makes of the [`Report`] struct,
//! but [`write()`] produces it without holding it in memory and with the commits serialised on
//! all cores: a whole-history report is tens of megabytes, and printing it was a second of
//! single-threaded work after the (parallel) scan. `tests/it/json_stream.rs` holds the output to
//! byte-for-byte equality with `serde_json::to_string_pretty`.

use std::io::{self, Write};

use rayon::prelude::*;
use serde::Serialize;
use serde_json::ser::Formatter;

use crate::evaluate::{CommitReport, Report};
use crate::message::unicode::is_forbidden;

/// Renders the report as JSON (with a trailing newline).
pub fn render(report: &Report) -> String {
    let mut out = Vec::new();
    // Serialising plain data into memory cannot fail; fall back to a valid document anyway.
    match write(&mut out, report).map(|()| String::from_utf8(out)) {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => error_document(&e.to_string()),
        Err(e) => error_document(&e.to_string()),
    }
}

fn error_document(why: &str) -> String {
    serde_json::json!({ "schema": crate::evaluate::SCHEMA, "error": why }).to_string() + "\n"
}

/// serde_json's `PrettyFormatter` (two-space indent), starting at a given depth, so a value
/// can be printed on its own exactly as it appears nested inside the whole document.
struct Nested {
    level: usize,
    has_value: bool,
}

const SPACES: &[u8] = b"                                                                ";

fn indent<W: ?Sized + Write>(w: &mut W, level: usize) -> io::Result<()> {
    let mut n = level * 2;
    while n > 0 {
        let k = n.min(SPACES.len());
        w.write_all(&SPACES[..k])?;
        n -= k;
    }
    Ok(())
}

impl Formatter for Nested {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            indent(w, self.level)?;
        }
        w.write_all(b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        indent(w, self.level)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            indent(w, self.level)?;
        }
        w.write_all(b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        indent(w, self.level)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    /// String content: as serde_json writes it (it already escapes `"`, `\` and C0
    /// controls), plus `\uXXXX` escapes for DEL, C1 controls and invisible/bidi characters
    /// (issue 11, class 12): the same JSON value, but a report printed to a terminal or a CI
    /// log carries no raw escape sequence.
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // Printable ASCII (what nearly all of a report is) needs no look at characters.
        let plain = fragment
            .bytes()
            .position(|b| !(b' '..0x7f).contains(&b))
            .unwrap_or(fragment.len());
        let Some(mut rest) = fragment.get(plain..).filter(|r| !r.is_empty()) else {
            return w.write_all(fragment.as_bytes());
        };
        w.write_all(fragment.get(..plain).unwrap_or_default().as_bytes())?;
        while let Some((i, c)) = rest.char_indices().find(|&(_, c)| is_forbidden(c)) {
            w.write_all(rest.get(..i).unwrap_or_default().as_bytes())?;
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                write!(w, "\\u{u:04x}")?;
            }
            rest = rest.get(i + c.len_utf8()..).unwrap_or_default();
        }
        w.write_all(rest.as_bytes())
    }
}

/// Writes `value` as it prints at nesting depth `level` of a pretty document.
fn nested<W: Write, T: Serialize + ?Sized>(w: W, level: usize, value: &T) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(
        w,
        Nested {
            level,
            has_value: false,
        },
    );
    value.serialize(&mut ser).map_err(io::Error::from)
}

/// Commits serialised per parallel task.
const TASK: usize = 64;
/// Commits in flight at once (bounds the memory of rendered text).
const WINDOW: usize = 1024;

/// `"commits": [...]` as the pretty printer writes it at depth 1, with the commits
/// serialised in parallel, a window at a time, and written in order.
fn write_commits(out: &mut dyn Write, commits: &[CommitReport]) -> io::Result<()> {
    if commits.is_empty() {
        return out.write_all(b"[]");
    }
    out.write_all(b"[")?;
    let mut first = true;
    for window in commits.chunks(WINDOW) {
        let parts: Vec<io::Result<Vec<u8>>> = window
            .par_chunks(TASK)
            .map(|cs| {
                let mut buf = Vec::with_capacity(cs.len() * 1024);
                for c in cs {
                    buf.extend_from_slice(b",\n    ");
                    nested(&mut buf, 2, c)?;
                }
                Ok(buf)
            })
            .collect();
        for part in parts {
            let part = part?;
            // The very first commit has no comma before it.
            let skip = usize::from(std::mem::take(&mut first));
            out.write_all(&part[skip..])?;
        }
    }
    out.write_all(b"\n  ]")
}

/// Writes the report as JSON (with a trailing newline) straight into `out`: the bytes serde_json's
/// pretty printer makes of the struct (field for field, in its order), without building the
/// document in memory and with the commits serialised on all cores.
pub fn write(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    // Exhaustive destructuring: a field added to `Report` fails to compile here until it is
    // written too (and the equality test pins the layout).
    let Report {
        schema,
        verdict,
        summary,
        range,
        policy,
        tool,
        commits,
        findings,
    } = report;
    out.write_all(b"{\n  \"schema\": ")?;
    nested(&mut *out, 1, schema)?;
    out.write_all(b",\n  \"verdict\": ")?;
    nested(&mut *out, 1, verdict)?;
    out.write_all(b",\n  \"summary\": ")?;
    nested(&mut *out, 1, summary)?;
    out.write_all(b",\n  \"range\": ")?;
    nested(&mut *out, 1, range)?;
    out.write_all(b",\n  \"policy\": ")?;
    nested(&mut *out, 1, policy)?;
    out.write_all(b",\n  \"tool\": ")?;
    nested(&mut *out, 1, tool)?;
    out.write_all(b",\n  \"commits\": ")?;
    write_commits(out, commits)?;
    out.write_all(b",\n  \"findings\": ")?;
    nested(&mut *out, 1, findings)?;
    out.write_all(b"\n}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_invisible_characters_are_escaped_losslessly() {
        let v = serde_json::json!({"s": "a\u{1b}[31m\u{9b}\u{7f}\u{202e}\u{e0041}z"});
        let mut got = Vec::new();
        nested(&mut got, 0, &v).unwrap();
        let text = String::from_utf8(got).unwrap();
        assert!(
            !text.chars().any(|c| c != '\n' && is_forbidden(c)),
            "{text:?}"
        );
        assert!(
            text.contains("\\u009b") && text.contains("\\u202e") && text.contains("\\udb40\\udc41")
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn nested_matches_the_pretty_printer() {
        let v = serde_json::json!({
            "a": [1, {"b": [], "c": {}, "d": [[], [2, 3]]}],
            "e": "x\ny",
            "f": null,
        });
        let want =
            serde_json::to_string_pretty(&serde_json::json!({ "k": [v.clone(), v.clone()] }))
                .unwrap();
        let mut got = b"{\n  \"k\": [\n    ".to_vec();
        nested(&mut got, 2, &v).unwrap();
        got.extend_from_slice(b",\n    ");
        nested(&mut got, 2, &v).unwrap();
        got.extend_from_slice(b"\n  ]\n}");
        assert_eq!(String::from_utf8(got).unwrap(), want);
    }
}
