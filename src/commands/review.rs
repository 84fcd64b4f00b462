//! `countersign review [RANGE] [--key FILE] [--comment TEXT] [--push REMOTE]`: a reviewer
//! signs what they reviewed.
//!
//! 1. Resolves RANGE like `check` (default: the current branch's commits not on its
//!    upstream) and shows what is being approved: each commit, its tier, its AI
//!    involvement, and its paths grouped by tier (from the work tree's policy).
//! 2. Per commit (oldest first) builds the statement `countersign/review/v1` (commit, tree,
//!    parents, stable patch-id, reviewer from git's `user.name`/`user.email`, verdict
//!    `approve`, time, tool, comment), signs its canonical bytes with
//!    `ssh-keygen -Y sign -n countersign-review -f KEY` and appends one line to the commit's
//!    note in `refs/notes/countersign`. Commits the reviewer wrote are skipped (a self-review
//!    never counts).
//! 3. `--push REMOTE`: fetches the remote's notes ref, merges it with git's `cat_sort_uniq`
//!    strategy (a union of review lines: concurrent reviewers both survive), pushes, and
//!    retries when someone else pushed in between.
//!
//! The key is `--key FILE`, else git's `user.signingKey` (a path, `~/` expanded, or a
//! `key::ssh-ed25519 AAAA…` literal whose private half is in ssh-agent).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use git2::Oid;

use crate::cli::ReviewArgs;
use crate::commands::{load_policy, note, print_stdout};
use crate::evaluate::{self, Context};
use crate::git::{self, RangeSpec, Repo};
use crate::review::statement::{APPROVE, Reviewer, SCHEMA, Statement};
use crate::review::{NOTES_REF, note as review_note, sign, sshsig};
use crate::time::Date;
use crate::{Error, Result};

/// How often `--push` fetches, merges and pushes again when the remote moved meanwhile.
const PUSH_ATTEMPTS: usize = 5;
/// The ref the remote's notes are fetched into before the union merge.
const INCOMING: &str = "refs/notes/countersign-incoming";

/// Runs `review`: 0 when every selected commit (not written by the reviewer) was signed.
pub fn run(cwd: &Path, args: &ReviewArgs) -> Result<u8> {
    let repo = git::open(cwd)?;
    let policy = load_policy(repo.workdir(), args.policy.as_deref())?;
    let spec = match &args.range {
        Some(r) => RangeSpec::Expr(r.clone()),
        None => RangeSpec::Default,
    };
    let range = git::resolve(&repo, &spec, None)?;
    if range.commits.is_empty() {
        return Err(Error::usage(format!(
            "nothing to review: {} selects no commits",
            range.info.description
        ))
        .with_help("name the commits: `countersign review origin/main..HEAD`"));
    }
    let me = reviewer(&repo)?;
    let (key, _tmp) = signing_key(&repo, args.key.as_deref())?;
    note(&format!(
        "reviewing {} commit(s) of {} as {} <{}>",
        range.commits.len(),
        range.info.description,
        me.name,
        me.email
    ));

    // What is being approved, as `check` sees it (the work tree's policy).
    let repo_head = git::baseline::head_commit(&repo).map(|o| o.to_string());
    let ctx = Context {
        policy: &policy,
        pr: None,
        branch: range.info.branch.as_deref(),
        today: Date::today()?,
        head: range.info.head.as_deref(),
        repo_head: repo_head.as_deref(),
        explain: true,
        whole_history: false,
    };
    let facts = git::scan(
        &repo,
        &range.commits,
        &range.base,
        &git::Limits::default(),
        |c| c,
    )?;
    let mut shown = String::new();
    let mut todo: Vec<(Oid, String)> = Vec::new();
    let mine = crate::message::identity::normalize_email(&me.email);
    // Oldest first: the order a reviewer reads a series in.
    for (oid, c) in range.commits.iter().zip(&facts).rev() {
        let r = evaluate::evaluate_commit(&ctx, c)?;
        let _ = writeln!(
            shown,
            "{} {}\n    tier: {}   AI involvement: {}{}",
            crate::facts::short_id(&c.id),
            c.subject(),
            r.tier.as_deref().unwrap_or("none (no changed path)"),
            r.involvement.as_str(),
            if c.is_merge() { "   (merge)" } else { "" }
        );
        let mut by_tier: BTreeMap<usize, (String, Vec<String>)> = BTreeMap::new();
        for p in &r.path_tiers {
            let rank = policy.tier_index(&p.tier).unwrap_or(0);
            by_tier
                .entry(usize::MAX - rank)
                .or_insert_with(|| (p.tier.clone(), Vec::new()))
                .1
                .push(p.path.clone());
        }
        for (tier, paths) in by_tier.values() {
            let more = paths.len().saturating_sub(20);
            let _ = writeln!(
                shown,
                "    {tier}: {}{}",
                paths
                    .iter()
                    .take(20)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
                if more > 0 {
                    format!(" … and {more} more")
                } else {
                    String::new()
                }
            );
        }
        let parsed = crate::message::trailers::parse(&c.message);
        let writers = crate::evaluate::reviewers::writers(&policy, c, &parsed.trailers);
        if writers.contains(&mine) {
            let _ = writeln!(
                shown,
                "    skipped: you wrote this commit (a self-review never counts)"
            );
            continue;
        }
        todo.push((*oid, c.id.clone()));
    }
    print_stdout(&safe(&shown))?;
    if todo.is_empty() {
        return Err(
            Error::usage("nothing to sign: you wrote every selected commit")
                .with_help("a review must come from someone who did not write the change"),
        );
    }

    let who = git2::Signature::now(&me.name, &me.email)?;
    let now = who.when().seconds();
    let mut signed = 0usize;
    let mut registered_warned = false;
    for (oid, id) in &todo {
        let stmt = statement(&repo, *oid, id, &me, now, args.comment.as_deref())?;
        let bytes = stmt.to_bytes();
        let armored = sign::sign(&key, &bytes)?;
        let signer = sshsig::verify(&armored, &bytes).map_err(|f| {
            Error::usage(format!("the new signature does not verify: {f}"))
                .with_help("use an ssh-ed25519 or ecdsa-sha2-nistp256 key (or their FIDO forms)")
        })?;
        if !registered_warned && !key_registered(&policy, &signer.key, &me.email) {
            note(&format!(
                "warning: the key {} is not registered for {} in this policy: the review will not count until it is (team member `ssh_keys:` or `evidence.allowed_signers`)",
                signer.fingerprint, me.email
            ));
            registered_warned = true;
        }
        let line = review_note::line(&armored, &bytes).map_err(Error::usage)?;
        git::notes::append(&repo, *oid, &line, &who)?;
        signed += 1;
    }
    print_stdout(&format!(
        "signed {signed} review(s) into {NOTES_REF}{}\n",
        if args.push.is_none() {
            format!(
                " (share them: `countersign review --push origin`, or `git push origin {NOTES_REF}`)"
            )
        } else {
            String::new()
        }
    ))?;
    if let Some(remote) = &args.push {
        push_notes(&repo, remote)?;
        print_stdout(&format!("pushed {NOTES_REF} to {remote}\n"))?;
    }
    Ok(0)
}

/// The statement for one commit.
fn statement(
    repo: &Repo,
    oid: Oid,
    id: &str,
    me: &Reviewer,
    time: i64,
    comment: Option<&str>,
) -> Result<Statement> {
    let (tree, parents) = git::query::tree_and_parents(repo, oid)?;
    let s = Statement {
        schema: SCHEMA.to_string(),
        commit: id.to_ascii_lowercase(),
        tree: tree.to_string(),
        parents: parents.iter().map(|p| p.to_string()).collect(),
        patch_id: git::notes::patch_id(repo, oid)?,
        reviewer: me.clone(),
        verdict: APPROVE.to_string(),
        time,
        tool: format!("countersign {}", env!("CARGO_PKG_VERSION")),
        comment: comment.map(str::to_string),
    };
    s.check().map_err(|e| {
        Error::usage(format!("cannot write this review: {e}"))
            .with_help("check git's user.name / user.email and the --comment text")
    })?;
    Ok(s)
}

/// Is `key` registered for `email` in the policy (for the early warning only; the verdict is
/// decided by the evaluator with the base's policy)?
fn key_registered(policy: &crate::policy::Policy, key: &str, email: &str) -> bool {
    let email = crate::message::identity::normalize_email(email);
    policy.teams.iter().flat_map(|t| &t.members).any(|m| {
        crate::message::identity::normalize_email(&m.email) == email
            && m.ssh_keys.iter().any(|k| k == key)
    }) || policy
        .evidence
        .allowed_signers
        .iter()
        .flat_map(|f| f.signers.iter().flatten())
        .any(|s| s.key == key && s.principals.contains(&email))
}

/// The reviewer: git's `user.name` and `user.email`.
fn reviewer(repo: &Repo) -> Result<Reviewer> {
    let get = |k: &str| git::query::config_string(repo, k);
    match (get("user.name")?, get("user.email")?) {
        (Some(name), Some(email)) => Ok(Reviewer {
            name: name.trim().to_string(),
            email: email.trim().to_string(),
        }),
        _ => Err(Error::usage("git's user.name and user.email are not set")
            .with_help("`git config user.name \"Your Name\"` and `git config user.email you@example.com`: the review is signed in that name")),
    }
}

/// A temporary key file removed when dropped (for `key::` literals).
struct TempKey(Option<PathBuf>);

impl Drop for TempKey {
    fn drop(&mut self) {
        if let Some(p) = &self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// The key to sign with: `--key`, else `user.signingKey`.
fn signing_key(repo: &Repo, explicit: Option<&Path>) -> Result<(PathBuf, TempKey)> {
    if let Some(k) = explicit {
        return Ok((k.to_path_buf(), TempKey(None)));
    }
    let Some(value) = git::query::config_string(repo, "user.signingKey")? else {
        return Err(Error::usage("no SSH key to sign with").with_help(
            "pass --key ~/.ssh/id_ed25519 (or its .pub with the key in ssh-agent), or set `git config user.signingKey ~/.ssh/id_ed25519.pub`",
        ));
    };
    let literal = value
        .strip_prefix("key::")
        .or_else(|| value.starts_with("ssh-").then_some(value.as_str()));
    if let Some(lit) = literal {
        // ssh-keygen needs a file: write the public key next to the repository's files.
        let path = repo.git_dir().join(format!(
            "countersign-signing-key-{}.pub",
            std::process::id()
        ));
        std::fs::write(&path, format!("{lit}\n"))
            .map_err(|e| Error::usage(format!("cannot write a temporary key file: {e}")))?;
        return Ok((path.clone(), TempKey(Some(path))));
    }
    let path = match value.strip_prefix("~/") {
        Some(rest) => match std::env::var_os("HOME") {
            Some(h) => PathBuf::from(h).join(rest),
            None => PathBuf::from(&value),
        },
        None => PathBuf::from(&value),
    };
    Ok((path, TempKey(None)))
}

/// Runs `git args…` in the repository; returns (success, stderr).
fn git_cmd(repo: &Repo, args: &[&str]) -> Result<(bool, String)> {
    let dir = repo.workdir().unwrap_or(repo.git_dir());
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .map_err(|e| Error::usage(format!("cannot run git: {e}")).with_help("put git on PATH"))?;
    Ok((
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).trim().to_string()
            + &String::from_utf8_lossy(&out.stdout),
    ))
}

/// Fetch the remote's notes, merge them by union (`cat_sort_uniq`), push; retry when the
/// remote moved between our fetch and our push.
fn push_notes(repo: &Repo, remote: &str) -> Result<()> {
    let mut last = String::new();
    for _ in 0..PUSH_ATTEMPTS {
        let (ok, out) = git_cmd(repo, &["ls-remote", "--", remote, NOTES_REF])?;
        if !ok {
            return Err(Error::usage(format!("cannot reach `{remote}`: {out}"))
                .with_help("check the remote's name or URL (`git remote -v`)"));
        }
        if out.contains(NOTES_REF) {
            let spec = format!("+{NOTES_REF}:{INCOMING}");
            let (ok, out) = git_cmd(repo, &["fetch", "-q", "--", remote, &spec])?;
            if !ok {
                return Err(Error::usage(format!(
                    "cannot fetch {NOTES_REF} from `{remote}`: {out}"
                )));
            }
            let (ok, out) = git_cmd(
                repo,
                &[
                    "notes",
                    "--ref=countersign",
                    "merge",
                    "-q",
                    "-s",
                    "cat_sort_uniq",
                    INCOMING,
                ],
            )?;
            let _ = git_cmd(repo, &["update-ref", "-d", INCOMING]);
            if !ok {
                return Err(Error::usage(format!(
                    "cannot merge the remote's reviews into {NOTES_REF}: {out}"
                )));
            }
        }
        let spec = format!("{NOTES_REF}:{NOTES_REF}");
        let (ok, out) = git_cmd(repo, &["push", "-q", "--", remote, &spec])?;
        if ok {
            return Ok(());
        }
        last = out;
    }
    Err(Error::usage(format!(
        "could not push {NOTES_REF} to `{remote}` after {PUSH_ATTEMPTS} attempts: {last}"
    ))
    .with_help("run `countersign review --push` again, or push by hand after `git notes --ref=countersign merge -s cat_sort_uniq`"))
}

/// Commit subjects and paths are untrusted: control, format and bidi characters (terminal
/// escapes, reordering) are shown as `?`, line breaks kept.
fn safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c != '\n' && crate::message::trailers::is_forbidden_char(c) {
                '?'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn hostile_text_is_neutralised() {
        assert_eq!(super::safe("a\u{1b}[31mb\u{202e}c\n"), "a?[31mb?c\n");
    }
}
