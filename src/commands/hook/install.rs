//! `countersign hook install [--force]` / `hook uninstall`.
//!
//! - The hooks directory is git's (`git rev-parse --git-path hooks`): `core.hooksPath`
//!   (`~` expanded; relative paths are relative to the working tree root, or to the git
//!   directory of a bare repository), else `hooks/` in the common git directory (linked
//!   worktrees share it).
//! - A hook already there that is not ours is moved aside to `<name>.countersign-chained`
//!   (a rename: bytes, mode and symlinks are kept) and our script runs it first, with the
//!   same arguments and, for pre-push, the same stdin (saved to a temporary file).
//! - Installing twice changes nothing; `uninstall` removes only files carrying our marker
//!   line and renames the chained hook back, so the directory is as it was.
//! - When a hook manager owns the hooks (husky's `core.hooksPath`, lefthook or pre-commit
//!   scripts), nothing is installed without `--force`: the line to add to that manager's
//!   configuration is printed instead.
//! - Every write goes to a temporary file that is renamed into place; when any step fails,
//!   the steps already done are undone, so a failed install leaves nothing half-written.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::commands::note;
use crate::git::{self, Repo};
use crate::{Error, Result};

/// The hooks `install` manages.
pub const HOOKS: &[&str] = &["commit-msg", "pre-push"];

/// The line that marks a hook script as ours.
pub const MARKER: &str = "# countersign-managed";

/// Suffix of a pre-existing hook moved aside and chained.
pub const CHAINED: &str = ".countersign-chained";

/// Resolves the hooks directory as git does; also says whether `core.hooksPath` is set.
pub fn hooks_dir(repo: &Repo) -> Result<(PathBuf, bool)> {
    match git::query::config_path(repo, "core.hooksPath")? {
        Some(p) => {
            let p = if p.is_relative() {
                repo.workdir().unwrap_or(repo.git_dir()).join(p)
            } else {
                p
            };
            Ok((p, true))
        }
        None => Ok((git::query::common_dir(repo).join("hooks"), false)),
    }
}

/// The hook script for `name`, calling the binary at `exe` (else `countersign` on PATH).
pub fn script(name: &str, exe: Option<&str>) -> String {
    let bin = match exe {
        Some(p) => format!("'{}'", p.replace('\'', r"'\''")),
        None => "countersign".into(),
    };
    let mut s = format!(
        "#!/bin/sh\n\
{MARKER}: {name} hook, written by `countersign hook install`.\n\
# `countersign hook uninstall` removes it and restores the hook that was here before.\n\
# Advisory: `--no-verify` skips it; CI and the server's pre-receive hook are the gates.\n\
countersign={bin}\n\
[ -x \"$countersign\" ] || countersign=countersign\n\
chained=\"$(dirname \"$0\")/{name}{CHAINED}\"\n"
    );
    if name == "pre-push" {
        s.push_str(
            "if [ -x \"$chained\" ]; then\n\
\tinput=$(mktemp \"${TMPDIR:-/tmp}/countersign-pre-push.XXXXXX\") || exit 1\n\
\ttrap 'rm -f \"$input\"' EXIT\n\
\tcat >\"$input\" || exit 1\n\
\t\"$chained\" \"$@\" <\"$input\" || exit $?\n\
\t\"$countersign\" hook pre-push \"$@\" <\"$input\"\n\
\texit $?\n\
fi\n",
        );
    } else {
        s.push_str("if [ -x \"$chained\" ]; then\n\t\"$chained\" \"$@\" || exit $?\nfi\n");
    }
    s.push_str(&format!("exec \"$countersign\" hook {name} \"$@\"\n"));
    s
}

/// A hook manager that owns the hooks directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Manager {
    Husky,
    Lefthook,
    PreCommit,
}

impl Manager {
    fn name(self) -> &'static str {
        match self {
            Manager::Husky => "husky",
            Manager::Lefthook => "lefthook",
            Manager::PreCommit => "pre-commit",
        }
    }

    fn instructions(self) -> &'static str {
        match self {
            Manager::Husky => {
                "add this line to .husky/commit-msg:\n    countersign hook commit-msg \"$1\"\n\
                 and this line to .husky/pre-push:\n    countersign hook pre-push \"$@\""
            }
            Manager::Lefthook => {
                "add to lefthook.yml:\n    commit-msg:\n      commands:\n        countersign:\n          run: countersign hook commit-msg {1}\n    \
                 pre-push:\n      commands:\n        countersign:\n          run: countersign hook pre-push {1} {2}\n          use_stdin: true"
            }
            Manager::PreCommit => {
                "add to .pre-commit-config.yaml (see the README):\n    - repo: <countersign repository URL>\n      rev: <tag>\n      \
                 hooks:\n        - id: countersign-commit-msg\n        - id: countersign-pre-push\n\
                 and run `pre-commit install -t commit-msg -t pre-push`"
            }
        }
    }
}

fn detect_manager(dir: &Path, hooks_path_set: bool) -> Option<Manager> {
    if hooks_path_set {
        let text = dir.to_string_lossy();
        if dir
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with(".husky"))
        {
            return Some(Manager::Husky);
        }
        if text.contains("lefthook") {
            return Some(Manager::Lefthook);
        }
    }
    for name in HOOKS.iter().chain(&["pre-commit"]) {
        let Ok(bytes) = std::fs::read(dir.join(name)) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        if text.contains(MARKER) {
            continue;
        }
        if text.contains("lefthook") || text.contains("LEFTHOOK") {
            return Some(Manager::Lefthook);
        }
        if text.contains("husky") {
            return Some(Manager::Husky);
        }
        if text.contains("pre-commit.com") || text.contains("pre_commit") {
            return Some(Manager::PreCommit);
        }
    }
    None
}

/// One step done, and how to undo it.
enum Undo {
    Remove(PathBuf),
    Rename { from: PathBuf, to: PathBuf },
    Restore { path: PathBuf, bytes: Vec<u8> },
    RemoveDir(PathBuf),
}

fn rollback(done: Vec<Undo>) {
    for u in done.into_iter().rev() {
        let _ = match u {
            Undo::Remove(p) => std::fs::remove_file(p),
            Undo::Rename { from, to } => std::fs::rename(from, to),
            Undo::Restore { path, bytes } => write_atomic(&path, &bytes),
            Undo::RemoveDir(p) => std::fs::remove_dir(p),
        };
    }
}

/// Writes `bytes` to `path` executable, through a temporary file renamed into place.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".countersign-tmp-{name}"));
    let res = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        set_executable(&tmp)?;
        std::fs::rename(&tmp, path)
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}

#[cfg(unix)]
fn set_executable(p: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn set_executable(_: &Path) -> std::io::Result<()> {
    Ok(())
}

fn is_ours(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|b| {
        String::from_utf8_lossy(&b)
            .lines()
            .take(3)
            .any(|l| l.starts_with(MARKER))
    })
}

fn exists(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok()
}

fn io_err(what: &str, p: &Path, e: &std::io::Error) -> Error {
    Error::output(format!("cannot {what} {}: {e}", p.display())).with_help(
        "check that the hooks directory is writable (nothing was changed: every step was undone)",
    )
}

/// Installs the hooks; returns 0.
pub fn install(cwd: &Path, force: bool) -> Result<u8> {
    let repo = git::open(cwd)?;
    if repo.workdir().is_none() {
        return Err(Error::usage(
            "this is a bare repository: commit-msg and pre-push hooks belong in clones",
        )
        .with_help("on a server, install hooks/pre-receive from the countersign repository (see hooks/README.md)"));
    }
    let (dir, hooks_path_set) = hooks_dir(&repo)?;
    if !force && let Some(m) = detect_manager(&dir, hooks_path_set) {
        return Err(Error::usage(format!(
            "the hooks in {} are managed by {}; not installing over them",
            dir.display(),
            m.name()
        ))
        .with_help(format!(
            "{}\n(or run `countersign hook install --force` to chain into the hooks directory anyway)",
            m.instructions()
        )));
    }
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.to_str().map(str::to_string));
    // Plan first: refuse before touching anything.
    for name in HOOKS {
        let path = dir.join(name);
        let chained = dir.join(format!("{name}{CHAINED}"));
        if exists(&path) && !is_ours(&path) && exists(&chained) {
            return Err(Error::usage(format!(
                "{} is not countersign's, and {} already exists",
                path.display(),
                chained.display()
            ))
            .with_help("move one of them away by hand (countersign never overwrites a saved hook), then install again"));
        }
    }
    let mut done = Vec::new();
    let mut changed = Vec::new();
    let res = (|| -> Result<()> {
        if !dir.is_dir() {
            std::fs::create_dir_all(&dir).map_err(|e| io_err("create", &dir, &e))?;
            done.push(Undo::RemoveDir(dir.clone()));
        }
        for name in HOOKS {
            let path = dir.join(name);
            let chained = dir.join(format!("{name}{CHAINED}"));
            let want = script(name, exe.as_deref());
            if exists(&path) {
                if is_ours(&path) {
                    let have = std::fs::read(&path).map_err(|e| io_err("read", &path, &e))?;
                    if have == want.as_bytes() {
                        continue;
                    }
                    write_atomic(&path, want.as_bytes()).map_err(|e| io_err("write", &path, &e))?;
                    done.push(Undo::Restore { path, bytes: have });
                    changed.push(format!("{name}: updated"));
                    continue;
                }
                std::fs::rename(&path, &chained).map_err(|e| io_err("move aside", &path, &e))?;
                done.push(Undo::Rename {
                    from: chained.clone(),
                    to: path.clone(),
                });
                write_atomic(&path, want.as_bytes()).map_err(|e| io_err("write", &path, &e))?;
                done.push(Undo::Remove(path));
                changed.push(format!(
                    "{name}: installed; your existing hook is kept as {name}{CHAINED} and runs first"
                ));
            } else {
                write_atomic(&path, want.as_bytes()).map_err(|e| io_err("write", &path, &e))?;
                done.push(Undo::Remove(path));
                changed.push(format!("{name}: installed"));
            }
        }
        Ok(())
    })();
    if let Err(e) = res {
        rollback(done);
        return Err(e);
    }
    if changed.is_empty() {
        note(&format!("hooks already installed in {}", dir.display()));
    } else {
        for c in changed {
            note(&format!("{c} ({})", dir.display()));
        }
        note(
            "hooks are advisory (`--no-verify` skips them); CI and pre-receive enforce the policy",
        );
    }
    Ok(0)
}

/// Removes our hooks and restores the chained ones; returns 0.
pub fn uninstall(cwd: &Path) -> Result<u8> {
    let repo = git::open(cwd)?;
    let (dir, _) = hooks_dir(&repo)?;
    let mut done = Vec::new();
    let mut said = Vec::new();
    let res = (|| -> Result<()> {
        for name in HOOKS {
            let path = dir.join(name);
            let chained = dir.join(format!("{name}{CHAINED}"));
            let ours = exists(&path) && is_ours(&path);
            if ours {
                let bytes = std::fs::read(&path).map_err(|e| io_err("read", &path, &e))?;
                std::fs::remove_file(&path).map_err(|e| io_err("remove", &path, &e))?;
                done.push(Undo::Restore {
                    path: path.clone(),
                    bytes,
                });
                said.push(format!("{name}: removed"));
            }
            if exists(&chained) {
                if exists(&path) {
                    said.push(format!(
                        "{name}: {} is not countersign's; {name}{CHAINED} left in place",
                        path.display()
                    ));
                    continue;
                }
                std::fs::rename(&chained, &path).map_err(|e| io_err("restore", &chained, &e))?;
                done.push(Undo::Rename {
                    from: path.clone(),
                    to: chained.clone(),
                });
                said.push(format!("{name}: your previous hook is back"));
            }
        }
        Ok(())
    })();
    if let Err(e) = res {
        rollback(done);
        return Err(e);
    }
    if said.is_empty() {
        note(&format!("no countersign hooks in {}", dir.display()));
    }
    for s in said {
        note(&s);
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_quotes_the_binary_path() {
        let s = script("commit-msg", Some("/opt/it's/countersign"));
        assert!(s.contains(r"countersign='/opt/it'\''s/countersign'"));
        assert!(s.lines().nth(1).is_some_and(|l| l.starts_with(MARKER)));
        assert!(s.ends_with("exec \"$countersign\" hook commit-msg \"$@\"\n"));
        let p = script("pre-push", None);
        assert!(p.contains("<\"$input\""));
    }
}
