//! Detection of AI involvement: every built-in signature has a positive and a negative
//! sample (enforced by iterating the table), plus the behaviours the evaluator relies on.

use std::collections::BTreeSet;
use std::ops::Range;

use countersign::detect::signatures::SIGNATURES;
use countersign::detect::{
    Marker, MarkerSource, detect, involvement, is_bot_login, is_machine_identity,
};
use countersign::facts::{CommitFacts, Identity, PullRequest};
use countersign::message::trailers::{ParsedMessage, Trailer};
use countersign::policy::{Detect, IdentitySignature, Involvement, TrailerSignature};
use globset::{Glob, GlobSet, GlobSetBuilder};

// ── helpers ──────────────────────────────────────────────────────────────────────────────

/// A tiny stand-in for the trailer parser: when the last paragraph (not the title) is all
/// `Key: value` lines, it is the trailer block.
fn parse(msg: &str) -> ParsedMessage {
    let body = msg.trim_end_matches(['\n', ' ']);
    let Some(sep) = body.rfind("\n\n") else {
        return ParsedMessage::default();
    };
    let start = sep + 2;
    let para = &body[start..];
    let mut trailers = Vec::new();
    let mut off = start;
    for line in para.split('\n') {
        let Some(colon) = line.find(':') else {
            return ParsedMessage::default();
        };
        let key = &line[..colon];
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return ParsedMessage::default();
        }
        trailers.push(Trailer {
            key: key.to_string(),
            value: line[colon + 1..].trim().to_string(),
            span: off..off + line.len(),
            key_span: off..off + colon,
        });
        off += line.len() + 1;
    }
    ParsedMessage {
        trailers,
        block: Some(start..body.len()),
        anomalies: Vec::new(),
    }
}

fn cfg() -> Detect {
    Detect {
        builtin: true,
        trailers: Vec::new(),
        identities: Vec::new(),
        labels: Vec::new(),
        branches: Vec::new(),
        branch_matcher: GlobSet::empty(),
    }
}

const HUMAN: (&str, &str) = ("Jane Doe", "jane@example.com");

fn commit(msg: &str, author: (&str, &str), committer: (&str, &str)) -> CommitFacts {
    CommitFacts {
        id: "0".repeat(40),
        parents: Vec::new(),
        author: Identity::new(author.0, author.1),
        committer: Identity::new(committer.0, committer.1),
        time: 0,
        message: msg.as_bytes().to_vec(),
        encoding: None,
        paths: Vec::new(),
    }
}

#[derive(Clone, Copy)]
struct Pr {
    title: &'static str,
    body: &'static str,
    author: &'static str,
    head: &'static str,
    labels: &'static [&'static str],
}

const PR: Pr = Pr {
    title: "Fix the parser",
    body: "Fixes #12.",
    author: "jane-doe",
    head: "fix-parser",
    labels: &[],
};

fn pull(p: Pr) -> PullRequest {
    PullRequest {
        platform: "github".into(),
        number: Some(7),
        title: p.title.into(),
        body: p.body.into(),
        labels: p.labels.iter().map(|s| s.to_string()).collect(),
        author_login: p.author.into(),
        author_is_bot: p.author.ends_with("[bot]"),
        head_branch: p.head.into(),
        ..PullRequest::default()
    }
}

#[derive(Clone, Copy)]
struct Case {
    name: &'static str,
    msg: &'static str,
    author: (&'static str, &'static str),
    committer: (&'static str, &'static str),
    pr: Option<Pr>,
    branch: Option<&'static str>,
    /// Signature ids that must be found.
    yes: &'static [&'static str],
    /// Signature ids that must not be found.
    no: &'static [&'static str],
}

const BASE: Case = Case {
    name: "",
    msg: "Fix the parser\n\nHandle empty input.\n",
    author: HUMAN,
    committer: HUMAN,
    pr: None,
    branch: None,
    yes: &[],
    no: &[],
};

fn run(c: &Case, cfg: &Detect) -> Vec<Marker> {
    let pr = c.pr.map(pull);
    detect(
        &commit(c.msg, c.author, c.committer),
        &parse(c.msg),
        pr.as_ref(),
        c.branch,
        cfg,
    )
}

/// Every signature found, on any marker (a marker names all the signatures of its place).
fn ids(markers: &[Marker]) -> BTreeSet<&str> {
    markers
        .iter()
        .flat_map(|m| m.signatures.iter().map(String::as_str))
        .collect()
}

// ── the table-driven samples ─────────────────────────────────────────────────────────────

const CASES: &[Case] = &[
    // Claude Code
    Case {
        name: "claude co-author with model and footer",
        msg: "Fix x\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>\n",
        yes: &["claude-code/co-author", "claude-code/generated-with"],
        no: &[
            "claude-code/cloud-identity",
            "claude-code/session",
            "convention/assisted-by",
        ],
        ..BASE
    },
    Case {
        name: "claude look-alikes: wrong domain, reviewer key, other footer",
        msg: "Fix x\n\nGenerated with Claude's help, see [Claude](https://claude.ai)\nhttps://claude.ai/code\n\nCo-authored-by: Claude <noreply@anthropic.co>\nCo-authored-by: Claude <claude@example.com>\nReviewed-by: Claude <noreply@anthropic.com>\nClaude-Sessions: 1\n",
        yes: &[],
        no: &[
            "claude-code/co-author",
            "claude-code/generated-with",
            "claude-code/session",
            "claude-code/session-url",
            "claude-app/co-author",
        ],
        ..BASE
    },
    Case {
        name: "claude web session trailer",
        msg: "Fix x\n\nClaude-Session: https://claude.ai/code/session_01AbC\n",
        yes: &["claude-code/session"],
        no: &["claude-code/co-author"],
        ..BASE
    },
    Case {
        name: "claude bare session url",
        msg: "Fix x\n\nBody.\n\nhttps://claude.ai/code/session_01AbC\n",
        yes: &["claude-code/session-url"],
        no: &["claude-code/session"],
        ..BASE
    },
    Case {
        name: "claude cloud identity and branch",
        author: ("Claude", "noreply@anthropic.com"),
        committer: ("Claude", "NoReply@Anthropic.com"),
        branch: Some("claude/fix-parser-a1B2c"),
        yes: &["claude-code/cloud-identity", "claude-code/branch"],
        no: &["claude-code/co-author", "claude-app/identity"],
        ..BASE
    },
    Case {
        name: "human called Claude, claude-ish branches",
        author: ("Claude Monet", "claude@example.com"),
        committer: ("Claude", "claude@example.org"),
        branch: Some("feature/claude-integration"),
        pr: Some(Pr {
            head: "claudette/x",
            author: "claude",
            ..PR
        }),
        no: &[
            "claude-code/cloud-identity",
            "claude-code/branch",
            "claude-app/identity",
            "claude-app/pr-author",
        ],
        ..BASE
    },
    Case {
        name: "claude github app",
        msg: "Fix x\n\nCo-authored-by: claude[bot] <41898282+claude[bot]@users.noreply.github.com>\n",
        author: (
            "claude[bot]",
            "209825114+claude[bot]@users.noreply.github.com",
        ),
        pr: Some(Pr {
            author: "claude[bot]",
            ..PR
        }),
        yes: &[
            "claude-app/identity",
            "claude-app/co-author",
            "claude-app/pr-author",
        ],
        no: &["claude-code/co-author", "claude-code/cloud-identity"],
        ..BASE
    },
    // Copilot coding agent
    Case {
        name: "copilot coding agent push",
        author: (
            "copilot-swe-agent[bot]",
            "198982749+Copilot@users.noreply.github.com",
        ),
        committer: ("GitHub", "noreply@github.com"),
        branch: Some("copilot/fix-123"),
        pr: Some(Pr {
            author: "Copilot",
            title: "[WIP] Fix the parser",
            body: "<details>\n<summary>Original prompt</summary>\nFix it\n</details>",
            ..PR
        }),
        yes: &[
            "copilot-agent/identity",
            "copilot-agent/branch",
            "copilot-agent/pr-author",
            "copilot-agent/pr-body",
        ],
        no: &[
            "copilot-ide/identity",
            "copilot-cli/identity",
            "copilot-agent/co-author",
        ],
        ..BASE
    },
    Case {
        name: "copilot agent squash co-author",
        msg: "Fix x (#12)\n\n* Initial plan\n\n---------\n\nCo-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>\n",
        committer: ("GitHub", "noreply@github.com"),
        yes: &["copilot-agent/co-author"],
        no: &["copilot-agent/identity", "copilot-ide/co-author"],
        ..BASE
    },
    Case {
        name: "copilot IDE co-author and identity",
        msg: "Fix x\n\nCo-authored-by: Copilot Autofix powered by AI <175728472+Copilot@users.noreply.github.com>\n",
        author: ("Copilot", "175728472+Copilot@users.noreply.github.com"),
        branch: Some("feature/copilot"),
        pr: Some(Pr {
            author: "copilot-fan",
            body: "The original prompt was lost.\n<summary>Details</summary>",
            ..PR
        }),
        yes: &["copilot-ide/co-author", "copilot-ide/identity"],
        no: &[
            "copilot-agent/identity",
            "copilot-agent/co-author",
            "copilot-agent/branch",
            "copilot-agent/pr-author",
            "copilot-agent/pr-body",
            "copilot-cli/co-author",
        ],
        ..BASE
    },
    Case {
        name: "copilot CLI",
        msg: "Fix x\n\nCo-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>\n\nCopilot-Session: 0f7c2c4e-1111-2222-3333-444455556666\n",
        author: ("Copilot App", "223556219+Copilot@users.noreply.github.com"),
        yes: &[
            "copilot-cli/co-author",
            "copilot-cli/session",
            "copilot-cli/identity",
        ],
        no: &["copilot-ide/co-author", "copilot-ide/identity"],
        ..BASE
    },
    Case {
        name: "copilot look-alikes",
        msg: "Fix x\n\nCopilot Session notes: none\n\nCo-authored-by: Copilot <copilot@example.com>\n",
        author: ("Copilot", "copilot@example.com"),
        no: &[
            "copilot-cli/co-author",
            "copilot-cli/session",
            "copilot-cli/identity",
        ],
        ..BASE
    },
    // Cursor
    Case {
        name: "cursor agent",
        msg: "Fix x\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>\nMade-with: Cursor\n",
        author: ("Cursor Agent", "cursoragent@cursor.com"),
        branch: Some("cursor/fix-parser-1a2b"),
        pr: Some(Pr {
            body: "<a href=\"https://cursor.com/background-agent?bcId=bc-1234\">Open in Cursor</a>",
            ..PR
        }),
        yes: &[
            "cursor/co-author",
            "cursor/made-with",
            "cursor/identity",
            "cursor/branch",
            "cursor/pr-body",
        ],
        ..BASE
    },
    Case {
        name: "cursor look-alikes",
        msg: "Fix x\n\nCo-authored-by: Cursor <cursor@example.com>\nMade-with: Vim\n",
        author: ("Cursor Agent", "someone@example.com"),
        branch: Some("cursors/x"),
        pr: Some(Pr {
            body: "See https://cursor.com/docs",
            ..PR
        }),
        no: &[
            "cursor/co-author",
            "cursor/made-with",
            "cursor/identity",
            "cursor/branch",
            "cursor/pr-body",
        ],
        ..BASE
    },
    // Aider
    Case {
        name: "aider commit",
        msg: "aider: Fix the parser\n\nCo-authored-by: aider (gpt-5.4) <aider@aider.chat>\n",
        author: ("Paul Gauthier (aider)", "paul@example.com"),
        committer: ("aider", "aider@aider.chat"),
        yes: &[
            "aider/subject-prefix",
            "aider/co-author",
            "aider/name-suffix",
            "aider/identity",
        ],
        ..BASE
    },
    Case {
        name: "aider look-alikes",
        msg: "Use aider: later\n\nAider is great.\n\nCo-authored-by: aider <aider@example.com>\n",
        author: ("Paul (aider fan)", "paul@example.com"),
        committer: ("aider", "aider@example.com"),
        no: &[
            "aider/subject-prefix",
            "aider/co-author",
            "aider/name-suffix",
            "aider/identity",
        ],
        ..BASE
    },
    // Codex
    Case {
        name: "codex cli and cloud",
        msg: "Fix x\n\nCo-authored-by: Codex <noreply@openai.com>\n",
        author: ("Codex", "codex@openai.com"),
        branch: Some("codex/fix-parser"),
        pr: Some(Pr {
            body: "https://chatgpt.com/codex/tasks/task_e_0123abcd",
            ..PR
        }),
        yes: &[
            "codex/co-author",
            "codex/identity",
            "codex/branch",
            "codex/task-url",
        ],
        ..BASE
    },
    Case {
        name: "codex sandbox default identity is not openai",
        msg: "Fix x\n\nCo-authored-by: Codex <codex@example.com>\n",
        author: ("Codex", "codex@example.com"),
        branch: Some("my-codex/x"),
        pr: Some(Pr {
            body: "https://chatgpt.com/share/abc",
            ..PR
        }),
        no: &[
            "codex/co-author",
            "codex/identity",
            "codex/branch",
            "codex/task-url",
        ],
        ..BASE
    },
    // Jules, Gemini
    Case {
        name: "jules",
        msg: "Fix x\n\nCo-authored-by: google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>\nCo-authored-by: gemini-code-assist[bot] <176961590+gemini-code-assist[bot]@users.noreply.github.com>\n",
        author: (
            "google-labs-jules[bot]",
            "161369871+google-labs-jules[bot]@users.noreply.github.com",
        ),
        branch: Some("jules/fix-parser-3"),
        pr: Some(Pr {
            author: "google-labs-jules[bot]",
            ..PR
        }),
        yes: &[
            "jules/identity",
            "jules/co-author",
            "jules/branch",
            "jules/pr-author",
            "gemini-code-assist/co-author",
        ],
        ..BASE
    },
    Case {
        name: "a human called Jules, Gemini",
        msg: "Fix x\n\nCo-authored-by: Jules Verne <jules@example.com>\nCo-authored-by: Gemini <gemini@example.com>\n",
        author: ("Jules Verne", "jules@example.com"),
        branch: Some("julesverne/x"),
        pr: Some(Pr {
            author: "jules",
            ..PR
        }),
        no: &[
            "jules/identity",
            "jules/co-author",
            "jules/branch",
            "jules/pr-author",
            "gemini-code-assist/co-author",
        ],
        ..BASE
    },
    // Devin
    Case {
        name: "devin",
        msg: "Fix x\n\nGenerated with [Devin](https://devin.ai)\n\nCo-Authored-By: Devin <158243242+devin-ai-integration[bot]@users.noreply.github.com>\n",
        author: (
            "devin-ai-integration[bot]",
            "158243242+devin-ai-integration[bot]@users.noreply.github.com",
        ),
        branch: Some("devin/1712345678-fix-parser"),
        pr: Some(Pr {
            author: "devin-ai-integration[bot]",
            ..PR
        }),
        yes: &[
            "devin/generated-with",
            "devin/co-author",
            "devin/identity",
            "devin/branch",
            "devin/pr-author",
        ],
        ..BASE
    },
    Case {
        name: "a human called Devin",
        msg: "Fix x\n\nGenerated with Devin's script.\n\nCo-developed-by: Devin Smith <devin@example.com>\nCo-authored-by: Devin Smith <devin@example.com>\n",
        author: ("Devin Smith", "devin@example.com"),
        branch: Some("devin-smith/fix"),
        pr: Some(Pr {
            author: "devin",
            ..PR
        }),
        no: &[
            "devin/generated-with",
            "devin/co-author",
            "devin/identity",
            "devin/branch",
            "devin/pr-author",
            "convention/co-developed-by",
        ],
        ..BASE
    },
    // OpenHands, Amp, Factory
    Case {
        name: "openhands, amp, factory",
        msg: "Fix x\n\nAmp-Thread-ID: https://ampcode.com/threads/T-5f2c\nCo-authored-by: Amp <amp@ampcode.com>\nCo-authored-by: openhands <openhands@all-hands.dev>\nCo-authored-by: factory-droid[bot] <138933559+factory-droid[bot]@users.noreply.github.com>\n",
        author: ("openhands", "openhands@all-hands.dev"),
        committer: ("Amp", "amp@ampcode.com"),
        pr: Some(Pr {
            author: "factory-droid[bot]",
            ..PR
        }),
        yes: &[
            "openhands/identity",
            "openhands/co-author",
            "amp/thread",
            "amp/co-author",
            "amp/identity",
            "factory-droid/co-author",
            "factory-droid/pr-author",
        ],
        ..BASE
    },
    Case {
        name: "factory droid pushes",
        author: (
            "factory-droid[bot]",
            "138933559+factory-droid[bot]@users.noreply.github.com",
        ),
        yes: &["factory-droid/identity"],
        no: &["factory-droid/co-author"],
        ..BASE
    },
    Case {
        name: "openhands, amp, factory look-alikes",
        msg: "Fix x\n\nAmp-Thread: T-1\nCo-authored-by: Amp <amp@example.com>\nCo-authored-by: openhands <openhands@example.com>\nCo-authored-by: factory-droid <droid@example.com>\n",
        author: ("openhands", "openhands@example.com"),
        committer: ("Amp", "amp@example.com"),
        pr: Some(Pr {
            author: "factory-droid",
            ..PR
        }),
        no: &[
            "openhands/identity",
            "openhands/co-author",
            "amp/thread",
            "amp/co-author",
            "amp/identity",
            "factory-droid/identity",
            "factory-droid/co-author",
            "factory-droid/pr-author",
        ],
        ..BASE
    },
    // OpenCode, Crush
    Case {
        name: "opencode and crush",
        msg: "Fix x\n\n🤖 Generated with [opencode](https://opencode.ai)\n💘 Generated with Crush\n\nCo-Authored-By: opencode <noreply@opencode.ai>\nCo-Authored-By: Crush <crush@charm.land>\n",
        yes: &[
            "opencode/generated-with",
            "opencode/co-author",
            "crush/generated-with",
            "crush/co-author",
        ],
        ..BASE
    },
    Case {
        name: "opencode and crush look-alikes",
        msg: "Fix x\n\nGenerated with opencode-style formatting.\nGenerated with crushing force.\n\nCo-Authored-By: opencode <bot@opencode.example>\nCo-Authored-By: Crush <crush@example.com>\n",
        no: &[
            "opencode/generated-with",
            "opencode/co-author",
            "crush/generated-with",
            "crush/co-author",
        ],
        ..BASE
    },
    // Amazon Q, Sweep
    Case {
        name: "amazon q and sweep",
        author: (
            "amazon-q-developer[bot]",
            "208079219+amazon-q-developer[bot]@users.noreply.github.com",
        ),
        committer: (
            "sweep-ai[bot]",
            "128439645+sweep-ai[bot]@users.noreply.github.com",
        ),
        pr: Some(Pr {
            author: "sweep-ai[bot]",
            ..PR
        }),
        yes: &["amazon-q/identity", "sweep/identity", "sweep/pr-author"],
        no: &["amazon-q/pr-author"],
        ..BASE
    },
    Case {
        name: "amazon q pr",
        pr: Some(Pr {
            author: "amazon-q-developer[bot]",
            ..PR
        }),
        yes: &["amazon-q/pr-author"],
        no: &["amazon-q/identity", "sweep/identity", "sweep/pr-author"],
        ..BASE
    },
    // Other agents' conventions (U)
    Case {
        name: "junie goose zed warp",
        msg: "Fix x\n\nCo-authored-by: Junie <junie@jetbrains.com>\nCo-Authored-By: goose <goose@block.xyz>\nCo-Authored-By: Zed <noreply@zed.dev>\nCo-Authored-By: Oz <oz-agent@warp.dev>\n",
        yes: &[
            "junie/co-author",
            "goose/co-author",
            "zed/co-author",
            "warp/co-author",
        ],
        ..BASE
    },
    Case {
        name: "junie goose zed warp look-alikes",
        msg: "Fix x\n\nCo-authored-by: Junie Doe <junie@example.com>\nCo-Authored-By: goose <goose@example.com>\nReviewed-by: Zed <noreply@zed.dev>\nCo-Authored-By: Oz <oz@warp.dev>\n",
        no: &[
            "junie/co-author",
            "goose/co-author",
            "zed/co-author",
            "warp/co-author",
        ],
        ..BASE
    },
    // Codex apps (Codex cloud / `@codex` in PRs, and the newer `openai-codex` app)
    Case {
        name: "codex apps",
        msg: "Fix x\n\nCo-authored-by: OpenAI Codex <215057067+openai-codex[bot]@users.noreply.github.com>\nCo-authored-by: GPT 5.4 <codex@openai.com>\n",
        author: (
            "chatgpt-codex-connector[bot]",
            "199175422+chatgpt-codex-connector[bot]@users.noreply.github.com",
        ),
        yes: &[
            "codex-app/identity",
            "codex-app/co-author",
            "codex/co-author",
        ],
        no: &["codex/identity"],
        ..BASE
    },
    Case {
        name: "codex app look-alikes",
        msg: "Fix x\n\nCo-authored-by: openai-codex <openai-codex@example.com>\nCo-authored-by: codex-connector[bot] <1+codex-connector[bot]@users.noreply.github.com>\n",
        author: ("chatgpt-codex-connector", "connector@example.com"),
        no: &[
            "codex-app/identity",
            "codex-app/co-author",
            "codex/co-author",
        ],
        ..BASE
    },
    // Gemini CLI's app (its release robot is no AI)
    Case {
        name: "gemini cli app",
        msg: "Fix x\n\nCo-authored-by: gemini-cli[bot] <218312386+gemini-cli[bot]@users.noreply.github.com>\n",
        author: (
            "gemini-cli[bot]",
            "gemini-cli[bot]@users.noreply.github.com",
        ),
        yes: &["gemini-cli/identity", "gemini-cli/co-author"],
        ..BASE
    },
    Case {
        name: "gemini cli release robot",
        msg: "chore(release): v0.36.0\n\nCo-authored-by: gemini-cli-robot <224641728+gemini-cli-robot@users.noreply.github.com>\n",
        author: ("gemini-cli-robot", "gemini-cli-robot@google.com"),
        no: &["gemini-cli/identity", "gemini-cli/co-author"],
        ..BASE
    },
    // Former names and second addresses: every one still signs old commits
    Case {
        name: "renamed tools and second addresses",
        msg: "Fix x\n\n🤖 Generated with termai\n\nCo-Authored-By: termai <noreply@termai.io>\nCo-Authored-By: Crush <noreply@crush.charm.land>\nCo-authored-by: OpenDevin <opendevin@opendevin.ai>\nCo-authored-by: OpenHands-GPT-5 openhands@all-hands.dev\nCo-authored-by: Droid <droid@factory.ai>\n",
        author: ("OpenDevinBot", "bot@opendevin.com"),
        committer: ("droid", "droid@factory.ai"),
        yes: &[
            "crush/generated-with",
            "crush/co-author",
            "openhands/co-author",
            "openhands/identity",
            "factory-droid/co-author",
            "factory-droid/identity",
        ],
        ..BASE
    },
    Case {
        name: "claude code and opencode footers without their links",
        msg: "Fix x\n\n🤖 Generated with Claude Code\nGenerated with opencode\n",
        yes: &["claude-code/generated-with", "opencode/generated-with"],
        ..BASE
    },
    Case {
        name: "prose that quotes a footer",
        msg: "Drop the footer\n\nRemove the \"Generated with Crush\" line from commit messages and PRs.\nGenerated with Crush line, including validation.\nWe no longer write `🤖 Generated with [Claude Code](https://claude.com/claude-code)`.\nI asked Claude to review this; Codex and Copilot agreed.\n",
        no: &[
            "crush/generated-with",
            "claude-code/generated-with",
            "claude-code/co-author",
            "codex/co-author",
        ],
        ..BASE
    },
    Case {
        name: "more GitHub apps: claude, copilot, cursor",
        msg: "Fix x\n\nCo-authored-by: cursor[bot] <206951365+cursor[bot]@users.noreply.github.com>\nCo-authored-by: Copilot <copilot@github.com>\n",
        author: (
            "claude-code-action[bot]",
            "208546643+claude-code-action[bot]@users.noreply.github.com",
        ),
        committer: (
            "copilot[bot]",
            "167198135+copilot[bot]@users.noreply.github.com",
        ),
        pr: Some(Pr {
            author: "anthropic-claude[bot]",
            ..PR
        }),
        yes: &[
            "cursor/co-author",
            "copilot-ide/co-author",
            "copilot-ide/identity",
            "claude-app/identity",
            "claude-app/pr-author",
        ],
        ..BASE
    },
    // Other agents' apps and conventions
    Case {
        name: "cline continue kilo mentat windsurf codebuff",
        msg: "Fix x\n\n🤖 Generated with Codebuff\n\nCo-authored-by: cline[bot] <205137888+cline[bot]@users.noreply.github.com>\nCo-authored-by: continue[bot] <230936708+continue[bot]@users.noreply.github.com>\nCo-authored-by: kiloconnect[bot] <240665456+kiloconnect[bot]@users.noreply.github.com>\nCo-authored-by: windsurf-bot[bot] <189301087+windsurf-bot[bot]@users.noreply.github.com>\nCo-Authored-By: Codebuff <noreply@codebuff.com>\n",
        author: ("MentatBot", "160964065+MentatBot@users.noreply.github.com"),
        committer: (
            "continue[bot]",
            "230936708+continue[bot]@users.noreply.github.com",
        ),
        yes: &[
            "codebuff/generated-with",
            "codebuff/co-author",
            "cline/co-author",
            "continue/co-author",
            "continue/identity",
            "kilo/co-author",
            "windsurf/co-author",
            "mentat/identity",
        ],
        no: &["cline/identity"],
        ..BASE
    },
    Case {
        name: "cline continue kilo mentat windsurf codebuff look-alikes",
        msg: "Fix x\n\nGenerated with Codebuff and some glue.\n\nCo-authored-by: Cline Smith <cline@example.com>\nCo-authored-by: continue-ci[bot] <9+continue-ci[bot]@users.noreply.github.com>\nCo-authored-by: kilo <kilo@example.com>\nCo-authored-by: Windsurf <windsurf@example.com>\nCo-Authored-By: Codebuff <codebuff@example.com>\n",
        author: ("MentatBot", "mentat@example.com"),
        committer: ("cline", "cline@example.com"),
        no: &[
            "codebuff/generated-with",
            "codebuff/co-author",
            "cline/co-author",
            "cline/identity",
            "continue/co-author",
            "continue/identity",
            "kilo/co-author",
            "kilo/identity",
            "windsurf/co-author",
            "mentat/identity",
        ],
        ..BASE
    },
    Case {
        name: "cline and kilo push",
        author: (
            "cline[bot]",
            "205137888+cline[bot]@users.noreply.github.com",
        ),
        committer: (
            "kiloconnect[bot]",
            "240665456+kiloconnect[bot]@users.noreply.github.com",
        ),
        yes: &["cline/identity", "kilo/identity"],
        no: &["cline/co-author", "kilo/co-author"],
        ..BASE
    },
    Case {
        name: "replit agent",
        msg: "Fix x\n\nReplit-Commit-Author: Agent\nReplit-Commit-Session-Id: 0f7c2c4e-1111-2222-3333-444455556666\n",
        yes: &["replit/agent"],
        no: &["replit/assistant"],
        ..BASE
    },
    Case {
        name: "replit assistant and a human",
        msg: "Fix x\n\nReplit-Commit-Author: Assistant\n\nReplit-Commit-Author: Jane\n",
        yes: &["replit/assistant"],
        no: &["replit/agent"],
        ..BASE
    },
    // Conventions
    Case {
        name: "policy trailers",
        msg: "Fix x\n\nAssisted-by: Claude:claude-opus-4-6 [Claude Code]\nGenerated-by: ChatGPT 4o\nCo-developed-by: Claude claude-opus-4-20250514\nAI-Assisted: yes\n",
        yes: &[
            "convention/assisted-by",
            "convention/generated-by",
            "convention/co-developed-by",
            "convention/ai-assisted",
        ],
        ..BASE
    },
    Case {
        name: "policy trailer look-alikes",
        msg: "Fix x\n\nUnassisted-by: nobody\nGenerated-on: 2026-01-01\nCo-developed-by: Jane Roe <jane.roe@example.com>\nAI-Assisted: no\n",
        pr: Some(Pr {
            title: "Add robot 🤖 emoji support",
            body: "No AI was used.",
            ..PR
        }),
        no: &[
            "convention/assisted-by",
            "convention/generated-by",
            "convention/co-developed-by",
            "convention/ai-assisted",
            "convention/pr-disclosure",
            "convention/robot-title",
        ],
        ..BASE
    },
    Case {
        name: "PR disclosure",
        pr: Some(Pr {
            title: "🤖 Add feature",
            body: "## Notes\nThis PR was written in part with the assistance of generative AI.\n",
            ..PR
        }),
        yes: &["convention/pr-disclosure", "convention/robot-title"],
        ..BASE
    },
];

#[test]
fn every_case_holds() {
    let c = cfg();
    let mut failures = Vec::new();
    for case in CASES {
        let markers = run(case, &c);
        let found = ids(&markers);
        for y in case.yes {
            if !found.contains(y) {
                failures.push(format!("{}: expected {y}, found {found:?}", case.name));
            }
        }
        for n in case.no {
            if found.contains(n) {
                failures.push(format!("{}: unexpected {n}", case.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_signature_has_positive_and_negative_samples() {
    let yes: BTreeSet<&str> = CASES.iter().flat_map(|c| c.yes.iter().copied()).collect();
    let no: BTreeSet<&str> = CASES.iter().flat_map(|c| c.no.iter().copied()).collect();
    let mut missing = Vec::new();
    for s in SIGNATURES {
        if !yes.contains(s.id) {
            missing.push(format!("{}: no positive sample", s.id));
        }
        if !no.contains(s.id) {
            missing.push(format!("{}: no negative sample", s.id));
        }
    }
    // And no sample names an id the table does not have (typos would test nothing).
    for id in yes.union(&no) {
        if !SIGNATURES.iter().any(|s| s.id == *id) {
            missing.push(format!("{id}: not in the table"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn plain_human_commit_has_no_markers() {
    let m = run(&BASE, &cfg());
    assert!(m.is_empty(), "{m:?}");
    let with_pr = Case {
        pr: Some(PR),
        branch: Some("main"),
        ..BASE
    };
    assert!(run(&with_pr, &cfg()).is_empty());
    assert_eq!(involvement(&m), Involvement::None);
}

// ── source, span, model ──────────────────────────────────────────────────────────────────

fn one<'a>(markers: &'a [Marker], id: &str) -> &'a Marker {
    let found: Vec<_> = markers.iter().filter(|m| m.signature == id).collect();
    assert_eq!(found.len(), 1, "{id} in {markers:?}");
    found[0]
}

#[test]
fn trailer_in_block_vs_outside() {
    let line = "Co-Authored-By: Claude <noreply@anthropic.com>";
    let inside = format!("Fix x\n\nBody.\n\n{line}\n");
    let m = run(
        &Case {
            msg: Box::leak(inside.clone().into_boxed_str()),
            ..BASE
        },
        &cfg(),
    );
    let mk = one(&m, "claude-code/co-author");
    assert_eq!(mk.source, MarkerSource::Trailer);
    let at = inside.find(line).unwrap();
    assert_eq!(mk.span, Some(at..at + line.len()));
    assert_eq!(mk.text, line);
    assert_eq!(mk.involvement, Involvement::Assisted);
    assert_eq!(mk.model, None);

    // An orchestrator's paragraph below pushes it out of the trailer block.
    let outside = format!("Fix x\n\n{line}\n\nExecuted-By: orchestrator\n");
    let m = run(
        &Case {
            msg: Box::leak(outside.clone().into_boxed_str()),
            ..BASE
        },
        &cfg(),
    );
    let mk = one(&m, "claude-code/co-author");
    assert_eq!(mk.source, MarkerSource::Message);
    let at = outside.find(line).unwrap();
    assert_eq!(mk.span, Some(at..at + line.len()));

    // The footer line is never in the block.
    let msg = "Fix x\n\n🤖 Generated with [Claude Code](https://claude.ai/code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n";
    let m = run(&Case { msg, ..BASE }, &cfg());
    let footer = one(&m, "claude-code/generated-with");
    assert_eq!(footer.source, MarkerSource::Message);
    let span = footer.span.clone().unwrap();
    assert!(msg[span].starts_with("🤖 Generated with"));
    assert_eq!(
        one(&m, "claude-code/co-author").source,
        MarkerSource::Trailer
    );
    assert_eq!(involvement(&m), Involvement::Generated);
}

#[test]
fn block_membership_comes_from_parsed_block_and_trailers() {
    // A hand-built parse: a folded trailer whose value only the parser sees whole.
    let msg = "Fix x\n\nCo-authored-by: Someone\n  <noreply@anthropic.com>\n";
    let start = msg.find("Co-authored-by").unwrap();
    let end = msg.trim_end().len();
    let parsed = ParsedMessage {
        trailers: vec![Trailer {
            key: "Co-authored-by".into(),
            value: "Someone <noreply@anthropic.com>".into(),
            span: start..end,
            key_span: start..start + 14,
        }],
        block: Some(start..end),
        anomalies: Vec::new(),
    };
    let m = detect(&commit(msg, HUMAN, HUMAN), &parsed, None, None, &cfg());
    let mk = one(&m, "claude-code/co-author");
    assert_eq!(mk.source, MarkerSource::Trailer);
    assert_eq!(mk.span, Some(start..end));

    // Same text, no block: the single line does not name the address, so nothing is found
    // (no guessing across lines outside the block) …
    let m = detect(
        &commit(msg, HUMAN, HUMAN),
        &ParsedMessage::default(),
        None,
        None,
        &cfg(),
    );
    assert!(m.is_empty(), "{m:?}");
}

#[test]
fn loose_trailer_shapes_outside_the_block() {
    // Indented, bulleted, `Assisted by` without hyphen, CRLF endings.
    let msg = "Fix x\r\n\r\n  * Assisted by: Claude:claude-sonnet-4-6\r\n    co-authored-by :  Bot <NOREPLY@ANTHROPIC.COM> \r\n";
    let m = run(&Case { msg, ..BASE }, &cfg());
    let a = one(&m, "convention/assisted-by");
    assert_eq!(a.source, MarkerSource::Message);
    assert_eq!(a.model.as_deref(), Some("claude-sonnet-4-6"));
    let c = one(&m, "claude-code/co-author");
    let span = c.span.clone().unwrap();
    assert_eq!(
        msg[span].trim(),
        "co-authored-by :  Bot <NOREPLY@ANTHROPIC.COM>"
    );
}

#[test]
fn models_are_extracted() {
    let msg = "Fix x\n\nCo-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>\nAssisted-by: Claude:claude-opus-4-6 [Claude Code]\nCo-authored-by: aider (gpt-5.4) <aider@aider.chat>\n";
    let m = run(&Case { msg, ..BASE }, &cfg());
    assert_eq!(
        one(&m, "claude-code/co-author").model.as_deref(),
        Some("Claude Opus 4.6")
    );
    assert_eq!(
        one(&m, "convention/assisted-by").model.as_deref(),
        Some("claude-opus-4-6")
    );
    assert_eq!(one(&m, "aider/co-author").model.as_deref(), Some("gpt-5.4"));

    let msg = "Fix x\n\nCo-Authored-By: Claude <noreply@anthropic.com>\nAssisted-by: generic LLM chatbot\n";
    let m = run(&Case { msg, ..BASE }, &cfg());
    assert_eq!(one(&m, "claude-code/co-author").model, None);
    assert_eq!(one(&m, "convention/assisted-by").model, None);
}

// ── threat-model cases ───────────────────────────────────────────────────────────────────

#[test]
fn at_m01_copilot_agent_author_without_trailers_is_autonomous() {
    let c = Case {
        msg: "Fix the parser\n",
        author: (
            "copilot-swe-agent[bot]",
            "198982749+Copilot@users.noreply.github.com",
        ),
        committer: ("GitHub", "noreply@github.com"),
        ..BASE
    };
    let m = run(&c, &cfg());
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0].signature, "copilot-agent/identity");
    assert_eq!(m[0].source, MarkerSource::Author);
    assert_eq!(involvement(&m), Involvement::Autonomous);
    // The web-flow committer alone is not AI.
    let web = Case {
        committer: ("GitHub", "noreply@github.com"),
        ..BASE
    };
    assert!(run(&web, &cfg()).is_empty());
}

#[test]
fn at_m03_renamed_claude_matches_by_email() {
    let c = Case {
        msg: "Tweak docs\n\nCo-authored-by: C1aude <noreply@anthropic.com>\n",
        ..BASE
    };
    let m = run(&c, &cfg());
    let mk = one(&m, "claude-code/co-author");
    assert_eq!(mk.tool, "Claude Code");
    assert_eq!(mk.model, None);
    assert_eq!(involvement(&m), Involvement::Assisted);
}

#[test]
fn non_ai_bots_are_machines_but_not_markers() {
    let bots = [
        (
            "dependabot[bot]",
            "49699333+dependabot[bot]@users.noreply.github.com",
        ),
        (
            "renovate[bot]",
            "29139614+renovate[bot]@users.noreply.github.com",
        ),
        (
            "github-actions[bot]",
            "41898282+github-actions[bot]@users.noreply.github.com",
        ),
        ("GitHub", "noreply@github.com"),
    ];
    for (name, email) in bots {
        let c = Case {
            msg: "Bump serde from 1.0.1 to 1.0.2\n\nSigned-off-by: dependabot[bot] <support@github.com>\n",
            author: (name, email),
            committer: (name, email),
            pr: Some(Pr {
                author: "dependabot[bot]",
                head: "dependabot/cargo/serde-1.0.2",
                ..PR
            }),
            branch: Some("renovate/serde"),
            ..BASE
        };
        let m = run(&c, &cfg());
        assert!(m.is_empty(), "{name}: {m:?}");
        assert!(is_machine_identity(&Identity::new(name, email)), "{name}");
    }
    assert!(is_bot_login("dependabot[bot]"));
    assert!(is_bot_login("renovate[bot]"));
}

#[test]
fn machine_identities() {
    let machines = [
        ("Claude", "noreply@anthropic.com"),
        ("C1aude", "NOREPLY@anthropic.com"),
        ("Copilot", "198982749+Copilot@users.noreply.github.com"),
        ("Copilot", "175728472+Copilot@users.noreply.github.com"),
        ("Copilot", "223556219+Copilot@users.noreply.github.com"),
        ("Cursor Agent", "cursoragent@cursor.com"),
        ("Paul Gauthier (aider)", "paul@example.com"),
        ("aider (gpt-5.4)", "aider@aider.chat"),
        ("Codex", "codex@openai.com"),
        ("Codex", "noreply@openai.com"),
        (
            "google-labs-jules[bot]",
            "161369871+google-labs-jules[bot]@users.noreply.github.com",
        ),
        ("openhands", "openhands@all-hands.dev"),
        ("Amp", "amp@ampcode.com"),
        ("Crush", "crush@charm.land"),
        ("Some Bot", "some-app[bot]@users.noreply.github.com"),
        (
            "project_42_bot_1f2e",
            "project_42_bot_1f2e@noreply.gitlab.example.com",
        ),
    ];
    for (n, e) in machines {
        assert!(is_machine_identity(&Identity::new(n, e)), "{n} <{e}>");
    }
    let humans = [
        ("Claude Monet", "claude@example.com"),
        ("Copilot", "copilot@example.com"),
        ("Devin Smith", "devin@example.com"),
        ("Jane Doe", "jane@example.com"),
        ("Robert Botham", "robert@bot.example.com"),
    ];
    for (n, e) in humans {
        assert!(!is_machine_identity(&Identity::new(n, e)), "{n} <{e}>");
    }
}

#[test]
fn bot_logins() {
    for l in [
        "Copilot",
        "copilot",
        "copilot-swe-agent[bot]",
        "copilot-swe-agent",
        "github-actions[bot]",
        "devin-ai-integration[bot]",
        "project_7_bot_abc",
    ] {
        assert!(is_bot_login(l), "{l}");
    }
    for l in ["jane-doe", "copilot-fan", "claude", "botham", ""] {
        assert!(!is_bot_login(l), "{l}");
    }
}

// ── policy signatures and the builtin switch ─────────────────────────────────────────────

fn policy_cfg(builtin: bool) -> Detect {
    let mut b = GlobSetBuilder::new();
    b.add(Glob::new("ai/**").unwrap());
    Detect {
        builtin,
        trailers: vec![
            TrailerSignature {
                key: "AI-Tool".into(),
                values: Vec::new(),
                involvement: Involvement::Generated,
            },
            TrailerSignature {
                key: "Agent".into(),
                values: vec!["Yes".into()],
                involvement: Involvement::Autonomous,
            },
        ],
        identities: vec![IdentitySignature {
            email: "*@agents.example.com".into(),
            matcher: Glob::new("*@agents.example.com").unwrap().compile_matcher(),
            involvement: Involvement::Autonomous,
        }],
        labels: vec!["AI-Assisted".into()],
        branches: vec!["ai/**".into()],
        branch_matcher: b.build().unwrap(),
    }
}

#[test]
fn builtin_false_keeps_policy_signatures() {
    let c = Case {
        msg: "Fix x\n\nCo-Authored-By: Claude <noreply@anthropic.com>\nAI-Tool: internal-llm\nagent: YES\nCo-authored-by: Bot <bot7@agents.example.com>\n",
        author: (
            "copilot-swe-agent[bot]",
            "198982749+Copilot@users.noreply.github.com",
        ),
        committer: ("Runner", "runner@agents.example.com"),
        pr: Some(Pr {
            author: "Copilot",
            labels: &["ai-assisted", "bug"],
            head: "copilot/fix",
            body: "🤖 Generated with [Claude Code](https://claude.com/claude-code)",
            ..PR
        }),
        branch: Some("ai/experiments/x"),
        ..BASE
    };
    let m = run(&c, &policy_cfg(false));
    let found = ids(&m);
    assert_eq!(
        found,
        BTreeSet::from([
            "policy/trailer",
            "policy/identity",
            "policy/label",
            "policy/branch"
        ]),
        "{m:?}"
    );
    assert!(m.iter().all(|mk| mk.tool == "policy"));
    let trailer_levels: Vec<_> = m
        .iter()
        .filter(|mk| mk.signature == "policy/trailer")
        .map(|mk| (mk.text.as_str(), mk.involvement, mk.source))
        .collect();
    assert_eq!(
        trailer_levels,
        vec![
            (
                "AI-Tool: internal-llm",
                Involvement::Generated,
                MarkerSource::Trailer
            ),
            ("agent: YES", Involvement::Autonomous, MarkerSource::Trailer),
        ]
    );
    let id_sources: Vec<_> = m
        .iter()
        .filter(|mk| mk.signature == "policy/identity")
        .map(|mk| mk.source)
        .collect();
    assert_eq!(
        id_sources,
        vec![MarkerSource::Trailer, MarkerSource::Committer]
    );
    assert_eq!(one(&m, "policy/label").involvement, Involvement::Assisted);
    assert_eq!(one(&m, "policy/label").source, MarkerSource::PrLabel);
    assert_eq!(one(&m, "policy/branch").text, "ai/experiments/x");
    assert_eq!(involvement(&m), Involvement::Autonomous);

    // With built-ins on, both kinds are found.
    let m = run(&c, &policy_cfg(true));
    let found = ids(&m);
    for id in [
        "claude-code/co-author",
        "copilot-agent/identity",
        "copilot-agent/pr-author",
        "copilot-agent/branch",
        "claude-code/generated-with",
        "policy/trailer",
        "policy/label",
    ] {
        assert!(found.contains(id), "{id}: {found:?}");
    }
}

#[test]
fn policy_trailer_value_mismatch_is_not_a_marker() {
    let c = Case {
        msg: "Fix x\n\nAgent: no\n",
        ..BASE
    };
    assert!(run(&c, &policy_cfg(false)).is_empty());
}

// ── PR-side markers, ordering, dedup, involvement ────────────────────────────────────────

#[test]
fn pr_markers_have_their_sources() {
    let c = Case {
        pr: Some(Pr {
            author: "Copilot",
            title: "🤖 Fix it",
            body: "Done.\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n",
            head: "refs/heads/codex/fix-it",
            labels: &["AI-assisted"],
        }),
        ..BASE
    };
    let mut cfg = cfg();
    cfg.labels = vec!["ai-assisted".into()];
    let m = run(&c, &cfg);
    let got: Vec<_> = m
        .iter()
        .map(|mk| (mk.signature.as_str(), mk.source, mk.text.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("copilot-agent/pr-author", MarkerSource::PrAuthor, "Copilot"),
            ("policy/label", MarkerSource::PrLabel, "AI-assisted"),
            ("convention/robot-title", MarkerSource::PrTitle, "🤖 Fix it"),
            (
                "claude-code/generated-with",
                MarkerSource::PrBody,
                "🤖 Generated with [Claude Code](https://claude.com/claude-code)"
            ),
            ("codex/branch", MarkerSource::Branch, "codex/fix-it"),
        ]
    );
    assert!(m.iter().all(|mk| mk.span.is_none()));
}

#[test]
fn branch_argument_and_head_branch_are_deduplicated() {
    let c = Case {
        branch: Some("copilot/fix-1"),
        pr: Some(Pr {
            head: "copilot/fix-1",
            ..PR
        }),
        ..BASE
    };
    let m = run(&c, &cfg());
    assert_eq!(m.len(), 1, "{m:?}");
    // Different names: both are looked at.
    let c = Case {
        branch: Some("claude/x-abcde"),
        pr: Some(Pr {
            head: "copilot/fix-1",
            ..PR
        }),
        ..BASE
    };
    let found = ids(&run(&c, &cfg()))
        .into_iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
    assert_eq!(found, vec!["claude-code/branch", "copilot-agent/branch"]);
}

#[test]
fn repeated_marker_lines_are_kept_per_place_and_output_is_deterministic() {
    let msg = "Fix x\n\nClaude-Session: https://claude.ai/code/session_1\n\nCo-Authored-By: Claude <noreply@anthropic.com>\nCo-Authored-By: Claude <noreply@anthropic.com>\n";
    let c = Case { msg, ..BASE };
    let a = run(&c, &cfg());
    let b = run(&c, &cfg());
    assert_eq!(a, b);
    // The session line matches two Claude Code signatures; one marker remains for that line.
    let session: Vec<_> = a
        .iter()
        .filter(|m| m.text.starts_with("Claude-Session"))
        .collect();
    assert_eq!(session.len(), 1, "{a:?}");
    assert_eq!(session[0].signature, "claude-code/session");
    // The two co-author lines are two places.
    assert_eq!(
        a.iter()
            .filter(|m| m.signature == "claude-code/co-author")
            .count(),
        2
    );
    // Message order.
    let starts: Vec<usize> = a
        .iter()
        .filter_map(|m| m.span.as_ref().map(|s| s.start))
        .collect();
    let mut sorted = starts.clone();
    sorted.sort_unstable();
    assert_eq!(starts, sorted);
}

#[test]
fn highest_involvement_wins() {
    let mk = |inv| Marker {
        tool: "t".into(),
        signature: "t/x".into(),
        signatures: vec!["t/x".into()],
        involvement: inv,
        source: MarkerSource::Message,
        text: String::new(),
        model: None,
        span: None::<Range<usize>>,
    };
    assert_eq!(involvement(&[]), Involvement::None);
    assert_eq!(
        involvement(&[
            mk(Involvement::Assisted),
            mk(Involvement::Autonomous),
            mk(Involvement::Generated)
        ]),
        Involvement::Autonomous
    );
    // A Claude Code CLI commit (co-author + footer) is generated; in a cloud session,
    // autonomous.
    let msg = "Fix x\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n";
    assert_eq!(
        involvement(&run(&Case { msg, ..BASE }, &cfg())),
        Involvement::Generated
    );
    let cloud = Case {
        msg,
        author: ("Claude", "noreply@anthropic.com"),
        ..BASE
    };
    assert_eq!(involvement(&run(&cloud, &cfg())), Involvement::Autonomous);
}

#[test]
fn invalid_utf8_and_odd_bytes_do_not_panic() {
    let mut msg =
        b"Fix \xff\xfe\n\nCo-authored-by: \xc3(bad) <noreply@anthropic.com>\n\0\r\r:".to_vec();
    msg.extend_from_slice("é:🤖 Generated with [Claude Code](x)".as_bytes());
    let c = CommitFacts {
        message: msg,
        ..commit("", HUMAN, HUMAN)
    };
    let parsed = ParsedMessage {
        block: Some(10_000..20_000),
        ..ParsedMessage::default()
    };
    let m = detect(&c, &parsed, None, None, &cfg());
    let found = ids(&m);
    assert!(found.contains("claude-code/co-author"), "{found:?}");
    assert!(found.contains("claude-code/generated-with"), "{found:?}");
}

// ── one marker per place, squash bodies, mid-line markers, examples ─────────────────────

/// Detection with the real trailer parser (git's rules), as the evaluator runs it.
fn run_real(msg: &str) -> Vec<Marker> {
    let parsed = countersign::message::trailers::parse(msg.as_bytes());
    detect(&commit(msg, HUMAN, HUMAN), &parsed, None, None, &cfg())
}

#[test]
fn a_line_matching_several_signatures_is_one_marker_naming_them_all() {
    let msg = "Fix x\n\nBody.\n\nAssisted-by: Claude Opus 4.6 <noreply@anthropic.com>\nSigned-off-by: Jane Doe <jane@example.com>\n";
    let m = run_real(msg);
    assert_eq!(m.len(), 1, "{m:?}");
    let mk = &m[0];
    assert_eq!(mk.signature, "claude-code/co-author");
    assert_eq!(mk.tool, "Claude Code");
    assert_eq!(
        mk.signatures,
        ["claude-code/co-author", "convention/assisted-by"]
    );
    assert_eq!(mk.model.as_deref(), Some("Claude Opus 4.6"));
    assert_eq!(mk.source, MarkerSource::Trailer);
    assert!(mk.is_trailer_line());

    // The stronger signature names the marker, whatever the order found.
    let msg = "Fix x\n\nCo-developed-by: aider (gpt-5.4) <aider@aider.chat>\n";
    let m = run_real(msg);
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0].signature, "aider/co-author");
    assert_eq!(m[0].involvement, Involvement::Generated);
    assert_eq!(m[0].signatures.len(), 2, "{m:?}");

    // Policy signatures join the same marker.
    let mut c = cfg();
    c.trailers = vec![TrailerSignature {
        key: "Assisted-by".into(),
        values: Vec::new(),
        involvement: Involvement::Autonomous,
    }];
    let msg = "Fix x\n\nAssisted-by: Claude <noreply@anthropic.com>\n";
    let m = detect(
        &commit(msg, HUMAN, HUMAN),
        &countersign::message::trailers::parse(msg.as_bytes()),
        None,
        None,
        &c,
    );
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0].signature, "policy/trailer");
    assert_eq!(m[0].involvement, Involvement::Autonomous);
    assert_eq!(
        m[0].signatures,
        [
            "claude-code/co-author",
            "convention/assisted-by",
            "policy/trailer"
        ]
    );
}

fn sources(markers: &[Marker]) -> Vec<(MarkerSource, &str)> {
    markers
        .iter()
        .map(|m| (m.source, m.signature.as_str()))
        .collect()
}

#[test]
fn github_squash_body_markers_count_without_being_outside() {
    let msg = "Add the parser (#42)\n\n* Add the parser\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n\n* Fix the parser\n\nAssisted-by: Claude:claude-opus-4-6\n\n---------\n\nCo-authored-by: Claude <noreply@anthropic.com>\nCo-authored-by: Jane Doe <jane@example.com>\n";
    let m = run_real(msg);
    assert_eq!(
        sources(&m),
        [
            (MarkerSource::SquashBody, "claude-code/generated-with"),
            (MarkerSource::SquashBody, "claude-code/co-author"),
            (MarkerSource::SquashBody, "convention/assisted-by"),
            (MarkerSource::Trailer, "claude-code/co-author"),
        ]
    );
    assert_eq!(involvement(&m), Involvement::Generated);
    // Without the final co-author block, the squash body alone still counts.
    let msg = "Add the parser (#42)\n\n* Add the parser\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n\n* Fix the parser\n";
    let m = run_real(msg);
    assert_eq!(
        sources(&m),
        [(MarkerSource::SquashBody, "claude-code/co-author")]
    );
}

#[test]
fn gitlab_and_git_squash_bodies() {
    // GitLab `%{all_commits}` after a template line.
    let msg = "Add the parser\n\nSquashed commits:\n* Add the parser\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>\n\n* Fix it\n";
    assert_eq!(
        sources(&run_real(msg)),
        [(MarkerSource::SquashBody, "cursor/co-author")]
    );
    // `git merge --squash`: indented messages and `Author:` headers are real markers.
    let msg = "Merge feature\n\nSquashed commit of the following:\n\ncommit 0123456789abcdef0123456789abcdef01234567\nAuthor: Claude <noreply@anthropic.com>\nDate:   Mon Jan 5 10:00:00 2026 +0000\n\n    Add the parser\n\n    Co-Authored-By: Codex <noreply@openai.com>\n";
    assert_eq!(
        sources(&run_real(msg)),
        [
            (MarkerSource::SquashBody, "claude-code/co-author"),
            (MarkerSource::SquashBody, "codex/co-author"),
        ]
    );
    // One bulleted list in one paragraph is an ordinary body: the marker is outside.
    let msg =
        "Fix\n\n* a\n* b\n\nAssisted-by: Claude\n\nSigned-off-by: Jane Doe <jane@example.com>\n";
    assert_eq!(
        sources(&run_real(msg)),
        [(MarkerSource::Message, "convention/assisted-by")]
    );
}

#[test]
fn stable_markers_count_mid_line() {
    // A squash body written with literal `\n` escapes: one long line.
    let msg = r"Fix startup\n\n- Move keychain migration\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>";
    let m = run_real(msg);
    assert_eq!(
        sources(&m),
        [
            (MarkerSource::Message, "claude-code/generated-with"),
            (MarkerSource::Message, "claude-code/co-author"),
        ]
    );
    let co = &m[1];
    assert_eq!(
        &msg[co.span.clone().unwrap()],
        "Co-Authored-By: Claude <noreply@anthropic.com>"
    );
    // After other text on the same line, and after another trailer on it.
    for msg in [
        "Fix x\n\nDone. Co-authored-by: Claude <noreply@anthropic.com>\n",
        "Fix x\n\nSigned-off-by: Jane Doe <jane@example.com> Co-authored-by: chatgpt-codex-connector[bot] <199175422+chatgpt-codex-connector[bot]@users.noreply.github.com>\n",
        "Fix x\n\n  - Assisted by: Crush <crush@charm.land>, thanks\n",
    ] {
        let m = run_real(msg);
        assert_eq!(m.len(), 1, "{msg}: {m:?}");
        assert!(
            [
                "claude-code/co-author",
                "codex-app/co-author",
                "crush/co-author"
            ]
            .contains(&m[0].signature.as_str()),
            "{msg}: {m:?}"
        );
    }
    // An AI address under a non-authorship key, or in prose, is not authorship.
    for msg in [
        "Fix x\n\nThanks. Reviewed-by: Claude <noreply@anthropic.com>\n",
        "Fix x\n\nWe mailed Claude <noreply@anthropic.com> about it.\n",
        "Fix x\n\nCc: Codex <codex@openai.com>\n",
        "Fix x\n\nSee https://example.com: Claude <noreply@anthropic.com>\n",
        "Ship a hook\n\n- always append\n  ‘Co-authored-by: openhands <openhands@all-hands.dev>’\n",
        "Ship a hook\n\nIt appends \"Co-authored-by: Claude <noreply@anthropic.com>\" to messages.\n",
        "Ship a hook\n\nIt appends “Co-authored-by: Claude <noreply@anthropic.com>” to messages.\n",
    ] {
        assert!(run_real(msg).is_empty(), "{msg}: {:?}", run_real(msg));
    }
}

#[test]
fn documented_examples_are_not_markers_but_indented_real_trailers_are() {
    for msg in [
        // The kernel's documented format, indented, with placeholders.
        "Document the AI trailer\n\nUse this form:\n\n    Assisted-by: AGENT_NAME:MODEL_VERSION [TOOL1] [TOOL2]\n\nSigned-off-by: Jane Doe <jane@example.com>\n",
        "Document it\n\nGenerated-by: <Name of Tool> <Version>\nAssisted-By: <tool-name> [model-version]\nAssisted-by: {model}\nCo-authored-by: ${AGENT} <noreply@anthropic.com>\n\nSigned-off-by: Jane Doe <jane@example.com>\n",
        // A fenced example, even with a real address.
        "Document it\n\n```\nCo-Authored-By: Claude <noreply@anthropic.com>\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n```\n",
        // Inline code.
        "Strip `Co-Authored-By: Claude <noreply@anthropic.com>` lines\n\nThe hook removes `Co-authored-by: Claude <noreply@anthropic.com>` too.\n",
        // Human text naming a tool.
        "Fix x\n\nI asked Claude to find the bug; Copilot suggested the test.\n",
    ] {
        let m = run_real(msg);
        assert!(m.is_empty(), "{msg}: {m:?}");
    }
    // Real co-author trailers indented in a squash body or a sloppy message still count.
    let msg = "Fix x\n\nBody.\n\n    Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>\n";
    assert_eq!(
        sources(&run_real(msg)),
        [(MarkerSource::Message, "claude-code/co-author")]
    );
    // In git's trailer block a placeholder is a tool's unfilled template: it counts.
    let msg = "Fix x\n\nBody.\n\nAssisted-by: <Model-Name> via Crush\n";
    assert_eq!(
        sources(&run_real(msg)),
        [(MarkerSource::Trailer, "convention/assisted-by")]
    );
    // An unclosed fence never hides the trailer block.
    let msg = "Fix x\n\n```\nsome code\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n";
    assert_eq!(
        sources(&run_real(msg)),
        [(MarkerSource::Trailer, "claude-code/co-author")]
    );
}

#[test]
fn footers_and_urls_are_not_trailer_lines() {
    let msg = "aider: Fix x\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n";
    let m = run_real(msg);
    let lines: Vec<(&str, bool)> = m
        .iter()
        .map(|mk| (mk.signature.as_str(), mk.is_trailer_line()))
        .collect();
    assert_eq!(
        lines,
        [
            ("aider/subject-prefix", false),
            ("claude-code/generated-with", false),
            ("claude-code/co-author", true),
        ]
    );
}
