//! The pre-receive / pre-push stdin line parser: `<old-oid> <new-oid> <refname>`.
//!
//! git writes one line per updated ref. The parser is strict: exactly three fields separated
//! by single spaces, full hex object ids (SHA-1 or SHA-256, both the same length), and a ref
//! name under `refs/` without control characters or `..`. Anything else is an input error
//! (exit 2): a hook that cannot read its input must not pass.

use crate::{Error, Result};

/// One ref update from a hook's standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    /// The old object id (all zeros: the ref is created).
    pub old: String,
    /// The new object id (all zeros: the ref is deleted).
    pub new: String,
    /// The full ref name, e.g. `refs/heads/main`.
    pub refname: String,
}

impl RefUpdate {
    /// True when the ref is created (old id all zeros).
    pub fn is_create(&self) -> bool {
        is_zero(&self.old)
    }

    /// True when the ref is deleted (new id all zeros).
    pub fn is_delete(&self) -> bool {
        is_zero(&self.new)
    }
}

fn is_zero(oid: &str) -> bool {
    oid.bytes().all(|b| b == b'0')
}

fn valid_oid(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Parses one line (a trailing `\n` or `\r\n` is allowed).
pub fn parse_receive_line(line: &str) -> Result<RefUpdate> {
    let line = line
        .strip_suffix('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .unwrap_or(line);
    let bad = |why: &str| {
        Error::input(format!("unreadable hook input line ({why})")).with_help(
            "hooks read `<old-oid> <new-oid> <refname>` lines from git; run this from a git hook",
        )
    };
    let mut parts = line.splitn(3, ' ');
    let (Some(old), Some(new), Some(refname)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("expected three fields"));
    };
    if !valid_oid(old) || !valid_oid(new) || old.len() != new.len() {
        return Err(bad("object ids must be full hex ids of the same length"));
    }
    if is_zero(old) && is_zero(new) {
        return Err(bad("both object ids are zero"));
    }
    if !refname.starts_with("refs/")
        || refname.len() > 4096
        || refname.contains("..")
        || refname.ends_with('/')
        || refname
            .chars()
            .any(|c| c.is_control() || c == ' ' || c == '~' || c == '^' || c == ':')
    {
        return Err(bad("invalid ref name"));
    }
    Ok(RefUpdate {
        old: old.to_ascii_lowercase(),
        new: new.to_ascii_lowercase(),
        refname: refname.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const Z: &str = "0000000000000000000000000000000000000000";

    #[test]
    fn parses_create_update_delete() {
        let u = parse_receive_line(&format!("{Z} {A} refs/heads/topic\n")).expect("create");
        assert!(u.is_create() && !u.is_delete());
        assert_eq!(u.refname, "refs/heads/topic");
        let d = parse_receive_line(&format!("{A} {Z} refs/heads/topic")).expect("delete");
        assert!(d.is_delete());
    }

    #[test]
    fn rejects_malformed_lines() {
        for l in [
            String::new(),
            format!("{A} {A}"),
            format!("{A}  {A} refs/heads/x"),
            format!("{A} {} refs/heads/x", &A[..39]),
            format!("{Z} {Z} refs/heads/x"),
            format!("{A} {A} heads/x"),
            format!("{A} {A} refs/heads/a..b"),
            format!("{A} {A} refs/heads/a\tb"),
            format!("{A} {A} refs/heads/a b"),
        ] {
            assert!(parse_receive_line(&l).is_err(), "{l:?}");
        }
    }
}
