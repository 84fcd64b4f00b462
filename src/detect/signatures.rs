//! The built-in signature table: what AI coding tools write, kept as data.
//!
//! Every entry names the tool, a stable id, *what* to match (a stable part: an e-mail address,
//! a bot login, a trailer key, a footer line, a branch prefix — never a display name alone) and
//! the [`Involvement`] it implies. The research behind each entry is in
//! `reference/markers.md` §2 and §4; [`Confidence`] records how sure it is.
//!
//! Involvement mapping (the rules the table follows):
//!
//! | evidence | involvement |
//! | --- | --- |
//! | co-author trailer of an IDE/CLI assistant (Claude Code, Copilot IDE/CLI, Cursor, Codex CLI, Amp, OpenHands, Crush …), session trailers (`Claude-Session:`, `Copilot-Session:`, `Amp-Thread-ID:`), `Assisted-by:`, `AI-Assisted: yes`, `Made-with: Cursor` | `assisted` |
//! | `Generated-by:`, `Co-developed-by:` naming an AI, "Generated with [Tool](…)" lines, aider's ` (aider)` name suffix, aider's co-author trailer and `aider: ` subject prefix | `generated` |
//! | an agent or AI bot as commit author or committer; a co-author trailer naming an *autonomous* agent's bot account (Copilot coding agent, Jules, Devin, Factory Droid, Claude GitHub app); an AI bot as PR author; agent branch prefixes (`copilot/`, `claude/`, `codex/`, `cursor/`, `jules/`, `devin/` — only agents push there by default); agent task links in the PR body (Codex cloud, Cursor background agent, Copilot "Original prompt") | `autonomous` |
//!
//! Aider's co-author trailer maps to `generated`, not `assisted`: since aider v0.85 it replaced
//! the ` (aider)` name suffix on exactly the same commits (aider commits its own edits), so the
//! two forms must imply the same level.
//!
//! Bots that are not AI (dependabot, renovate, github-actions, GitHub's web-flow committer
//! `GitHub <noreply@github.com>`) have no entry: they are machine identities
//! ([`super::is_machine_identity`]) but not AI markers.

use crate::policy::Involvement;

/// How well a signature is established (`reference/markers.md` legend).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confidence {
    /// R: confirmed in real commits of a public repository.
    Confirmed,
    /// D: confirmed in the tool's own documentation, changelog or source.
    Documented,
    /// U: seen only in third-party material; plausible, not confirmed as a default.
    Unconfirmed,
}

/// An e-mail address pattern (compared ASCII case-insensitively, surrounding spaces ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Email {
    /// Exactly this address.
    Exact(&'static str),
    /// A GitHub App bot account with this login (e.g. `google-labs-jules[bot]`): matches
    /// `<digits>+<login>@users.noreply.github.com` and `<login>@users.noreply.github.com`.
    /// For author/committer identities, a name equal to the login matches too (bot logins
    /// are stable, unlike display names).
    GithubApp(&'static str),
}

/// What the value of a [`Match::TrailerKey`] line must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueRule {
    /// Any value (including empty).
    Any,
    /// One of these, ASCII case-insensitive, after trimming.
    OneOf(&'static [&'static str]),
    /// The value names an AI tool or model (a word of [`AI_WORDS`], or an AI e-mail of the table).
    NamesAi,
}

/// Where a [`Match::Text`] pattern is looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    /// Each line of the commit message.
    pub message: bool,
    /// The PR/MR title.
    pub pr_title: bool,
    /// Each line of the PR/MR body.
    pub pr_body: bool,
}

/// Commit message lines only.
pub const MESSAGE: Scope = Scope {
    message: true,
    pr_title: false,
    pr_body: false,
};
/// PR body lines only.
pub const PR_BODY: Scope = Scope {
    message: false,
    pr_title: false,
    pr_body: true,
};
/// Commit message lines and PR body lines.
pub const MESSAGE_AND_PR_BODY: Scope = Scope {
    message: true,
    pr_title: false,
    pr_body: true,
};
/// The PR title only.
pub const PR_TITLE: Scope = Scope {
    message: false,
    pr_title: true,
    pr_body: false,
};

/// What a signature matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// A trailer-shaped line (anywhere in the message) whose key is one of [`AUTHORSHIP_KEYS`]
    /// (`Co-authored-by`, `Signed-off-by`, `Assisted-by` …) and whose value carries one of
    /// these addresses (`Name <email>`, or a bare address).
    CoAuthor(&'static [Email]),
    /// The commit author or committer e-mail.
    Identity(&'static [Email]),
    /// The commit author or committer name ends with this suffix (ASCII case-insensitive).
    NameSuffix(&'static str),
    /// A trailer-shaped line (anywhere in the message) with this key (ASCII case-insensitive;
    /// spaces and `_` count as `-`) and a value accepted by the rule.
    TrailerKey {
        /// The key.
        key: &'static str,
        /// The value rule.
        value: ValueRule,
    },
    /// A regular expression (`regex` crate syntax, matched per line, multi-line mode). Word
    /// boundaries must be ASCII (`(?-u:\b)`): a Unicode `\b` forces the slow engine on text
    /// with emoji, which every Claude Code footer has.
    Text {
        /// The pattern.
        pattern: &'static str,
        /// Where to look.
        scope: Scope,
    },
    /// The branch (current branch or PR head branch) starts with this prefix (ASCII
    /// case-insensitive, after stripping `refs/heads/`).
    BranchPrefix(&'static str),
    /// The PR author login is one of these (ASCII case-insensitive).
    PrAuthor(&'static [&'static str]),
}

/// How to read a model name from a matched trailer value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelRule {
    /// The signature never names a model.
    None,
    /// The display name before `<email>`, when it has several words and a digit
    /// (`Claude Opus 4.6` yes; bare `Claude` or `C1aude` no).
    DisplayName,
    /// The text in parentheses of the display name (`aider (gpt-5.4)` → `gpt-5.4`).
    Parenthesized,
    /// Best effort for free-form values: `Agent:model [tool]` (kernel format), a
    /// `Name <email>` display name, or a word that looks like a model id.
    Guess,
}

/// One built-in signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    /// Stable id, `tool/kind`.
    pub id: &'static str,
    /// Tool name for reports.
    pub tool: &'static str,
    /// What it matches.
    pub matcher: Match,
    /// The involvement it implies.
    pub involvement: Involvement,
    /// How the model is read from a match.
    pub model: ModelRule,
    /// How well established it is.
    pub confidence: Confidence,
}

/// Trailer keys (normalised: lowercase, `-`) that attribute authorship to the person in the
/// value, so an AI address there is an AI marker. `Reviewed-by`/`Acked-by` are deliberately
/// absent: an AI reviewer is rejected as a reviewer, it does not make the change AI-written.
pub const AUTHORSHIP_KEYS: &[&str] = &[
    "co-authored-by",
    "co-developed-by",
    "signed-off-by",
    "assisted-by",
    "generated-by",
    "authored-by",
    "written-by",
    "helped-by",
    "ai-assisted-by",
];

/// Lowercase words that name an AI tool or model family ([`ValueRule::NamesAi`]). Matched as
/// whole words of the value (split at anything but ASCII letters); model-family stems (`gpt`,
/// `claude` …) also as a word prefix. Tool names that are also common given names (Devin,
/// Jules, Junie …) are left out: a human `Co-developed-by: Devin Smith` is not a marker (those
/// tools are still found by their addresses).
pub const AI_WORDS: &[&str] = &[
    "llm",
    "claude",
    "anthropic",
    "sonnet",
    "opus",
    "haiku",
    "gpt",
    "chatgpt",
    "openai",
    "codex",
    "copilot",
    "gemini",
    "cursor",
    "aider",
    "openhands",
    "llama",
    "mistral",
    "mixtral",
    "deepseek",
    "qwen",
    "grok",
    "windsurf",
    "codeium",
    "opencode",
];

/// Addresses of the Claude Code assistant (co-author) and cloud sessions (identity).
const ANTHROPIC: &[Email] = &[Email::Exact("noreply@anthropic.com")];
/// Claude GitHub App / claude-code-action.
const CLAUDE_APP: &[Email] = &[Email::GithubApp("claude[bot]")];
/// Copilot coding agent (the local part has no `[bot]`).
const COPILOT_AGENT: &[Email] = &[
    Email::Exact("198982749+copilot@users.noreply.github.com"),
    Email::GithubApp("copilot-swe-agent[bot]"),
];
/// Copilot in the IDE and Copilot Autofix.
const COPILOT_IDE: &[Email] = &[Email::Exact("175728472+copilot@users.noreply.github.com")];
/// Copilot CLI / App / SDK.
const COPILOT_CLI: &[Email] = &[Email::Exact("223556219+copilot@users.noreply.github.com")];
/// Cursor agent.
const CURSOR: &[Email] = &[Email::Exact("cursoragent@cursor.com")];
/// Aider (`noreply@aider.dev` only in aider's own development commits of April 2025).
const AIDER: &[Email] = &[
    Email::Exact("aider@aider.chat"),
    Email::Exact("noreply@aider.dev"),
];
/// OpenAI Codex (CLI co-author `noreply@`, cloud author `codex@`).
const CODEX: &[Email] = &[
    Email::Exact("noreply@openai.com"),
    Email::Exact("codex@openai.com"),
];
/// Google Jules.
const JULES: &[Email] = &[Email::GithubApp("google-labs-jules[bot]")];
/// Gemini Code Assist GitHub app.
const GEMINI_ASSIST: &[Email] = &[Email::GithubApp("gemini-code-assist[bot]")];
/// Devin.
const DEVIN: &[Email] = &[Email::GithubApp("devin-ai-integration[bot]")];
/// OpenHands.
const OPENHANDS: &[Email] = &[Email::Exact("openhands@all-hands.dev")];
/// Amp.
const AMP: &[Email] = &[Email::Exact("amp@ampcode.com")];
/// Factory Droid.
const FACTORY: &[Email] = &[Email::GithubApp("factory-droid[bot]")];
/// OpenCode.
const OPENCODE: &[Email] = &[Email::Exact("noreply@opencode.ai")];
/// Crush (Charm).
const CRUSH: &[Email] = &[Email::Exact("crush@charm.land")];
/// Amazon Q Developer.
const AMAZON_Q: &[Email] = &[Email::GithubApp("amazon-q-developer[bot]")];
/// Sweep.
const SWEEP: &[Email] = &[Email::GithubApp("sweep-ai[bot]")];
/// JetBrains Junie.
const JUNIE: &[Email] = &[Email::Exact("junie@jetbrains.com")];
/// Block goose.
const GOOSE: &[Email] = &[Email::Exact("goose@block.xyz")];
/// Zed agent.
const ZED: &[Email] = &[Email::Exact("noreply@zed.dev")];
/// Warp agent.
const WARP: &[Email] = &[Email::Exact("oz-agent@warp.dev")];

use Confidence::{Confirmed as R, Documented as D, Unconfirmed as U};
use Involvement::{Assisted, Autonomous, Generated};

/// Shorthand for a table row.
const fn sig(
    id: &'static str,
    tool: &'static str,
    matcher: Match,
    involvement: Involvement,
    model: ModelRule,
    confidence: Confidence,
) -> Signature {
    Signature {
        id,
        tool,
        matcher,
        involvement,
        model,
        confidence,
    }
}

/// The built-in signatures, in priority order (when two signatures of the same tool match the
/// same line, the higher involvement wins, then the earlier row).
#[rustfmt::skip]
pub static SIGNATURES: &[Signature] = &[
    // ── Claude Code ────────────────────────────────────────────────────────────────────────
    sig("claude-code/co-author", "Claude Code", Match::CoAuthor(ANTHROPIC), Assisted, ModelRule::DisplayName, R),
    sig(
        "claude-code/generated-with",
        "Claude Code",
        Match::Text { pattern: r"(?i)generated with \[claude code\]", scope: MESSAGE_AND_PR_BODY },
        Generated,
        ModelRule::None,
        R,
    ),
    sig(
        "claude-code/session",
        "Claude Code",
        Match::TrailerKey { key: "Claude-Session", value: ValueRule::Any },
        Assisted,
        ModelRule::None,
        R,
    ),
    sig(
        "claude-code/session-url",
        "Claude Code",
        Match::Text { pattern: r"(?i)(?-u:\b)claude\.ai/code/session_", scope: MESSAGE_AND_PR_BODY },
        Assisted,
        ModelRule::None,
        R,
    ),
    sig("claude-code/cloud-identity", "Claude Code", Match::Identity(ANTHROPIC), Autonomous, ModelRule::None, R),
    sig("claude-code/branch", "Claude Code", Match::BranchPrefix("claude/"), Autonomous, ModelRule::None, R),
    sig("claude-app/identity", "Claude GitHub App", Match::Identity(CLAUDE_APP), Autonomous, ModelRule::None, U),
    sig("claude-app/co-author", "Claude GitHub App", Match::CoAuthor(CLAUDE_APP), Autonomous, ModelRule::None, U),
    sig("claude-app/pr-author", "Claude GitHub App", Match::PrAuthor(&["claude[bot]"]), Autonomous, ModelRule::None, U),
    // ── GitHub Copilot coding agent ────────────────────────────────────────────────────────
    sig("copilot-agent/identity", "Copilot coding agent", Match::Identity(COPILOT_AGENT), Autonomous, ModelRule::None, R),
    sig("copilot-agent/co-author", "Copilot coding agent", Match::CoAuthor(COPILOT_AGENT), Autonomous, ModelRule::None, R),
    sig("copilot-agent/branch", "Copilot coding agent", Match::BranchPrefix("copilot/"), Autonomous, ModelRule::None, R),
    sig(
        "copilot-agent/pr-author",
        "Copilot coding agent",
        Match::PrAuthor(&["Copilot", "copilot-swe-agent[bot]", "copilot-swe-agent"]),
        Autonomous,
        ModelRule::None,
        R,
    ),
    sig(
        "copilot-agent/pr-body",
        "Copilot coding agent",
        Match::Text { pattern: r"(?i)<summary>\s*Original prompt\s*</summary>", scope: PR_BODY },
        Autonomous,
        ModelRule::None,
        R,
    ),
    // ── GitHub Copilot in the IDE / Autofix, CLI ───────────────────────────────────────────
    sig("copilot-ide/co-author", "Copilot", Match::CoAuthor(COPILOT_IDE), Assisted, ModelRule::None, R),
    sig("copilot-ide/identity", "Copilot", Match::Identity(COPILOT_IDE), Autonomous, ModelRule::None, R),
    sig("copilot-cli/co-author", "Copilot CLI", Match::CoAuthor(COPILOT_CLI), Assisted, ModelRule::None, R),
    sig(
        "copilot-cli/session",
        "Copilot CLI",
        Match::TrailerKey { key: "Copilot-Session", value: ValueRule::Any },
        Assisted,
        ModelRule::None,
        R,
    ),
    sig("copilot-cli/identity", "Copilot CLI", Match::Identity(COPILOT_CLI), Autonomous, ModelRule::None, D),
    // ── Cursor ──────────────────────────────────────────────────────────────────────────────
    sig("cursor/co-author", "Cursor", Match::CoAuthor(CURSOR), Assisted, ModelRule::None, R),
    sig("cursor/identity", "Cursor", Match::Identity(CURSOR), Autonomous, ModelRule::None, R),
    sig(
        "cursor/made-with",
        "Cursor",
        Match::TrailerKey { key: "Made-with", value: ValueRule::OneOf(&["cursor"]) },
        Assisted,
        ModelRule::None,
        R,
    ),
    sig("cursor/branch", "Cursor", Match::BranchPrefix("cursor/"), Autonomous, ModelRule::None, U),
    sig(
        "cursor/pr-body",
        "Cursor",
        Match::Text {
            pattern: r"(?i)cursor\.com/(?:background-agent\?bcId=|agents\?id=bc-)",
            scope: PR_BODY,
        },
        Autonomous,
        ModelRule::None,
        R,
    ),
    // ── Aider ───────────────────────────────────────────────────────────────────────────────
    sig("aider/name-suffix", "Aider", Match::NameSuffix(" (aider)"), Generated, ModelRule::None, R),
    sig("aider/co-author", "Aider", Match::CoAuthor(AIDER), Generated, ModelRule::Parenthesized, R),
    sig("aider/identity", "Aider", Match::Identity(AIDER), Generated, ModelRule::None, D),
    sig(
        "aider/subject-prefix",
        "Aider",
        Match::Text { pattern: r"^aider: ", scope: MESSAGE },
        Generated,
        ModelRule::None,
        R,
    ),
    // ── OpenAI Codex ────────────────────────────────────────────────────────────────────────
    sig("codex/co-author", "Codex", Match::CoAuthor(CODEX), Assisted, ModelRule::None, D),
    sig("codex/identity", "Codex", Match::Identity(CODEX), Autonomous, ModelRule::None, R),
    sig("codex/branch", "Codex", Match::BranchPrefix("codex/"), Autonomous, ModelRule::None, R),
    sig(
        "codex/task-url",
        "Codex",
        Match::Text { pattern: r"(?i)(?-u:\b)chatgpt\.com/codex/tasks/", scope: MESSAGE_AND_PR_BODY },
        Autonomous,
        ModelRule::None,
        R,
    ),
    // ── Google Jules, Gemini Code Assist ────────────────────────────────────────────────────
    sig("jules/identity", "Jules", Match::Identity(JULES), Autonomous, ModelRule::None, R),
    sig("jules/co-author", "Jules", Match::CoAuthor(JULES), Autonomous, ModelRule::None, R),
    sig("jules/branch", "Jules", Match::BranchPrefix("jules/"), Autonomous, ModelRule::None, R),
    sig("jules/pr-author", "Jules", Match::PrAuthor(&["google-labs-jules[bot]"]), Autonomous, ModelRule::None, R),
    sig(
        "gemini-code-assist/co-author",
        "Gemini Code Assist",
        Match::CoAuthor(GEMINI_ASSIST),
        Assisted,
        ModelRule::None,
        U,
    ),
    // ── Devin ───────────────────────────────────────────────────────────────────────────────
    sig(
        "devin/generated-with",
        "Devin",
        Match::Text { pattern: r"(?i)generated with \[devin\]", scope: MESSAGE_AND_PR_BODY },
        Generated,
        ModelRule::None,
        U,
    ),
    sig("devin/identity", "Devin", Match::Identity(DEVIN), Autonomous, ModelRule::None, U),
    sig("devin/co-author", "Devin", Match::CoAuthor(DEVIN), Autonomous, ModelRule::None, U),
    sig("devin/branch", "Devin", Match::BranchPrefix("devin/"), Autonomous, ModelRule::None, U),
    sig("devin/pr-author", "Devin", Match::PrAuthor(&["devin-ai-integration[bot]"]), Autonomous, ModelRule::None, U),
    // ── OpenHands ───────────────────────────────────────────────────────────────────────────
    sig("openhands/identity", "OpenHands", Match::Identity(OPENHANDS), Autonomous, ModelRule::None, D),
    sig("openhands/co-author", "OpenHands", Match::CoAuthor(OPENHANDS), Assisted, ModelRule::None, D),
    // ── Amp ─────────────────────────────────────────────────────────────────────────────────
    sig("amp/co-author", "Amp", Match::CoAuthor(AMP), Assisted, ModelRule::None, R),
    sig(
        "amp/thread",
        "Amp",
        Match::TrailerKey { key: "Amp-Thread-ID", value: ValueRule::Any },
        Assisted,
        ModelRule::None,
        R,
    ),
    sig("amp/identity", "Amp", Match::Identity(AMP), Autonomous, ModelRule::None, D),
    // ── Factory Droid ───────────────────────────────────────────────────────────────────────
    sig("factory-droid/identity", "Factory Droid", Match::Identity(FACTORY), Autonomous, ModelRule::None, R),
    sig("factory-droid/co-author", "Factory Droid", Match::CoAuthor(FACTORY), Autonomous, ModelRule::None, R),
    sig(
        "factory-droid/pr-author",
        "Factory Droid",
        Match::PrAuthor(&["factory-droid[bot]"]),
        Autonomous,
        ModelRule::None,
        U,
    ),
    // ── OpenCode, Crush ─────────────────────────────────────────────────────────────────────
    sig(
        "opencode/generated-with",
        "OpenCode",
        Match::Text { pattern: r"(?i)generated with \[opencode\]", scope: MESSAGE_AND_PR_BODY },
        Generated,
        ModelRule::None,
        U,
    ),
    sig("opencode/co-author", "OpenCode", Match::CoAuthor(OPENCODE), Assisted, ModelRule::None, U),
    sig(
        "crush/generated-with",
        "Crush",
        Match::Text { pattern: r"(?i)generated with crush(?-u:\b)", scope: MESSAGE_AND_PR_BODY },
        Generated,
        ModelRule::None,
        D,
    ),
    sig("crush/co-author", "Crush", Match::CoAuthor(CRUSH), Assisted, ModelRule::None, D),
    // ── Amazon Q, Sweep ─────────────────────────────────────────────────────────────────────
    sig("amazon-q/identity", "Amazon Q Developer", Match::Identity(AMAZON_Q), Autonomous, ModelRule::None, U),
    sig(
        "amazon-q/pr-author",
        "Amazon Q Developer",
        Match::PrAuthor(&["amazon-q-developer[bot]"]),
        Autonomous,
        ModelRule::None,
        U,
    ),
    sig("sweep/identity", "Sweep", Match::Identity(SWEEP), Autonomous, ModelRule::None, D),
    sig("sweep/pr-author", "Sweep", Match::PrAuthor(&["sweep-ai[bot]"]), Autonomous, ModelRule::None, D),
    // ── Project-level conventions of other agents (U) ───────────────────────────────────────
    sig("junie/co-author", "JetBrains Junie", Match::CoAuthor(JUNIE), Assisted, ModelRule::None, U),
    sig("goose/co-author", "goose", Match::CoAuthor(GOOSE), Assisted, ModelRule::None, U),
    sig("zed/co-author", "Zed", Match::CoAuthor(ZED), Assisted, ModelRule::None, U),
    sig("warp/co-author", "Warp", Match::CoAuthor(WARP), Assisted, ModelRule::None, U),
    // ── Project policies (conventions, not tools) ───────────────────────────────────────────
    sig(
        "convention/assisted-by",
        "Assisted-by",
        Match::TrailerKey { key: "Assisted-by", value: ValueRule::Any },
        Assisted,
        ModelRule::Guess,
        D,
    ),
    sig(
        "convention/generated-by",
        "Generated-by",
        Match::TrailerKey { key: "Generated-by", value: ValueRule::Any },
        Generated,
        ModelRule::Guess,
        D,
    ),
    sig(
        "convention/co-developed-by",
        "Co-developed-by",
        Match::TrailerKey { key: "Co-developed-by", value: ValueRule::NamesAi },
        Generated,
        ModelRule::Guess,
        D,
    ),
    sig(
        "convention/ai-assisted",
        "AI-Assisted",
        Match::TrailerKey { key: "AI-Assisted", value: ValueRule::OneOf(&["yes", "true"]) },
        Assisted,
        ModelRule::None,
        U,
    ),
    sig(
        "convention/pr-disclosure",
        "disclosure",
        Match::Text {
            pattern: r"(?i)written (?:in part )?with the assistance of (?:generative )?ai(?-u:\b)",
            scope: PR_BODY,
        },
        Assisted,
        ModelRule::None,
        D,
    ),
    sig(
        "convention/robot-title",
        "disclosure",
        Match::Text { pattern: r"^\s*🤖", scope: PR_TITLE },
        Assisted,
        ModelRule::None,
        U,
    ),
];

/// The signature with this id.
pub fn by_id(id: &str) -> Option<&'static Signature> {
    SIGNATURES.iter().find(|s| s.id == id)
}
