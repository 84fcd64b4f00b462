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
/// `unknown`, `-`, `?` …) and holds no control, format or bidi character; the email has no
/// whitespace or such characters, exactly one `@`, a non-empty local part and a non-empty
/// domain that neither starts nor ends with a dot.
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
    if email.is_empty() {
        return err("empty `<>`: expected an email address");
    }
    if email.chars().any(char::is_whitespace) {
        return err(format!("email `{email}` contains whitespace"));
    }
    let ats = email.matches('@').count();
    if ats != 1 {
        return err(format!("email `{email}` must contain exactly one `@`"));
    }
    let (local, domain) = email.split_once('@').unwrap_or_default();
    if local.is_empty() {
        return err(format!("email `{email}` has an empty local part"));
    }
    if domain.is_empty() || domain.starts_with('.') || domain.ends_with('.') {
        return err(format!("email `{email}` has no valid domain"));
    }
    Ok(Identity::new(name, email))
}

/// Normalises an email for identity comparison: trimmed, ASCII-lowercased; GitHub noreply
/// `ID+login@users.noreply.github.com` → `login@users.noreply.github.com`; any other `+tag` in
/// the local part dropped (`bob+x@corp` → `bob@corp`).
pub fn normalize_email(email: &str) -> String {
    let e = email.trim().to_ascii_lowercase();
    let Some((local, domain)) = e.rsplit_once('@') else {
        return e;
    };
    let local = match local.split_once('+') {
        Some((id, login)) if domain == "users.noreply.github.com" => {
            if !id.is_empty() && !login.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
                login
            } else {
                local
            }
        }
        Some((base, _tag)) if !base.is_empty() => base,
        _ => local,
    };
    format!("{local}@{domain}")
}

/// True when two emails name the same mailbox after [`normalize_email`].
pub fn same_email(a: &str, b: &str) -> bool {
    normalize_email(a) == normalize_email(b)
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
    fn placeholder_detection() {
        assert!(is_placeholder("TBD"));
        assert!(is_placeholder("(tbd)"));
        assert!(is_placeholder("N/A"));
        assert!(!is_placeholder("Tobias"));
    }
}
