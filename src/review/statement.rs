//! The review statement `countersign/review/v1`: what a reviewer signs.
//!
//! Wire format (documented in the README): one JSON object, serialised **compactly** (no
//! whitespace between tokens) with the fields in exactly this order, `comment` omitted when
//! absent, strings escaped as serde_json escapes them (`"`, `\`, and control characters as
//! `\n`, `\t`, … or `\u00XX`; everything else, non-ASCII included, as raw UTF-8):
//!
//! ```text
//! {"schema":"countersign/review/v1","commit":"<hex>","tree":"<hex>","parents":["<hex>",…],
//!  "patch_id":"<hex>"|null,"reviewer":{"name":"…","email":"…"},"verdict":"approve",
//!  "time":<unix seconds>,"tool":"countersign <version>","comment":"…"}
//! ```
//!
//! (shown wrapped; the real bytes are one line). Parsing is strict: unknown or duplicate
//! fields, a wrong schema or verdict, ids that are not lowercase full hex, and any byte
//! sequence that is not exactly the canonical serialisation of what it parses to are
//! rejected — so one statement has one byte form, and a signature covers one meaning.

use serde::{Deserialize, Serialize};

/// The schema tag.
pub const SCHEMA: &str = "countersign/review/v1";
/// The only verdict of v1.
pub const APPROVE: &str = "approve";
/// The largest statement accepted, in bytes.
pub const MAX_BYTES: usize = 8 * 1024;
/// The longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// Who signed, as the statement names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reviewer {
    /// Display name (git's `user.name`).
    pub name: String,
    /// Email (git's `user.email`).
    pub email: String,
}

/// One review statement. Field order is the wire order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The reviewed commit (full lowercase hex).
    pub commit: String,
    /// Its tree.
    pub tree: String,
    /// Its parents, in order.
    pub parents: Vec<String>,
    /// The stable patch-id of its diff to the first parent (`null` for merges).
    pub patch_id: Option<String>,
    /// The reviewer.
    pub reviewer: Reviewer,
    /// Always [`APPROVE`].
    pub verdict: String,
    /// When it was signed (Unix seconds, as the reviewer's clock says).
    pub time: i64,
    /// The tool that wrote it, e.g. `countersign 0.1.0`.
    pub tool: String,
    /// Free text from the reviewer.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub comment: Option<String>,
}

/// Why statement bytes are not a valid statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A full object id: 40 (SHA-1) or 64 (SHA-256) lowercase hex digits.
pub fn is_full_hex(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn bad_text(s: &str, allow_newlines: bool) -> bool {
    s.chars()
        .any(|c| !(allow_newlines && c == '\n') && crate::message::trailers::is_forbidden_char(c))
}

impl Statement {
    /// The canonical bytes: what is signed and stored.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising plain strings and integers cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Parses and checks statement bytes (strict, canonical only).
    pub fn parse(bytes: &[u8]) -> Result<Statement, Invalid> {
        if bytes.len() > MAX_BYTES {
            return Err(Invalid(format!(
                "the statement is {} bytes, more than {MAX_BYTES}",
                bytes.len()
            )));
        }
        let s: Statement = serde_json::from_slice(bytes)
            .map_err(|e| Invalid(format!("not a review statement: {e}")))?;
        if s.to_bytes() != bytes {
            return Err(Invalid(
                "the statement is not in canonical form (compact JSON, fields in the v1 order)"
                    .into(),
            ));
        }
        s.check()?;
        Ok(s)
    }

    /// The semantic checks of v1.
    pub fn check(&self) -> Result<(), Invalid> {
        if self.schema != SCHEMA {
            return Err(Invalid(format!(
                "schema `{}` is not `{SCHEMA}`",
                self.schema
            )));
        }
        if self.verdict != APPROVE {
            return Err(Invalid(format!(
                "verdict `{}` is not `{APPROVE}`",
                self.verdict
            )));
        }
        let ids = [&self.commit, &self.tree]
            .into_iter()
            .chain(&self.parents)
            .chain(self.patch_id.as_ref());
        for id in ids {
            if !is_full_hex(id) {
                return Err(Invalid(format!("`{id}` is not a full lowercase object id")));
            }
        }
        if self.parents.len() > 64 {
            return Err(Invalid("more than 64 parents".into()));
        }
        let r = &self.reviewer;
        if r.name.chars().count() > 200 || r.email.len() > 254 {
            return Err(Invalid("the reviewer's name or email is too long".into()));
        }
        match crate::message::identity::parse_identity(&format!("{} <{}>", r.name, r.email)) {
            Ok(id) if id.name == r.name && id.email == r.email => {}
            Ok(_) => {
                return Err(Invalid(
                    "the reviewer's name has leading or trailing spaces".into(),
                ));
            }
            Err(e) => return Err(Invalid(format!("the reviewer is not `Name <email>`: {e}"))),
        }
        if self.tool.chars().count() > 100 || bad_text(&self.tool, false) {
            return Err(Invalid(
                "the tool field is too long or has control characters".into(),
            ));
        }
        if let Some(c) = &self.comment
            && (c.chars().count() > MAX_COMMENT_CHARS || bad_text(c, true))
        {
            return Err(Invalid(format!(
                "the comment is longer than {MAX_COMMENT_CHARS} characters or has control characters"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Statement {
        Statement {
            schema: SCHEMA.into(),
            commit: "a".repeat(40),
            tree: "b".repeat(40),
            parents: vec!["c".repeat(40)],
            patch_id: Some("d".repeat(40)),
            reviewer: Reviewer {
                name: "Bob Reviewer".into(),
                email: "bob@corp.example".into(),
            },
            verdict: APPROVE.into(),
            time: 1_704_067_200,
            tool: "countersign 0.1.0".into(),
            comment: Some("looks \"good\"\nship it".into()),
        }
    }

    #[test]
    fn canonical_bytes_are_the_documented_wire_format() {
        let s = sample();
        let b = String::from_utf8(s.to_bytes()).expect("utf8");
        assert_eq!(
            b,
            format!(
                r#"{{"schema":"countersign/review/v1","commit":"{a}","tree":"{b}","parents":["{c}"],"patch_id":"{d}","reviewer":{{"name":"Bob Reviewer","email":"bob@corp.example"}},"verdict":"approve","time":1704067200,"tool":"countersign 0.1.0","comment":"looks \"good\"\nship it"}}"#,
                a = "a".repeat(40),
                b = "b".repeat(40),
                c = "c".repeat(40),
                d = "d".repeat(40)
            )
        );
        assert_eq!(Statement::parse(b.as_bytes()), Ok(s));
    }

    #[test]
    fn non_canonical_forms_are_rejected() {
        let b = String::from_utf8(sample().to_bytes()).expect("utf8");
        for bad in [
            b.replacen(',', ", ", 1),
            format!(" {b}"),
            format!("{b}\n"),
            b.replacen(
                "\"schema\":\"countersign/review/v1\"",
                "\"schema\":\"countersign/review/v2\"",
                1,
            ),
            b.replacen("\"patch_id\"", "\"patch_ID\"", 1),
            b.replacen("\"verdict\":\"approve\"", "\"verdict\":\"reject\"", 1),
            b.replacen("}", ",\"extra\":1}", 1),
            b.replacen("\"time\":1704067200", "\"time\":1704067200,\"time\":1", 1),
            b.replacen(&"a".repeat(40), &"A".repeat(40), 1),
            b.replacen(&"a".repeat(40), &"a".repeat(12), 1),
            b.replacen("Bob Reviewer", "Bob\\u0000", 1),
            b.replacen("Bob Reviewer", "Bob\\u202eX", 1),
        ] {
            if bad == b {
                continue;
            }
            assert!(Statement::parse(bad.as_bytes()).is_err(), "{bad}");
        }
        // Key order is part of the form.
        let reordered = b.replacen(
            &format!(
                "\"commit\":\"{}\",\"tree\":\"{}\"",
                "a".repeat(40),
                "b".repeat(40)
            ),
            &format!(
                "\"tree\":\"{}\",\"commit\":\"{}\"",
                "b".repeat(40),
                "a".repeat(40)
            ),
            1,
        );
        assert_ne!(reordered, b);
        assert!(Statement::parse(reordered.as_bytes()).is_err());
    }

    #[test]
    fn merge_statements_have_no_patch_id() {
        let mut s = sample();
        s.patch_id = None;
        s.comment = None;
        let b = s.to_bytes();
        assert!(String::from_utf8_lossy(&b).contains("\"patch_id\":null"));
        assert!(!String::from_utf8_lossy(&b).contains("comment"));
        assert_eq!(Statement::parse(&b), Ok(s));
    }
}
