//! `countersign init [--force]`: write a commented `.countersign.yml` for the repository.
//!
//! What it writes is never weaker than the embedded default policy: every rule of the default
//! with every one of its globs (a glob that matches nothing today still guards the path for
//! the day it appears — a migration folder, an agent instruction file), the same tiers. The
//! repository is inspected (HEAD's tree and the working tree, bounded) only to say, in a
//! comment per rule, what each rule covers here. On a repository with history, `baseline:` is
//! set to HEAD's full commit id, so adopting countersign does not mean answering for every
//! commit ever made; it is said on stderr. The text is validated with the loader before it
//! is written; an existing policy is never overwritten without `--force`.

use std::collections::BTreeSet;
use std::fmt::Write;
use std::path::Path;

use crate::cli::InitArgs;
use crate::commands::{note, print_stdout};
use crate::git;
use crate::policy::{DISCOVERY, Origin, default_policy, load, schema};
use crate::{Error, Result};

/// The most paths read from the working tree.
const MAX_WALK: usize = 200_000;
/// How deep the working tree is walked.
const MAX_DEPTH: usize = 8;
/// Directories never walked (vendored, generated, or tool state).
const SKIP_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    "target",
    "vendor",
    ".venv",
    "venv",
    "__pycache__",
    "dist",
    "build",
    ".terraform",
];
/// Longest line written (comments wrap before it).
const MAX_COLUMNS: usize = 100;
/// Example paths named per rule in its comment.
const MAX_EXAMPLES: usize = 3;

/// What `init` found and will write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// `(rule name, tier, globs, comment)` in policy order: the default policy's rules, with
    /// all their globs.
    pub rules: Vec<(String, String, Vec<String>, String)>,
    /// Top-level folders of the repository.
    pub top_level: Vec<String>,
    /// HEAD's full commit id, when the repository has history: written as `baseline:`.
    pub baseline: Option<String>,
}

/// Every path of HEAD's tree and of the working tree (bounded), sorted, `/`-separated.
pub fn repository_paths(repo: &git::Repo) -> Vec<String> {
    let mut out: BTreeSet<String> = git::tree_paths_at(repo, "HEAD")
        .unwrap_or_default()
        .into_iter()
        .collect();
    if let Some(root) = repo.workdir() {
        walk(root, "", 0, &mut out);
    }
    out.into_iter().collect()
}

fn walk(dir: &Path, prefix: &str, depth: usize, out: &mut BTreeSet<String>) {
    if depth > MAX_DEPTH || out.len() >= MAX_WALK {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if out.len() >= MAX_WALK {
            return;
        }
        let Ok(name) = e.file_name().into_string() else {
            continue;
        };
        let Ok(ft) = e.file_type() else { continue };
        let rel = format!("{prefix}{name}");
        if ft.is_dir() {
            if !SKIP_DIRS.contains(&name.as_str()) {
                walk(&e.path(), &format!("{rel}/"), depth + 1, out);
            }
        } else {
            out.insert(rel);
        }
    }
}

/// What a rule is for, in its comment.
fn purpose(rule: &str) -> &'static str {
    match rule {
        "ci-cd" => "CI/CD, bot configuration and this policy file",
        "ai-agents" => "files that steer AI agents: instructions, rules, MCP servers",
        "dependencies" => "dependency manifests, lockfiles and build-tool wrappers",
        "infrastructure" => "infrastructure as code, containers, Helm charts, deployment",
        "security" => "auth, security and crypto code, secrets",
        "migrations" => "database migrations",
        "docs" => "documentation",
        _ => "",
    }
}

/// Decides the rules for a repository with these `paths` (and HEAD's id, when it has one).
pub fn plan(paths: &[String], head: Option<String>) -> Plan {
    let defaults = default_policy();
    let mut rules = Vec::new();
    for rule in &defaults.rules {
        let tier = defaults
            .tiers
            .get(rule.tier)
            .map_or("standard", |t| t.name.as_str())
            .to_string();
        let found: Vec<&String> = paths.iter().filter(|p| rule.matcher.is_match(p)).collect();
        let what = purpose(&rule.name);
        let here = match found.len() {
            0 => "nothing here yet; kept so these paths are covered when they appear".to_string(),
            n => {
                let names: Vec<String> = found
                    .iter()
                    .take(MAX_EXAMPLES)
                    .map(|p| format!("`{p}`"))
                    .collect();
                format!("{n} file(s) here, e.g. {}", names.join(", "))
            }
        };
        let comment = if what.is_empty() {
            here
        } else {
            format!("{what}; {here}")
        };
        rules.push((rule.name.clone(), tier, rule.paths.clone(), comment));
    }
    let top_level: BTreeSet<String> = paths
        .iter()
        .filter_map(|p| p.split_once('/').map(|(d, _)| format!("{d}/")))
        .collect();
    Plan {
        rules,
        top_level: top_level.into_iter().collect(),
        baseline: head,
    }
}

/// `text` as comment lines starting with `prefix` (e.g. `"  # "`), wrapped at words so no
/// line is longer than [`MAX_COLUMNS`] characters (a single longer word stays whole).
fn comment(prefix: &str, text: &str) -> String {
    let width = MAX_COLUMNS.saturating_sub(prefix.chars().count()).max(20);
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(prefix);
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(prefix);
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

/// The commented policy text for `plan`.
pub fn render(plan: &Plan) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{}", schema::modeline());
    o.push_str(&comment(
        "# ",
        "countersign policy, written by `countersign init` for this repository.",
    ));
    o.push_str("#\n");
    o.push_str(&comment(
        "# ",
        "An AI-assisted change needs one named human reviewer (`Reviewed-by: Name <email>` in \
         the commit's trailers, not the author); high-risk paths also need a change record \
         (`Change-Record:` or `Refs:`). The policy file and CI configuration are always at \
         least the highest tier. The rules are those of the embedded default policy, every \
         glob kept: `countersign policy diff` against the default reports no weakening. Check \
         it with `countersign policy check`; see every default with `countersign policy show`; \
         ask which tier a path gets with `countersign explain --path PATH`.",
    ));
    if !plan.top_level.is_empty() {
        o.push_str("#\n");
        o.push_str(&comment(
            "# ",
            &format!("Top-level folders found: {}", plan.top_level.join(" ")),
        ));
    }
    o.push_str(
        "version: 1\n\
         \n\
         tiers:                              # least → most risk\n\
         \x20 - name: low\n\
         \x20   description: Documentation; AI-assisted changes need no review.\n\
         \x20   reviewers: 0\n\
         \n\
         \x20 - name: standard\n\
         \x20   description: Ordinary code; an AI-assisted change needs one named human reviewer.\n\
         \x20   reviewers: 1\n\
         \x20   applies_to: ai\n\
         \n\
         \x20 - name: high\n\
         \x20   description: Risky paths; an AI-assisted change needs a reviewer and a change record.\n\
         \x20   # Raise to 2 (and add `reviewers_from: [a team]`) when the team can staff it.\n\
         \x20   reviewers: 1\n\
         \x20   change_record: true\n\
         \x20   # `applies_to: all` needs the evidence even without AI markers (they are voluntary).\n\
         \x20   applies_to: ai\n\
         \n\
         \x20 # - name: restricted             # e.g. for code AI may not touch at all:\n\
         \x20 #   ai: forbidden\n\
         \n\
         # Paths no rule matches.\n\
         default_tier: standard\n\
         \n\
         # Every rule that matches a path counts; the highest tier wins (so `**/*.md` being low\n\
         # never lowers `CLAUDE.md` or `src/auth/README.md`).\n\
         rules:\n",
    );
    for (name, tier, globs, note) in &plan.rules {
        o.push_str(&comment("  # ", note));
        let _ = writeln!(o, "  - name: {name}");
        o.push_str("    paths:\n");
        for g in globs {
            let _ = writeln!(o, "      - {}", q(g));
        }
        let _ = writeln!(o, "    tier: {tier}\n");
    }
    o.push_str(
        "evidence:\n\
         \x20 # Who proves a review happened (one mode, or a list meaning any of them):\n\
         \x20 #   trailer          `Reviewed-by:` in the commit: a claim anyone writing the message can make\n\
         \x20 #   approval         a GitHub/GitLab approval (checked by `countersign ci`)\n\
         \x20 #   trailer+approval the trailer counts only with that person's platform approval\n\
         \x20 #   signed           the reviewer signs with an SSH key (`countersign review`); register\n\
         \x20 #                    keys as team members' `ssh_keys:` or `allowed_signers: PATH`\n\
         \x20 # `policy check` warns while `trailer` is accepted; e.g. `review: [signed, approval]`.\n\
         \x20 review: trailer                   # trailer | approval | trailer+approval | signed\n\
         \x20 reviewer_trailers: [Reviewed-by]\n\
         \x20 change_record:\n\
         \x20   trailers: [Change-Record, Refs]\n\
         \x20   # formats:                      # uncomment to accept only these forms\n\
         \x20   #   - { name: jira, regex: '^[A-Z][A-Z0-9]+-[0-9]+$' }\n\
         \x20 declaration_trailers: [AI-Assisted]\n\
         \n\
         detect:\n\
         \x20 builtin: true                     # the shipped AI signatures (Claude Code, Copilot, Codex, …)\n\
         \n\
         hooks:\n\
         \x20 commit-msg: warn                  # report while committing\n\
         \x20 pre-push: enforce                 # block pushes that would fail CI\n",
    );
    match &plan.baseline {
        Some(id) => {
            o.push('\n');
            o.push_str(&comment(
                "# ",
                "History from before countersign: commits reachable from this one (HEAD when \
                 `countersign init` ran) are not checked; every commit after it is. Delete the \
                 line to check all history.",
            ));
            let _ = writeln!(o, "baseline: {id}");
        }
        None => o.push_str(
            "\n# baseline: (none: the repository had no commits, so all history is checked)\n",
        ),
    }
    o
}

/// Runs `init`.
pub fn run(cwd: &Path, args: &InitArgs) -> Result<u8> {
    let repo = git::open(cwd)?;
    let root = repo
        .workdir()
        .ok_or_else(|| {
            Error::repo("this repository has no working tree (bare)")
                .with_help("run `countersign init` in a clone with a working tree")
        })?
        .to_path_buf();
    if let Some(existing) = DISCOVERY.iter().find(|d| root.join(d).exists())
        && !args.force
    {
        return Err(Error::usage(format!("{existing} already exists; not overwriting it"))
            .with_help("check it with `countersign policy check`, or run `countersign init --force` to replace it with a fresh one"));
    }
    // The policy being replaced is not part of the repository's shape.
    let paths: Vec<String> = repository_paths(&repo)
        .into_iter()
        .filter(|p| !DISCOVERY.contains(&p.as_str()))
        .collect();
    let head = git::resolve(&repo, &git::RangeSpec::Expr("HEAD".to_string()), None)
        .ok()
        .and_then(|r| r.commits.first().map(|c| c.to_string()));
    let plan = plan(&paths, head);
    let text = render(&plan);
    if let Err(e) = load(
        &text,
        Origin::File {
            path: ".countersign.yml".to_string(),
        },
    ) {
        return Err(Error::policy(format!(
            "internal: the generated policy is invalid:\n{}",
            e.render_plain()
        ))
        .with_help("please report this as a bug; nothing was written"));
    }
    let target = root.join(".countersign.yml");
    std::fs::write(&target, &text).map_err(|e| {
        Error::output(format!("cannot write {}: {e}", target.display()))
            .with_help("check the permissions of the repository directory")
    })?;
    let names: Vec<&str> = plan.rules.iter().map(|r| r.0.as_str()).collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "wrote .countersign.yml: {} rule(s) ({})",
        names.len(),
        names.join(", ")
    );
    out.push_str(
        "\nnext steps:\n\
         \x20 1. review it:          countersign policy check   (and `countersign explain --path PATH`)\n\
         \x20 2. commit it:          git add .countersign.yml && git commit -m \"Add countersign policy\"\n\
         \x20 3. install the hooks:  countersign hook install\n\
         \x20 4. add the CI step:    GitHub Actions: `- run: countersign ci` after `actions/checkout` with `fetch-depth: 0`;\n\
         \x20                        GitLab CI: a job running `countersign ci` (see the README)\n",
    );
    print_stdout(&out)?;
    if let Some(id) = &plan.baseline {
        note(&format!(
            "set `baseline: {id}` (HEAD): the history up to it is not checked, every later \
             commit is; delete the line from .countersign.yml to check all history"
        ));
    }
    Ok(0)
}
