//! Shared helpers for integration tests: build real temporary git repositories with `git`
//! in an isolated environment (no user or system config, fixed identities and dates).
//!
//! Use from a test file with `mod support;` and `use support::TestRepo;`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary git repository driven through the `git` command line.
pub struct TestRepo {
    /// Keeps the temporary directory alive (HOME and the repository live inside it).
    pub tmp: tempfile::TempDir,
    /// The working tree (or the bare repository directory).
    pub dir: PathBuf,
    /// A counter that moves the commit date forward one minute per commit.
    tick: u64,
}

/// The fixed start date of every test history (2024-01-01T00:00:00Z).
pub const EPOCH: u64 = 1_704_067_200;

impl TestRepo {
    /// A new, empty non-bare repository with `main` as the initial branch.
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("repo");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let mut r = TestRepo { tmp, dir, tick: 0 };
        r.git(&["init", "-q", "-b", "main", "."]);
        r
    }

    /// Wraps an existing directory (e.g. a clone made by [`TestRepo::clone_from`]), sharing
    /// the temporary HOME of `self`'s parent when `tmp` is given.
    pub fn clone_from(src: &TestRepo, extra: &[&str]) -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("clone");
        let url = format!("file://{}", src.dir.display());
        let mut r = TestRepo {
            tmp,
            dir: PathBuf::new(),
            tick: src.tick,
        };
        let mut args = vec!["clone", "-q"];
        args.extend_from_slice(extra);
        let d = dir.to_string_lossy().into_owned();
        args.push(&url);
        args.push(&d);
        let parent = r.tmp.path().to_path_buf();
        r.dir = parent.clone();
        r.git(&args);
        r.dir = dir;
        r
    }

    /// The isolated environment applied to every `git` invocation.
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.current_dir(&self.dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.tmp.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "Ada Author")
            .env("GIT_AUTHOR_EMAIL", "ada@example.com")
            .env("GIT_COMMITTER_NAME", "Carl Committer")
            .env("GIT_COMMITTER_EMAIL", "carl@example.com")
            .env("LC_ALL", "C")
            .env("TZ", "UTC");
        let date = format!("@{} +0000", EPOCH + self.tick * 60);
        c.env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date);
        c
    }

    /// Runs `git args…`, panicking with its stderr when it fails; returns stdout (lossy).
    pub fn git(&mut self, args: &[&str]) -> String {
        let out = self.git_output(args);
        assert!(
            out.status.success(),
            "git {:?} failed: {}",
            args,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs `git args…` and returns the raw output (does not check the status).
    pub fn git_output(&mut self, args: &[&str]) -> Output {
        self.tick += 1;
        self.command("git").args(args).output().expect("run git")
    }

    /// Writes a file (creating parent directories) in the working tree.
    pub fn write(&self, path: &str, content: &str) {
        let p = self.dir.join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, content).expect("write");
    }

    /// Removes a file or directory from the working tree and the index.
    pub fn rm(&mut self, path: &str) {
        self.git(&["rm", "-r", "-q", "--", path]);
    }

    /// Writes the files, stages everything and commits with `msg`; returns the new commit id.
    pub fn commit_files(&mut self, msg: &str, files: &[(&str, &str)]) -> String {
        for (p, c) in files {
            self.write(p, c);
        }
        self.git(&["add", "-A"]);
        self.commit(msg)
    }

    /// Commits what is staged (allowing an empty commit); returns the new commit id.
    pub fn commit(&mut self, msg: &str) -> String {
        self.git(&["commit", "-q", "--allow-empty", "-m", msg]);
        self.head()
    }

    /// The full id of `HEAD`.
    pub fn head(&mut self) -> String {
        self.rev("HEAD")
    }

    /// The full id of a revision.
    pub fn rev(&mut self, rev: &str) -> String {
        self.git(&["rev-parse", "--verify", rev]).trim().to_string()
    }

    /// `git checkout -q args…`.
    pub fn checkout(&mut self, args: &[&str]) {
        let mut a = vec!["checkout", "-q"];
        a.extend_from_slice(args);
        self.git(&a);
    }

    /// Merges `branches` into the current branch with `--no-ff` and message `msg`, without
    /// committing when `edit` is given: `edit` runs between the merge and the commit (for
    /// conflict resolutions and evil merges). Returns the merge commit id.
    pub fn merge(
        &mut self,
        msg: &str,
        branches: &[&str],
        edit: Option<&dyn Fn(&mut TestRepo)>,
    ) -> String {
        let mut a = vec!["merge", "-q", "--no-ff", "--no-commit", "-s"];
        a.push(if branches.len() > 1 {
            "octopus"
        } else {
            "recursive"
        });
        a.extend_from_slice(branches);
        // A conflicting merge exits non-zero; the edit resolves it.
        let _ = self.git_output(&a);
        if let Some(e) = edit {
            e(self);
        }
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", msg]);
        self.head()
    }

    /// Stages a gitlink (submodule entry) at `path` pointing at `sha`.
    /// An empty directory is left at `path` so that `git add -A` keeps the gitlink (an
    /// unpopulated submodule) instead of staging its deletion.
    pub fn add_gitlink(&mut self, path: &str, sha: &str) {
        std::fs::create_dir_all(self.dir.join(path)).expect("mkdir");
        let info = format!("160000,{sha},{path}");
        self.git(&["update-index", "--add", "--cacheinfo", &info]);
    }

    /// Creates a symlink in the working tree (Unix only).
    #[cfg(unix)]
    pub fn symlink(&self, target: &str, path: &str) {
        let p = self.dir.join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        let _ = std::fs::remove_file(&p);
        std::os::unix::fs::symlink(target, p).expect("symlink");
    }

    /// The repository directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl Default for TestRepo {
    fn default() -> Self {
        Self::new()
    }
}

/// Compares `actual` with the golden file at `path` (relative to the crate root); with
/// `UPDATE_GOLDEN=1` writes it instead. Review the diff of a regenerated file like code.
pub fn golden(path: &str, actual: &str) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(file.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(&file, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&file).unwrap_or_else(|e| {
        panic!("cannot read {path}: {e} (run with UPDATE_GOLDEN=1 to create it)")
    });
    assert!(
        expected == actual,
        "{path} differs from the golden file; if intended, regenerate with UPDATE_GOLDEN=1.\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}
