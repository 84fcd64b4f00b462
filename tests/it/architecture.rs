//! The architecture's invariants, checked on the source tree (ARCHITECTURE.md):
//! the pure folders never do I/O or touch git, and nothing outside `commands/` (and the
//! progress bar and `main`) prints.

use std::path::{Path, PathBuf};

/// Folders (and files) that are pure: bytes and structs in, structs out.
const PURE: &[&str] = &[
    "src/message",
    "src/platform",
    "src/evaluate",
    "src/detect",
    "src/policy",
    "src/findings",
    "src/report",
    "src/facts.rs",
    "src/time.rs",
];

/// What a pure module must not name: git access, the file system, the process environment,
/// child processes, and the git layer's own crates.
const IO: &[&str] = &[
    "git2",
    "std::fs",
    "fs::",
    "std::env",
    "env::var",
    "std::process",
    "memmap2",
    "flate2",
    "crate::git",
    "crate::commands",
];

/// Printing belongs to `commands/`, `progress.rs` and `main.rs`.
const PRINT: &[&str] = &["println!", "eprintln!", "print!(", "eprint!(", "dbg!("];

fn rust_files(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(p)
            .expect("read_dir")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for e in entries {
            rust_files(&e, out);
        }
    } else if p.extension().is_some_and(|e| e == "rs") {
        out.push(p.to_path_buf());
    }
}

/// The code lines of a file: comments and the `#[cfg(test)]` module at the end left out.
fn code_lines(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]") {
            break;
        }
        if t.starts_with("//") {
            continue;
        }
        out.push((i + 1, line));
    }
    out
}

fn violations(roots: &[&str], needles: &[&str], skip: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for r in roots {
        rust_files(&root.join(r), &mut files);
    }
    let mut bad = Vec::new();
    for f in files {
        let rel = f
            .strip_prefix(root)
            .expect("under root")
            .display()
            .to_string();
        if skip.iter().any(|s| rel.starts_with(s)) {
            continue;
        }
        let text = std::fs::read_to_string(&f).expect("read");
        for (n, line) in code_lines(&text) {
            for needle in needles {
                if line.contains(needle) {
                    bad.push(format!("{rel}:{n}: `{needle}` in: {}", line.trim()));
                }
            }
        }
    }
    bad
}

#[test]
fn pure_folders_do_no_io() {
    let bad = violations(PURE, IO, &[]);
    assert!(
        bad.is_empty(),
        "pure modules must not touch git, files, the environment or processes \
         (move the I/O into git/ or commands/):\n{}",
        bad.join("\n")
    );
}

#[test]
fn only_commands_print() {
    let bad = violations(
        &["src"],
        PRINT,
        &["src/commands", "src/progress.rs", "src/main.rs"],
    );
    assert!(
        bad.is_empty(),
        "printing belongs to commands/ (return text or write to a `Write`):\n{}",
        bad.join("\n")
    );
}

#[test]
fn commands_ask_the_git_layer() {
    // Fail-closed decisions about history (merge-bases in shallow clones, unreadable refs)
    // live in `git/` once: the commands ask `git::query` and friends, never libgit2 itself.
    let bad = violations(&["src/commands"], &[".raw()", "git2::Repository"], &[]);
    assert!(
        bad.is_empty(),
        "commands/ must not reach into libgit2 (add a question to src/git/query.rs):\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_checker_sees_a_violation() {
    // The scanner itself must be able to fail: this file names the needles, so it is found.
    let bad = violations(&["tests/it/architecture.rs"], &["std::fs"], &[]);
    assert!(!bad.is_empty());
}
