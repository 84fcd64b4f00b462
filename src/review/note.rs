//! The note format: how signed reviews are stored in `refs/notes/countersign`.
//!
//! The note of a commit is text with **one review per line**:
//!
//! ```text
//! <SSHSIG, base64 without line breaks> SP <statement bytes> LF
//! ```
//!
//! The base64 is exactly the body of the armored `-----BEGIN SSH SIGNATURE-----` block that
//! `ssh-keygen -Y sign` prints, joined into one line; the statement bytes are the canonical
//! one-line JSON of [`super::statement`] (JSON escapes every line break, so a statement never
//! spans lines). One line per review makes git's `cat_sort_uniq` notes merge a lossless
//! union: two reviewers who signed the same commit concurrently both survive a merge, and
//! the same review fetched twice is kept once. Empty lines are ignored; any other line that
//! is not of this form is reported as a malformed review (it never counts).

/// The largest note read, in bytes (a note holds the reviews of one commit).
pub const MAX_NOTE_BYTES: usize = 1 << 20;
/// The most reviews one note may hold.
pub const MAX_REVIEWS_PER_NOTE: usize = 256;
/// The longest base64 signature accepted (an SSHSIG of the supported key types is < 1 KiB).
pub const MAX_SIGNATURE_B64: usize = 16 * 1024;

/// Armor line width used by ssh-keygen.
const ARMOR_WIDTH: usize = 70;
const BEGIN: &str = "-----BEGIN SSH SIGNATURE-----";
const END: &str = "-----END SSH SIGNATURE-----";

/// One line of a note, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The armored signature (as `ssh-keygen -Y sign` writes it).
    pub signature: String,
    /// The statement bytes as stored (lossy UTF-8 when not UTF-8: then it cannot parse).
    pub statement: String,
}

/// Splits a note into its review lines. Errors only on limits (a note over
/// [`MAX_NOTE_BYTES`] or with more than [`MAX_REVIEWS_PER_NOTE`] lines); a line that is not a
/// review comes back with an empty signature, so the evaluator reports it as malformed.
pub fn parse(note: &[u8]) -> Result<Vec<Entry>, String> {
    if note.len() > MAX_NOTE_BYTES {
        return Err(format!(
            "a review note is {} bytes, more than {MAX_NOTE_BYTES}",
            note.len()
        ));
    }
    let mut out = Vec::new();
    for line in note.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if out.len() == MAX_REVIEWS_PER_NOTE {
            return Err(format!(
                "a review note holds more than {MAX_REVIEWS_PER_NOTE} reviews"
            ));
        }
        out.push(entry(line));
    }
    Ok(out)
}

fn entry(line: &[u8]) -> Entry {
    let (sig, stmt) = match line.iter().position(|&b| b == b' ') {
        Some(i) => (&line[..i], &line[i + 1..]),
        None => (&b""[..], line),
    };
    let sig_ok = !sig.is_empty()
        && sig.len() <= MAX_SIGNATURE_B64
        && sig
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
    if !sig_ok {
        // No signature in front: the whole line is what is there to report.
        return Entry {
            signature: String::new(),
            statement: String::from_utf8_lossy(line).into_owned(),
        };
    }
    Entry {
        signature: armor(std::str::from_utf8(sig).unwrap_or_default()),
        statement: String::from_utf8_lossy(stmt).into_owned(),
    }
}

/// The note line of one review.
pub fn line(armored: &str, statement: &[u8]) -> Result<Vec<u8>, String> {
    let b64 = dearmor(armored).ok_or("not an armored SSH signature")?;
    if statement.contains(&b'\n') || statement.contains(&b'\r') {
        return Err("the statement spans lines".into());
    }
    let mut out = Vec::with_capacity(b64.len() + statement.len() + 2);
    out.extend_from_slice(b64.as_bytes());
    out.push(b' ');
    out.extend_from_slice(statement);
    out.push(b'\n');
    Ok(out)
}

/// `base64` (one line) → the armored block, wrapped at 70 columns like ssh-keygen.
pub fn armor(b64: &str) -> String {
    let mut s = String::with_capacity(b64.len() + b64.len() / ARMOR_WIDTH + 64);
    s.push_str(BEGIN);
    s.push('\n');
    let bytes = b64.as_bytes();
    for chunk in bytes.chunks(ARMOR_WIDTH) {
        s.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        s.push('\n');
    }
    s.push_str(END);
    s.push('\n');
    s
}

/// The armored block → its base64 body on one line (`None` when it is not one block).
pub fn dearmor(armored: &str) -> Option<String> {
    let mut lines = armored.trim().lines().map(str::trim);
    if lines.next()? != BEGIN {
        return None;
    }
    let mut body = String::new();
    for l in lines.by_ref() {
        if l == END {
            return (!body.is_empty()
                && lines.next().is_none()
                && body
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')))
            .then_some(body);
        }
        body.push_str(l);
    }
    None
}

/// Appends `line` to an existing note unless the note already holds it (idempotent).
pub fn append(existing: &[u8], line: &[u8]) -> Vec<u8> {
    let key = line.strip_suffix(b"\n").unwrap_or(line);
    if existing.split(|&b| b == b'\n').any(|l| l == key) {
        return existing.to_vec();
    }
    let mut out = existing.to_vec();
    if !out.is_empty() && !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    out.extend_from_slice(line);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn armor_round_trips() {
        let b64 = "U1NIU0lH".repeat(30);
        let a = armor(&b64);
        assert!(a.lines().all(|l| l.len() <= 70 || l.starts_with("-----")));
        assert_eq!(dearmor(&a).as_deref(), Some(b64.as_str()));
        assert_eq!(dearmor("junk"), None);
        assert_eq!(dearmor(&format!("{a}{a}")), None);
    }

    #[test]
    fn lines_split_and_append_is_idempotent() {
        let a = armor("QUJD");
        let l1 = line(&a, b"{\"x\":1}").expect("line");
        let l2 = line(&a, b"{\"y\":2}").expect("line");
        let n = append(&append(&append(b"", &l1), &l2), &l1);
        let e = parse(&n).expect("parse");
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].statement, "{\"x\":1}");
        assert_eq!(e[0].signature, a);
        assert!(line(&a, b"a\nb").is_err());
        // A line that is not a review keeps its text, with no signature.
        let e = parse(b"not-a-review\n\n").expect("parse");
        assert_eq!(e[0].signature, "");
        assert!(parse(&vec![b'x'; MAX_NOTE_BYTES + 1]).is_err());
        assert!(parse("a b\n".repeat(MAX_REVIEWS_PER_NOTE + 1).as_bytes()).is_err());
    }
}
