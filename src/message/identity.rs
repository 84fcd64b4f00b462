//! The `Name <email>` identity parser and email normalisation.
//!
//! A reviewer trailer counts only when its (unfolded) value is exactly one `Name <email>` with a
//! real name. Anything else — two people, a placeholder, `<>`, an empty value, invisible
//! characters — is rejected with a reason the user can act on.

use super::trailers::is_forbidden_char;
use crate::facts::Identity;

/// Why a value is not exactly one `Name <email>`. `.0` is a human-readable reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityError(pub String);

impl std::fmt::Display for IdentityError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for IdentityError {}

fn err<T>(reason: impl Into<String>) -> Result<T, IdentityError> {
    Err(IdentityError(reason.into()))
}

/// Names that stand for "nobody yet" (compared case-insensitively, surrounding punctuation
/// ignored).
const PLACEHOLDERS: &[&str] = &[
    "tbd",
    "tba",
    "todo",
    "fixme",
    "xxx",
    "n/a",
    "na",
    "none",
    "nobody",
    "unknown",
    "anonymous",
    "name",
    "your name",
    "reviewer",
    "someone",
    "-",
    "?",
];

fn is_placeholder(name: &str) -> bool {
    let n = name
        .trim_matches(|c: char| c.is_ascii_punctuation() && c != '/' && c != '-' && c != '?')
        .trim()
        .to_lowercase();
    PLACEHOLDERS.contains(&n.as_str())
}

/// Parses exactly one `Name <email>` with a real name.
///
/// Rules: the value (trimmed) ends with the only `<…>` it contains; the name before it is
/// non-empty, contains a letter, is not a placeholder (`TBD`, `TODO`, `N/A`, `none`,
/// `unknown`, `-`, `?` …) and holds no control, format or bidi character; the email is a
/// plain address ([`check_address`]): no whitespace, quotes, comments or brackets, one `@`,
/// an ASCII local part, a domain that IDNA accepts. Spellings that name the same mailbox
/// (case, `+tag`, a Unicode or punycode domain, GitHub noreply forms) are one identity under
/// [`normalize_email`].
pub fn parse_identity(value: &str) -> Result<Identity, IdentityError> {
    let v = value.trim();
    if v.is_empty() {
        return err("empty value: expected `Name <email>`");
    }
    if v.chars().any(is_forbidden_char) {
        return err("contains a control, invisible or bidi character");
    }
    let opens = v.matches('<').count();
    let closes = v.matches('>').count();
    if opens == 0 && closes == 0 {
        return err("no `<email>`: expected `Name <email>`");
    }
    if opens > 1 || closes > 1 {
        return err("more than one `<…>`: name exactly one person as `Name <email>`");
    }
    let (Some(open), Some(close)) = (v.find('<'), v.find('>')) else {
        return err("unbalanced `<` / `>`: expected `Name <email>`");
    };
    if close < open {
        return err("unbalanced `<` / `>`: expected `Name <email>`");
    }
    if close + 1 != v.len() {
        return err("text after `<email>`: the value must end with `<email>`");
    }
    let name = v.get(..open).unwrap_or_default().trim();
    let email = v.get(open + 1..close).unwrap_or_default();
    if name.is_empty() {
        return err("no name before `<email>`: expected `Name <email>`");
    }
    if !name.chars().any(char::is_alphabetic) {
        return err(format!("name `{name}` contains no letter"));
    }
    if is_placeholder(name) {
        return err(format!("name `{name}` is a placeholder, not a person"));
    }
    check_address(email)?;
    Ok(Identity::new(name, email))
}

/// A plain email address, as evidence must give it: an RFC 5322 quoted local part
/// (`"bob"@x`), a comment (`bob(x)@x`), an escape, a domain literal or a list could make
/// one mailbox look like another (or two like one), so they are `malformed` here rather
/// than guessed at (`[bot]` in a local part stays: GitHub's bot noreply addresses use it). The local part is ASCII (the same letters in another normal form
/// would be another spelling); the domain may be Unicode or punycode (IDNA, UTS #46).
pub fn check_address(email: &str) -> Result<(), IdentityError> {
    if email.is_empty() {
        return err("empty `<>`: expected an email address");
    }
    if email.chars().any(char::is_whitespace) {
        return err(format!("email `{email}` contains whitespace"));
    }
    if let Some(c) = email
        .chars()
        .find(|c| matches!(c, '"' | '\\' | '(' | ')' | ',' | ';' | ':' | '<' | '>'))
    {
        return err(format!(
            "email `{email}` contains `{c}`: write the plain address (no quotes, comments or brackets)"
        ));
    }
    let ats = email.matches('@').count();
    if ats != 1 {
        return err(format!("email `{email}` must contain exactly one `@`"));
    }
    let (local, domain) = email.split_once('@').unwrap_or_default();
    if local.is_empty() {
        return err(format!("email `{email}` has an empty local part"));
    }
    if !local.is_ascii() {
        return err(format!(
            "email `{email}` has a non-ASCII local part: write the address as its mailbox spells it in ASCII"
        ));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return err(format!("email `{email}` has an invalid local part"));
    }
    if domain.is_empty() || domain.starts_with('.') || domain.ends_with('.') {
        return err(format!("email `{email}` has no valid domain"));
    }
    // A domain name, never a literal (`[127.0.0.1]`): letters, digits, `-`, `.`, Unicode.
    if domain
        .chars()
        .any(|c| c.is_ascii() && !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
    {
        return err(format!(
            "email `{email}` has a domain that is not a domain name"
        ));
    }
    match idna::domain_to_ascii(domain) {
        Ok(d) if !d.is_empty() && !d.split('.').any(str::is_empty) => Ok(()),
        _ => err(format!(
            "email `{email}` has a domain that is not a valid (internationalised) domain name"
        )),
    }
}

/// The GitHub noreply domain (`ID+login@users.noreply.github.com`, `login@…`).
pub const GITHUB_NOREPLY: &str = "users.noreply.github.com";

/// Normalises an email for identity comparison, so that every spelling of one mailbox is one
/// string (issue 11, class 8). Total: it never fails, because it also reads the emails of
/// authors, committers and co-authors, which are not evidence and must never escape a
/// comparison by being odd.
///
/// - RFC 5322 comments `( … )` (nested) are dropped, quotes and `\` escapes unwrapped
///   (`"bob"@x` = `bob@x`), whitespace dropped;
/// - the local part is lowercased; a `+tag` is dropped (`bob+x@corp` = `bob@corp`); GitHub's
///   `ID+login@users.noreply.github.com` becomes `login@users.noreply.github.com`;
/// - the domain is lowercased and converted to ASCII with IDNA (UTS #46): a Unicode domain
///   and its `xn--` punycode are the same domain; trailing dots are dropped.
pub fn normalize_email(email: &str) -> String {
    let e = email.trim();
    let e = if e.contains(['(', '"', '\\']) || e.contains(char::is_whitespace) {
        strip_comments_and_quotes(e)
    } else {
        e.to_string()
    };
    let Some((local, domain)) = e.rsplit_once('@') else {
        return e.to_lowercase();
    };
    let local = local.to_lowercase();
    let domain = domain.to_lowercase();
    // UTS #46 leaves lowercase ASCII as it is (a valid `xn--` label re-encodes to itself; an
    // invalid one fails and stays as written), so only non-ASCII domains need the mapping.
    // It may drop characters (a zero-width space), so trailing dots are trimmed after it.
    // Cleaning (dropping what the first step drops) and the IDNA mapping each can enable the
    // other: a stray `)` makes the mapping fail, and the mapping can bring in `(`, `)` (U+2474
    // `⑴` → `(1)`). Applied until nothing changes — two or three rounds: a mapped domain is
    // ASCII, which neither step changes again — so normalising twice changes nothing.
    let clean = |d: &str| {
        let mut d = d.trim_end_matches('.').to_string();
        d.retain(|c| !matches!(c, '(' | ')' | '"' | '\\') && !c.is_whitespace());
        d.trim_end_matches('.').to_string()
    };
    let map = |d: String| {
        if d.is_ascii() {
            d
        } else {
            idna::domain_to_ascii(&d)
                .ok()
                .filter(|m| !m.is_empty())
                .unwrap_or(d)
        }
    };
    let mut domain = clean(&map(domain));
    for _ in 0..4 {
        let next = clean(&map(domain.clone()));
        if next == domain {
            break;
        }
        domain = next;
    }
    // GitHub logins hold no `+`: the noreply login is what follows the last one. Elsewhere
    // the tag is what follows the first. Either way no `+` is left (idempotent).
    let local = if domain == GITHUB_NOREPLY {
        local.rsplit('+').next().unwrap_or_default().to_string()
    } else {
        match local.split_once('+') {
            Some((base, _tag)) if !base.is_empty() => base.to_string(),
            _ => local,
        }
    };
    format!("{local}@{domain}")
}

/// `email` without RFC 5322 comments (balanced, nested, outside quotes), quotes, escapes and
/// whitespace; no `(`, `)`, `"` or `\\` is left (so normalising twice changes nothing).
fn strip_comments_and_quotes(email: &str) -> String {
    let chars: Vec<char> = email.chars().collect();
    let mut out = String::with_capacity(email.len());
    let mut i = 0;
    let mut quoted = false;
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => {
                if let Some(&n) = chars.get(i + 1)
                    && !matches!(n, '(' | ')' | '"' | '\\')
                    && !n.is_whitespace()
                {
                    out.push(n);
                }
                i += 2;
                continue;
            }
            '"' => quoted = !quoted,
            '(' if !quoted => {
                if let Some(end) = comment_end(&chars, i) {
                    i = end + 1;
                    continue;
                }
            }
            '(' | ')' => {}
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// The index of the `)` closing the comment that opens at `start`, when it closes.
fn comment_end(chars: &[char], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => i += 1,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The GitHub login a normalised noreply address names (`login@users.noreply.github.com`).
pub fn noreply_login(normalized: &str) -> Option<&str> {
    normalized
        .strip_suffix(GITHUB_NOREPLY)
        .and_then(|l| l.strip_suffix('@'))
        .filter(|l| !l.is_empty())
}

/// True when two emails name the same mailbox after [`normalize_email`].
pub fn same_email(a: &str, b: &str) -> bool {
    normalize_email(a) == normalize_email(b)
}

/// The email of a co-authorship value, read leniently (the text in the last `<…>`, else the
/// whole value when it holds an `@`): a co-author is a writer even when the trailer is not a
/// well-formed identity, so an odd spelling cannot make her a reviewer of her own change.
pub fn lenient_email(value: &str) -> Option<String> {
    let v = value.trim();
    let email = match (v.rfind('<'), v.rfind('>')) {
        (Some(o), Some(c)) if o < c => v.get(o + 1..c).unwrap_or_default(),
        _ => v,
    };
    email.contains('@').then(|| normalize_email(email))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_identity() {
        let id = parse_identity("  Bob Builder <bob@corp>  ").unwrap();
        assert_eq!(id, Identity::new("Bob Builder", "bob@corp"));
    }

    #[test]
    fn spellings_of_one_mailbox_normalise_alike() {
        for (a, b) in [
            ("Bob@Corp.Example", "bob@corp.example"),
            ("bob+review@corp.example", "bob@corp.example"),
            ("\"bob\"@corp.example", "bob@corp.example"),
            ("bob(comment)@corp.example", "bob@corp.example"),
            ("bob@(c (nested))corp.example", "bob@corp.example"),
            ("bob@corp.example.", "bob@corp.example"),
            ("bob@bücher.example", "bob@xn--bcher-kva.example"),
            ("bob@BÜCHER.example", "bob@xn--bcher-kva.example"),
            ("bob@ｃorp.example", "bob@corp.example"),
            (
                "123+Bob@users.noreply.github.com",
                "bob@users.noreply.github.com",
            ),
            ("\"b\\ob\"@corp.example", "bob@corp.example"),
        ] {
            assert!(
                same_email(a, b),
                "{a} vs {b}: {} / {}",
                normalize_email(a),
                normalize_email(b)
            );
        }
        assert!(!same_email("bob@corp.example", "rob@corp.example"));
        // Idempotent: a normalised address normalises to itself.
        for e in [
            "1+2+bob@users.noreply.github.com",
            "\"a(b)c\"@x.example",
            "\"a\\\\b\"@x.example",
            "\"a\\\"b\"@x.example",
            "a+b+c@x.example",
            "İ@x.example",
            "\u{fffd}qB\0?b@4.\u{200b}",
            "Bob @co</>n\u{322e}",
            "bob@x\u{2474}.example",
        ] {
            let n = normalize_email(e);
            assert_eq!(normalize_email(&n), n, "{e}");
        }
        assert_eq!(noreply_login("bob@users.noreply.github.com"), Some("bob"));
        assert_eq!(
            lenient_email("Bob <\"bob\"@corp.example>").as_deref(),
            Some("bob@corp.example")
        );
        assert_eq!(
            lenient_email("bob@corp.example").as_deref(),
            Some("bob@corp.example")
        );
        assert_eq!(lenient_email("Bob"), None);
    }

    #[test]
    fn exotic_reviewer_addresses_are_malformed() {
        for bad in [
            "Bob <\"bob\"@corp.example>",
            "Bob <bob(x)@corp.example>",
            "Bob <bob@[127.0.0.1]>",
            "Bob <bób@corp.example>",
            "Bob <bob..x@corp.example>",
            "Bob <bob@xn--zz.example>",
            "Bob <bob@corp..example>",
        ] {
            assert!(parse_identity(bad).is_err(), "{bad}");
        }
        for ok in [
            "Bob <bob@bücher.example>",
            "Bob <bob@xn--bcher-kva.example>",
            "Bob <bob+x@corp.example>",
        ] {
            assert!(parse_identity(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn placeholder_detection() {
        assert!(is_placeholder("TBD"));
        assert!(is_placeholder("(tbd)"));
        assert!(is_placeholder("N/A"));
        assert!(!is_placeholder("Tobias"));
    }
}
