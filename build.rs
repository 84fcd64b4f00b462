//! Build script: records the git commit the binary is built from, so `countersign --version`
//! names it (`countersign 0.1.0 (commit 3b919bf1a2c4)`).
//!
//! Fail-soft by design: a build never fails because the commit is unknown. Sources, in order:
//! 1. `.cargo_vcs_info.json`, which `cargo publish` writes into the published crate (the
//!    crate from crates.io has no `.git`, but knows the commit it was packaged from);
//! 2. `git rev-parse HEAD`, only when the crate's directory is itself the top of a git work
//!    tree (a crate vendored inside someone else's repository must not report *their*
//!    commit);
//! 3. otherwise nothing: `--version` prints the version alone.
//!
//! The result reaches the code as `COUNTERSIGN_BUILD_COMMIT` (empty, or ` (commit <12 hex>)`).
//! The script reruns only when HEAD or the branch it points at moves, not on every edit.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let commit = from_vcs_info(&dir).or_else(|| from_git(&dir));
    let text = match commit {
        Some(c) => format!(" (commit {})", &c[..12]),
        None => String::new(),
    };
    println!("cargo:rustc-env=COUNTERSIGN_BUILD_COMMIT={text}");
}

/// Reruns the script when `path` changes. Only existing files: cargo reruns a build script
/// on every build while a watched file is missing.
fn watch(path: &Path) {
    if path.exists() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// A full hex object id (SHA-1 or SHA-256), lowercased; `None` for anything else.
fn object_id(s: &str) -> Option<String> {
    let s = s.trim();
    let ok = (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit());
    ok.then(|| s.to_ascii_lowercase())
}

/// `{"git": {"sha1": "<id>", ...}, ...}` as `cargo package` writes it.
fn from_vcs_info(dir: &Path) -> Option<String> {
    let path = dir.join(".cargo_vcs_info.json");
    let text = std::fs::read_to_string(&path).ok()?;
    watch(&path);
    let after = &text[text.find("\"sha1\"")? + "\"sha1\"".len()..];
    let value = after
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('"')?;
    object_id(&value[..value.find('"')?])
}

/// Runs git in `dir`; its trimmed stdout when it succeeded.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8(out.stdout).ok()?.trim().to_string())
}

fn from_git(dir: &Path) -> Option<String> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    let same = match (Path::new(&top).canonicalize(), dir.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same {
        return None;
    }
    // Rebuild when HEAD moves: HEAD itself (branch switch, detached checkout), the branch's
    // loose ref and packed-refs (a commit, a pull). Paths as git reports them, relative to
    // `dir` when not absolute (linked work trees keep refs in the common directory).
    let mut names = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        names.push(branch);
    }
    for name in &names {
        if let Some(p) = git(dir, &["rev-parse", "--git-path", name]) {
            let p = Path::new(&p);
            watch(&if p.is_absolute() {
                p.to_path_buf()
            } else {
                dir.join(p)
            });
        }
    }
    object_id(&git(
        dir,
        &["rev-parse", "--verify", "-q", "HEAD^{commit}"],
    )?)
}
