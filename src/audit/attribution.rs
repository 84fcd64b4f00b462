//! Which tool and which model an AI-assisted commit counts for in an audit (pure).
//!
//! A commit often carries several markers: `Co-authored-by: Claude <noreply@anthropic.com>`
//! next to `🤖 Generated with [Claude Code]`, or a generic `Assisted-by: Claude:claude-opus-4-8`
//! trailer. Counting every marker's tool would count the commit twice (the "by tool" shares
//! summed to over 100 %), so a commit counts for **one** tool, that of its strongest marker:
//!
//! 1. a signature of a named tool beats a convention (`Assisted-by`, `Generated-by`, …) or a
//!    policy signature; a convention line that names a tool (`Assisted-by: Claude Code`,
//!    `Assisted-by: Claude:…`) counts for that tool;
//! 2. then the higher involvement; 3. then the better established signature (confirmed,
//!    documented, unconfirmed); 4. then the earlier row of the signature table.
//!
//! Model names are normalised ([`normalise_model`]) so one model has one name whatever the
//! spelling: `Opus 4.8`, `Claude Opus 4.8` and `claude-opus-4-8` are all `Claude Opus 4.8`.

use crate::detect::Marker;
use crate::detect::signatures::{Confidence, SIGNATURES, Signature, by_id};

/// Signature ids of conventions and policies: they say *that* AI helped, not *which* tool.
fn is_generic(id: &str) -> bool {
    id.starts_with("convention/") || id.starts_with("policy/")
}

/// A tool named inside a generic marker's text: the longest tool name of the signature table
/// found as whole words (case-insensitive), or `Claude` alone, which is Claude Code.
fn tool_named_in(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    let mut best: Option<&'static str> = None;
    for s in SIGNATURES.iter().filter(|s| !is_generic(s.id)) {
        if has_words(&lower, &s.tool.to_lowercase()) && best.is_none_or(|b| s.tool.len() > b.len())
        {
            best = Some(s.tool);
        }
    }
    best.or_else(|| has_words(&lower, "claude").then_some("Claude Code"))
}

/// True when `needle` occurs in `hay` with no letter or digit on either side.
fn has_words(hay: &str, needle: &str) -> bool {
    let mut from = 0;
    while let Some(i) = hay.get(from..).and_then(|h| h.find(needle)) {
        let start = from + i;
        let end = start + needle.len();
        let before = hay.get(..start).and_then(|h| h.chars().next_back());
        let after = hay.get(end..).and_then(|h| h.chars().next());
        if !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric) {
            return true;
        }
        from = end;
    }
    false
}

fn confidence_rank(c: Confidence) -> u8 {
    match c {
        Confidence::Confirmed => 2,
        Confidence::Documented => 1,
        Confidence::Unconfirmed => 0,
    }
}

/// The tool a marker stands for and how strong that attribution is (higher is stronger).
fn attribute(m: &Marker) -> (String, (bool, u8, u8, usize)) {
    // A marker that several signatures matched: its named-tool signature, when it has one.
    let named: Option<(usize, &Signature)> = m
        .signatures
        .iter()
        .filter(|id| !is_generic(id))
        .filter_map(|id| {
            let i = SIGNATURES.iter().position(|s| s.id == id.as_str())?;
            Some((i, SIGNATURES.get(i)?))
        })
        .min_by_key(|(i, _)| *i);
    let rank = |specific: bool, conf: u8, row: usize| {
        (
            specific,
            m.involvement as u8,
            conf,
            usize::MAX - row.min(usize::MAX - 1),
        )
    };
    if let Some((row, s)) = named {
        return (
            s.tool.to_string(),
            rank(true, confidence_rank(s.confidence), row),
        );
    }
    let row = SIGNATURES
        .iter()
        .position(|s| s.id == m.signature)
        .unwrap_or(SIGNATURES.len());
    let conf = by_id(&m.signature).map_or(0, |s| confidence_rank(s.confidence));
    match tool_named_in(&m.text) {
        Some(tool) => (tool.to_string(), rank(true, conf, row)),
        None => (m.tool.clone(), rank(false, conf, row)),
    }
}

/// The one tool a commit counts for (see the module docs); `None` without markers.
pub fn commit_tool(markers: &[Marker]) -> Option<String> {
    markers
        .iter()
        .map(attribute)
        .max_by(|a, b| a.1.cmp(&b.1))
        .map(|(tool, _)| tool)
}

/// The one model a commit counts for, normalised: the first model named by a marker of the
/// commit's tool, else the first model any marker names.
pub fn commit_model(markers: &[Marker], tool: Option<&str>) -> Option<String> {
    let of_tool = markers
        .iter()
        .filter(|m| tool.is_some_and(|t| attribute(m).0 == t))
        .find_map(|m| m.model.as_deref());
    of_tool
        .or_else(|| markers.iter().find_map(|m| m.model.as_deref()))
        .map(normalise_model)
        .filter(|m| !m.is_empty())
}

/// Claude model families.
const CLAUDE_FAMILIES: &[&str] = &["opus", "sonnet", "haiku"];
/// Other model families written `family-version-variant` (`gemini-2.5-pro`).
const FAMILIES: &[(&str, &str)] = &[
    ("gemini", "Gemini"),
    ("gemma", "Gemma"),
    ("grok", "Grok"),
    ("llama", "Llama"),
    ("mistral", "Mistral"),
    ("codestral", "Codestral"),
    ("devstral", "Devstral"),
    ("qwen", "Qwen"),
    ("deepseek", "DeepSeek"),
    ("kimi", "Kimi"),
    ("glm", "GLM"),
];

/// True for a version part: digits, optionally with dots (`4`, `4.8`, `2.5`).
fn is_version(t: &str) -> bool {
    t.starts_with(|c: char| c.is_ascii_digit()) && t.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// A build date (`20250514`): dropped, it does not change which model it is.
fn is_date(t: &str) -> bool {
    t.len() == 8 && t.chars().all(|c| c.is_ascii_digit())
}

fn title(t: &str) -> String {
    let mut c = t.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// One name per model, whatever the spelling: `claude-opus-4-8`, `Opus 4.8`,
/// `Claude Opus 4.8`, `claude-opus-4-8[1m]` and `claude-opus-4-8-20260101` are all
/// `Claude Opus 4.8`; `gpt-5.4` and `GPT5.4` are `GPT-5.4`; `gemini-2.5-pro` is
/// `Gemini 2.5 Pro`. Names of no known family keep their spelling (spaces collapsed).
pub fn normalise_model(raw: &str) -> String {
    // Drop `[1m]`-style and `(…)` annotations and a provider prefix (`anthropic/…`).
    let mut s = String::new();
    let mut depth = 0usize;
    for c in raw.chars() {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' => depth = depth.saturating_sub(1),
            c if depth == 0 => s.push(c),
            _ => {}
        }
    }
    let s = s.rsplit('/').next().unwrap_or("").trim().to_string();
    let tokens: Vec<String> = s
        .split(|c: char| c.is_whitespace() || matches!(c, '-' | '_' | '@' | ':'))
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect();
    let versions = |skip: &dyn Fn(&str) -> bool| -> (String, Vec<String>) {
        let mut v: Vec<&str> = Vec::new();
        let mut rest = Vec::new();
        for t in tokens.iter().filter(|t| !skip(t) && !is_date(t)) {
            if is_version(t) {
                v.push(t);
            } else {
                rest.push(title(t));
            }
        }
        (v.join("."), rest)
    };
    let join = |parts: Vec<String>| {
        parts
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    if let Some(family) = tokens
        .iter()
        .find(|t| CLAUDE_FAMILIES.contains(&t.as_str()))
    {
        let (v, rest) = versions(&|t| t == "claude" || t == family);
        let mut parts = vec!["Claude".to_string(), title(family), v];
        parts.extend(rest);
        return join(parts);
    }
    if let Some(first) = tokens.first()
        && let Some(ver) = first.strip_prefix("gpt")
    {
        let ver = ver.trim_start_matches('.');
        let mut tail = tokens.iter().skip(1);
        let ver = if ver.is_empty() {
            tail.next().cloned().unwrap_or_default()
        } else {
            ver.to_string()
        };
        let mut parts = vec![format!("GPT-{ver}")];
        parts.extend(tail.filter(|t| !is_date(t)).map(|t| title(t)));
        return join(parts);
    }
    if let Some(first) = tokens.first()
        && let Some((_, name)) = FAMILIES.iter().find(|(f, _)| first == f)
    {
        let (v, rest) = versions(&|t| t == first);
        let mut parts = vec![name.to_string(), v];
        parts.extend(rest);
        return join(parts);
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::MarkerSource;
    use crate::policy::Involvement;

    fn marker(
        sigs: &[&str],
        tool: &str,
        inv: Involvement,
        text: &str,
        model: Option<&str>,
    ) -> Marker {
        Marker {
            tool: tool.to_string(),
            signature: sigs.first().map(|s| s.to_string()).unwrap_or_default(),
            signatures: sigs.iter().map(|s| s.to_string()).collect(),
            involvement: inv,
            source: MarkerSource::Trailer,
            text: text.to_string(),
            model: model.map(str::to_string),
            span: None,
        }
    }

    #[test]
    fn one_model_one_name() {
        for raw in [
            "Opus 4.8",
            "Claude Opus 4.8",
            "claude-opus-4-8",
            "claude-opus-4.8",
            "claude-opus-4-8[1m]",
            "claude-opus-4-8-20260101",
            "anthropic/claude-opus-4-8",
            "Claude Opus 4.8 (1M context)",
            "CLAUDE OPUS 4.8",
        ] {
            assert_eq!(normalise_model(raw), "Claude Opus 4.8", "{raw}");
        }
        assert_eq!(
            normalise_model("claude-3-5-sonnet-20241022"),
            "Claude Sonnet 3.5"
        );
        assert_eq!(
            normalise_model("claude-sonnet-4-5@20250929"),
            "Claude Sonnet 4.5"
        );
        assert_ne!(
            normalise_model("claude-opus-4-6"),
            normalise_model("claude-opus-4-8")
        );
        assert_eq!(normalise_model("gpt-5.4"), "GPT-5.4");
        assert_eq!(normalise_model("GPT5.4"), "GPT-5.4");
        assert_eq!(normalise_model("gpt-5-codex"), "GPT-5 Codex");
        assert_eq!(normalise_model("gemini-2.5-pro"), "Gemini 2.5 Pro");
        assert_eq!(normalise_model("Gemini 2.5 Pro"), "Gemini 2.5 Pro");
        assert_eq!(normalise_model("  some   local model "), "some local model");
        assert_eq!(normalise_model("[x]"), "");
    }

    #[test]
    fn one_commit_one_tool_by_the_strongest_signature() {
        use Involvement::{Assisted, Autonomous, Generated};
        // A generic Assisted-by naming Claude next to the Claude Code footer: Claude Code.
        let a = marker(
            &["convention/assisted-by"],
            "Assisted-by",
            Assisted,
            "Assisted-by: Claude:claude-opus-4-8",
            Some("claude-opus-4-8"),
        );
        let f = marker(
            &["claude-code/generated-with"],
            "Claude Code",
            Generated,
            "🤖 Generated with Claude Code",
            None,
        );
        assert_eq!(
            commit_tool(&[a.clone(), f.clone()]).as_deref(),
            Some("Claude Code")
        );
        assert_eq!(
            commit_tool(std::slice::from_ref(&a)).as_deref(),
            Some("Claude Code")
        );
        assert_eq!(
            commit_model(&[f, a], Some("Claude Code")).as_deref(),
            Some("Claude Opus 4.8")
        );
        // One line matched by a tool signature and a convention: the tool.
        let both = marker(
            &["convention/assisted-by", "claude-code/co-author"],
            "Assisted-by",
            Assisted,
            "Assisted-by: Claude <noreply@anthropic.com>",
            None,
        );
        assert_eq!(commit_tool(&[both]).as_deref(), Some("Claude Code"));
        // A convention naming no tool stays the convention, and loses to any named tool.
        let g = marker(
            &["convention/generated-by"],
            "Generated-by",
            Generated,
            "Generated-by: an LLM",
            None,
        );
        let c = marker(
            &["copilot-ide/co-author"],
            "Copilot",
            Assisted,
            "Co-authored-by: Copilot <x>",
            None,
        );
        assert_eq!(
            commit_tool(std::slice::from_ref(&g)).as_deref(),
            Some("Generated-by")
        );
        assert_eq!(commit_tool(&[g, c.clone()]).as_deref(), Some("Copilot"));
        // Two named tools: the higher involvement.
        let agent = marker(
            &["copilot-agent/branch"],
            "Copilot coding agent",
            Autonomous,
            "copilot/x",
            None,
        );
        assert_eq!(
            commit_tool(&[c, agent]).as_deref(),
            Some("Copilot coding agent")
        );
        // Longest tool name wins inside a generic line; words only.
        let cli = marker(
            &["convention/assisted-by"],
            "Assisted-by",
            Assisted,
            "Assisted-by: Copilot CLI",
            None,
        );
        assert_eq!(commit_tool(&[cli]).as_deref(), Some("Copilot CLI"));
        let not_word = marker(
            &["convention/assisted-by"],
            "Assisted-by",
            Assisted,
            "Assisted-by: claudette",
            None,
        );
        assert_eq!(commit_tool(&[not_word]).as_deref(), Some("Assisted-by"));
        assert_eq!(commit_tool(&[]), None);
    }
}
