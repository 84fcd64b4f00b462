//! Path forms and rule globs: every spelling under which a changed path can be risky.
//!
//! A rule glob is matched against more than the path as git stores it (DESIGN §6, issue 11
//! classes 4 and 5):
//!
//! - **Folded form.** macOS (APFS, HFS+) and Windows name the same file through different
//!   spellings: a decomposed `é` (`e` + U+0301) and a precomposed one, `ſrc` (U+017F LONG S)
//!   and `src`, `Cargo.locK` (U+212A KELVIN SIGN) and `Cargo.lock`. A path is also matched in
//!   its *folded* form — canonical decomposition, Unicode full case folding (`CaseFolding.txt`
//!   C + F), then NFC — against a folded copy of every glob. Compatibility forms (NFKC:
//!   fullwidth `ｓｒｃ`, ligatures, superscripts) are **not** folded: no common file system
//!   treats them as the same name, so `ｓｒｃ/auth` is a different file from `src/auth`.
//! - **Directory entry.** A submodule (gitlink) or a symlink whose path *is* `src/auth` stands
//!   for everything under `src/auth/`: it is covered by a glob that can match some path below
//!   it (`src/auth/**`, `**/auth/**`, `src/auth/*.rs`, `src/*`). [`PathGlobs::matches_below`]
//!   decides that exactly for globset's globs by running the glob's own automaton (a Thompson
//!   NFA of the regex globset compiles the glob to) over `dir/` and asking whether a match state
//!   is still reachable. Look-around assertions (`^`, `$`) are treated as always satisfied, and
//!   an automaton that cannot be built within its size limit counts as matching: both errors
//!   can only add a rule to a path, never remove one.
//! - **Symlink target.** A link's target is resolved against the link's directory
//!   ([`link_target_path`]) and classified as a directory entry too.

use std::borrow::Cow;
use std::sync::OnceLock;

use caseless::Caseless;
use globset::{GlobSet, GlobSetBuilder};
use regex_automata::nfa::thompson::{self, NFA, State, WhichCaptures};
use regex_automata::util::primitives::StateID;
use regex_automata::util::syntax;
use unicode_normalization::UnicodeNormalization;

use super::validate::compile_glob;
use crate::message::trailers::is_forbidden_char;

/// Size limit of one rule's "below" automaton (globset's own limit); a bigger one counts as
/// matching everything.
const BELOW_NFA_LIMIT: usize = 10 << 20;

/// The folded form of a path or glob: NFD, Unicode full case folding, NFC.
///
/// Neither step can create a `/` or a glob metacharacter from other characters (a unit test
/// checks every code point), so folding never changes a path's components or a glob's syntax.
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.nfd().default_case_fold().nfc().collect()
}

/// One spelling of a changed path to classify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form<'a> {
    /// The text, `/`-separated, relative to the repository root (`""` is the root itself).
    pub text: Cow<'a, str>,
    /// True when `text` is folded ([`fold`]): it is matched against the folded globs.
    pub folded: bool,
    /// True for the directory reading of an entry that may stand for a directory (a gitlink,
    /// a symlink, a link target): a glob matches when it can match something below `text`.
    /// The same entry is also classified as itself (a form with `below: false`).
    pub below: bool,
}

/// The spellings of `path` to classify: as stored; without invisible characters (the code
/// points git ignores on HFS+, threats.md C4); and the folded form of each when
/// `fold_needed` (a non-ASCII path or a policy with non-ASCII globs). With `dir`, each spelling
/// is read both as the entry itself and as a directory (`below`).
pub fn forms(path: &str, dir: bool, fold_needed: bool) -> Vec<Form<'_>> {
    let mut texts: Vec<(Cow<'_, str>, bool)> = vec![(Cow::Borrowed(path), false)];
    if path.chars().any(is_forbidden_char) {
        let visible: String = path.chars().filter(|&c| !is_forbidden_char(c)).collect();
        texts.push((Cow::Owned(visible), false));
    }
    if fold_needed || !path.is_ascii() {
        let raw: Vec<String> = texts.iter().map(|(t, _)| t.to_string()).collect();
        for t in raw {
            let folded = (Cow::Owned(fold(&t)), true);
            if !texts.contains(&folded) {
                texts.push(folded);
            }
        }
    }
    let mut out = Vec::with_capacity(texts.len() * if dir { 2 } else { 1 });
    for (text, folded) in texts {
        if dir {
            out.push(Form {
                text: text.clone(),
                folded,
                below: true,
            });
        }
        out.push(Form {
            text,
            folded,
            below: false,
        });
    }
    out
}

/// Resolves a symlink's target against the link's directory: `.` and empty components are
/// dropped, `..` goes up. `None` when the target is absolute (`/…`, a drive letter) or leaves
/// the repository; `Some("")` when it is the repository root itself.
///
/// Only the link's own path is used: a component of the result that is itself a symlink is not
/// followed (the tree would be needed), so such a chain is classified by its first hop.
pub fn link_target_path(link: &str, target: &str) -> Option<String> {
    let drive = matches!(target.as_bytes(), [d, b':', ..] if d.is_ascii_alphabetic());
    if target.starts_with('/') || drive {
        return None;
    }
    let mut dir: Vec<&str> = link.split('/').collect();
    dir.pop();
    // git never stores `.` or `..` in a tree path, but facts can be written by hand: the
    // link's own folder is resolved by the same rules.
    let mut parts: Vec<&str> = Vec::new();
    for c in dir.into_iter().chain(target.split('/')) {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

/// The targets to classify for one link target as stored: the `/`-separated reading, and, when
/// the target holds backslashes, the Windows reading too (git for Windows resolves `..\src`).
pub fn link_target_paths(link: &str, target: &str) -> Vec<String> {
    let mut out: Vec<String> = link_target_path(link, target).into_iter().collect();
    if target.contains('\\')
        && let Some(p) = link_target_path(link, &target.replace('\\', "/"))
        && !out.contains(&p)
    {
        out.push(p);
    }
    out
}

/// A compiled list of path globs, matchable in every [`Form`].
#[derive(Debug, Clone)]
pub struct PathGlobs {
    raw: GlobSet,
    folded: GlobSet,
    raw_regexes: Vec<String>,
    folded_regexes: Vec<String>,
    ascii: bool,
    raw_below: OnceLock<Option<NFA>>,
    folded_below: OnceLock<Option<NFA>>,
}

impl Default for PathGlobs {
    fn default() -> Self {
        PathGlobs {
            raw: GlobSet::empty(),
            folded: GlobSet::empty(),
            raw_regexes: Vec::new(),
            folded_regexes: Vec::new(),
            ascii: true,
            raw_below: OnceLock::new(),
            folded_below: OnceLock::new(),
        }
    }
}

impl PathGlobs {
    /// Compiles `patterns` (as written in the policy) with countersign's glob semantics, plus
    /// their folded copies. Errors name a glob whose folded form does not compile (a character
    /// class whose folded range runs backwards, say): the policy is then invalid, since that
    /// glob could not be matched in every form.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<PathGlobs, String> {
        let mut raw = GlobSetBuilder::new();
        let mut folded = GlobSetBuilder::new();
        let mut out = PathGlobs::default();
        for p in patterns {
            let p = p.as_ref();
            let g = compile_glob(p).map_err(|e| format!("glob `{p}`: {}", e.kind()))?;
            let f = fold(p);
            let fg = compile_glob(&f).map_err(|e| {
                format!(
                    "glob `{p}` cannot be matched case-insensitively: its folded form `{f}` is invalid ({})",
                    e.kind()
                )
            })?;
            out.ascii &= p.is_ascii();
            out.raw_regexes.push(g.regex().to_string());
            out.folded_regexes.push(fg.regex().to_string());
            raw.add(g);
            folded.add(fg);
        }
        out.raw = raw.build().map_err(|e| e.kind().to_string())?;
        out.folded = folded.build().map_err(|e| e.kind().to_string())?;
        Ok(out)
    }

    /// True when every glob is ASCII: an ASCII path's folded form then matches exactly what
    /// the path matches (the globs are ASCII-case-insensitive already).
    pub fn is_ascii(&self) -> bool {
        self.ascii
    }

    /// Does a glob match the path exactly as given (no other spelling)?
    pub fn is_match(&self, path: &str) -> bool {
        self.raw.is_match(path)
    }

    /// Does a glob match this form of a path (for a `below` form: anything below it)?
    pub fn matches(&self, form: &Form<'_>) -> bool {
        if form.below {
            return self.matches_below(&form.text, form.folded);
        }
        let set = if form.folded { &self.folded } else { &self.raw };
        !form.text.is_empty() && set.is_match(form.text.as_ref())
    }

    /// Could a glob match some path strictly below the directory `dir` (`""`: the root)?
    pub fn matches_below(&self, dir: &str, folded: bool) -> bool {
        let (cell, regexes) = if folded {
            (&self.folded_below, &self.folded_regexes)
        } else {
            (&self.raw_below, &self.raw_regexes)
        };
        if regexes.is_empty() {
            return false;
        }
        let Some(nfa) = cell.get_or_init(|| below_nfa(regexes)) else {
            return true;
        };
        let mut prefix = dir.as_bytes().to_vec();
        if !prefix.is_empty() {
            prefix.push(b'/');
        }
        could_match_after(nfa, &prefix)
    }
}

/// The NFA of every glob's regex, with globset's own syntax settings (bytes, and `.` matches a
/// newline: git paths may hold one); `None` when it cannot be built within the size limit.
fn below_nfa(regexes: &[String]) -> Option<NFA> {
    NFA::compiler()
        .syntax(syntax::Config::new().utf8(false).dot_matches_new_line(true))
        .configure(
            thompson::Config::new()
                .utf8(false)
                .which_captures(WhichCaptures::None)
                .nfa_size_limit(Some(BELOW_NFA_LIMIT)),
        )
        .build_many(regexes)
        .ok()
}

/// The states reachable from `set` through epsilon transitions (look-around assertions are
/// taken as satisfied: an over-approximation), added to `set`.
fn closure(nfa: &NFA, set: &mut Vec<StateID>, seen: &mut [bool]) {
    let mut stack = set.clone();
    while let Some(id) = stack.pop() {
        let mut push = |n: StateID, stack: &mut Vec<StateID>, set: &mut Vec<StateID>| {
            if let Some(s) = seen.get_mut(n.as_usize())
                && !*s
            {
                *s = true;
                stack.push(n);
                set.push(n);
            }
        };
        match nfa.state(id) {
            State::Look { next, .. } | State::Capture { next, .. } => push(*next, &mut stack, set),
            State::Union { alternates } => {
                for a in alternates.iter() {
                    push(*a, &mut stack, set);
                }
            }
            State::BinaryUnion { alt1, alt2 } => {
                push(*alt1, &mut stack, set);
                push(*alt2, &mut stack, set);
            }
            State::ByteRange { .. }
            | State::Sparse(_)
            | State::Dense(_)
            | State::Fail
            | State::Match { .. } => {}
        }
    }
}

/// The state reached from `id` on `byte`, if any.
fn step(nfa: &NFA, id: StateID, byte: u8) -> Option<StateID> {
    match nfa.state(id) {
        State::ByteRange { trans } => trans.matches_byte(byte).then_some(trans.next),
        State::Sparse(s) => s.matches_byte(byte),
        State::Dense(d) => d.matches_byte(byte),
        _ => None,
    }
}

/// Every state one byte away from `id`.
fn successors(nfa: &NFA, id: StateID) -> Vec<StateID> {
    match nfa.state(id) {
        State::ByteRange { trans } => vec![trans.next],
        State::Sparse(s) => s.transitions.iter().map(|t| t.next).collect(),
        State::Dense(d) => d
            .transitions
            .iter()
            .copied()
            .filter(|&n| n != StateID::ZERO)
            .collect(),
        _ => Vec::new(),
    }
}

/// After reading `prefix` from the anchored start, can a match state still be reached?
fn could_match_after(nfa: &NFA, prefix: &[u8]) -> bool {
    let n = nfa.states().len();
    let mut seen = vec![false; n];
    let start = nfa.start_anchored();
    let Some(s) = seen.get_mut(start.as_usize()) else {
        return false;
    };
    *s = true;
    let mut set = vec![start];
    closure(nfa, &mut set, &mut seen);
    for &b in prefix {
        let mut seen_next = vec![false; n];
        let mut next = Vec::new();
        for &id in &set {
            if let Some(t) = step(nfa, id, b)
                && let Some(s) = seen_next.get_mut(t.as_usize())
                && !*s
            {
                *s = true;
                next.push(t);
            }
        }
        closure(nfa, &mut next, &mut seen_next);
        if next.is_empty() {
            return false;
        }
        set = next;
        seen = seen_next;
    }
    // Reachability from the current set, through any byte.
    let mut stack = set;
    while let Some(id) = stack.pop() {
        if matches!(nfa.state(id), State::Match { .. }) {
            return true;
        }
        let mut nexts = successors(nfa, id);
        let mut eps = Vec::new();
        match nfa.state(id) {
            State::Look { next, .. } | State::Capture { next, .. } => eps.push(*next),
            State::Union { alternates } => eps.extend(alternates.iter().copied()),
            State::BinaryUnion { alt1, alt2 } => eps.extend([*alt1, *alt2]),
            _ => {}
        }
        nexts.extend(eps);
        for t in nexts {
            if let Some(s) = seen.get_mut(t.as_usize())
                && !*s
            {
                *s = true;
                stack.push(t);
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn globs(p: &[&str]) -> PathGlobs {
        PathGlobs::new(p).expect("globs")
    }

    /// Does a glob match the entry `text` read as itself or as a directory?
    fn entry(g: &PathGlobs, text: &str) -> bool {
        forms(text, true, false).iter().any(|f| g.matches(f))
    }

    #[test]
    fn folds_unicode_equivalent_spellings() {
        assert_eq!(fold("ſrc/auth/x"), "src/auth/x");
        assert_eq!(fold("Cargo.loc\u{212A}"), "cargo.lock");
        assert_eq!(fold("cafe\u{301}/x"), fold("café/x"));
        assert_eq!(fold("CAFÉ"), "café");
        assert_eq!(fold("Straße"), "strasse");
        // Compatibility forms are not folded: file systems keep them apart.
        assert_eq!(fold("ｓｒｃ"), "ｓｒｃ");
        assert_eq!(
            fold("ﬁle"),
            "ﬁle".nfc().default_case_fold().collect::<String>()
        );
    }

    /// Folding never creates a path separator or glob syntax out of another character, so a
    /// folded path has the same components and a folded glob the same structure.
    #[test]
    fn folding_never_creates_structure() {
        const META: &[char] = &['/', '*', '?', '[', ']', '{', '}', '\\', '!', ',', '-', '^'];
        // Every code point with a case folding or a canonical decomposition lies in the BMP,
        // the SMP or the CJK compatibility block (private use areas have neither).
        let ranges = [0x80u32..0xE000, 0xF900..0x20000, 0x2F800..0x2FA20];
        for cp in ranges.into_iter().flatten() {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            if c.is_ascii() {
                continue;
            }
            let f = fold(&c.to_string());
            assert!(
                !f.chars().any(|m| META.contains(&m)),
                "U+{cp:04X} folds to {f:?}"
            );
        }
    }

    #[test]
    fn directory_entries_are_covered_by_globs_below_them() {
        let g = globs(&["src/auth/**"]);
        assert!(entry(&g, "src/auth"));
        assert!(entry(&g, "src"));
        assert!(entry(&g, ""));
        assert!(!entry(&g, "src/authx"));
        assert!(!entry(&g, "lib"));
        assert!(!g.matches(&Form {
            text: "src/auth".into(),
            folded: false,
            below: false
        }));
        let g = globs(&["**/auth/**"]);
        assert!(entry(&g, "auth"));
        assert!(entry(&g, "a/b/auth"));
        assert!(entry(&g, "a/b/c"), "a/b/c/auth/x is below a/b/c");
        let g = globs(&["src/auth/*.rs"]);
        assert!(entry(&g, "src/auth"));
        assert!(!entry(&g, "src/auth/sub"));
        assert!(!entry(&g, "src/lib"));
        let g = globs(&["src/*"]);
        assert!(entry(&g, "src"));
        assert!(!g.matches_below("src/x", false));
        assert!(entry(&g, "src/x"), "the entry itself matches");
        let g = globs(&["{src/auth,lib/sec}/**", "Cargo.lock"]);
        assert!(entry(&g, "lib/sec"));
        assert!(entry(&g, "SRC/Auth"), "case-insensitive like the globs");
        assert!(!g.matches_below("Cargo.lock", false));
        assert!(!entry(&g, "lib/other"));
        let g = globs(&["**/*.md"]);
        assert!(entry(&g, "docs"));
        // Found by fuzzing: a folder name with a newline (git allows it); globset's `.`
        // matches a newline, so the automaton's must too.
        let g = globs(&["**/auth/**", "**/x"]);
        assert!(g.matches_below("a\nb/auth", false));
        assert!(g.matches_below("a\nb", false));
        assert!(g.is_match("a\nb/x"));
        let g = globs(&["src/[a-c]uth/**"]);
        assert!(entry(&g, "src/auth"));
        assert!(!entry(&g, "src/duth"));
    }

    #[test]
    fn folded_globs_match_folded_paths() {
        let g = globs(&["src/auth/**", "**/Cargo.lock", "café/**"]);
        for (p, want) in [
            ("ſrc/auth/x", true),
            ("Cargo.loc\u{212A}", true),
            ("cafe\u{301}/x", true),
            ("CAFE\u{301}/x", true),
            ("ｓｒｃ/auth/x", false),
        ] {
            let hit = forms(p, false, false).iter().any(|f| g.matches(f));
            assert_eq!(hit, want, "{p}");
        }
        // A glob written with a decomposed or odd spelling matches the plain path too.
        let g = globs(&["ſrc/auth/**"]);
        assert!(
            forms("src/auth/x", false, !g.is_ascii())
                .iter()
                .any(|f| g.matches(f))
        );
        assert!(!g.is_ascii());
    }

    #[test]
    fn link_targets_resolve_within_the_repository() {
        assert_eq!(
            link_target_path("docs/readme", "../src/auth").as_deref(),
            Some("src/auth")
        );
        assert_eq!(
            link_target_path("docs/readme", "../src/auth/../auth/x").as_deref(),
            Some("src/auth/x")
        );
        assert_eq!(
            link_target_path("a", "./src//auth/").as_deref(),
            Some("src/auth")
        );
        assert_eq!(link_target_path("a", "/etc/passwd"), None);
        assert_eq!(link_target_path("a", "../outside"), None);
        assert_eq!(link_target_path("docs/a", "../../x"), None);
        assert_eq!(link_target_path("docs/a", "..").as_deref(), Some(""));
        assert_eq!(link_target_path("a", "C:/x"), None);
        // Found by fuzzing: a hand-written link path with `..` never lets the target escape.
        assert_eq!(link_target_path("../sr//c", "../x"), None);
        assert_eq!(link_target_path("a/./b/../c", "x").as_deref(), Some("a/x"));
        assert_eq!(
            link_target_paths("docs/a", "..\\src\\auth"),
            vec!["docs/..\\src\\auth".to_string(), "src/auth".to_string()]
        );
    }
}
