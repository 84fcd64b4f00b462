//! Detection: markers of AI involvement → [`Involvement`].
//!
//! The built-in signature table lives in [`signatures`] as data. Detection casts a wide net
//! (identities, trailer-shaped lines anywhere in the message, PR labels/body/branch/author);
//! evidence, by contrast, is only ever read from the trailer block. A marker line outside the
//! trailer block is reported with [`MarkerSource::Message`] so the evaluator can warn; one in
//! the squash body of a platform's squash merge with [`MarkerSource::SquashBody`] (it counts,
//! but nobody can move it).
//!
//! One place, one marker: a line (or an identity, a label …) that several signatures match is
//! *one* [`Marker`] naming all of them in [`Marker::signatures`]; the strongest names it.
//!
//! What counts in a message (see `layout` for the shapes):
//! - a trailer-shaped line (optionally indented or bulleted) matched by a key or address
//!   signature, and a footer line (`🤖 Generated with [Claude Code](…)`);
//! - a stable address anywhere in a line — mid-line, after other text, in a segment after a
//!   literal `\n` — when the key that governs it is an authorship key
//!   (`Co-authored-by: … <noreply@anthropic.com>`); an AI address under `Reviewed-by:` or in
//!   running prose is not authorship;
//! - never: lines of fenced code blocks, inline code spans, and placeholder values outside
//!   git's trailer block (`    Assisted-by: AGENT_NAME:MODEL_VERSION`, `Generated-by: <Name of
//!   Tool>` in the body) — documentation of a format is not a use of it. In the trailer block
//!   a placeholder is a tool's unfilled template and counts. Indentation alone decides nothing
//!   (`git merge --squash` indents real trailers).
//!
//! Cost: detection runs on every commit of whole histories. Regexes are compiled once
//! (one [`regex::bytes::RegexSet`] for all text signatures, used first as a prefilter over the
//! whole message); trailer-shaped lines are only examined when they contain `:`; comparisons are
//! ASCII case-insensitive in place. A commit without markers allocates nothing.

mod layout;
mod matching;
pub mod signatures;

use std::ops::Range;
use std::sync::LazyLock;

use regex::bytes::Regex;
use serde::Serialize;

use crate::facts::{CommitFacts, Identity, PullRequest};
use crate::message::trailers::ParsedMessage;
use crate::policy::{Detect, Involvement};

use matching::{
    Addr, KeyKind, bracket_addresses, eq_ci, is_authorship_key, is_placeholder, key_before, key_eq,
    lines, model_for, names_ai, quoted_at, trailer_shape, truncate,
};
use signatures::{Match, SIGNATURES, Signature, ValueRule};

/// Where a marker was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MarkerSource {
    /// A trailer of the final trailer block.
    Trailer,
    /// A line of the message outside the trailer block.
    Message,
    /// A line of a squash body: the messages of the commits a squash merge combined (GitHub's
    /// `* subject` paragraphs before `---------`, GitLab's `%{all_commits}`, `git merge
    /// --squash`). Involvement counts; there is nothing to move.
    SquashBody,
    /// The commit author.
    Author,
    /// The commit committer.
    Committer,
    /// The PR/MR author.
    PrAuthor,
    /// A PR/MR label.
    PrLabel,
    /// The PR/MR title.
    PrTitle,
    /// The PR/MR body.
    PrBody,
    /// The branch name.
    Branch,
}

/// One sign of AI involvement: one place (a message line or segment, an identity, a label …)
/// with every signature that matched it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Marker {
    /// The tool of the strongest signature, e.g. `Claude Code`, or `policy` for
    /// policy-defined signatures.
    pub tool: String,
    /// The strongest signature's stable id, e.g. `claude-code/co-author` (`policy/trailer`,
    /// `policy/identity`, `policy/label`, `policy/branch` for policy-defined signatures):
    /// the highest involvement, then the earliest in table order.
    pub signature: String,
    /// Every signature that matched this place, in the order found (table order, then the
    /// policy's), the strongest included: `Assisted-by: Claude <noreply@anthropic.com>` is
    /// one marker with `claude-code/co-author` and `convention/assisted-by`.
    pub signatures: Vec<String>,
    /// The highest involvement of its signatures.
    pub involvement: Involvement,
    /// Where it was found.
    pub source: MarkerSource,
    /// The matched text (the line, the identity, the label …).
    pub text: String,
    /// The model, when the marker names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Byte span in the commit message, for message and trailer markers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<Range<usize>>,
}

impl Marker {
    /// True when the marker is a trailer-shaped line (`Key: value` — a co-author, an
    /// `Assisted-by:`, a session trailer, a policy trailer), i.e. something that belongs in
    /// git's trailer block; false for footer lines, URLs and subject prefixes, which tools
    /// write in the body on purpose (`🤖 Generated with [Claude Code](…)` above the trailers).
    pub fn is_trailer_line(&self) -> bool {
        self.span.is_some()
            && self.signatures.iter().any(|id| {
                !matches!(
                    signatures::by_id(id).map(|s| s.matcher),
                    Some(Match::Text { .. })
                )
            })
    }
}

/// Tool name of policy-defined markers.
pub const POLICY_TOOL: &str = "policy";

/// The text signatures, compiled once.
struct TextSet {
    /// All patterns as one alternation: the prefilter for a whole message or body
    /// (`None` only if the table had a bad pattern, which a unit test rules out).
    any: Option<Regex>,
    /// Each pattern with the index of its signature in [`SIGNATURES`], in table order.
    each: Vec<(usize, Regex)>,
}

impl TextSet {
    /// True when some text signature may match somewhere in `hay`.
    fn may_match(&self, hay: &[u8]) -> bool {
        self.any.as_ref().is_some_and(|r| r.is_match(hay))
    }

    /// The text signatures matching one line.
    fn hits<'a>(&'a self, line: &'a [u8]) -> impl Iterator<Item = &'static Signature> + 'a {
        let any = self.may_match(line);
        self.each
            .iter()
            .filter(move |(_, re)| any && re.is_match(line))
            .filter_map(|(i, _)| SIGNATURES.get(*i))
    }
}

static TEXT: LazyLock<TextSet> = LazyLock::new(|| {
    let mut each = Vec::new();
    let mut all = Vec::new();
    for (i, s) in SIGNATURES.iter().enumerate() {
        if let Match::Text { pattern, .. } = s.matcher {
            let p = format!("(?m:{pattern})");
            // Unreachable with the shipped table (a unit test checks every pattern compiles).
            if let Ok(re) = Regex::new(&p) {
                each.push((i, re));
                all.push(p);
            }
        }
    }
    let any = Regex::new(&all.join("|")).ok();
    TextSet { any, each }
});

/// Collects markers: one per place, naming every signature that matched it.
struct Out(Vec<Marker>);

impl Out {
    /// Adds a signature's hit. A hit at a place that already has a marker (same source, span
    /// and text) joins it: its signature is added to [`Marker::signatures`] and, when its
    /// involvement is higher, it names the marker; the first model found is kept.
    fn push(&mut self, m: Marker) {
        let Some(o) = self
            .0
            .iter_mut()
            .find(|o| o.source == m.source && o.span == m.span && o.text == m.text)
        else {
            self.0.push(m);
            return;
        };
        if o.signatures.contains(&m.signature) {
            return;
        }
        o.signatures.push(m.signature.clone());
        if m.involvement > o.involvement {
            o.tool = m.tool;
            o.signature = m.signature;
            o.involvement = m.involvement;
            if m.model.is_some() {
                o.model = m.model;
            }
        } else if o.model.is_none() {
            o.model = m.model;
        }
    }

    fn builtin(
        &mut self,
        s: &Signature,
        source: MarkerSource,
        text: &str,
        model: Option<String>,
        span: Option<Range<usize>>,
    ) {
        self.push(Marker {
            tool: s.tool.to_string(),
            signature: s.id.to_string(),
            signatures: vec![s.id.to_string()],
            involvement: s.involvement,
            source,
            text: truncate(text),
            model,
            span,
        });
    }

    fn policy(
        &mut self,
        id: &str,
        involvement: Involvement,
        source: MarkerSource,
        text: &str,
        span: Option<Range<usize>>,
    ) {
        self.push(Marker {
            tool: POLICY_TOOL.to_string(),
            signature: id.to_string(),
            signatures: vec![id.to_string()],
            involvement,
            source,
            text: truncate(text),
            model: None,
            span,
        });
    }
}

/// Finds every marker on a commit (and its PR, and the branch).
///
/// Order: message lines top to bottom (per line: table order, then policy signatures), then
/// author, committer, PR author, PR labels, PR title, PR body, branch.
pub fn detect(
    commit: &CommitFacts,
    parsed: &ParsedMessage,
    pr: Option<&PullRequest>,
    branch: Option<&str>,
    cfg: &Detect,
) -> Vec<Marker> {
    let mut out = Out(Vec::new());
    scan_message(&commit.message, parsed, cfg, &mut out);
    scan_identity(&commit.author, MarkerSource::Author, cfg, &mut out);
    scan_identity(&commit.committer, MarkerSource::Committer, cfg, &mut out);
    if let Some(pr) = pr {
        scan_pr(pr, cfg, &mut out);
    }
    let head = pr.map(|p| p.head_branch.as_str());
    let mut seen: Option<&str> = None;
    for b in [branch, head].into_iter().flatten() {
        let b = b.trim();
        let b = b.strip_prefix("refs/heads/").unwrap_or(b);
        if b.is_empty() || seen == Some(b) {
            continue;
        }
        seen = Some(b);
        scan_branch(b, cfg, &mut out);
    }
    out.0
}

/// The highest involvement of the markers (`none` when there are none).
pub fn involvement(markers: &[Marker]) -> Involvement {
    markers
        .iter()
        .map(|m| m.involvement)
        .max()
        .unwrap_or(Involvement::None)
}

fn scan_message(msg: &[u8], parsed: &ParsedMessage, cfg: &Detect, out: &mut Out) {
    // Footers are anchored at a line start; after a literal `\n` escape they start a segment
    // that the whole-message prefilter cannot see.
    let text_hit = cfg.builtin && (TEXT.may_match(msg) || msg.windows(2).any(|w| w == b"\\n"));
    let squash = layout::squash_body(msg, parsed.block.as_ref());
    let mut fenced = false;
    for line in lines(msg) {
        let Some(bytes) = msg.get(line.clone()) else {
            continue;
        };
        let in_block = parsed
            .block
            .as_ref()
            .is_some_and(|b| b.start <= line.start && line.end <= b.end);
        if !in_block {
            // Fenced code blocks are examples (the trailer block never is).
            if layout::is_fence(bytes) {
                fenced = !fenced;
                continue;
            }
            if fenced {
                continue;
            }
        }
        let source = if in_block {
            MarkerSource::Trailer
        } else if squash.as_ref().is_some_and(|s| s.contains(&line.start)) {
            MarkerSource::SquashBody
        } else {
            MarkerSource::Message
        };
        for seg in layout::segments(msg, line.clone()) {
            let Some(seg_bytes) = msg.get(seg.clone()) else {
                continue;
            };
            if seg_bytes.contains(&b':') {
                // Prefer the parser's view of a trailer of the block (continuation lines
                // unfolded).
                let parsed_trailer = if in_block && seg.start == line.start {
                    parsed.trailers.iter().find(|t| t.span.start == line.start)
                } else {
                    None
                };
                let text = String::from_utf8_lossy(seg_bytes);
                let shaped = match parsed_trailer {
                    Some(t) => Some((t.key.as_str(), t.value.as_str(), t.span.clone())),
                    None => trailer_shape(&text).map(|(k, v)| (k, v, seg.clone())),
                };
                let mut lead_colon = None;
                if let Some((key, value, span)) = shaped {
                    lead_colon = text.find(':');
                    // A placeholder in git's trailer block is a tool's unfilled template
                    // (`Assisted-by: <Model-Name> via Crush`): real. Elsewhere, an example.
                    if in_block || !is_placeholder(value) {
                        scan_trailer(key, value, text.trim(), source, span, cfg, out);
                    }
                }
                if seg_bytes.contains(&b'<') && seg_bytes.contains(&b'@') {
                    scan_addresses(&text, lead_colon, in_block, source, seg.clone(), cfg, out);
                }
            }
            if text_hit {
                for s in TEXT.hits(seg_bytes) {
                    if let Match::Text { scope, .. } = s.matcher
                        && scope.message
                    {
                        let text = String::from_utf8_lossy(seg_bytes);
                        out.builtin(s, source, text.trim(), None, Some(seg.clone()));
                    }
                }
            }
        }
    }
}

/// Addresses that stand mid-line (after other text, or after another trailer on the same
/// line): each counts as the value of the authorship key that governs it
/// ([`key_before`]). The key at the start of the line (`lead_colon`) was already read as a
/// trailer shape.
fn scan_addresses(
    text: &str,
    lead_colon: Option<usize>,
    in_block: bool,
    source: MarkerSource,
    span: Range<usize>,
    cfg: &Detect,
    out: &mut Out,
) {
    for (open, close) in bracket_addresses(text) {
        let Some((KeyKind::Authorship, key, start, colon)) = key_before(text, open) else {
            continue;
        };
        if Some(colon) == lead_colon || quoted_at(text, start) {
            continue;
        }
        let value = text.get(colon + 1..close).unwrap_or_default().trim();
        if !in_block && is_placeholder(value) {
            continue;
        }
        scan_trailer(key, value, text.trim(), source, span.clone(), cfg, out);
    }
}

fn scan_trailer(
    key: &str,
    value: &str,
    text: &str,
    source: MarkerSource,
    span: Range<usize>,
    cfg: &Detect,
    out: &mut Out,
) {
    let authorship = is_authorship_key(key);
    let addr = authorship.then(|| Addr::from_value(value));
    let ai_addr = addr.filter(Addr::may_be_ai);
    if cfg.builtin {
        for s in SIGNATURES {
            let hit = match s.matcher {
                Match::CoAuthor(emails) => ai_addr.is_some_and(|a| a.matches(emails)),
                Match::TrailerKey {
                    key: k,
                    value: rule,
                } if key_eq(key, k) => match rule {
                    ValueRule::Any => true,
                    ValueRule::OneOf(vs) => vs.iter().any(|v| eq_ci(v, value.trim())),
                    ValueRule::NamesAi => names_ai(value),
                },
                _ => false,
            };
            if hit {
                out.builtin(
                    s,
                    source,
                    text,
                    model_for(s.model, value),
                    Some(span.clone()),
                );
            }
        }
    }
    for t in &cfg.trailers {
        if key_eq(key, t.key.trim())
            && (t.values.is_empty() || t.values.iter().any(|v| eq_ci(v.trim(), value.trim())))
        {
            out.policy(
                "policy/trailer",
                t.involvement,
                source,
                text,
                Some(span.clone()),
            );
        }
    }
    if let Some(addr) = addr
        && !cfg.identities.is_empty()
    {
        let email = addr.email;
        if !email.is_empty() {
            for sig in &cfg.identities {
                if policy_email_match(&sig.matcher, email) {
                    out.policy(
                        "policy/identity",
                        sig.involvement,
                        source,
                        text,
                        Some(span.clone()),
                    );
                }
            }
        }
    }
}

fn policy_email_match(m: &globset::GlobMatcher, email: &str) -> bool {
    let email = email.trim();
    m.is_match(email)
        || (email.bytes().any(|b| b.is_ascii_uppercase()) && m.is_match(email.to_ascii_lowercase()))
}

fn scan_identity(id: &Identity, source: MarkerSource, cfg: &Detect, out: &mut Out) {
    if cfg.builtin {
        let addr = Addr::new(&id.name, &id.email);
        let ai_addr = addr.may_be_ai();
        for s in SIGNATURES {
            let hit = match s.matcher {
                Match::Identity(emails) => ai_addr && addr.matches(emails),
                Match::NameSuffix(suffix) => matching::ends_with_ci(addr.name, suffix),
                _ => false,
            };
            if hit {
                out.builtin(s, source, &id.to_string(), None, None);
            }
        }
    }
    for sig in &cfg.identities {
        if !id.email.trim().is_empty() && policy_email_match(&sig.matcher, &id.email) {
            out.policy(
                "policy/identity",
                sig.involvement,
                source,
                &id.to_string(),
                None,
            );
        }
    }
}

fn scan_pr(pr: &PullRequest, cfg: &Detect, out: &mut Out) {
    let login = pr.author_login.trim();
    if cfg.builtin && !login.is_empty() {
        for s in SIGNATURES {
            if let Match::PrAuthor(logins) = s.matcher
                && logins.iter().any(|l| eq_ci(l, login))
            {
                out.builtin(s, MarkerSource::PrAuthor, login, None, None);
            }
        }
    }
    for label in &pr.labels {
        if cfg.labels.iter().any(|l| eq_ci(l.trim(), label.trim())) {
            out.policy(
                "policy/label",
                Involvement::Assisted,
                MarkerSource::PrLabel,
                label,
                None,
            );
        }
    }
    if !cfg.builtin {
        return;
    }
    let title = pr.title.as_bytes();
    if TEXT.may_match(title) {
        for s in TEXT.hits(title) {
            if let Match::Text { scope, .. } = s.matcher
                && scope.pr_title
            {
                out.builtin(s, MarkerSource::PrTitle, pr.title.trim(), None, None);
            }
        }
    }
    let body = pr.body.as_bytes();
    if TEXT.may_match(body) {
        let mut fenced = false;
        for line in lines(body) {
            let Some(bytes) = body.get(line) else {
                continue;
            };
            if layout::is_fence(bytes) {
                fenced = !fenced;
                continue;
            }
            if fenced {
                continue;
            }
            for s in TEXT.hits(bytes) {
                if let Match::Text { scope, .. } = s.matcher
                    && scope.pr_body
                {
                    let text = String::from_utf8_lossy(bytes);
                    out.builtin(s, MarkerSource::PrBody, text.trim(), None, None);
                }
            }
        }
    }
}

fn scan_branch(branch: &str, cfg: &Detect, out: &mut Out) {
    if cfg.builtin {
        for s in SIGNATURES {
            if let Match::BranchPrefix(p) = s.matcher
                && branch
                    .get(..p.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(p))
            {
                out.builtin(s, MarkerSource::Branch, branch, None, None);
            }
        }
    }
    if cfg.branch_matcher.is_match(branch) {
        out.policy(
            "policy/branch",
            Involvement::Assisted,
            MarkerSource::Branch,
            branch,
            None,
        );
    }
}

/// True when the identity is a bot or an AI agent (never a valid human reviewer).
///
/// Bots: `[bot]` in the name or the e-mail's local part (GitHub App accounts
/// `…[bot]@users.noreply.github.com`), GitHub's own `noreply@github.com`, GitLab project/group
/// bot users (`project_<id>_bot_…`). AI: every address and name suffix of the signature table
/// (`noreply@anthropic.com`, `198982749+Copilot@…`, `cursoragent@cursor.com`, ` (aider)` …).
/// Display names alone never make an identity a machine (a person may be called Claude).
pub fn is_machine_identity(id: &Identity) -> bool {
    let name = id.name.trim();
    let email = id.email.trim();
    let local = email.rsplit_once('@').map_or(email, |(l, _)| l);
    if matching::contains_ci(name, "[bot]")
        || matching::contains_ci(local, "[bot]")
        || email.eq_ignore_ascii_case("noreply@github.com")
        || is_gitlab_bot(local)
    {
        return true;
    }
    let addr = Addr::new(name, email);
    SIGNATURES.iter().any(|s| match s.matcher {
        Match::Identity(emails) | Match::CoAuthor(emails) => addr.matches(emails),
        Match::NameSuffix(suffix) => matching::ends_with_ci(name, suffix),
        _ => false,
    })
}

/// True for a platform login that is a bot or an AI agent: a `[bot]` suffix, `Copilot`, the
/// AI app logins of the signature table, GitLab project/group bot users.
pub fn is_bot_login(login: &str) -> bool {
    let login = login.trim();
    if matching::ends_with_ci(login, "[bot]") || login.eq_ignore_ascii_case("copilot") {
        return true;
    }
    if is_gitlab_bot(login) {
        return true;
    }
    SIGNATURES.iter().any(|s| match s.matcher {
        Match::PrAuthor(logins) => logins.iter().any(|l| eq_ci(l, login)),
        _ => false,
    })
}

/// GitLab project and group access-token users: `project_<id>_bot_<suffix>`,
/// `group_<id>_bot_<suffix>`.
fn is_gitlab_bot(login: &str) -> bool {
    let rest = match login.get(..8) {
        Some(p) if p.eq_ignore_ascii_case("project_") => login.get(8..),
        _ => match login.get(..6) {
            Some(p) if p.eq_ignore_ascii_case("group_") => login.get(6..),
            _ => None,
        },
    };
    let Some(rest) = rest else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0
        && rest
            .get(digits..)
            .is_some_and(|r| r.get(..4).is_some_and(|b| b.eq_ignore_ascii_case("_bot")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_pattern_compiles() {
        let n = SIGNATURES
            .iter()
            .filter(|s| matches!(s.matcher, Match::Text { .. }))
            .count();
        assert!(n > 0);
        assert_eq!(TEXT.each.len(), n);
        for s in SIGNATURES {
            if let Match::Text { pattern, .. } = s.matcher {
                assert!(
                    !pattern.replace(r"(?-u:\b)", "").contains(r"\b"),
                    "{}: use (?-u:\\b)",
                    s.id
                );
            }
        }
        assert!(TEXT.may_match("🤖 Generated with [Claude Code](x)".as_bytes()));
    }

    #[test]
    fn signature_ids_are_unique_and_well_formed() {
        let mut ids: Vec<&str> = SIGNATURES.iter().map(|s| s.id).collect();
        for id in &ids {
            assert!(id.contains('/'), "{id}");
            assert!(!id.starts_with("policy/"), "{id} collides with policy ids");
            assert!(
                id.bytes().all(|b| b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || b == b'-'
                    || b == b'/'),
                "{id}"
            );
        }
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len(), "duplicate signature id");
    }

    #[test]
    fn gitlab_bots() {
        assert!(is_gitlab_bot("project_123_bot_abc"));
        assert!(is_gitlab_bot("group_9_bot"));
        assert!(!is_gitlab_bot("project_bot"));
        assert!(!is_gitlab_bot("projector_1_bot"));
        assert!(!is_gitlab_bot("alice"));
    }
}
