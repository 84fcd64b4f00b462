//! The bodies of the fuzz targets, shared by `fuzz/fuzz_targets/*.rs` (cargo-fuzz, nightly)
//! and `tests/it/fuzz_corpus.rs` (replays the committed corpora in a plain `cargo test`).
//!
//! Each function takes arbitrary bytes, runs one parser of countersign and asserts the
//! properties that must hold for every input; a violated property or a panic is a finding.
#![allow(dead_code)]

use countersign::facts::PullRequest;
use countersign::message::identity::{normalize_email, parse_identity};
use countersign::message::trailers::{self, MAX_TRAILERS, is_forbidden_char};
use countersign::platform::hook_lines::parse_pre_receive;
use countersign::policy::Origin;
use countersign::policy::load;

/// The names of the targets, as in `fuzz/Cargo.toml` and `fuzz/corpus/<name>/`.
pub const TARGETS: &[&str] = &[
    "trailers",
    "identity",
    "policy",
    "glob_regex",
    "receive_line",
    "pr_json",
    "pack_delta",
    "signed_review",
    "paths",
    "commit_header",
];

/// Runs target `name` on `data`.
pub fn run(name: &str, data: &[u8]) {
    match name {
        "trailers" => fuzz_trailers(data),
        "identity" => fuzz_identity(data),
        "policy" => fuzz_policy(data),
        "glob_regex" => fuzz_glob_regex(data),
        "receive_line" => fuzz_receive_line(data),
        "pr_json" => fuzz_pr_json(data),
        "pack_delta" => fuzz_pack_delta(data),
        "signed_review" => fuzz_signed_review(data),
        "paths" => fuzz_paths(data),
        "commit_header" => fuzz_commit_header(data),
        other => panic!("unknown fuzz target {other}"),
    }
}

/// The trailer parser: spans in bounds, evidence never holds forbidden characters, a NUL or
/// a bare CR means no trailers, LF → CRLF changes nothing, and it is deterministic.
pub fn fuzz_trailers(data: &[u8]) {
    let p = trailers::parse(data);
    assert_eq!(p, trailers::parse(data), "parse is not deterministic");
    assert!(p.trailers.len() <= MAX_TRAILERS);
    if let Some(b) = &p.block {
        assert!(
            b.start <= b.end && b.end <= data.len(),
            "block span out of range"
        );
    }
    for t in &p.trailers {
        assert!(t.span.start <= t.span.end && t.span.end <= data.len());
        assert!(t.key_span.start <= t.key_span.end && t.key_span.end <= t.span.end);
        assert!(!t.key.is_empty());
        assert!(
            t.key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-'),
            "non-ASCII key {:?}",
            t.key
        );
        assert!(
            !t.value.chars().any(is_forbidden_char),
            "forbidden character in accepted value {:?}",
            t.value
        );
        assert_eq!(data.get(t.key_span.clone()), Some(t.key.as_bytes()));
    }
    if data.contains(&0) {
        assert!(p.trailers.is_empty(), "trailers read despite a NUL");
    }
    // LF → CRLF never changes what is read (only for inputs without any CR).
    if !data.contains(&b'\r') {
        let crlf: Vec<u8> = data
            .iter()
            .flat_map(|&b| {
                if b == b'\n' {
                    vec![b'\r', b'\n']
                } else {
                    vec![b]
                }
            })
            .collect();
        let q = trailers::parse(&crlf);
        let kv = |m: &trailers::ParsedMessage| -> Vec<(String, String)> {
            m.trailers
                .iter()
                .map(|t| (t.key.clone(), t.value.clone()))
                .collect()
        };
        assert_eq!(kv(&p), kv(&q), "CRLF changed the trailers");
    }
    let _ = trailers::parse_git_compatible(data);
    let _ = trailers::last_paragraph(data);
}

/// The `Name <email>` parser: an accepted identity has a name with a letter, exactly one `@`
/// in the email, no forbidden characters, and parses to itself again.
pub fn fuzz_identity(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    // Normalising is idempotent: a normalised address is its own normal form (identity keys
    // are sometimes normalised twice).
    let n = normalize_email(&s);
    assert_eq!(
        normalize_email(&n),
        n,
        "normalize_email is not idempotent on {s:?}"
    );
    if let Ok(id) = parse_identity(&s) {
        assert!(id.name.chars().any(char::is_alphabetic), "{id:?}");
        assert_eq!(id.email.matches('@').count(), 1, "{id:?}");
        assert!(!id.email.chars().any(char::is_whitespace), "{id:?}");
        assert!(!id.name.chars().any(is_forbidden_char), "{id:?}");
        assert!(!id.email.chars().any(is_forbidden_char), "{id:?}");
        let again = parse_identity(&id.to_string());
        assert_eq!(again.as_ref().ok(), Some(&id), "round trip of {id:?}");
        let _ = normalize_email(&id.email);
    }
}

/// The policy loader on arbitrary bytes: never panics; an accepted policy loads the same
/// way twice and has at least one tier.
pub fn fuzz_policy(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let origin = || Origin::File {
        path: "fuzz.yml".to_string(),
    };
    match load::load(text, origin()) {
        Ok(p) => {
            assert!(!p.tiers.is_empty(), "a valid policy without tiers");
            let again = load::load(text, origin());
            assert!(again.is_ok(), "accepted once, rejected the second time");
        }
        Err(e) => {
            assert!(e.error_count() > 0 || !e.diagnostics.is_empty());
            let _ = e.render_plain();
        }
    }
}

/// Glob and regex compilation with countersign's settings, directly and through the policy
/// loader (a rule glob and a change-record format built from the input).
pub fn fuzz_glob_regex(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let (pat, subject) = s.split_once('\n').unwrap_or((s, "src/auth/login.rs"));
    if let Ok(g) = globset::GlobBuilder::new(pat)
        .case_insensitive(true)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
    {
        let m = g.compile_matcher();
        let _ = m.is_match(subject);
        // literal_separator: a glob without `/` and `**` never matches a path with `/`
        // unless the glob has a separator itself.
        if !pat.contains('/') && !pat.contains("**") && !pat.contains('\\') && !pat.contains('[') {
            assert!(!m.is_match("a/b/c"), "{pat:?} crossed `/`");
        }
    }
    if let Ok(re) = regex::RegexBuilder::new(pat)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .nest_limit(64)
        .build()
    {
        let _ = re.is_match(subject);
    }
    // Through the loader: the pattern in a single-quoted YAML scalar (`'` doubled).
    if pat.contains(['\n', '\r']) || pat.chars().any(char::is_control) {
        return;
    }
    let q = pat.replace('\'', "''");
    let policy = format!(
        "version: 1\ntiers:\n  - name: low\n  - name: high\n    reviewers: 1\n    change_record: true\n\
         default_tier: low\nrules:\n  - name: r\n    paths: ['{q}']\n    tier: high\n\
         evidence:\n  change_record:\n    trailers: [Refs]\n    formats:\n      - {{ name: f, regex: '{q}' }}\n"
    );
    let _ = load::load(&policy, Origin::Embedded);
}

/// The pre-receive stdin line parser: accepted lines have full, equal-length hex ids and a
/// `refs/` name that git's `check-ref-format` rules accept, and re-parse to the same update.
pub fn fuzz_receive_line(data: &[u8]) {
    // The hook's own parser: all lines or nothing, and what it accepts re-parses the same.
    if let Ok(lines) = parse_pre_receive(data) {
        for u in &lines {
            assert_eq!(u.old.len(), u.new.len());
            assert!(u.refname.starts_with("refs/"));
            // git's ref name rules (check-ref-format), spot-checked independently.
            assert!(!u.refname.ends_with('/') && !u.refname.ends_with('.'));
            assert!(!u.refname.contains("..") && !u.refname.contains("//"));
            assert!(!u.refname.contains("@{") && !u.refname.contains("/."));
            assert!(
                !u.refname
                    .bytes()
                    .any(|b| b < 0x20 || b == 0x7f || b" ~^:?*[\\".contains(&b))
            );
            assert!(!(u.is_create() && u.is_delete()));
            let again =
                parse_pre_receive(format!("{} {} {}\n", u.old, u.new, u.refname).as_bytes());
            assert_eq!(again.ok(), Some(vec![u.clone()]));
        }
    }
}

/// CI event / PR JSON → `PullRequest` (the range resolver from events is not on this branch
/// yet): deserialisation never panics and round-trips.
pub fn fuzz_pr_json(data: &[u8]) {
    if let Ok(pr) = serde_json::from_slice::<PullRequest>(data) {
        let text = serde_json::to_string(&pr).expect("serialise");
        let back: PullRequest = serde_json::from_str(&text).expect("deserialise again");
        assert_eq!(back, pr);
    }
}

/// Delta application (`git::odb::pack::apply_delta`): the first byte picks how much of the rest
/// is the base, the remainder is the delta. Never a panic; a success has exactly the size the
/// delta announces, within the limit, and every byte of it comes from the base or the delta.
pub fn fuzz_pack_delta(data: &[u8]) {
    use countersign::git::odb::pack::apply_delta;
    let Some((&k, rest)) = data.split_first() else {
        return;
    };
    let cut = if rest.is_empty() {
        0
    } else {
        usize::from(k) * rest.len() / 256
    };
    let (base, delta) = rest.split_at(cut);
    let limit = 1 << 16;
    if let Ok(out) = apply_delta(base, delta, limit) {
        assert!(out.len() as u64 <= limit, "result over the limit");
        assert_eq!(
            out,
            apply_delta(base, delta, limit).expect("deterministic"),
            "apply_delta is not deterministic"
        );
        if base.is_empty() {
            // Nothing to copy from: every byte was inserted from the delta.
            assert!(out.len() <= delta.len(), "bytes from nowhere");
        }
    }
}

/// Signed reviews: a note's lines, their statements and armored SSHSIGs, and the
/// allowed-signers format. Never panics; an accepted statement is exactly its canonical
/// bytes (one meaning, one byte form); a signature that verifies does so in the review
/// namespace over exactly those bytes; an accepted allowed-signers line has a key and no
/// wildcard among its exact principals.
pub fn fuzz_signed_review(data: &[u8]) {
    use countersign::review::{note, signers, sshsig, statement::Statement};
    if let Ok(entries) = note::parse(data) {
        assert!(entries.len() <= note::MAX_REVIEWS_PER_NOTE);
        for e in &entries {
            if let Ok(s) = Statement::parse(e.statement.as_bytes()) {
                assert_eq!(
                    s.to_bytes(),
                    e.statement.as_bytes(),
                    "accepted a non-canonical statement"
                );
                assert!(s.check().is_ok());
            }
            if !e.signature.is_empty() {
                assert!(
                    note::dearmor(&e.signature).is_some(),
                    "armor does not round-trip"
                );
            }
            if let Ok(signer) = sshsig::verify(&e.signature, e.statement.as_bytes()) {
                assert!(!signer.key.is_empty());
                assert!(sshsig::verify(&e.signature, b"other bytes").is_err());
            }
        }
    }
    let text = String::from_utf8_lossy(data);
    let _ = sshsig::verify(&text, data);
    if let Ok(list) = signers::parse(&text) {
        for s in list {
            assert!(!s.key.is_empty());
            assert!(
                s.principals
                    .iter()
                    .all(|p| !p.contains(['*', '?']) && !p.starts_with('!'))
            );
            let _ = s.refuses("bob@example.com", 0);
        }
    }
}

/// Path classification (issue 11 classes 4 and 5). Input: `glob NUL dir NUL suffix NUL
/// target NUL mode-byte` (lossy UTF-8). Properties: folding is idempotent; a resolved link
/// target never leaves the repository; the "could match below a folder" test is sound against
/// globset itself (a glob matching `dir/suffix` makes `dir` match below), in the raw and the
/// folded spelling; classifying any entry under the default policy never panics and gives
/// sorted tiers that include its tier (every tier when protected).
pub fn fuzz_paths(data: &[u8]) {
    use countersign::facts::{Change, ChangedPath};
    use countersign::policy::classify::classify_changed;
    use countersign::policy::pathmatch::{PathGlobs, fold, link_target_path};
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\0');
    let glob = parts.next().unwrap_or_default();
    let dir = parts.next().unwrap_or("src/auth");
    let suffix = parts.next().unwrap_or("x");
    let target = parts.next().unwrap_or("../x");
    let mode = parts.next().and_then(|m| m.bytes().next()).unwrap_or(0);
    let f = fold(dir);
    assert_eq!(fold(&f), f, "fold is not idempotent on {dir:?}");
    if let Some(p) = link_target_path(dir, target) {
        assert!(!p.starts_with('/'), "{dir:?} → {target:?} gave {p:?}");
        if !p.is_empty() {
            assert!(
                p.split('/').all(|c| !matches!(c, "" | "." | "..")),
                "{dir:?} → {target:?} gave {p:?}"
            );
        }
    }
    if glob.len() <= 256
        && !dir.is_empty()
        && !suffix.is_empty()
        && let Ok(g) = PathGlobs::new(&[glob])
    {
        if g.is_match(&format!("{dir}/{suffix}")) {
            assert!(
                g.matches_below(dir, false),
                "{glob:?} matches {dir:?}/{suffix:?}"
            );
        }
        let (fd, fs) = (fold(dir), fold(suffix));
        let folded = countersign::policy::pathmatch::Form {
            text: format!("{fd}/{fs}").into(),
            folded: true,
            below: false,
        };
        if g.matches(&folded) {
            assert!(
                g.matches_below(&fd, true),
                "{glob:?} matches folded {fd:?}/{fs:?}"
            );
        }
    }
    // One policy for every run, as in a real scan (its automata are built once, lazily).
    static POLICY: std::sync::OnceLock<countersign::policy::Policy> = std::sync::OnceLock::new();
    let policy = POLICY.get_or_init(load::default_policy);
    let m = [0o100644, 0o100755, 0o120000, 0o160000][usize::from(mode % 4)];
    let entry = ChangedPath {
        path: dir.to_string(),
        change: Change::Modified,
        old_mode: (mode & 4 != 0).then_some(m),
        new_mode: (mode & 8 != 0).then_some(m),
        link_target: (m == 0o120000).then(|| target.to_string()),
        old_link_target: (mode & 16 != 0).then(|| suffix.to_string()),
    };
    let c = classify_changed(policy, &entry);
    assert!(!c.tiers.is_empty());
    assert!(c.tiers.windows(2).all(|w| w[0] < w[1]));
    assert!(c.tiers.contains(&c.tier));
    if c.protected {
        assert_eq!(c.tiers.len(), policy.tiers.len());
    }
}

/// git's own parent loop (`commit.c: parse_commit_buffer`): the `parent` lines right after
/// a `tree <hex>\n` first line, each exactly `parent <40 hex>\n`; `None` where git errors.
fn git_parents(data: &[u8]) -> Option<Vec<String>> {
    let hex = |b: &[u8]| b.len() == 40 && b.iter().all(u8::is_ascii_hexdigit);
    if data.len() <= 46 || !data.starts_with(b"tree ") || data.get(45) != Some(&b'\n') {
        return None;
    }
    if !hex(data.get(5..45)?) {
        return None;
    }
    let mut at = 46;
    let mut out = Vec::new();
    while at + 47 < data.len() && data.get(at..at + 7) == Some(b"parent ") {
        if data.len() <= at + 48
            || !hex(data.get(at + 7..at + 47)?)
            || data.get(at + 47) != Some(&b'\n')
        {
            return None;
        }
        out.push(String::from_utf8_lossy(data.get(at + 7..at + 47)?).to_lowercase());
        at += 48;
    }
    Some(out)
}

/// Commit header parsing (`git::commit`): never a panic; an accepted object starts with
/// its tree line, has exactly the parents git's own loop reads, one `author` and one
/// `committer` header line that git can split, no NUL in its header, and a message that
/// is the object's tail.
pub fn fuzz_commit_header(data: &[u8]) {
    use countersign::git::commit;
    let parsed = commit::parse(data);
    assert_eq!(parsed, commit::parse(data), "parse is not deterministic");
    let _ = commit::split_ident(data);
    let _ = commit::identity(data);
    let Ok(c) = parsed else {
        return;
    };
    assert!(data.starts_with(format!("tree {}\n", c.tree).as_bytes()));
    assert_eq!(commit::tree_of(data), Some(c.tree));
    let git = git_parents(data).expect("accepted, but git's parser rejects it");
    let ours: Vec<String> = c.parents.iter().map(|p| p.to_string()).collect();
    assert_eq!(ours, git, "parents differ from git's");
    assert!(
        data.ends_with(c.message),
        "the message is not the object's tail"
    );
    let header = data.get(..data.len() - c.message.len()).unwrap_or_default();
    assert!(!header.contains(&0), "NUL in an accepted header");
    let count = |key: &[u8]| {
        header
            .split(|&b| b == b'\n')
            .filter(|l| l.starts_with(key))
            .count()
    };
    assert_eq!(count(b"author "), 1, "author lines");
    assert_eq!(count(b"committer "), 1, "committer lines");
    assert_eq!(count(b"tree "), 1, "tree lines");
    assert!(commit::split_ident(c.author).is_some());
    assert!(commit::split_ident(c.committer).is_some());
}
