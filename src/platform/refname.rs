//! Ref names as git accepts them: the rules of git's `check_refname_format` (refs.c), and
//! the extra rule of `git receive-pack` (an updated ref is under `refs/`).
//!
//! Hook input is written by git, so a name that breaks these rules never comes from git: the
//! hook parsers reject it (fail closed) instead of carrying it into messages or ref lookups.
//! `tests/it/adversarial/evidence_input.rs` compares [`check_format`] with `git check-ref-format`.

/// Why a ref name is not one git accepts (for the error message).
pub type Reason = &'static str;

/// Checks `name` against git's ref name rules (`git check-ref-format`):
///
/// - it is not `@`, and every `/`-separated component is non-empty (no leading, trailing or
///   doubled `/`), does not start with `.` and does not end with `.lock`;
/// - it contains no `..`, no `@{`, no ASCII control character or DEL, and none of
///   space `~ ^ : ? * [ \`;
/// - it does not end with `.`;
/// - unless `allow_onelevel`, it has at least two components.
///
/// Bytes ≥ 0x80 (UTF-8) are allowed, as in git.
pub fn check_format(name: &str, allow_onelevel: bool) -> Result<(), Reason> {
    if name == "@" {
        return Err("the name `@` alone is not a ref");
    }
    let mut components = 0usize;
    for comp in name.split('/') {
        components += 1;
        if comp.is_empty() {
            return Err("an empty component (a leading, trailing or doubled `/`)");
        }
        if comp.starts_with('.') {
            return Err("a component starts with `.`");
        }
        if comp.ends_with(".lock") {
            return Err("a component ends with `.lock`");
        }
        let mut last = 0u8;
        for b in comp.bytes() {
            match b {
                0..=0x1f | 0x7f => return Err("a control character"),
                b' ' | b'~' | b'^' | b':' | b'?' | b'*' | b'[' | b'\\' => {
                    return Err("one of space ~ ^ : ? * [ \\");
                }
                b'.' if last == b'.' => return Err("`..`"),
                b'{' if last == b'@' => return Err("`@{`"),
                _ => {}
            }
            last = b;
        }
    }
    if name.ends_with('.') {
        return Err("it ends with `.`");
    }
    if !allow_onelevel && components < 2 {
        return Err("a single component");
    }
    Ok(())
}

/// A ref name `git receive-pack` would update: under `refs/`, and the rest valid with
/// [`check_format`] (one level allowed only for a deletion, as in git ≥ 2.35).
pub fn check_received(name: &str, deletion: bool) -> Result<(), Reason> {
    let Some(rest) = name.strip_prefix("refs/") else {
        return Err("it is not under `refs/`");
    };
    check_format(rest, deletion)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_rules() {
        for ok in [
            "heads/main",
            "heads/feature/x-1",
            "tags/v1.0",
            "heads/ünïcode",
            "heads/a.b",
            "heads/@",
            "heads/a@b",
        ] {
            assert_eq!(check_format(ok, false), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "@",
            "main",
            "/heads/x",
            "heads/x/",
            "heads//x",
            "heads/.x",
            "heads/x.lock",
            "heads/x.lock/y",
            "heads/a..b",
            "heads/a@{1}",
            "heads/a b",
            "heads/a~1",
            "heads/a^",
            "heads/a:b",
            "heads/a?",
            "heads/a*",
            "heads/a[",
            "heads/a\\b",
            "heads/a\x7f",
            "heads/a\tb",
            "heads/x.",
        ] {
            assert!(check_format(bad, false).is_err(), "{bad:?}");
        }
        assert_eq!(check_format("main", true), Ok(()));
        assert!(check_received("refs/heads/main", false).is_ok());
        assert!(check_received("refs/main", false).is_err());
        assert!(check_received("refs/main", true).is_ok());
        assert!(check_received("heads/main", false).is_err());
        assert!(check_received("refs/", true).is_err());
    }
}
