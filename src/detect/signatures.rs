//! The built-in signature table: what AI coding tools write, kept as data.
//!
//! Every entry names the tool, a stable id, *what* to match (a stable part: an e-mail address,
//! a bot login, a trailer key, a footer line, a branch prefix — never a display name alone) and
//! the [`Involvement`] it implies. The evidence behind each entry (the tool's documentation or
//! source, or a public repository and commit) is in `SIGNATURES.md` beside this file, the
//! background in `reference/markers.md` §2 and §4; [`Confidence`] records how sure it is.
//!
//! A tool keeps every name and address it ever signed with: renamed tools (OpenDevin →
//! OpenHands, termai → OpenCode → Crush) still match their old commits.
//!
//! Involvement mapping (the rules the table follows):
//!
//! | evidence | involvement |
//! | --- | --- |
//! | co-author trailer of an IDE/CLI assistant (Claude Code, Copilot IDE/CLI, Cursor, Codex CLI, Amp, OpenHands, Crush …), session trailers (`Claude-Session:`, `Copilot-Session:`, `Amp-Thread-ID:`), `Assisted-by:`, `AI-Assisted: yes`, `Made-with: Cursor` | `assisted` |
//! | `Generated-by:`, `Co-developed-by:` naming an AI, "Generated with [Tool](…)" footer lines, aider's ` (aider)` name suffix, aider's co-author trailer and `aider: ` subject prefix | `generated` |
//! | an agent or AI bot as commit author or committer; a co-author trailer naming an *autonomous* agent's bot account (Copilot coding agent, Jules, Devin, Factory Droid, the Claude and Codex GitHub apps, Gemini CLI's app, Cline, Continue, Kilo Code); `Replit-Commit-Author: Agent`; an AI bot as PR author; agent branch prefixes (`copilot/`, `claude/`, `codex/`, `cursor/`, `jules/`, `devin/` — only agents push there by default); agent task links in the PR body (Codex cloud, Cursor background agent, Copilot "Original prompt") | `autonomous` |
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
///
/// `Author` and `Committer` are here for the header lines of squash bodies written by
/// `git merge --squash` (`Author: Claude <noreply@anthropic.com>`).
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
    "author",
    "committer",
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
/// Claude GitHub Apps: the Claude app used by claude-code-action, Anthropic's own app and the
/// claude-code-action app (ids in `SIGNATURES.md`).
const CLAUDE_APP: &[Email] = &[
    Email::GithubApp("claude[bot]"),
    Email::GithubApp("anthropic-claude[bot]"),
    Email::GithubApp("claude-code-action[bot]"),
];
/// Copilot coding agent (the local part has no `[bot]`).
const COPILOT_AGENT: &[Email] = &[
    Email::Exact("198982749+copilot@users.noreply.github.com"),
    Email::GithubApp("copilot-swe-agent[bot]"),
];
/// Copilot in the IDE, Copilot Autofix and Copilot Chat's app account.
const COPILOT_IDE: &[Email] = &[
    Email::Exact("175728472+copilot@users.noreply.github.com"),
    Email::GithubApp("copilot[bot]"),
    Email::Exact("copilot@github.com"),
];
/// Copilot CLI / App / SDK.
const COPILOT_CLI: &[Email] = &[Email::Exact("223556219+copilot@users.noreply.github.com")];
/// Cursor agent and Cursor's GitHub App (Bugbot fixes).
const CURSOR: &[Email] = &[
    Email::Exact("cursoragent@cursor.com"),
    Email::GithubApp("cursor[bot]"),
    Email::GithubApp("cursoragent[bot]"),
];
/// Aider (`noreply@aider.dev` only in aider's own development commits of April 2025;
/// `noreply@aider.chat` as listed by CHAOSS).
const AIDER: &[Email] = &[
    Email::Exact("aider@aider.chat"),
    Email::Exact("noreply@aider.dev"),
    Email::Exact("noreply@aider.chat"),
];
/// OpenAI Codex CLI and app (CLI co-author `noreply@`, local/cloud author `codex@`).
const CODEX: &[Email] = &[
    Email::Exact("noreply@openai.com"),
    Email::Exact("codex@openai.com"),
];
/// OpenAI Codex GitHub Apps: the ChatGPT connector (Codex cloud, `@codex` in PRs) and the
/// newer `openai-codex` app.
const CODEX_APP: &[Email] = &[
    Email::GithubApp("chatgpt-codex-connector[bot]"),
    Email::GithubApp("openai-codex[bot]"),
];
/// Google Jules.
const JULES: &[Email] = &[Email::GithubApp("google-labs-jules[bot]")];
/// Gemini Code Assist GitHub app.
const GEMINI_ASSIST: &[Email] = &[Email::GithubApp("gemini-code-assist[bot]")];
/// Gemini CLI's GitHub App (run-gemini-cli agent commits).
const GEMINI_CLI: &[Email] = &[Email::GithubApp("gemini-cli[bot]")];
/// Devin.
const DEVIN: &[Email] = &[Email::GithubApp("devin-ai-integration[bot]")];
/// OpenHands, and its former name OpenDevin (agent and bot addresses).
const OPENHANDS: &[Email] = &[
    Email::Exact("openhands@all-hands.dev"),
    Email::Exact("opendevin@all-hands.dev"),
    Email::Exact("opendevin@opendevin.ai"),
    Email::Exact("bot@opendevin.com"),
];
/// Amp.
const AMP: &[Email] = &[Email::Exact("amp@ampcode.com")];
/// Factory Droid: the GitHub App and the CLI's own identity.
const FACTORY: &[Email] = &[
    Email::GithubApp("factory-droid[bot]"),
    Email::Exact("droid@factory.ai"),
];
/// OpenCode (sst/opencode, and opencode-ai/opencode before it became Crush).
const OPENCODE: &[Email] = &[Email::Exact("noreply@opencode.ai")];
/// Crush (Charm), and its first name termai.
const CRUSH: &[Email] = &[
    Email::Exact("crush@charm.land"),
    Email::Exact("noreply@crush.charm.land"),
    Email::Exact("noreply@termai.io"),
];
/// Amazon Q Developer.
const AMAZON_Q: &[Email] = &[Email::GithubApp("amazon-q-developer[bot]")];
/// Sweep.
const SWEEP: &[Email] = &[Email::GithubApp("sweep-ai[bot]")];
/// JetBrains Junie, and JetBrains AI's GitHub App.
const JUNIE: &[Email] = &[
    Email::Exact("junie@jetbrains.com"),
    Email::GithubApp("jetbrains-ai[bot]"),
];
/// Block goose.
const GOOSE: &[Email] = &[Email::Exact("goose@block.xyz")];
/// Zed agent.
const ZED: &[Email] = &[Email::Exact("noreply@zed.dev")];
/// Warp agent.
const WARP: &[Email] = &[Email::Exact("oz-agent@warp.dev")];
/// Cline's GitHub App.
const CLINE: &[Email] = &[Email::GithubApp("cline[bot]")];
/// Continue's GitHub App.
const CONTINUE: &[Email] = &[Email::GithubApp("continue[bot]")];
/// Kilo Code's GitHub App.
const KILO: &[Email] = &[Email::GithubApp("kiloconnect[bot]")];
/// Mentat's bot account (a user account: the local part has no `[bot]`).
const MENTAT: &[Email] = &[Email::Exact("160964065+mentatbot@users.noreply.github.com")];
/// Windsurf's GitHub App.
const WINDSURF: &[Email] = &[Email::GithubApp("windsurf-bot[bot]")];
/// Codebuff.
const CODEBUFF: &[Email] = &[Email::Exact("noreply@codebuff.com")];

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

/// A footer line `[emoji] Generated with TOOL` as the tools write it: at the start of a line
/// (or of a segment after a literal `\n`), after at most a few non-alphanumeric characters
/// (an emoji, its JSON escape `\ud83e\udd16`, spaces, a bullet), and ending the line. Prose that
/// quotes the footer ("Remove the "Generated with Crush" line") is not a footer.
macro_rules! footer {
    ($tool:expr) => {
        concat!(
            r#"(?i)^(?:[^A-Za-z0-9`'"\\]|\\u[0-9A-Fa-f]{4}){0,12}generated with "#,
            $tool,
            r"[.!]?\s*$"
        )
    };
}

/// A tool name in a footer, plain or as a Markdown link: `NAME` or `[NAME](url)`.
macro_rules! linked {
    ($name:literal) => {
        concat!(r"(?:", $name, r"|\[", $name, r"\](?:\([^)\s]*\))?)")
    };
}

/// The built-in signatures, in priority order (when several signatures match the same line,
/// they form one marker: the highest involvement names it, then the earlier row).
///
/// The evidence for every row (documentation, source, or a public repository and commit) is in
/// `src/detect/SIGNATURES.md`.
#[rustfmt::skip]
pub static SIGNATURES: &[Signature] = &[
    // ── Claude Code ────────────────────────────────────────────────────────────────────────
    sig("claude-code/co-author", "Claude Code", Match::CoAuthor(ANTHROPIC), Assisted, ModelRule::DisplayName, R),
    sig(
        "claude-code/generated-with",
        "Claude Code",
        Match::Text { pattern: footer!(linked!("claude code")), scope: MESSAGE_AND_PR_BODY },
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
    sig(
        "claude-app/pr-author",
        "Claude GitHub App",
        Match::PrAuthor(&["claude[bot]", "anthropic-claude[bot]", "claude-code-action[bot]"]),
        Autonomous,
        ModelRule::None,
        U,
    ),
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
    sig("codex/co-author", "Codex", Match::CoAuthor(CODEX), Assisted, ModelRule::DisplayName, R),
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
    sig("codex-app/identity", "Codex", Match::Identity(CODEX_APP), Autonomous, ModelRule::None, R),
    sig("codex-app/co-author", "Codex", Match::CoAuthor(CODEX_APP), Autonomous, ModelRule::None, R),
    // ── Google Jules, Gemini Code Assist, Gemini CLI ────────────────────────────────────────
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
        R,
    ),
    sig("gemini-cli/identity", "Gemini CLI", Match::Identity(GEMINI_CLI), Autonomous, ModelRule::None, R),
    sig("gemini-cli/co-author", "Gemini CLI", Match::CoAuthor(GEMINI_CLI), Autonomous, ModelRule::None, R),
    // ── Devin ───────────────────────────────────────────────────────────────────────────────
    sig(
        "devin/generated-with",
        "Devin",
        Match::Text { pattern: footer!(r"\[devin\](?:\([^)\s]*\))?"), scope: MESSAGE_AND_PR_BODY },
        Generated,
        ModelRule::None,
        R,
    ),
    sig("devin/identity", "Devin", Match::Identity(DEVIN), Autonomous, ModelRule::None, R),
    sig("devin/co-author", "Devin", Match::CoAuthor(DEVIN), Autonomous, ModelRule::None, R),
    sig("devin/branch", "Devin", Match::BranchPrefix("devin/"), Autonomous, ModelRule::None, U),
    sig("devin/pr-author", "Devin", Match::PrAuthor(&["devin-ai-integration[bot]"]), Autonomous, ModelRule::None, U),
    // ── OpenHands (formerly OpenDevin) ──────────────────────────────────────────────────────
    sig("openhands/identity", "OpenHands", Match::Identity(OPENHANDS), Autonomous, ModelRule::None, R),
    sig("openhands/co-author", "OpenHands", Match::CoAuthor(OPENHANDS), Assisted, ModelRule::None, R),
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
    // ── OpenCode, Crush (formerly termai, then OpenCode) ────────────────────────────────────
    sig(
        "opencode/generated-with",
        "OpenCode",
        Match::Text { pattern: footer!(linked!("opencode")), scope: MESSAGE_AND_PR_BODY },
        Generated,
        ModelRule::None,
        R,
    ),
    sig("opencode/co-author", "OpenCode", Match::CoAuthor(OPENCODE), Assisted, ModelRule::None, R),
    sig(
        "crush/generated-with",
        "Crush",
        Match::Text { pattern: footer!(r"(?:termai|crush|\[crush\](?:\([^)\s]*\))?)"), scope: MESSAGE_AND_PR_BODY },
        Generated,
        ModelRule::None,
        R,
    ),
    sig("crush/co-author", "Crush", Match::CoAuthor(CRUSH), Assisted, ModelRule::None, R),
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
    // ── Other agents' accounts and conventions ──────────────────────────────────────────────
    sig("junie/co-author", "JetBrains Junie", Match::CoAuthor(JUNIE), Assisted, ModelRule::None, U),
    sig("goose/co-author", "goose", Match::CoAuthor(GOOSE), Assisted, ModelRule::None, U),
    sig("zed/co-author", "Zed", Match::CoAuthor(ZED), Assisted, ModelRule::None, U),
    sig("warp/co-author", "Warp", Match::CoAuthor(WARP), Assisted, ModelRule::None, U),
    sig("cline/identity", "Cline", Match::Identity(CLINE), Autonomous, ModelRule::None, U),
    sig("cline/co-author", "Cline", Match::CoAuthor(CLINE), Autonomous, ModelRule::None, U),
    sig("continue/identity", "Continue", Match::Identity(CONTINUE), Autonomous, ModelRule::None, U),
    sig("continue/co-author", "Continue", Match::CoAuthor(CONTINUE), Autonomous, ModelRule::None, U),
    sig("kilo/identity", "Kilo Code", Match::Identity(KILO), Autonomous, ModelRule::None, R),
    sig("kilo/co-author", "Kilo Code", Match::CoAuthor(KILO), Autonomous, ModelRule::None, U),
    sig("mentat/identity", "Mentat", Match::Identity(MENTAT), Autonomous, ModelRule::None, R),
    sig("windsurf/co-author", "Windsurf", Match::CoAuthor(WINDSURF), Assisted, ModelRule::None, U),
    sig("codebuff/co-author", "Codebuff", Match::CoAuthor(CODEBUFF), Assisted, ModelRule::None, U),
    sig(
        "codebuff/generated-with",
        "Codebuff",
        Match::Text { pattern: footer!(linked!("(?:codebuff|freebuff)")), scope: MESSAGE_AND_PR_BODY },
        Generated,
        ModelRule::None,
        U,
    ),
    sig(
        "replit/agent",
        "Replit Agent",
        Match::TrailerKey { key: "Replit-Commit-Author", value: ValueRule::OneOf(&["agent"]) },
        Autonomous,
        ModelRule::None,
        U,
    ),
    sig(
        "replit/assistant",
        "Replit Agent",
        Match::TrailerKey { key: "Replit-Commit-Author", value: ValueRule::OneOf(&["assistant"]) },
        Assisted,
        ModelRule::None,
        U,
    ),
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
