//! `countersign init [--force]`: write a commented `.countersign.yml` that fits the repository.
//!
//! The repository is inspected (HEAD's tree and the working tree, bounded): the rules of the
//! embedded default policy are kept only with the globs that match something here, and
//! auth/security/crypto and migration rules name the directories actually found. The text is
//! validated with the loader before it is written; an existing policy is never overwritten
//! without `--force`.

use std::collections::BTreeSet;
use std::fmt::Write;
use std::path::Path;

use crate::cli::InitArgs;
use crate::commands::print_stdout;
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
/// Directory names that mark security-sensitive code (the default policy's `security` rule).
const SECURITY_DIRS: &[&str] = &[
    "auth",
    "authn",
    "authz",
    "authentication",
    "authorization",
    "oauth",
    "iam",
    "security",
    "crypto",
    "cryptography",
    "secrets",
];
/// Directory names that hold database migrations.
const MIGRATION_DIRS: &[&str] = &["migrations", "migrate", "alembic"];
/// At most this many specific directories per rule; beyond it the generic globs are used.
const MAX_DIRS: usize = 12;

/// What `init` found and will write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// `(rule name, tier, globs, comment)` in policy order.
    pub rules: Vec<(String, String, Vec<String>, String)>,
    /// Top-level folders of the repository.
    pub top_level: Vec<String>,
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

/// The directories `dir/…/NAME` (NAME one of `names`) that hold files among `paths`, as
/// `dir/…/NAME/**` globs; `None` when there are more than [`MAX_DIRS`].
fn named_dirs(paths: &[String], names: &[&str]) -> Option<Vec<String>> {
    let mut dirs = BTreeSet::new();
    for p in paths {
        let parts: Vec<&str> = p.split('/').collect();
        let Some((_, dirs_of)) = parts.split_last() else {
            continue;
        };
        if let Some(i) = dirs_of
            .iter()
            .position(|c| names.contains(&c.to_ascii_lowercase().as_str()))
            && let Some(prefix) = parts.get(..=i)
        {
            dirs.insert(format!("{}/**", prefix.join("/")));
        }
    }
    (dirs.len() <= MAX_DIRS).then(|| dirs.into_iter().collect())
}

/// Decides the rules for a repository with these `paths`.
pub fn plan(paths: &[String]) -> Plan {
    let defaults = default_policy();
    let mut rules = Vec::new();
    for rule in &defaults.rules {
        let tier = defaults
            .tiers
            .get(rule.tier)
            .map_or("standard", |t| t.name.as_str())
            .to_string();
        let matching: Vec<String> = rule
            .paths
            .iter()
            .filter(|g| {
                globset::GlobBuilder::new(g)
                    .case_insensitive(true)
                    .literal_separator(true)
                    .backslash_escape(true)
                    .build()
                    .map(|g| g.compile_matcher())
                    .is_ok_and(|m| paths.iter().any(|p| m.is_match(p)))
            })
            .cloned()
            .collect();
        let (globs, comment) = match rule.name.as_str() {
            "ci-cd" => {
                let mut g = matching;
                if !g.iter().any(|x| x == ".countersign.yml") {
                    g.push(".countersign.yml".to_string());
                }
                (g, "CI/CD configuration and this policy file")
            }
            "security" if !matching.is_empty() => (
                named_dirs(paths, SECURITY_DIRS).unwrap_or(matching),
                "auth, security and crypto code found in this repository",
            ),
            "migrations" if !matching.is_empty() => (
                named_dirs(paths, MIGRATION_DIRS).unwrap_or(matching),
                "database migrations",
            ),
            "dependencies" => (matching, "dependency manifests and lockfiles"),
            "infrastructure" => (matching, "infrastructure as code, containers, deployment"),
            "docs" => (matching, "documentation"),
            _ => (matching, ""),
        };
        if !globs.is_empty() {
            rules.push((rule.name.clone(), tier, globs, comment.to_string()));
        }
    }
    let top_level: BTreeSet<String> = paths
        .iter()
        .filter_map(|p| p.split_once('/').map(|(d, _)| format!("{d}/")))
        .collect();
    Plan {
        rules,
        top_level: top_level.into_iter().collect(),
    }
}

fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

/// The commented policy text for `plan`.
pub fn render(plan: &Plan) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{}", schema::modeline());
    o.push_str(
        "# countersign policy, written by `countersign init` for this repository.\n\
         #\n\
         # An AI-assisted change needs one named human reviewer (`Reviewed-by: Name <email>` in the\n\
         # commit's trailers, not the author); high-risk paths also need a change record\n\
         # (`Change-Record:` or `Refs:`). The policy file and CI configuration are always at least\n\
         # the highest tier. Check it with `countersign policy check`; see every default with\n\
         # `countersign policy show`; ask which tier a path gets with `countersign explain --path P`.\n",
    );
    if !plan.top_level.is_empty() {
        let _ = writeln!(
            o,
            "#\n# Top-level folders found: {}",
            plan.top_level.join(" ")
        );
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
         \n\
         \x20 - name: high\n\
         \x20   description: Risky paths; an AI-assisted change needs a reviewer and a change record.\n\
         \x20   reviewers: 1                    # raise to 2 (and add `reviewers_from: [team]`) when you can staff it\n\
         \x20   change_record: true\n\
         \x20   # applies_to: all               # uncomment to need the evidence even without AI markers\n\
         \n\
         \x20 # - name: restricted             # e.g. for code AI may not touch at all:\n\
         \x20 #   ai: forbidden\n\
         \n\
         # Paths no rule matches.\n\
         default_tier: standard\n\
         \n\
         # Every rule that matches a path counts; the highest tier wins.\n\
         rules:\n",
    );
    for (name, tier, globs, comment) in &plan.rules {
        if comment.is_empty() {
            let _ = writeln!(o, "  - name: {name}");
        } else {
            let _ = writeln!(o, "  - name: {name}    # {comment}");
        }
        o.push_str("    paths:\n");
        for g in globs {
            let _ = writeln!(o, "      - {}", q(g));
        }
        let _ = writeln!(o, "    tier: {tier}\n");
    }
    if !plan.rules.iter().any(|r| r.0 == "security") {
        o.push_str(
            "  # - name: security              # no auth/security/crypto folders found yet\n\
             \x20 #   paths: [\"src/auth/**\"]\n\
             \x20 #   tier: high\n\n",
        );
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
         \x20 review: trailer\n\
         \x20 reviewer_trailers: [Reviewed-by]\n\
         \x20 change_record:\n\
         \x20   trailers: [Change-Record, Refs]\n\
         \x20   # formats:                      # uncomment to accept only these forms\n\
         \x20   #   - { name: jira, regex: '^[A-Z][A-Z0-9]+-[0-9]+$' }\n\
         \n\
         detect:\n\
         \x20 builtin: true                     # the shipped AI signatures (Claude Code, Copilot, Cursor, Aider, Codex, …)\n\
         \n\
         hooks:\n\
         \x20 commit-msg: warn                  # report while committing\n\
         \x20 pre-push: enforce                 # block pushes that would fail CI\n",
    );
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
    let paths = repository_paths(&repo);
    let plan = plan(&paths);
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
    Ok(0)
}
