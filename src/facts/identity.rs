//! The `Name <email>` identity parser (STUB — being written).

use super::Identity;

/// Why a value is not exactly one `Name <email>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityError(pub String);

/// Parses exactly one `Name <email>` with a real name.
pub fn parse_identity(value: &str) -> Result<Identity, IdentityError> {
    let v = value.trim();
    let (name, rest) = v.split_once('<').ok_or_else(|| IdentityError("no <email>".into()))?;
    let email = rest.strip_suffix('>').ok_or_else(|| IdentityError("no closing >".into()))?;
    Ok(Identity::new(name.trim(), email.trim()))
}

/// Normalises an email for identity comparison: lowercase; GitHub noreply
/// `ID+login@users.noreply.github.com` → `login@users.noreply.github.com`; `+tag` dropped.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_ascii_lowercase()
}
