//! OpenSSH pattern lists (`match_pattern_list` of OpenSSH's match.c), used for the
//! `namespaces="…"` option of an allowed-signers line: comma-separated patterns with `*`
//! (any run) and `?` (one character); a pattern starting with `!` negates, and a negated
//! match wins over every positive one.

/// How a string fares against a pattern list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListMatch {
    /// A positive pattern matched and no negated one did.
    Yes,
    /// Nothing matched.
    No,
    /// A negated pattern matched.
    Negated,
}

/// Glob match with `*` and `?` (iterative, linear in practice, no recursion).
pub fn matches(s: &str, pattern: &str) -> bool {
    let (s, p): (Vec<char>, Vec<char>) = (s.chars().collect(), pattern.chars().collect());
    let (mut i, mut j) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        match p.get(j) {
            Some('*') => {
                star = Some((j, i));
                j += 1;
            }
            Some(&c) if c == '?' || c == s[i] => {
                i += 1;
                j += 1;
            }
            _ => match star {
                Some((sj, si)) => {
                    j = sj + 1;
                    i = si + 1;
                    star = Some((sj, si + 1));
                }
                None => return false,
            },
        }
    }
    p[j..].iter().all(|&c| c == '*')
}

/// Matches `s` against a comma-separated pattern list.
pub fn match_list(s: &str, list: &str) -> ListMatch {
    let mut got = ListMatch::No;
    for pat in list.split(',') {
        let (neg, pat) = match pat.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, pat),
        };
        if matches(s, pat) {
            if neg {
                return ListMatch::Negated;
            }
            got = ListMatch::Yes;
        }
    }
    got
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openssh_pattern_semantics() {
        assert!(matches("countersign-review", "countersign-*"));
        assert!(matches("countersign-review", "*"));
        assert!(matches("abc", "a?c"));
        assert!(!matches("abc", "a?"));
        assert!(matches("", "*"));
        assert!(!matches("git", "countersign-review"));
        assert_eq!(
            match_list("countersign-review", "git,countersign-review"),
            ListMatch::Yes
        );
        assert_eq!(match_list("countersign-review", "git,file"), ListMatch::No);
        assert_eq!(
            match_list("countersign-review", "*,!countersign-*"),
            ListMatch::Negated
        );
        // Many stars stay fast.
        assert!(!matches(
            &"a".repeat(2000),
            &"*a".repeat(500).replace("a*a", "a*b")
        ));
    }
}
