//! Small, allocation-free matching helpers for detection.

use std::ops::Range;
use std::sync::LazyLock;

use super::signatures::{AI_WORDS, AUTHORSHIP_KEYS, Email, Match, ModelRule, SIGNATURES};

/// Longest key of a trailer-shaped line we look at.
const MAX_KEY: usize = 48;
/// Longest marker text kept (in characters).
const MAX_TEXT: usize = 300;
/// Longest address looked at between `<` and `>` (RFC 5321 allows 254).
const MAX_ADDRESS: usize = 320;

/// Byte ranges of the lines of `msg`, without line terminators (`\n`, `\r\n`, bare `\r`).
pub(super) fn lines(msg: &[u8]) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= msg.len() {
            return None;
        }
        let rest = msg.get(start..)?;
        let (len, term) = match rest.iter().position(|&b| b == b'\n' || b == b'\r') {
            Some(i) => {
                let crlf = rest.get(i) == Some(&b'\r') && rest.get(i + 1) == Some(&b'\n');
                (i, if crlf { 2 } else { 1 })
            }
            None => (rest.len(), 0),
        };
        let r = start..start + len;
        start += len + term;
        Some(r)
    })
}

/// Splits a trailer-shaped line into key and value: optional leading blanks (and one `* ` or
/// `- ` list bullet), a key of ASCII letters, digits, `-`, `_` and single spaces, optional
/// blanks, `:`, the value (trimmed). URLs (`https://…`) are not trailer-shaped here.
pub(super) fn trailer_shape(line: &str) -> Option<(&str, &str)> {
    let mut l = line.trim_start_matches([' ', '\t']);
    for bullet in ["* ", "- "] {
        if let Some(rest) = l.strip_prefix(bullet) {
            l = rest.trim_start_matches([' ', '\t']);
            break;
        }
    }
    let colon = l.find(':')?;
    let key = l.get(..colon)?.trim_end_matches([' ', '\t']);
    if key.is_empty()
        || key.len() > MAX_KEY
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b' ')
    {
        return None;
    }
    let value = l.get(colon + 1..)?;
    if value.starts_with("//") {
        return None;
    }
    Some((key, value.trim()))
}

/// Normalised key byte: ASCII lowercase, space and `_` as `-`.
fn norm(b: u8) -> u8 {
    match b {
        b' ' | b'_' => b'-',
        _ => b.to_ascii_lowercase(),
    }
}

/// Trailer keys equal ignoring ASCII case, with space and `_` counting as `-` (both trimmed
/// by the caller).
pub(super) fn key_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| norm(x) == norm(y))
}

/// True for keys that attribute authorship ([`AUTHORSHIP_KEYS`]).
pub(super) fn is_authorship_key(key: &str) -> bool {
    AUTHORSHIP_KEYS.iter().any(|k| key_eq(key, k))
}

/// Case-insensitive equality (Unicode simple lowercase), without allocating.
pub(super) fn eq_ci(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// ASCII case-insensitive suffix test.
pub(super) fn ends_with_ci(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len()
        && s.as_bytes()
            .get(s.len() - suffix.len()..)
            .is_some_and(|t| t.eq_ignore_ascii_case(suffix.as_bytes()))
}

/// ASCII case-insensitive substring test.
pub(super) fn contains_ci(s: &str, needle: &str) -> bool {
    let n = needle.as_bytes();
    n.is_empty()
        || s.as_bytes()
            .windows(n.len())
            .any(|w| w.eq_ignore_ascii_case(n))
}

/// Splits `Name <email>` (or a bare address) into name and address, both trimmed. Without
/// an address, the name is the whole value and the address is empty.
pub(super) fn split_identity(value: &str) -> (&str, &str) {
    let v = value.trim();
    if let Some(open) = v.rfind('<')
        && let Some(close) = v.get(open..).and_then(|r| r.find('>'))
    {
        let email = v.get(open + 1..open + close).unwrap_or("").trim();
        let name = v.get(..open).unwrap_or("").trim();
        return (name, email);
    }
    if v.contains('@') && !v.contains(char::is_whitespace) {
        return ("", v);
    }
    // `Name name@example.com` without brackets (seen in OpenHands co-author lines).
    if let Some((name, last)) = v.rsplit_once(char::is_whitespace) {
        let email = last.trim_matches(|c: char| matches!(c, '(' | ')' | ',' | ';' | '.' | '"'));
        if email.contains('@')
            && !email.contains(['<', '>'])
            && !email.starts_with('@')
            && !email.ends_with('@')
        {
            return (name.trim(), email);
        }
    }
    (v, "")
}

/// True when a trailer value is a documented example rather than a real one: a
/// `SCREAMING_SNAKE` placeholder (`AGENT_NAME`, `MODEL_VERSION`), an angle-bracket
/// placeholder without an address (`<name of code assistant>`, `<tool-name>`), a template
/// variable (`{model}`, `${MODEL}`, `%{title}`, `{{x}}`), or only an ellipsis.
pub(super) fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    if v == "..." || v == "…" {
        return true;
    }
    if v.contains("{{") || v.contains("${") || v.contains("%{") {
        return true;
    }
    let mut rest = v;
    while let Some(open) = rest.find(['<', '{']) {
        let close = if rest.get(open..open + 1) == Some("<") {
            '>'
        } else {
            '}'
        };
        let Some(len) = rest.get(open + 1..).and_then(|r| r.find(close)) else {
            break;
        };
        let inner = rest
            .get(open + 1..open + 1 + len)
            .unwrap_or_default()
            .trim();
        let is_var = close == '}'
            && !inner.is_empty()
            && inner
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if (close == '>' && !inner.is_empty() && !inner.contains('@')) || is_var {
            return true;
        }
        rest = rest.get(open + 1 + len..).unwrap_or_default();
    }
    v.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .any(screaming_snake)
}

/// `AGENT_NAME`, `MODEL_VERSION`: upper-case words joined by `_`, the first of two or more
/// letters, every later one starting with a letter (so `GPT_5` is not one).
fn screaming_snake(token: &str) -> bool {
    let mut parts = token.split('_');
    let Some(first) = parts.next() else {
        return false;
    };
    let upper = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    };
    let mut later = 0;
    for p in parts {
        if !upper(p) || !p.starts_with(|c: char| c.is_ascii_uppercase()) {
            return false;
        }
        later += 1;
    }
    later > 0 && first.len() >= 2 && first.bytes().all(|b| b.is_ascii_uppercase())
}

/// What kind of trailer key governs a place in a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyKind {
    /// A key of [`AUTHORSHIP_KEYS`].
    Authorship,
    /// Another attribution key (`Reviewed-by`, `Acked-by`, `Cc` …): an AI address there is
    /// not authorship.
    Other,
}

/// True when byte `at` of `text` is inside a quotation or an inline code span: an odd
/// number of `` ` `` or `"` before it, or more `“`/`‘` than `”`/`’`. Quoted trailers are
/// talked about, not written (`Ship a hook that appends ‘Co-authored-by: openhands <…>’`).
pub(super) fn quoted_at(text: &str, at: usize) -> bool {
    let head = text.get(..at).unwrap_or(text);
    let count = |c: char| head.chars().filter(|&x| x == c).count();
    count('`') % 2 == 1 || count('"') % 2 == 1 || count('“') > count('”') || count('‘') > count('’')
}

/// The trailer key governing byte `at` of `text`: the nearest `Key:` before it whose key is
/// an authorship key, another `…-by` key or `Cc`. Colons of other words (`Claude:model`,
/// `https:`) are skipped. Returns the key's kind, the key, the byte index where the key
/// starts and the byte index of its colon.
pub(super) fn key_before(text: &str, at: usize) -> Option<(KeyKind, &str, usize, usize)> {
    let head = text.get(..at)?;
    let bytes = head.as_bytes();
    let is_key = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    let mut end = head.len();
    while let Some(colon) = head.get(..end).and_then(|h| h.rfind(':')) {
        end = colon;
        let mut k_end = colon;
        while k_end > 0 && matches!(bytes.get(k_end - 1), Some(b' ' | b'\t')) {
            k_end -= 1;
        }
        let mut k_start = k_end;
        while k_start > 0 && bytes.get(k_start - 1).is_some_and(|&b| is_key(b)) {
            k_start -= 1;
        }
        // `Assisted by:` — take the word before a bare `by` too.
        let word = head.get(k_start..k_end).unwrap_or_default();
        if word.eq_ignore_ascii_case("by") && k_start >= 2 && bytes.get(k_start - 1) == Some(&b' ')
        {
            let mut s = k_start - 1;
            while s > 0 && bytes.get(s - 1).is_some_and(|&b| is_key(b)) {
                s -= 1;
            }
            if s < k_start - 1 {
                k_start = s;
            }
        }
        let key = head.get(k_start..k_end).unwrap_or_default();
        if key.is_empty() || key.len() > MAX_KEY {
            continue;
        }
        if is_authorship_key(key) {
            return Some((KeyKind::Authorship, key, k_start, colon));
        }
        let lower = key.to_ascii_lowercase();
        if lower == "cc"
            || lower.ends_with("-by")
            || lower.ends_with(" by")
            || lower.ends_with("_by")
        {
            return Some((KeyKind::Other, key, k_start, colon));
        }
    }
    None
}

/// The addresses `<…@…>` of `text` outside inline code spans: `(start of '<', end after '>')`.
pub(super) fn bracket_addresses(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        loop {
            let open = from + text.get(from..)?.find('<')?;
            from = open + 1;
            let rest = text.get(open + 1..)?;
            let len = rest.find(['>', '<'])?;
            if rest.get(len..len + 1) != Some(">") || len > MAX_ADDRESS {
                continue;
            }
            let inner = rest.get(..len).unwrap_or_default();
            if !inner.contains('@') || inner.contains(char::is_whitespace) {
                continue;
            }
            // Inside an inline code span (an odd number of backticks before it): an example.
            let ticks = text
                .get(..open)
                .map_or(0, |h| h.bytes().filter(|&b| b == b'`').count());
            if ticks % 2 == 1 {
                continue;
            }
            from = open + 1 + len + 1;
            return Some((open, open + len + 2));
        }
    })
}

/// Domains of the table's addresses (GitHub App bots: `users.noreply.github.com`).
static AI_DOMAINS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut d: Vec<&'static str> = Vec::new();
    for s in SIGNATURES {
        if let Match::CoAuthor(emails) | Match::Identity(emails) = s.matcher {
            for e in emails {
                let domain = match *e {
                    Email::Exact(a) => a.rsplit_once('@').map_or(a, |(_, d)| d),
                    Email::GithubApp(_) => "users.noreply.github.com",
                };
                if !d.contains(&domain) {
                    d.push(domain);
                }
            }
        }
    }
    d
});

/// A `Name <email>` split once, for matching against many signatures.
#[derive(Debug, Clone, Copy)]
pub(super) struct Addr<'a> {
    /// Trimmed name.
    pub(super) name: &'a str,
    /// Trimmed address.
    pub(super) email: &'a str,
    /// Local part, without a GitHub `<digits>+` prefix.
    app_local: &'a str,
    /// Domain (empty without `@`).
    domain: &'a str,
}

impl<'a> Addr<'a> {
    /// From a name and an address.
    pub(super) fn new(name: &'a str, email: &'a str) -> Self {
        let (name, email) = (name.trim(), email.trim());
        let (local, domain) = email.rsplit_once('@').unwrap_or((email, ""));
        let app_local = match local.split_once('+') {
            Some((id, rest)) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => rest,
            _ => local,
        };
        Addr {
            name,
            email,
            app_local,
            domain,
        }
    }

    /// From a trailer value `Name <email>` (or a bare address).
    pub(super) fn from_value(value: &'a str) -> Self {
        let (name, email) = split_identity(value);
        Addr::new(name, email)
    }

    /// Cheap prefilter: false when no address or bot login of the table can match.
    pub(super) fn may_be_ai(&self) -> bool {
        AI_DOMAINS
            .iter()
            .any(|d| self.domain.eq_ignore_ascii_case(d))
            || ends_with_ci(self.name, "[bot]")
    }

    /// True when the address matches one of the patterns, or the name is exactly one of the
    /// patterns' bot logins.
    pub(super) fn matches(&self, patterns: &[Email]) -> bool {
        patterns.iter().any(|p| match *p {
            Email::Exact(e) => self.email.eq_ignore_ascii_case(e),
            Email::GithubApp(login) => {
                (self.domain.eq_ignore_ascii_case("users.noreply.github.com")
                    && self.app_local.eq_ignore_ascii_case(login))
                    || self.name.eq_ignore_ascii_case(login)
            }
        })
    }
}

/// True when the value names an AI tool or model: a word of [`AI_WORDS`] (words split at
/// anything but ASCII letters; the model-family stems also as word prefixes such as
/// `ChatGPTv5`), or an address of the signature table.
pub(super) fn names_ai(value: &str) -> bool {
    const STEMS: &[&str] = &[
        "claude", "gpt", "chatgpt", "gemini", "llama", "qwen", "deepseek",
    ];
    let words = value
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty());
    for w in words {
        if AI_WORDS.iter().any(|a| w.eq_ignore_ascii_case(a)) {
            return true;
        }
        if STEMS.iter().any(|s| {
            w.len() >= s.len() && w.get(..s.len()).is_some_and(|p| p.eq_ignore_ascii_case(s))
        }) {
            return true;
        }
    }
    let addr = Addr::from_value(value);
    !addr.email.is_empty()
        && SIGNATURES.iter().any(|s| match s.matcher {
            Match::CoAuthor(emails) | Match::Identity(emails) => addr.matches(emails),
            _ => false,
        })
}

/// The model named by a matched trailer value, per the signature's rule.
pub(super) fn model_for(rule: ModelRule, value: &str) -> Option<String> {
    let (name, _) = split_identity(value);
    let found = match rule {
        ModelRule::None => None,
        ModelRule::DisplayName => display_name_model(name),
        ModelRule::Parenthesized => parenthesized(name),
        ModelRule::Guess => guess_model(value),
    };
    found.map(|m| truncate(m.trim()))
}

/// `Claude Opus 4.6` → itself; `Claude`, `C1aude` → none.
fn display_name_model(name: &str) -> Option<&str> {
    let name = name.trim();
    (name.contains(char::is_whitespace) && name.contains(|c: char| c.is_ascii_digit()))
        .then_some(name)
}

/// `aider (gpt-5.4)` → `gpt-5.4`.
fn parenthesized(name: &str) -> Option<&str> {
    let open = name.find('(')?;
    let close = name.rfind(')')?;
    let inner = name.get(open + 1..close)?.trim();
    (!inner.is_empty()).then_some(inner)
}

/// Kernel format `Agent:model [tool]`, `Name (model) <email>`, `Model Name 4.6 <email>`, or
/// a word with letters and digits (`claude-opus-4-20250514`, `ChatGPTv5`).
fn guess_model(value: &str) -> Option<&str> {
    let v = value.trim();
    let (name, email) = split_identity(v);
    if !email.is_empty() {
        if let Some(p) = parenthesized(name)
            && p.contains(|c: char| c.is_ascii_digit())
            && !contains_ci(p, "context")
        {
            return Some(p);
        }
        return display_name_model(name);
    }
    let first = v.split_whitespace().next()?;
    if let Some((_, model)) = first.split_once(':') {
        let model = model.split('[').next().unwrap_or("").trim();
        if !model.is_empty() {
            return Some(model);
        }
    }
    v.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_ascii_alphanumeric()))
        .find(|w| {
            w.len() >= 3
                && w.contains(|c: char| c.is_ascii_digit())
                && w.contains(|c: char| c.is_ascii_alphabetic())
        })
}

/// At most [`MAX_TEXT`] characters of `s`, as an owned string.
pub(super) fn truncate(s: &str) -> String {
    match s.char_indices().nth(MAX_TEXT) {
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or(s)),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_all_endings() {
        let m = b"a\r\nbb\rc\n\nd";
        let got: Vec<_> = lines(m).map(|r| &m[r]).collect();
        assert_eq!(got, vec![&b"a"[..], b"bb", b"c", b"", b"d"]);
    }

    #[test]
    fn trailer_shapes() {
        assert_eq!(
            trailer_shape("Co-authored-by: A <a@b>"),
            Some(("Co-authored-by", "A <a@b>"))
        );
        assert_eq!(
            trailer_shape("  * Assisted by : X "),
            Some(("Assisted by", "X"))
        );
        assert_eq!(trailer_shape("https://claude.ai/code/session_1"), None);
        assert_eq!(trailer_shape("no colon here"), None);
        assert_eq!(trailer_shape("a (b): c"), None);
        assert_eq!(trailer_shape(": value"), None);
    }

    #[test]
    fn keys_compare_loosely() {
        assert!(key_eq("CO-AUTHORED-BY", "co-authored-by"));
        assert!(key_eq("Assisted by", "Assisted-by"));
        assert!(key_eq("generated_by", "Generated-By"));
        assert!(!key_eq("Co-authored", "co-authored-by"));
    }

    #[test]
    fn identities_split() {
        assert_eq!(split_identity(" A B <a@b> "), ("A B", "a@b"));
        assert_eq!(split_identity("a@b"), ("", "a@b"));
        assert_eq!(split_identity("Claude"), ("Claude", ""));
        assert_eq!(split_identity("x <a@b"), ("x <a@b", ""));
    }

    #[test]
    fn github_app_addresses() {
        let p = [Email::GithubApp("google-labs-jules[bot]")];
        let m = |e| Addr::new("x", e).matches(&p);
        assert!(m(
            "161369871+google-labs-jules[bot]@users.noreply.github.com"
        ));
        assert!(m("Google-Labs-Jules[bot]@USERS.noreply.github.com"));
        assert!(!m("google-labs-jules[bot]@example.com"));
        assert!(!m("x+google-labs-jules[bot]@users.noreply.github.com"));
        assert!(Addr::new("google-labs-jules[bot]", "").matches(&p));
        assert!(Addr::new("google-labs-jules[bot]", "").may_be_ai());
        assert!(Addr::new("C1aude", " NoReply@Anthropic.COM ").may_be_ai());
        assert!(!Addr::new("Jane", "jane@example.com").may_be_ai());
    }

    #[test]
    fn models() {
        assert_eq!(
            model_for(
                ModelRule::DisplayName,
                "Claude Opus 4.6 <noreply@anthropic.com>"
            )
            .as_deref(),
            Some("Claude Opus 4.6")
        );
        assert_eq!(
            model_for(ModelRule::DisplayName, "Claude <noreply@anthropic.com>"),
            None
        );
        assert_eq!(
            model_for(ModelRule::DisplayName, "C1aude <noreply@anthropic.com>"),
            None
        );
        assert_eq!(
            model_for(
                ModelRule::Parenthesized,
                "aider (gpt-5.4) <aider@aider.chat>"
            )
            .as_deref(),
            Some("gpt-5.4")
        );
        assert_eq!(
            model_for(ModelRule::Guess, "Claude:claude-opus-4-6 [Claude Code]").as_deref(),
            Some("claude-opus-4-6")
        );
        assert_eq!(
            model_for(ModelRule::Guess, "Claude:claude-opus-4-6[1m]").as_deref(),
            Some("claude-opus-4-6")
        );
        assert_eq!(
            model_for(ModelRule::Guess, "Codex:GPT-5.4").as_deref(),
            Some("GPT-5.4")
        );
        assert_eq!(
            model_for(ModelRule::Guess, "Claude claude-opus-4-20250514").as_deref(),
            Some("claude-opus-4-20250514")
        );
        assert_eq!(
            model_for(
                ModelRule::Guess,
                "Claude Sonnet 4.6 <noreply@anthropic.com>"
            )
            .as_deref(),
            Some("Claude Sonnet 4.6")
        );
        assert_eq!(model_for(ModelRule::Guess, "generic LLM chatbot"), None);
        assert_eq!(
            model_for(ModelRule::None, "Claude Opus 4.6 <noreply@anthropic.com>"),
            None
        );
    }

    #[test]
    fn ai_names() {
        assert!(names_ai("Claude claude-opus-4-20250514"));
        assert!(names_ai("ChatGPTv5"));
        assert!(names_ai("Bot <noreply@anthropic.com>"));
        assert!(!names_ai("Jane Doe <jane@example.com>"));
        assert!(!names_ai("Aiden Smith <aiden@example.com>"));
    }

    #[test]
    fn truncation_is_char_safe() {
        let long = "é".repeat(400);
        let t = truncate(&long);
        assert_eq!(t.chars().count(), MAX_TEXT + 1);
    }
}
