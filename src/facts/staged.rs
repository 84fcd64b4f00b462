//! The commit-to-be, for the `commit-msg` hook: the message cleaned the way `git commit`
//! will clean it, the staged paths (the index against `HEAD`, or against the empty tree on
//! the very first commit), the parents, and the author and committer git will record.
//!
//! What the hook sees is `COMMIT_EDITMSG` *before* git's cleanup (threats.md B7/E3): comment
//! lines, the scissors line of `git commit -v` and the diff below it are still there. The
//! rules copied here are git's (`sequencer.c: cleanup_message`, `strbuf_stripspace`,
//! `wt_status_locate_end`, `builtin/commit.c: adjust_comment_line_char`):
//!
//! - `commit.cleanup` = `default` means `strip` when an editor was used and `whitespace`
//!   otherwise; git tells hooks that no editor was used by setting `GIT_EDITOR=:`.
//!   `scissors` without an editor is `whitespace` too.
//! - `strip` drops lines that start with the comment string; `whitespace` keeps them;
//!   both strip trailing whitespace, collapse runs of blank lines, and drop leading and
//!   trailing blank lines; `verbatim` changes nothing.
//! - The message is cut at `<comment> ------------------------ >8 ------------------------`
//!   in `scissors` mode and, since `git commit -v` puts that line in the editor, also in
//!   `strip` mode (git cuts there only with `-v`; a hand-typed scissors line without `-v`
//!   is the one case where the hook cuts and git does not).
//! - The comment string is `core.commentString`, else `core.commentChar`, else `#`. For
//!   `auto`, git picks a character its initial message did not start a line with; the hook
//!   recovers it from the message: the character of a scissors line if there is one, else
//!   the first character of the last non-blank line when it is one of git's candidates
//!   (`#;@!$%^&|:`, the help text git appends), else `#`.
//! - `git commit --cleanup=<mode>` on the command line is not visible to hooks; the
//!   configuration is what the hook follows.

use std::path::{Path, PathBuf};

use git2::{Delta, DiffOptions, Oid};

use crate::error::{Error, Result};
use crate::facts::git::Repo;
use crate::facts::treediff::canon_mode;
use crate::facts::{Change, ChangedPath, CommitFacts, Identity};

/// The id a commit that does not exist yet is given.
pub const ZERO_ID: &str = "0000000000000000000000000000000000000000";

/// The text of git's scissors line after the comment string and a space.
const CUT_LINE: &str = "------------------------ >8 ------------------------";

/// The characters `core.commentChar=auto` chooses from, in git's order.
const AUTO_CANDIDATES: &str = "#;@!$%^&|:";

/// `commit.cleanup`, as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CleanupMode {
    /// `strip` with an editor, else `whitespace` (git's default).
    Default,
    /// Drop comment lines, then as `whitespace`.
    Strip,
    /// Trailing whitespace, blank-line runs, leading/trailing blank lines.
    Whitespace,
    /// Nothing changes.
    Verbatim,
    /// Cut at the scissors line (with an editor), then as `whitespace`.
    Scissors,
}

impl CleanupMode {
    /// Parses a `commit.cleanup` value (unknown values: `None`).
    pub fn parse(s: &str) -> Option<CleanupMode> {
        match s {
            "default" => Some(CleanupMode::Default),
            "strip" => Some(CleanupMode::Strip),
            "whitespace" => Some(CleanupMode::Whitespace),
            "verbatim" => Some(CleanupMode::Verbatim),
            "scissors" => Some(CleanupMode::Scissors),
            _ => None,
        }
    }
}

/// How the hook will clean the message: the mode, the comment string, and whether git used
/// an editor (`GIT_EDITOR` is not `:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanupSettings {
    /// `commit.cleanup`.
    pub mode: CleanupMode,
    /// `core.commentString` / `core.commentChar` (`auto` already resolved).
    pub comment: String,
    /// True when git opened an editor for this commit.
    pub editor: bool,
}

/// Cleans `msg` the way `git commit` will before it records the commit.
pub fn cleanup(msg: &[u8], s: &CleanupSettings) -> Vec<u8> {
    let mode = match (s.mode, s.editor) {
        (CleanupMode::Default, true) => CleanupMode::Strip,
        (CleanupMode::Default | CleanupMode::Scissors, false) => CleanupMode::Whitespace,
        (m, _) => m,
    };
    let cut = matches!(mode, CleanupMode::Strip | CleanupMode::Scissors);
    let msg = if cut {
        msg.get(..locate_end(msg, &s.comment)).unwrap_or(msg)
    } else {
        msg
    };
    match mode {
        CleanupMode::Verbatim => msg.to_vec(),
        CleanupMode::Strip => stripspace(msg, Some(s.comment.as_bytes())),
        _ => stripspace(msg, None),
    }
}

/// Where the scissors line starts (git's `wt_status_locate_end`), else the length.
fn locate_end(msg: &[u8], comment: &str) -> usize {
    let pat = format!("{comment} {CUT_LINE}\n");
    let pat = pat.as_bytes();
    if msg.starts_with(pat) {
        return 0;
    }
    let mut nl = Vec::with_capacity(pat.len() + 1);
    nl.push(b'\n');
    nl.extend_from_slice(pat);
    msg.windows(nl.len())
        .position(|w| w == nl.as_slice())
        .map_or(msg.len(), |i| i + 1)
}

/// git's `strbuf_stripspace`.
fn stripspace(msg: &[u8], comment: Option<&[u8]>) -> Vec<u8> {
    let mut out = Vec::with_capacity(msg.len() + 1);
    let mut empties = 0usize;
    let mut rest = msg;
    while !rest.is_empty() {
        let (line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (
                rest.get(..i).unwrap_or_default(),
                rest.get(i + 1..).unwrap_or_default(),
            ),
            None => (rest, &[][..]),
        };
        rest = next;
        if comment.is_some_and(|c| !c.is_empty() && line.starts_with(c)) {
            continue;
        }
        // C isspace: space, \t, \n, \v, \f, \r.
        let keep = line
            .iter()
            .rposition(|&b| !matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
            .map_or(0, |i| i + 1);
        if keep > 0 {
            if empties > 0 && !out.is_empty() {
                out.push(b'\n');
            }
            empties = 0;
            out.extend_from_slice(line.get(..keep).unwrap_or_default());
            out.push(b'\n');
        } else {
            empties += 1;
        }
    }
    out
}

/// Reads `commit.cleanup` and the comment string from the repository configuration and
/// `GIT_EDITOR` from the environment; resolves `core.commentChar=auto` from `msg`.
pub fn cleanup_settings(repo: &Repo, msg: &[u8]) -> Result<CleanupSettings> {
    let cfg = repo.raw().config()?;
    let get = |k: &str| cfg.get_string(k).ok().filter(|v| !v.is_empty());
    let mode = match get("commit.cleanup") {
        None => CleanupMode::Default,
        Some(v) => CleanupMode::parse(&v).ok_or_else(|| {
            Error::input(format!("commit.cleanup has the unknown value `{v}`"))
                .with_help("use default, strip, whitespace, verbatim or scissors (git would refuse the commit too)")
        })?,
    };
    let comment = match get("core.commentString").or_else(|| get("core.commentChar")) {
        Some(v) if v == "auto" => auto_comment(msg),
        Some(v) if !v.contains('\n') => v,
        _ => "#".to_string(),
    };
    let editor = std::env::var_os("GIT_EDITOR").is_none_or(|v| v != ":");
    Ok(CleanupSettings {
        mode,
        comment,
        editor,
    })
}

/// The comment character git picked for `core.commentChar=auto`, recovered from the message
/// it wrote (see the module documentation).
pub fn auto_comment(msg: &[u8]) -> String {
    let text = String::from_utf8_lossy(msg);
    for line in text.lines() {
        if let Some(c) = line.chars().next()
            && AUTO_CANDIDATES.contains(c)
            && line
                .get(c.len_utf8()..)
                .is_some_and(|r| r == format!(" {CUT_LINE}"))
        {
            return c.to_string();
        }
    }
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .and_then(|l| l.chars().next())
        .filter(|c| AUTO_CANDIDATES.contains(*c))
        .map_or_else(|| "#".to_string(), |c| c.to_string())
}

/// The author and committer git will record: `GIT_AUTHOR_NAME`/`GIT_AUTHOR_EMAIL` (git
/// exports them to the hook, `--author` included), else `author.*`, else `user.*`; likewise
/// for the committer.
pub fn identities(repo: &Repo) -> Result<(Identity, Identity)> {
    let cfg = repo.raw().config()?;
    let env = |k: &str| std::env::var(k).ok();
    let conf = |k: &str| cfg.get_string(k).ok();
    let pick = |role: &str| {
        let upper = role.to_ascii_uppercase();
        let name = env(&format!("GIT_{upper}_NAME"))
            .or_else(|| conf(&format!("{role}.name")))
            .or_else(|| conf("user.name"))
            .unwrap_or_default();
        let email = env(&format!("GIT_{upper}_EMAIL"))
            .or_else(|| conf(&format!("{role}.email")))
            .or_else(|| conf("user.email"))
            .or_else(|| env("EMAIL"))
            .unwrap_or_default();
        Identity::new(name.trim(), email.trim())
    };
    Ok((pick("author"), pick("committer")))
}

/// Builds the commit-to-be: id all zeros, parents `HEAD` (plus `MERGE_HEAD` when a merge is
/// being concluded) or none on the first commit, the given (already cleaned) message, and
/// the staged paths. For a merge, the paths are those where the index differs from every
/// parent, as for a recorded merge.
pub fn commit_to_be(repo: &Repo, message: Vec<u8>, max_paths: usize) -> Result<CommitFacts> {
    let g = repo.raw();
    let mut parents: Vec<Oid> = Vec::new();
    match g.head() {
        Ok(h) => {
            let c = h.peel_to_commit().map_err(|e| {
                Error::repo(format!("HEAD does not point at a commit: {}", e.message()))
                    .with_help("check `git rev-parse HEAD`")
            })?;
            parents.push(c.id());
        }
        Err(e)
            if e.code() == git2::ErrorCode::UnbornBranch
                || e.code() == git2::ErrorCode::NotFound => {}
        Err(e) => return Err(e.into()),
    }
    if !parents.is_empty() {
        parents.extend(merge_heads(repo)?);
    }
    let index = match std::env::var_os("GIT_INDEX_FILE") {
        Some(p) => {
            let p = PathBuf::from(p);
            let p = if p.is_relative() {
                std::env::current_dir().map(|d| d.join(&p)).unwrap_or(p)
            } else {
                p
            };
            git2::Index::open(&p).map_err(|e| {
                Error::repo(format!(
                    "cannot read the index {}: {}",
                    p.display(),
                    e.message()
                ))
                .with_help("run the hook from `git commit`")
            })?
        }
        None => g.index().map_err(|e| {
            Error::repo(format!("cannot read the index: {}", e.message()))
                .with_help("check `git status`")
        })?,
    };
    let mut per_parent: Vec<Vec<ChangedPath>> = Vec::new();
    let bases: Vec<Option<Oid>> = if parents.is_empty() {
        vec![None]
    } else {
        parents.iter().copied().map(Some).collect()
    };
    for base in bases {
        let tree = match base {
            Some(p) => Some(g.find_commit(p).and_then(|c| c.tree()).map_err(|e| {
                Error::incomplete(format!("cannot read the tree of {p}: {}", e.message()))
                    .with_help("run `git fsck`")
            })?),
            None => None,
        };
        per_parent.push(staged_paths(g, tree.as_ref(), &index, max_paths)?);
    }
    let mut paths = per_parent.first().cloned().unwrap_or_default();
    for other in per_parent.iter().skip(1) {
        paths.retain(|p| other.iter().any(|o| o.path == p.path));
    }
    let (author, committer) = identities(repo)?;
    let time = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    Ok(CommitFacts {
        id: ZERO_ID.to_string(),
        parents: parents.iter().map(Oid::to_string).collect(),
        author,
        committer,
        time,
        message,
        encoding: None,
        paths,
    })
}

/// `MERGE_HEAD`'s commits, when a merge is being concluded.
fn merge_heads(repo: &Repo) -> Result<Vec<Oid>> {
    let path: &Path = &repo.git_dir().join("MERGE_HEAD");
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(
                Error::repo(format!("cannot read MERGE_HEAD: {e}")).with_help("check `git status`")
            );
        }
    };
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            Oid::from_str(l.trim()).map_err(|_| {
                Error::repo("MERGE_HEAD is malformed")
                    .with_help("run `git merge --abort` and merge again")
            })
        })
        .collect()
}

/// The paths where the index differs from `tree` (the empty tree when `None`).
fn staged_paths(
    g: &git2::Repository,
    tree: Option<&git2::Tree<'_>>,
    index: &git2::Index,
    max_paths: usize,
) -> Result<Vec<ChangedPath>> {
    let mut opts = DiffOptions::new();
    opts.include_typechange(true).ignore_submodules(false);
    let diff = g
        .diff_tree_to_index(tree, Some(index), Some(&mut opts))
        .map_err(|e| {
            Error::incomplete(format!(
                "cannot compare the index with HEAD: {}",
                e.message()
            ))
            .with_help("run `git status`; the repository may be missing objects")
        })?;
    let mut out = Vec::with_capacity(diff.deltas().len());
    for d in diff.deltas() {
        let (old, new) = (d.old_file(), d.new_file());
        let old_mode = u32::from(old.mode());
        let new_mode = u32::from(new.mode());
        let change = match d.status() {
            Delta::Added => Change::Added,
            Delta::Deleted => Change::Deleted,
            Delta::Typechange => Change::TypeChanged,
            _ if old.id() == new.id() => {
                if canon_mode(old_mode) == canon_mode(new_mode) {
                    continue;
                }
                Change::ModeChanged
            }
            _ => Change::Modified,
        };
        let path = new
            .path_bytes()
            .or_else(|| old.path_bytes())
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .unwrap_or_default();
        out.push(ChangedPath {
            path,
            change,
            old_mode: (change != Change::Added).then_some(old_mode),
            new_mode: (change != Change::Deleted).then_some(new_mode),
        });
        if out.len() > max_paths {
            return Err(Error::limit(format!(
                "the staged change has more than {max_paths} paths (limit max_paths)"
            ))
            .with_help("commit in smaller pieces or raise --max-paths"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(mode: CleanupMode, comment: &str, editor: bool) -> CleanupSettings {
        CleanupSettings {
            mode,
            comment: comment.into(),
            editor,
        }
    }

    #[test]
    fn strip_drops_comments_and_cuts_at_scissors() {
        let msg = b"\n\nSubject  \n\n\n# comment\nBody\t\r\n\n# Please enter\n# ------------------------ >8 ------------------------\ndiff --git a/x b/x\n+Reviewed-by: X <x@y>\n";
        let out = cleanup(msg, &s(CleanupMode::Default, "#", true));
        assert_eq!(out, b"Subject\n\nBody\n");
    }

    #[test]
    fn whitespace_keeps_comments_without_editor() {
        let msg = b"Subject\n\n# not a comment\n";
        assert_eq!(
            cleanup(msg, &s(CleanupMode::Default, "#", false)),
            b"Subject\n\n# not a comment\n"
        );
        assert_eq!(cleanup(msg, &s(CleanupMode::Verbatim, "#", true)), msg);
        assert_eq!(
            cleanup(b"S\n; c\n", &s(CleanupMode::Strip, ";", true)),
            b"S\n"
        );
    }

    #[test]
    fn scissors_needs_the_comment_string() {
        let msg = b"S\n\n; ------------------------ >8 ------------------------\nbelow\n";
        assert_eq!(cleanup(msg, &s(CleanupMode::Scissors, ";", true)), b"S\n");
        assert_eq!(
            cleanup(msg, &s(CleanupMode::Scissors, "#", true)),
            msg.to_vec()
        );
        // At the very start.
        let msg = b"# ------------------------ >8 ------------------------\nx\n";
        assert_eq!(cleanup(msg, &s(CleanupMode::Strip, "#", true)), b"");
    }

    #[test]
    fn auto_comment_is_recovered() {
        assert_eq!(
            auto_comment(b"Subject\n\n#1 fix\n\n; Please enter\n;\n"),
            ";"
        );
        assert_eq!(
            auto_comment(b"S\n; ------------------------ >8 ------------------------\n# x\n"),
            ";"
        );
        assert_eq!(auto_comment(b"Subject\n"), "#");
    }
}
