//! Commit objects, read the way git reads them — or refused.
//!
//! git has more than one reader of a commit object and they do not all agree on unusual
//! shapes (`commit.c: parse_commit_buffer`, `pretty.c: parse_commit_header`,
//! `commit.c: find_commit_header`, `fsck.c: fsck_commit`, libgit2's `commit_parse`):
//!
//! - **parents**: only the `parent` lines directly after `tree` are parents
//!   (`parse_commit_buffer` stops at the first other line; libgit2 does the same). A
//!   `parent` line further down is an unknown extra header that `git fsck` accepts and every
//!   reader ignores — so it is ignored here too;
//! - **author and committer**: `git log --format=%an` takes the *last* `author` line
//!   (`parse_commit_header` overwrites), the sequencer and `git fsck` the *first*
//!   (`find_commit_header`), `git log`'s default format prints *all* of them. Which identity
//!   a second line means is not defined, so a commit with two is refused;
//! - **tree**: the first line; a second `tree` line is ignored by git but says the object
//!   was crafted, so it is refused.
//!
//! The accepted shape is the one `git commit-tree` writes and `git fsck` checks:
//!
//! ```text
//! tree <40 lower-case hex>\n
//! parent <40 lower-case hex>\n          (zero or more)
//! author <ident>\n                      (exactly one, here)
//! committer <ident>\n                   (exactly one, here)
//! <key> <value>\n( <continuation>\n)*   (any others: encoding, gpgsig, mergetag, …)
//! \n
//! <message>
//! ```
//!
//! Anything else — a missing or malformed tree or parent line, a parent id in upper case
//! (git would read it; no git writes it), author or committer missing, out of place or
//! repeated, an ident git cannot split, a repeated `encoding`, a NUL in the header, a header
//! without its final newline — is a [`Malformed`] error and ends the run with exit 2:
//! countersign never guesses which reading git would use.

use git2::Oid;

use crate::facts::Identity;

/// The parts of a raw commit object countersign reads, borrowing its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawCommit<'a> {
    /// The `tree` id.
    pub tree: Oid,
    /// The parents git reads: the `parent` lines right after `tree`, in order.
    pub parents: Vec<Oid>,
    /// The `author` value (`Name <email> time zone`).
    pub author: &'a [u8],
    /// The `committer` value.
    pub committer: &'a [u8],
    /// The `encoding` value, when present.
    pub encoding: Option<&'a [u8]>,
    /// The message: everything after the empty line that ends the header.
    pub message: &'a [u8],
}

/// Why a commit object was refused (a short phrase, for the error message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed(pub &'static str);

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// Length of a SHA-1 id in hex.
const HEX_LEN: usize = 40;

/// A 40-character lower-case hex id (what git writes; anything else is refused).
fn lower_hex_oid(v: &[u8]) -> Option<Oid> {
    if v.len() != HEX_LEN || !v.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    Oid::from_str(std::str::from_utf8(v).ok()?).ok()
}

/// The header line starting at `at` (without its `\n`) and the offset after it; `None` when
/// the header is not terminated by a newline.
fn line_at(data: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let rest = data.get(at..)?;
    let nl = rest.iter().position(|&b| b == b'\n')?;
    Some((rest.get(..nl)?, at + nl + 1))
}

/// Parses a raw commit object; see the module documentation for what is accepted.
pub fn parse(data: &[u8]) -> Result<RawCommit<'_>, Malformed> {
    // The header is everything up to the first empty line (or the end of the object, which
    // must then end with a newline: git's `verify_headers`).
    let header_end = match data.windows(2).position(|w| w == b"\n\n") {
        Some(i) => i + 1,
        None if data.last() == Some(&b'\n') => data.len(),
        None => return Err(Malformed("the header does not end with a newline")),
    };
    let header = data.get(..header_end).unwrap_or_default();
    if header.contains(&0) {
        return Err(Malformed("a NUL byte in the header"));
    }
    let message = data
        .get((header_end + 1).min(data.len())..)
        .unwrap_or_default();

    let (first, mut at) = line_at(header, 0).ok_or(Malformed("no tree line"))?;
    let tree = first
        .strip_prefix(b"tree ")
        .and_then(lower_hex_oid)
        .ok_or(Malformed("the first line is not `tree <40 hex>`"))?;

    let mut parents = Vec::new();
    while let Some((line, next)) = line_at(header, at) {
        let Some(v) = line.strip_prefix(b"parent ") else {
            break;
        };
        parents.push(lower_hex_oid(v).ok_or(Malformed("a parent line is not `parent <40 hex>`"))?);
        at = next;
    }

    let (line, next) = line_at(header, at).ok_or(Malformed("no author line"))?;
    let author = line.strip_prefix(b"author ").ok_or(Malformed(
        "the author line is missing or not right after the parents",
    ))?;
    at = next;
    let (line, next) = line_at(header, at).ok_or(Malformed("no committer line"))?;
    if line.starts_with(b"author ") {
        return Err(Malformed("a second author line"));
    }
    let committer = line.strip_prefix(b"committer ").ok_or(Malformed(
        "the committer line is missing or not right after the author",
    ))?;
    at = next;
    split_ident(author).ok_or(Malformed("the author is not `Name <email>`"))?;
    split_ident(committer).ok_or(Malformed("the committer is not `Name <email>`"))?;

    // The other headers: `key value` lines, each followed by continuation lines that start
    // with a space. A continuation right after the four fixed lines would extend one of them.
    let mut encoding = None;
    let mut first_extra = true;
    while let Some((line, next)) = line_at(header, at) {
        at = next;
        if line.first() == Some(&b' ') {
            if first_extra {
                return Err(Malformed("a continuation line after the committer line"));
            }
            continue;
        }
        first_extra = false;
        let key = line.split(|&b| b == b' ').next().unwrap_or_default();
        match key {
            b"tree" => return Err(Malformed("a second tree line")),
            b"author" => return Err(Malformed("a second author line")),
            b"committer" => return Err(Malformed("a second committer line")),
            b"encoding" => {
                if encoding.is_some() {
                    return Err(Malformed("a second encoding line"));
                }
                encoding = Some(line.get(key.len() + 1..).unwrap_or_default());
            }
            // `parent` here is an unknown extra header to git (ignored); anything else
            // (gpgsig, gpgsig-sha256, mergetag, …) is not read by countersign.
            _ => {}
        }
    }
    Ok(RawCommit {
        tree,
        parents,
        author,
        committer,
        encoding,
        message,
    })
}

/// The tree id of a raw commit, read as git reads it (the first line, `tree <hex>`); used
/// for parent commits, whose tree is all the scan needs from them.
pub fn tree_of(data: &[u8]) -> Option<Oid> {
    let (first, _) = line_at(data, 0)?;
    lower_hex_oid(first.strip_prefix(b"tree ")?)
}

/// git's `isspace` (`ctype.c`): space, tab, LF, CR — not VT or FF.
fn git_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// An ident split the way git's `split_ident_line` does: the name is everything before the
/// first `<` with trailing whitespace removed (leading whitespace is kept, as in `%an`), the
/// email runs to the first `>` after it, and the time is the run of digits after the last
/// `>` (0 when there is none, as git's date parser gives). `None` when git cannot split it
/// (no `<`, or no `>` after it).
pub fn split_ident(v: &[u8]) -> Option<(&[u8], &[u8], i64)> {
    let lt = v.iter().position(|&b| b == b'<')?;
    let before = v.get(..lt)?;
    let name_end = before
        .iter()
        .rposition(|&b| !git_space(b))
        .map_or(0, |i| i + 1);
    let name = before.get(..name_end)?;
    let after = v.get(lt + 1..)?;
    let gt = after.iter().position(|&b| b == b'>')?;
    let email = after.get(..gt)?;
    let last_gt = v.iter().rposition(|&b| b == b'>')?;
    let rest = v.get(last_gt + 1..)?;
    let start = rest
        .iter()
        .position(|&b| !git_space(b))
        .unwrap_or(rest.len());
    let digits = rest.get(start..)?;
    let n = digits.iter().take_while(|b| b.is_ascii_digit()).count();
    let time = std::str::from_utf8(digits.get(..n)?)
        .ok()
        .and_then(|t| t.parse::<i64>().ok())
        .unwrap_or(0);
    Some((name, email, time))
}

/// The identity and time of an ident value (lossy UTF-8; an unsplittable ident, which
/// [`parse`] refuses, is empty).
pub fn identity(v: &[u8]) -> (Identity, i64) {
    let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    match split_ident(v) {
        Some((name, email, time)) => (Identity::new(lossy(name), lossy(email)), time),
        None => (Identity::default(), 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
    const P1: &str = "1111111111111111111111111111111111111111";
    const P2: &str = "2222222222222222222222222222222222222222";

    fn obj(headers: &str, msg: &str) -> Vec<u8> {
        format!("{headers}\n{msg}").into_bytes()
    }

    fn std_headers(extra: &str) -> String {
        format!(
            "tree {T}\nparent {P1}\nparent {P2}\nauthor A U Thor <a@x.org> 1700000000 +0100\ncommitter C O Mitter <c@x.org> 1700000100 -0500\n{extra}"
        )
    }

    #[test]
    fn reads_the_canonical_shape() {
        let data = obj(
            &std_headers("encoding ISO-8859-1\ngpgsig -----BEGIN\n  line\n -----END\n"),
            "Subject\n\nBody\n",
        );
        let c = parse(&data).expect("parses");
        assert_eq!(c.tree.to_string(), T);
        assert_eq!(c.parents.len(), 2);
        assert_eq!(c.encoding, Some(&b"ISO-8859-1"[..]));
        assert_eq!(c.message, b"Subject\n\nBody\n");
        let (a, _) = identity(c.author);
        assert_eq!(a, Identity::new("A U Thor", "a@x.org"));
        assert_eq!(identity(c.committer).1, 1_700_000_100);
    }

    #[test]
    fn a_late_parent_line_is_not_a_parent() {
        let data = obj(&std_headers(&format!("parent {P1}\n")), "m\n");
        let c = parse(&data).expect("parses");
        assert_eq!(c.parents.len(), 2);
        let data = obj(
            &format!("tree {T}\nauthor A <a@x> 1 +0000\nparent {P1}\ncommitter C <c@x> 1 +0000\n"),
            "m\n",
        );
        assert!(parse(&data).is_err(), "parent between author and committer");
    }

    #[test]
    fn refuses_shapes_git_readers_disagree_on() {
        let bad = [
            obj(&std_headers("author B <b@x> 1 +0000\n"), "m"),
            obj(&std_headers("committer B <b@x> 1 +0000\n"), "m"),
            obj(&std_headers(&format!("tree {T}\n")), "m"),
            obj(&std_headers("encoding a\nencoding b\n"), "m"),
            obj(&std_headers(" continuation\n"), "m"),
            obj(
                &format!("parent {P1}\ntree {T}\nauthor A <a> 1 +0000\ncommitter C <c> 1 +0000\n"),
                "m",
            ),
            obj(&format!("tree {T}\ncommitter C <c> 1 +0000\n"), "m"),
            obj(&format!("tree {T}\nauthor A <a> 1 +0000\n"), "m"),
            obj(
                &format!(
                    "tree {}\nauthor A <a> 1 +0000\ncommitter C <c> 1 +0000\n",
                    T.to_uppercase()
                ),
                "m",
            ),
            obj(
                &format!(
                    "tree {T}\nparent {}\nauthor A <a> 1 +0000\ncommitter C <c> 1 +0000\n",
                    &P1[..39]
                ),
                "m",
            ),
            obj(
                &format!("tree {T}\nauthor A a@x 1 +0000\ncommitter C <c> 1 +0000\n"),
                "m",
            ),
            obj(
                &format!("tree {T}\nauthor A <a@x 1 +0000\ncommitter C <c> 1 +0000\n"),
                "m",
            ),
            obj(
                &format!("tree {T}\r\nauthor A <a@x> 1 +0000\ncommitter C <c> 1 +0000\n"),
                "m",
            ),
            obj(
                &format!("tree {T}\nauthor A\0 <a@x> 1 +0000\ncommitter C <c> 1 +0000\n"),
                "m",
            ),
            format!("tree {T}\nauthor A <a> 1 +0000\ncommitter C <c> 1 +0000").into_bytes(),
            Vec::new(),
            b"author x <y> 1 +0000\n\nmsg".to_vec(),
        ];
        for (i, b) in bad.iter().enumerate() {
            assert!(
                parse(b).is_err(),
                "variant {i} accepted: {:?}",
                String::from_utf8_lossy(b)
            );
        }
    }

    #[test]
    fn no_message_is_an_empty_message() {
        let data = format!("tree {T}\nauthor A <a> 1 +0000\ncommitter C <c> 1 +0000\n");
        let c = parse(data.as_bytes()).expect("parses");
        assert!(c.message.is_empty() && c.parents.is_empty());
        // NUL and CR in the message are the message's business, not the header's.
        let data = obj(&std_headers(""), "a\0b\r\n");
        assert_eq!(parse(&data).expect("parses").message, b"a\0b\r\n");
    }

    #[test]
    fn idents_split_like_git() {
        let s = |v: &[u8]| split_ident(v).map(|(n, e, t)| (n.to_vec(), e.to_vec(), t));
        assert_eq!(
            s(b"  Ada  <a@x> 12 +0000"),
            Some((b"  Ada".to_vec(), b"a@x".to_vec(), 12))
        );
        assert_eq!(s(b"<a@x> 1 +0000"), Some((Vec::new(), b"a@x".to_vec(), 1)));
        assert_eq!(
            s(b"A <a>b> 7 +0000"),
            Some((b"A".to_vec(), b"a".to_vec(), 7))
        );
        assert_eq!(s(b"A <a@x>"), Some((b"A".to_vec(), b"a@x".to_vec(), 0)));
        assert_eq!(
            s(b"A \x0b<a@x> 1"),
            Some((b"A \x0b".to_vec(), b"a@x".to_vec(), 1))
        );
        assert_eq!(s(b"no email"), None);
        assert_eq!(s(b"A <open"), None);
        for v in [&b""[..], b"<", b">", b"a <b", b"<> 12", b"a >b< 3"] {
            let _ = identity(v);
        }
    }
}
