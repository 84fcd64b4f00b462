//! git's allowed-signers format (`gpg.ssh.allowedSignersFile`, `ssh-keygen -Y verify -f`),
//! the file `evidence.allowed_signers` names.
//!
//! One signer per line: `principals [options] keytype base64 [comment]`; blank lines and
//! lines starting with `#` are skipped; a field may be double-quoted. What countersign
//! supports, and where it is stricter than `ssh-keygen`:
//!
//! - **principals**: comma-separated email addresses, compared like every email in
//!   countersign (normalised). A principal with a wildcard (`*`, `?`) or a negation (`!`)
//!   authorises **nothing** here: a key that may sign as "anyone at example.com" could sign
//!   as someone who did not write the change while its owner did, which defeats the
//!   self-review rule. Name every person.
//! - **options**: `namespaces="…"` (an OpenSSH pattern list; when present it must allow
//!   `countersign-review`), `valid-after="…"` / `valid-before="…"`
//!   (`YYYYMMDD[HHMM[SS]][Z]`, read as UTC — `ssh-keygen` reads a time without `Z` as local
//!   time, which would make a verdict depend on the machine's time zone) compared with the
//!   statement's signed `time`, and `cert-authority` (certificates are not supported, so such
//!   a line authorises no review). Any other option, a repeated option, an unterminated
//!   quote or a missing key makes the **whole file invalid** (exit 2), as `ssh-keygen` stops
//!   at such a line.
//! - **key types** other than ed25519 / ecdsa-nistp256 (and their FIDO forms) are accepted
//!   in the file (git may use them to verify commit signatures) but can never verify a
//!   review.

use super::pattern::{ListMatch, match_list};
use super::sshsig::parse_public_key;

/// The largest allowed-signers file read, in bytes.
pub const MAX_FILE_BYTES: usize = 1 << 20;

/// Key type names `ssh-keygen` knows (so a first field after the principals that is one of
/// these is the key, not options).
const KEY_TYPES: &[&str] = &[
    "ssh-ed25519",
    "ssh-rsa",
    "ssh-dss",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-ed25519-cert-v01@openssh.com",
    "ssh-rsa-cert-v01@openssh.com",
    "ssh-dss-cert-v01@openssh.com",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "ecdsa-sha2-nistp384-cert-v01@openssh.com",
    "ecdsa-sha2-nistp521-cert-v01@openssh.com",
    "sk-ssh-ed25519-cert-v01@openssh.com",
    "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
];

/// One line of the file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AllowedSigner {
    /// 1-based line number.
    pub line: usize,
    /// Exact principals (lowercase emails).
    pub principals: Vec<String>,
    /// Principals with wildcards or negations (they authorise nothing; kept for messages).
    pub patterns: Vec<String>,
    /// The key as `type base64` (canonical for supported types, as written otherwise).
    pub key: String,
    /// `namespaces="…"`, when given.
    pub namespaces: Option<String>,
    /// `valid-after`, Unix seconds.
    pub valid_after: Option<i64>,
    /// `valid-before`, Unix seconds.
    pub valid_before: Option<i64>,
    /// `cert-authority`: the key is a CA (never a review signer here).
    pub cert_authority: bool,
}

impl AllowedSigner {
    /// Why this line does not let `key` sign a review as `email` at `time`, or `None` when it
    /// does. `email` must be normalised by the caller the same way as the principals.
    pub fn refuses(&self, email: &str, time: i64) -> Option<String> {
        if self.cert_authority {
            return Some(format!(
                "line {} is a cert-authority line (certificates are not supported)",
                self.line
            ));
        }
        if !self.principals.iter().any(|p| p == email) {
            return Some(if self.patterns.is_empty() {
                format!(
                    "line {} registers this key for {}, not {email}",
                    self.line,
                    self.principals.join(", ")
                )
            } else {
                format!(
                    "line {} registers this key only for the pattern(s) {}; wildcard principals authorise no review",
                    self.line,
                    self.patterns.join(", ")
                )
            });
        }
        if let Some(ns) = &self.namespaces
            && match_list(super::NAMESPACE, ns) != ListMatch::Yes
        {
            return Some(format!(
                "line {} limits this key to the namespaces \"{ns}\", not {}",
                self.line,
                super::NAMESPACE
            ));
        }
        if self.valid_after.is_some_and(|t| time < t) {
            return Some(format!(
                "line {}: the review was signed before the key's valid-after time",
                self.line
            ));
        }
        if self.valid_before.is_some_and(|t| time > t) {
            return Some(format!(
                "line {}: the review was signed after the key's valid-before time",
                self.line
            ));
        }
        None
    }
}

/// A problem that makes the file invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Splits off the next whitespace-delimited field (a leading `"` quotes up to the next `"`).
fn field(s: &str) -> Result<Option<(String, &str)>, String> {
    let s = s.trim_start_matches([' ', '\t']);
    if s.is_empty() {
        return Ok(None);
    }
    if let Some(rest) = s.strip_prefix('"') {
        let end = rest.find('"').ok_or("unterminated quote")?;
        let after = &rest[end + 1..];
        if !(after.is_empty() || after.starts_with([' ', '\t'])) {
            return Err("text right after a closing quote".into());
        }
        return Ok(Some((rest[..end].to_string(), after)));
    }
    let end = s.find([' ', '\t']).unwrap_or(s.len());
    Ok(Some((s[..end].to_string(), &s[end..])))
}

/// Splits off the options field: up to the first unquoted blank.
fn options_field(s: &str) -> Result<(&str, &str), String> {
    let s = s.trim_start_matches([' ', '\t']);
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ' ' | '\t' if !quoted => return Ok((&s[..i], &s[i..])),
            _ => {}
        }
    }
    if quoted {
        return Err("unterminated quote in the options".into());
    }
    Ok((s, ""))
}

/// Parses `YYYYMMDD[HHMM[SS]][Z]` as UTC seconds.
fn parse_time(v: &str) -> Option<i64> {
    let v = v.strip_suffix(['Z', 'z']).unwrap_or(v);
    if !v.bytes().all(|b| b.is_ascii_digit()) || !matches!(v.len(), 8 | 12 | 14) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| v.get(r).and_then(|s| s.parse::<i64>().ok());
    let (y, m, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hh, mm, ss) = match v.len() {
        8 => (0, 0, 0),
        12 => (num(8..10)?, num(10..12)?, 0),
        _ => (num(8..10)?, num(10..12)?, num(12..14)?),
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    let date = crate::time::Date::parse(&format!("{y:04}-{m:02}-{d:02}"))?;
    Some(date.to_days() * 86_400 + hh * 3600 + mm * 60 + ss)
}

fn parse_options(opts: &str, s: &mut AllowedSigner) -> Result<(), String> {
    let mut rest = opts;
    while !rest.is_empty() {
        // One option: up to the next unquoted comma.
        let mut quoted = false;
        let mut end = rest.len();
        for (i, c) in rest.char_indices() {
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let opt = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or("");
        if end < opts.len() && rest.is_empty() && opts.ends_with(',') {
            return Err("unexpected end of options".into());
        }
        let (name, value) = match opt.split_once('=') {
            Some((n, v)) => {
                let v = v
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(v);
                (n, Some(v))
            }
            None => (opt, None),
        };
        match (name.to_ascii_lowercase().as_str(), value) {
            ("cert-authority", None) => s.cert_authority = true,
            ("namespaces", Some(v)) if s.namespaces.is_none() => s.namespaces = Some(v.into()),
            ("valid-after", Some(v)) if s.valid_after.is_none() => {
                s.valid_after = Some(parse_time(v).ok_or("invalid \"valid-after\" time")?);
            }
            ("valid-before", Some(v)) if s.valid_before.is_none() => {
                s.valid_before = Some(parse_time(v).ok_or("invalid \"valid-before\" time")?);
            }
            ("namespaces" | "valid-after" | "valid-before", Some(_)) => {
                return Err(format!("multiple \"{name}\" clauses"));
            }
            _ => return Err(format!("unknown key option `{opt}`")),
        }
    }
    if let (Some(a), Some(b)) = (s.valid_after, s.valid_before)
        && b <= a
    {
        return Err("\"valid-before\" time is before \"valid-after\"".into());
    }
    Ok(())
}

fn parse_line(n: usize, line: &str) -> Result<Option<AllowedSigner>, String> {
    let t = line.trim_start_matches([' ', '\t']);
    if t.is_empty() || t.starts_with('#') {
        return Ok(None);
    }
    let (principals, rest) = field(t)?.ok_or("invalid line")?;
    let mut s = AllowedSigner {
        line: n,
        principals: Vec::new(),
        patterns: Vec::new(),
        key: String::new(),
        namespaces: None,
        valid_after: None,
        valid_before: None,
        cert_authority: false,
    };
    for p in principals.split(',').filter(|p| !p.is_empty()) {
        if p.contains(['*', '?']) || p.starts_with('!') {
            s.patterns.push(p.to_string());
        } else {
            s.principals
                .push(crate::message::identity::normalize_email(p));
        }
    }
    let (first, after) = field(rest)?.ok_or("missing key")?;
    let (ktype, rest) = if KEY_TYPES.contains(&first.as_str()) {
        (first, after)
    } else {
        let (opts, rest) = options_field(rest)?;
        parse_options(opts, &mut s)?;
        let (ktype, rest) = field(rest)?.ok_or("missing key")?;
        if !KEY_TYPES.contains(&ktype.as_str()) {
            return Err(format!("`{ktype}` is not a key type"));
        }
        (ktype, rest)
    };
    let (b64, _comment) = field(rest)?.ok_or("missing key data")?;
    let text = format!("{ktype} {b64}");
    s.key = match parse_public_key(&text) {
        Ok(k) => k,
        // A type ssh-key cannot decode here (RSA, DSA, certificates): kept as written; it can
        // never match a verified review signer.
        Err(_) if !super::sshsig::decodes(&ktype) => text,
        Err(e) => return Err(format!("invalid key: {e}")),
    };
    Ok(Some(s))
}

/// Parses a whole file. Any invalid line makes the file invalid.
pub fn parse(text: &str) -> Result<Vec<AllowedSigner>, FileError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(FileError {
            line: 0,
            message: format!("the file is larger than {MAX_FILE_BYTES} bytes"),
        });
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        match parse_line(i + 1, line.trim_end_matches('\r')) {
            Ok(Some(s)) => out.push(s),
            Ok(None) => {}
            Err(message) => {
                return Err(FileError {
                    line: i + 1,
                    message,
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDO0VQD9TIdICZLWFWwtf7s8/aENve8twGTEmNV0myh5";

    #[test]
    fn lines_with_and_without_options() {
        let text = format!(
            "# team\n\nbob@corp.example {KEY} bob@laptop\n\
             \"Alice@Corp.Example,*@corp.example\" namespaces=\"git,countersign-review\",valid-after=\"20240101\" {KEY}\n"
        );
        let s = parse(&text).expect("parses");
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].principals, ["bob@corp.example"]);
        assert_eq!(s[0].key, KEY);
        assert_eq!(s[1].principals, ["alice@corp.example"]);
        assert_eq!(s[1].patterns, ["*@corp.example"]);
        assert_eq!(s[1].namespaces.as_deref(), Some("git,countersign-review"));
        assert_eq!(s[1].valid_after, Some(1_704_067_200));
        assert_eq!(s[1].refuses("alice@corp.example", 1_704_067_200), None);
        assert!(s[1].refuses("alice@corp.example", 1_704_067_199).is_some());
        assert!(s[1].refuses("carol@corp.example", 1_704_067_200).is_some());
        assert!(s[0].refuses("bob@corp.example", 0).is_none());
    }

    #[test]
    fn namespaces_must_allow_reviews() {
        let s = parse(&format!("bob@x.org namespaces=\"git\" {KEY}")).expect("parses");
        assert!(
            s[0].refuses("bob@x.org", 0)
                .expect("refused")
                .contains("namespaces")
        );
        let s = parse(&format!("bob@x.org namespaces=\"*,!countersign-*\" {KEY}")).expect("ok");
        assert!(s[0].refuses("bob@x.org", 0).is_some());
        let s = parse(&format!("bob@x.org cert-authority {KEY}")).expect("ok");
        assert!(s[0].refuses("bob@x.org", 0).is_some());
    }

    #[test]
    fn bad_files_fail_closed() {
        for bad in [
            format!("bob@x.org frobnicate {KEY}"),
            format!("bob@x.org namespaces=\"git {KEY}"),
            format!("bob@x.org valid-after=\"2024\" {KEY}"),
            format!("bob@x.org valid-after=\"20240102\",valid-before=\"20240101\" {KEY}"),
            format!("bob@x.org namespaces=\"a\",namespaces=\"b\" {KEY}"),
            "bob@x.org".to_string(),
            "bob@x.org ssh-ed25519 AAAAnotbase64!!".to_string(),
        ] {
            assert!(parse(&bad).is_err(), "{bad}");
        }
        // Unsupported but well-formed key types are kept (git may verify commits with them).
        let rsa = "bob@x.org ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7";
        assert_eq!(
            parse(rsa).expect("ok")[0].key,
            "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7"
        );
    }
}
