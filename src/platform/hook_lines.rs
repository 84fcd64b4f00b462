//! Hook input on stdin: git's `pre-push` and `pre-receive` lines, parsed strictly. The
//! commit walks both hooks need (`new --not <refs>`, `old..new`) are in [`crate::git::walks`].
//!
//! git writes these lines itself, so anything that does not look exactly like them (a wrong
//! field count, a bad object id, CR line endings, an empty line) is not guessed at: it is an
//! [`Error`] of kind `input` (exit 2; in pre-receive that rejects the push).

use crate::error::{Error, Result};
use crate::platform::refname;

/// The most bytes of hook input read from stdin.
pub const MAX_INPUT_BYTES: usize = 16 << 20;

/// One line of `pre-push` input: `<local ref> SP <local oid> SP <remote ref> SP <remote oid>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushLine {
    /// The local ref as the user named it (`refs/heads/x`, `HEAD~`, `(delete)` …).
    pub local_ref: String,
    /// The object being pushed (all zeros for a deletion).
    pub local_oid: String,
    /// The ref on the remote.
    pub remote_ref: String,
    /// The object the remote has now (all zeros when the remote ref does not exist).
    pub remote_oid: String,
}

impl PushLine {
    /// True when the line deletes the remote ref.
    pub fn is_delete(&self) -> bool {
        is_zero(&self.local_oid)
    }

    /// True when the remote ref does not exist yet.
    pub fn is_new(&self) -> bool {
        is_zero(&self.remote_oid)
    }
}

/// One line of `pre-receive` input: `<old oid> SP <new oid> SP <ref name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiveLine {
    /// The ref's current value (all zeros when it is being created).
    pub old: String,
    /// The value it is being set to (all zeros when it is being deleted).
    pub new: String,
    /// The full ref name (`refs/heads/main`).
    pub refname: String,
}

impl ReceiveLine {
    /// True when the ref is being created.
    pub fn is_create(&self) -> bool {
        is_zero(&self.old)
    }

    /// True when the ref is being deleted.
    pub fn is_delete(&self) -> bool {
        is_zero(&self.new)
    }
}

/// True for an all-zeros object id (git's "no object").
pub use super::github::is_zero_oid as is_zero;

/// Parses `pre-push` stdin.
pub fn parse_pre_push(input: &[u8]) -> Result<Vec<PushLine>> {
    let mut out = Vec::new();
    for (n, line) in lines(input, "pre-push")? {
        let f = fields(line, 4, n, "pre-push", PRE_PUSH_SHAPE)?;
        let (Some(lr), Some(lo), Some(rr), Some(ro)) = (f.first(), f.get(1), f.get(2), f.get(3))
        else {
            return Err(malformed(n, "pre-push", line, PRE_PUSH_SHAPE));
        };
        let local_oid = oid_field(lo, n, "pre-push", "local object")?;
        let remote_ref = refname(rr, is_zero(&local_oid), n, "pre-push")?;
        out.push(PushLine {
            local_ref: lr.to_string(),
            local_oid,
            remote_ref,
            remote_oid: oid_field(ro, n, "pre-push", "remote object")?,
        });
    }
    Ok(out)
}

/// Parses `pre-receive` stdin.
pub fn parse_pre_receive(input: &[u8]) -> Result<Vec<ReceiveLine>> {
    let mut out = Vec::new();
    for (n, line) in lines(input, "pre-receive")? {
        let f = fields(line, 3, n, "pre-receive", PRE_RECEIVE_SHAPE)?;
        let (Some(old), Some(new), Some(r)) = (f.first(), f.get(1), f.get(2)) else {
            return Err(malformed(n, "pre-receive", line, PRE_RECEIVE_SHAPE));
        };
        let new = oid_field(new, n, "pre-receive", "new object")?;
        let line = ReceiveLine {
            old: oid_field(old, n, "pre-receive", "old object")?,
            refname: refname(r, is_zero(&new), n, "pre-receive")?,
            new,
        };
        if line.old.len() != line.new.len() {
            return Err(Error::input(format!(
                "pre-receive input line {n}: the old and new object ids have different lengths"
            ))
            .with_help("this input does not come from git; pre-receive hooks read what `git receive-pack` writes"));
        }
        if line.is_create() && line.is_delete() {
            // Found by the fuzz corpus: git never sends zeros on both sides.
            return Err(Error::input(format!(
                "pre-receive input line {n}: both object ids are zero (neither a create nor a delete)"
            ))
            .with_help("this input does not come from git; pre-receive hooks read what `git receive-pack` writes"));
        }
        out.push(line);
    }
    Ok(out)
}

const PRE_PUSH_SHAPE: &str = "<local ref> <local oid> <remote ref> <remote oid>";
const PRE_RECEIVE_SHAPE: &str = "<old oid> <new oid> <ref name>";

/// Splits input into numbered lines: LF-terminated, no CR, no empty line, UTF-8.
fn lines<'a>(input: &'a [u8], hook: &str) -> Result<Vec<(usize, &'a str)>> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(Error::limit(format!(
            "{hook} input is larger than {MAX_INPUT_BYTES} bytes"
        )));
    }
    let text = std::str::from_utf8(input).map_err(|_| {
        Error::input(format!("{hook} input is not valid UTF-8")).with_help(format!(
            "{hook} reads what git writes on stdin; run it from git"
        ))
    })?;
    let body = text.strip_suffix('\n').unwrap_or(text);
    if body.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for (i, line) in body.split('\n').enumerate() {
        let n = i + 1;
        if line.is_empty() || line.contains('\r') {
            return Err(Error::input(format!(
                "{hook} input line {n} is {}",
                if line.is_empty() {
                    "empty"
                } else {
                    "CR-terminated"
                }
            ))
            .with_help(format!(
                "{hook} reads what git writes on stdin (one LF-terminated line per ref); run it from git"
            )));
        }
        out.push((n, line));
    }
    Ok(out)
}

fn fields<'a>(
    line: &'a str,
    want: usize,
    n: usize,
    hook: &str,
    shape: &str,
) -> Result<Vec<&'a str>> {
    let f: Vec<&str> = line.split(' ').collect();
    if f.len() != want || f.iter().any(|s| s.is_empty()) {
        return Err(malformed(n, hook, line, shape));
    }
    Ok(f)
}

fn malformed(n: usize, hook: &str, line: &str, shape: &str) -> Error {
    let shown: String = line
        .chars()
        .take(120)
        .flat_map(char::escape_debug)
        .collect();
    Error::input(format!(
        "{hook} input line {n} is malformed: `{shown}` (expected `{shape}`)"
    ))
    .with_help(format!(
        "{hook} reads what git writes on stdin; to try it by hand, pipe lines of the form `{shape}`"
    ))
}

/// A full hex object id: 40 (SHA-1) or 64 (SHA-256) lowercase hex digits.
fn oid_field(s: &str, n: usize, hook: &str, what: &str) -> Result<String> {
    let ok = (s.len() == 40 || s.len() == 64)
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if ok {
        Ok(s.to_string())
    } else {
        let shown: String = s.chars().take(80).flat_map(char::escape_debug).collect();
        Err(Error::input(format!(
            "{hook} input line {n}: the {what} `{shown}` is not a full object id"
        ))
        .with_help(
            "git writes full lowercase hex object ids (40 or 64 digits); run the hook from git",
        ))
    }
}

/// A ref name as `git receive-pack` accepts it ([`refname::check_received`]): under `refs/`,
/// git's `check-ref-format` rules. Anything else never comes from git and fails closed
/// (found by the `receive_line` fuzz target: `refs/` alone, `refs/heads/a..b`, `refs/x/`).
fn refname(s: &str, deletion: bool, n: usize, hook: &str) -> Result<String> {
    match refname::check_received(s, deletion) {
        Ok(()) => Ok(s.to_string()),
        Err(why) => {
            let shown: String = s.chars().take(120).flat_map(char::escape_debug).collect();
            Err(Error::input(format!(
                "{hook} input line {n}: `{shown}` is not a valid ref name ({why})"
            ))
            .with_help(
                "git only sends full ref names under `refs/` that pass `git check-ref-format`; run the hook from git",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const Z: &str = "0000000000000000000000000000000000000000";

    #[test]
    fn parses_pre_push_lines() {
        let input =
            format!("refs/heads/main {A} refs/heads/main {Z}\n(delete) {Z} refs/heads/old {A}\n");
        let v = parse_pre_push(input.as_bytes()).expect("parses");
        assert_eq!(v.len(), 2);
        assert!(v[0].is_new() && !v[0].is_delete());
        assert!(v[1].is_delete() && !v[1].is_new());
        assert_eq!(v[1].remote_ref, "refs/heads/old");
    }

    #[test]
    fn empty_input_is_no_refs() {
        assert!(parse_pre_push(b"").expect("ok").is_empty());
        assert!(parse_pre_receive(b"\n").expect("ok").is_empty());
    }

    #[test]
    fn rejects_malformed_lines() {
        for bad in [
            format!("refs/heads/main {A} refs/heads/main\n"),
            format!("refs/heads/main {A} refs/heads/main {A} extra\n"),
            format!("refs/heads/main  {A} refs/heads/main {A}\n"),
            format!("refs/heads/main {} refs/heads/main {A}\n", &A[1..]),
            format!(
                "refs/heads/main {} refs/heads/main {A}\n",
                A.to_uppercase().replace('1', "F")
            ),
            format!("refs/heads/main {A} refs/heads/main {A}\r\n"),
            format!(
                "refs/heads/main {A} refs/heads/main {A}\n\nrefs/heads/x {A} refs/heads/x {A}\n"
            ),
        ] {
            let e = parse_pre_push(bad.as_bytes()).expect_err(&bad);
            assert_eq!(e.kind, crate::ErrorKind::Input, "{bad}");
        }
        let e = parse_pre_push(b"\xff\n").expect_err("utf8");
        assert_eq!(e.kind, crate::ErrorKind::Input);
    }

    #[test]
    fn parses_pre_receive_lines() {
        let v = parse_pre_receive(
            format!("{Z} {A} refs/heads/topic\n{A} {Z} refs/heads/gone").as_bytes(),
        )
        .expect("parses");
        assert!(v[0].is_create());
        assert!(v[1].is_delete());
        assert_eq!(v[0].refname, "refs/heads/topic");
        for bad in [
            format!("{Z} {A}\n"),
            format!("{Z} {A} refs/heads/a b\n"),
            format!("{Z} {A}{A} refs/heads/a\n"),
            format!("{Z} zz{} refs/heads/a\n", &A[2..]),
        ] {
            assert!(parse_pre_receive(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn zero_ids() {
        assert!(is_zero(Z));
        assert!(!is_zero(A));
        assert!(!is_zero(""));
    }
}
