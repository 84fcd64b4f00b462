//! Policy loading: every error class with its message and exact line:column, all errors at
//! once, did-you-mean, the DESIGN example, the default policy, and hostile inputs.

use std::path::Path;
use std::time::{Duration, Instant};

use countersign::error::ErrorKind;
use countersign::findings::{Code, Severity};
use countersign::policy::load::DEFAULT_POLICY;
use countersign::policy::{
    AppliesTo, DISCOVERY, HookMode, Involvement, Origin, Policy, PolicyErrors, ReviewMode,
    ReviewModes, default_policy, digest, discover, load,
};

fn fixture(kind: &str, name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/policies")
        .join(kind)
        .join(format!("{name}.yml"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn origin(name: &str) -> Origin {
    Origin::File {
        path: format!("{name}.yml"),
    }
}

fn valid(name: &str) -> Policy {
    match load(&fixture("valid", name), origin(name)) {
        Ok(p) => p,
        Err(e) => panic!("{name} should load:\n{}", e.render_plain()),
    }
}

fn invalid(name: &str) -> PolicyErrors {
    match load(&fixture("invalid", name), origin(name)) {
        Ok(_) => panic!("{name} should be rejected"),
        Err(e) => e,
    }
}

/// The diagnostics as `(line, col, underlined text, message, help)`.
fn located(e: &PolicyErrors) -> Vec<(usize, usize, String, String, String)> {
    e.diagnostics
        .iter()
        .map(|d| {
            let (l, c, t) = match d.span {
                Some(s) => {
                    let (l, c) = e.line_column(s.offset);
                    (l, c, e.source.text[s.offset..s.offset + s.len].to_string())
                }
                None => (0, 0, String::new()),
            };
            (
                l,
                c,
                t,
                d.message.clone(),
                d.help.clone().unwrap_or_default(),
            )
        })
        .collect()
}

/// Asserts `name` reports a diagnostic containing `fragment` at `line:col` underlining `text`.
fn expect(name: &str, fragment: &str, line: usize, col: usize, text: &str) {
    let e = invalid(name);
    let all = located(&e);
    assert!(
        all.iter()
            .any(|(l, c, t, m, _)| m.contains(fragment) && *l == line && *c == col && t == text),
        "{name}: expected `{fragment}` at {line}:{col} on {text:?}, got:\n{all:#?}"
    );
    assert!(e.diagnostics.iter().all(|d| d.severity == Severity::Error));
}

#[test]
fn every_error_class_has_message_and_position() {
    let cases: &[(&str, &str, usize, usize, &str)] = &[
        (
            "unknown-key",
            "unknown key `reveiwers` in `tiers`",
            5,
            5,
            "reveiwers",
        ),
        (
            "unknown-key-required",
            "unknown key `requried_reviewers`",
            5,
            5,
            "requried_reviewers",
        ),
        (
            "unknown-top-key",
            "unknown key `rule` in `policy`",
            7,
            1,
            "rule",
        ),
        (
            "duplicate-key",
            "duplicate key `reviewers` in `tiers` (first given on line 5)",
            6,
            5,
            "reviewers",
        ),
        (
            "yaml11-bool",
            "`change_record` must be true or false, found `no` (use true/false)",
            6,
            20,
            "no",
        ),
        (
            "wrong-type",
            "`reviewers` must be a whole number, found a string",
            5,
            16,
            "two",
        ),
        (
            "out-of-range",
            "`reviewers` must be between 0 and 10, found 11",
            5,
            16,
            "11",
        ),
        ("undefined-tier", "undefined tier `hihg`", 10, 11, "hihg"),
        (
            "undefined-team",
            "undefined team `securty`",
            6,
            22,
            "securty",
        ),
        (
            "duplicate-names",
            "duplicate tier `low` (first defined on line 3)",
            4,
            11,
            "low",
        ),
        (
            "duplicate-names",
            "duplicate rule `a` (first defined on line 7)",
            8,
            13,
            "a",
        ),
        (
            "duplicate-names",
            "duplicate team `t` (first defined on line 10)",
            11,
            13,
            "t",
        ),
        (
            "invalid-glob",
            "invalid glob `src/[auth/**` in `paths`",
            9,
            13,
            "\"src/[auth/**\"",
        ),
        (
            "leading-slash-glob",
            "never matches: paths are relative",
            9,
            13,
            "\"/src/auth/**\"",
        ),
        (
            "empty-paths",
            "a rule's `paths` must list at least one glob",
            9,
            12,
            "[",
        ),
        (
            "invalid-regex",
            "invalid regex in `regex`: unclosed group",
            10,
            30,
            "'^(ABC'",
        ),
        (
            "regex-bomb",
            "regex in `regex` is too big",
            10,
            30,
            "'a{10000}{10000}'",
        ),
        (
            "controls-unknown-tier",
            "undefined tier `hgih`",
            8,
            3,
            "hgih",
        ),
        ("version-2", "unsupported policy version 2", 1, 10, "2"),
        ("missing-version", "the policy has no `version`", 1, 1, ""),
        (
            "missing-default-tier",
            "missing the required key `default_tier`",
            1,
            1,
            "",
        ),
        (
            "syntax-error",
            "not valid YAML: mismatched bracket",
            7,
            28,
            "[",
        ),
        (
            "not-mapping",
            "the policy must be a YAML mapping, found a list",
            1,
            1,
            "",
        ),
        (
            "merge-key",
            "unknown key `<<` in `involvement.generated`",
            10,
            5,
            "<<",
        ),
        ("enum-typo", "invalid review `trailers`", 8, 11, "trailers"),
        (
            "waiver-no-expiry",
            "waiver has no expiry: `expires` is required",
            8,
            9,
            "W-1",
        ),
        (
            "waiver-bad-date",
            "invalid date `2026-02-30` in `expires`",
            13,
            14,
            "2026-02-30",
        ),
        (
            "waiver-no-codes",
            "a waiver must name at least one finding code",
            10,
            12,
            "[",
        ),
        (
            "waiver-missing-codes",
            "`waiver` is missing the required key `codes`",
            8,
            5,
            "",
        ),
        (
            "waiver-unknown-code",
            "unknown finding code `missing-reviewers`",
            10,
            13,
            "missing-reviewers",
        ),
        (
            "waiver-self-approved",
            "may not be approved by the person who requested it",
            14,
            19,
            "C. Chief <CAROL@example.com>",
        ),
        (
            "waiver-approver-format",
            "`approved_by` must be `Name <email>`, found `carol@example.com`",
            12,
            18,
            "carol@example.com",
        ),
        ("waiver-no-scope", "waiver has no scope", 8, 9, "W-1"),
        (
            "waiver-short-commit",
            "waiver `commit: 1a2b` is not a full commit id",
            9,
            13,
            "1a2b",
        ),
        (
            "waiver-abbreviated-commit",
            "waiver `commit: 1a2b3c4d5e6f` is not a full commit id",
            9,
            13,
            "1a2b3c4d5e6f",
        ),
        (
            "baseline-tag",
            "`baseline: v2.3.0` is not a full commit id",
            4,
            11,
            "v2.3.0",
        ),
        (
            "baseline-abbreviated",
            "`baseline: 3f1c0d2e` is not a full commit id",
            4,
            11,
            "3f1c0d2e",
        ),
        (
            "waiver-wildcard",
            "waiver `paths` match every path",
            9,
            12,
            "[",
        ),
        (
            "waiver-no-reason",
            "missing the required key `reason`",
            8,
            5,
            "",
        ),
    ];
    for (name, fragment, line, col, text) in cases {
        expect(name, fragment, *line, *col, text);
    }
}

#[test]
fn every_invalid_fixture_is_rejected_with_spans() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/policies/invalid");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let e = invalid(&name);
        assert!(e.error_count() > 0, "{name}");
        if name != "empty" {
            assert!(
                e.diagnostics.iter().all(|d| d.span.is_some()),
                "{name}: every diagnostic has a span: {:#?}",
                e.diagnostics
            );
        }
        n += 1;
    }
    assert!(n >= 30, "only {n} invalid fixtures");
}

#[test]
fn all_errors_are_reported_at_once() {
    let e = invalid("five-errors");
    let all = located(&e);
    assert_eq!(all.len(), 5, "{all:#?}");
    let want = [
        (4, 5, "unknown key `reveiwers`"),
        (6, 20, "`change_record` must be true or false"),
        (10, 13, "invalid glob `src/[auth/**`"),
        (11, 11, "undefined tier `hihg`"),
        (13, 9, "waiver has no expiry"),
    ];
    for ((l, c, _, m, _), (wl, wc, wm)) in all.iter().zip(want) {
        assert_eq!((*l, *c), (wl, wc), "{m}");
        assert!(m.contains(wm), "{m} should contain {wm}");
    }
    let err: countersign::Error = e.into();
    assert_eq!(err.kind, ErrorKind::Policy);
    assert_eq!(err.message, "invalid policy five-errors.yml: 5 errors");
    assert_eq!(err.help.as_deref(), Some("run `countersign policy check`"));
}

#[test]
fn did_you_mean_for_keys_values_and_names() {
    let help =
        |name: &str| -> Vec<String> { located(&invalid(name)).into_iter().map(|d| d.4).collect() };
    assert!(help("unknown-key").contains(&"did you mean `reviewers`?".to_string()));
    assert!(help("unknown-key-required").contains(&"did you mean `reviewers`?".to_string()));
    assert!(help("unknown-top-key").contains(&"did you mean `rules`?".to_string()));
    assert!(help("undefined-tier").contains(&"did you mean `high`?".to_string()));
    assert!(help("undefined-team").contains(&"did you mean `security`?".to_string()));
    assert!(help("controls-unknown-tier").contains(&"did you mean `high`?".to_string()));
    assert!(help("enum-typo").contains(&"did you mean `trailer`?".to_string()));
    assert!(help("waiver-unknown-code").contains(&"did you mean `missing-reviewer`?".to_string()));
    assert!(
        help("yaml11-bool")
            .iter()
            .any(|h| h.contains("use true/false"))
    );
}

#[test]
fn spans_are_byte_offsets_after_non_ascii_text() {
    let e = invalid("non-ascii");
    let all = located(&e);
    // `beschreibung` on a line after multi-byte comment text.
    assert!(all.iter().any(|(l, c, t, m, _)| (*l, *c) == (6, 19)
        && t == "beschreibung"
        && m.contains("unknown key `beschreibung`")));
    // `nmae` after multi-byte characters on the same line: column counts characters.
    assert!(
        all.iter().any(|(l, c, t, _, h)| (*l, *c) == (7, 35)
            && t == "nmae"
            && h == "did you mean `name`?"),
        "{all:#?}"
    );
}

#[test]
fn miette_renders_every_diagnostic_with_location() {
    let e = invalid("five-errors");
    let mut out = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_width(200)
        .render_report(&mut out, &e)
        .unwrap();
    assert!(
        out.contains("invalid policy five-errors.yml: 5 errors"),
        "{out}"
    );
    for loc in [
        "five-errors.yml:4:5",
        "five-errors.yml:6:20",
        "five-errors.yml:10:13",
        "five-errors.yml:11:11",
        "five-errors.yml:13:9",
    ] {
        assert!(out.contains(loc), "missing {loc} in:\n{out}");
    }
    assert!(out.contains("did you mean `reviewers`?"), "{out}");
    assert!(out.contains("unknown key"), "labels rendered:\n{out}");
    let plain = e.render_plain();
    assert!(
        plain.starts_with("five-errors.yml:4:5: error: unknown key `reveiwers` in `tiers`"),
        "{plain}"
    );
    assert_eq!(plain.lines().count(), 5);
}

#[test]
fn design_example_loads_and_compiles() {
    let p = valid("design-example");
    let names: Vec<&str> = p.tiers.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["low", "standard", "high", "restricted"]);
    assert_eq!(p.default_tier, 1);
    let high = &p.tiers[2];
    assert_eq!(
        (high.reviewers, high.change_record, high.applies_to),
        (2, true, AppliesTo::All)
    );
    assert_eq!(high.reviewers_from, vec![0]);
    assert!(p.tiers[3].ai_forbidden && !p.tiers[2].ai_forbidden);
    assert_eq!(p.involvement.autonomous.extra_reviewers, 1);
    assert_eq!(p.involvement.assisted.extra_reviewers, 0);
    assert_eq!(p.teams[0].members[0].github.as_deref(), Some("alice-ex"));
    assert_eq!(p.evidence.review, ReviewModes::one(ReviewMode::Trailer));
    assert_eq!(p.evidence.change_record_trailers, ["Change-Record", "Refs"]);
    let jira = &p.evidence.change_record_formats[0].regex;
    assert!(jira.is_match("PAY-123") && !jira.is_match("pay 123"));
    assert!(
        p.evidence.change_record_formats[1]
            .regex
            .is_match("CHG0012345")
    );
    // `values: [yes, true]` are strings as written, not booleans.
    assert_eq!(p.detect.trailers[0].values, ["yes", "true"]);
    assert_eq!(p.detect.trailers[0].involvement, Involvement::Assisted);
    assert!(
        p.detect.identities[0]
            .matcher
            .is_match("bot7@AGENTS.example.com")
    );
    assert!(p.detect.branch_matcher.is_match("ai/fix/x"));
    assert_eq!(
        p.waivers[0].scope.commits,
        ["1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"]
    );
    assert_eq!(p.waivers[0].codes, [Code::MissingChangeRecord]);
    assert_eq!(p.waivers[0].expires.to_string(), "2026-12-31");
    assert_eq!(
        p.baseline.as_deref(),
        Some("3f1c0d2e4b5a69788796a5b4c3d2e1f0a9b8c7d6")
    );
    assert_eq!(
        (p.hooks.commit_msg, p.hooks.pre_push),
        (HookMode::Warn, HookMode::Enforce)
    );
    assert_eq!(p.controls[0].0, "high");
    assert_eq!(p.controls[0].1.len(), 2);

    let rule = |n: &str| p.rules.iter().find(|r| r.name == n).unwrap();
    // Case-insensitive on every OS.
    assert!(rule("docs").matcher.is_match("DOCS/Guide.MD"));
    assert!(rule("docs").matcher.is_match("README.md"));
    assert!(rule("docs").matcher.is_match("a/b/c.md"));
    assert!(rule("payments").matcher.is_match("src/Payments/charge.rs"));
    assert!(!rule("payments").matcher.is_match("src/paymentsx/charge.rs"));
    assert_eq!(rule("crypto").tier, 3);
    // Spans point at the written names.
    let r = rule("payments");
    assert_eq!(
        &p.source.text[r.span.offset..r.span.offset + r.span.len],
        "payments"
    );
    assert_eq!(
        &p.source.text[r.tier_span.offset..r.tier_span.offset + r.tier_span.len],
        "high"
    );
    assert_eq!(p.source.digest, digest(p.source.text.as_bytes()));
}

#[test]
fn globs_use_literal_separator_and_backslash_escapes() {
    let p = valid("full");
    let auth = &p.rules[0];
    assert!(auth.matcher.is_match("src/auth/x.rs"));
    assert!(auth.matcher.is_match("SRC/AUTH/x.rs"));
    assert!(
        !auth.matcher.is_match("src/auth/sub/x.rs"),
        "`*` must not cross `/`"
    );
    assert!(auth.matcher.is_match("src/legacy/a/b/c"));
    assert!(
        auth.matcher.is_match("weird[name].rs"),
        "backslash escapes on every OS"
    );
    assert!(!auth.matcher.is_match("weirdn.rs"));
    assert!(p.detect.branch_matcher.is_match("claude/x"));
    assert!(!p.detect.branch_matcher.is_match("claude/x/y"));
    // Plain numbers and booleans in string positions are taken as written.
    assert_eq!(p.detect.trailers[0].values, ["yes", "true", "1"]);
    assert_eq!(
        p.waivers[0].scope.commits,
        [
            "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b",
            "1234567890abcdef1234567890abcdef12345678"
        ]
    );
    assert_eq!(
        p.baseline.as_deref(),
        Some("1234abcd1234abcd1234abcd1234abcd1234abcd")
    );
    assert_eq!(p.teams[0].members[0].email, "alice@example.com");
    assert_eq!(p.tiers[1].reviewers_from, vec![0, 1]);
    assert_eq!(
        p.evidence.review,
        ReviewModes::one(ReviewMode::TrailerAndApproval)
    );
    assert!(!p.detect.builtin);
    assert_eq!(p.waivers[0].scope.rules, vec![0]);
    assert!(
        p.waivers[0]
            .scope
            .path_matcher
            .as_ref()
            .unwrap()
            .is_match("src/auth/a.rs")
    );
    assert_eq!(
        p.waivers[0].requested_by.as_deref(),
        Some("Dan Dev <dan@example.com>")
    );
    assert_eq!(p.controls.len(), 2);
}

#[test]
fn minimal_policy_defaults() {
    let p = valid("minimal");
    assert_eq!(p.default_tier, 0, "a single tier is the default tier");
    assert_eq!(p.evidence.reviewer_trailers, ["Reviewed-by"]);
    assert_eq!(p.evidence.change_record_trailers, ["Change-Record", "Refs"]);
    assert_eq!(p.evidence.declaration_trailers, ["AI-Assisted"]);
    assert!(p.evidence.change_record_formats.is_empty());
    assert!(p.detect.builtin);
    assert_eq!(p.tiers[0].applies_to, AppliesTo::Ai);
    assert_eq!(
        (p.hooks.commit_msg, p.hooks.pre_push),
        (HookMode::Warn, HookMode::Enforce)
    );
    assert!(p.rules.is_empty() && p.waivers.is_empty() && p.baseline.is_none());
}

#[test]
fn protected_paths_cover_policy_and_ci() {
    let p = valid("minimal");
    for d in DISCOVERY {
        assert!(p.protected.is_match(d), "{d}");
        assert!(p.protected_paths.iter().any(|x| x == d));
    }
    for path in [
        ".github/workflows/ci.yml",
        ".github/actions/setup/action.yml",
        ".gitlab-ci.yml",
        ".gitlab/ci/build.yml",
        "CODEOWNERS",
        ".github/CODEOWNERS",
        "docs/CODEOWNERS",
        ".gitlab/CODEOWNERS",
        ".pre-commit-config.yaml",
        ".pre-commit-hooks.yaml",
        "lefthook.yml",
        ".husky/pre-commit",
        "action.yml",
        ".GitHub/Workflows/CI.yml",
    ] {
        assert!(p.protected.is_match(path), "{path}");
    }
    assert!(!p.protected.is_match("src/main.rs"));
    assert!(!p.protected.is_match("sub/action.yml"));
}

#[test]
fn default_policy_is_valid_and_sensible() {
    if let Err(e) = load(DEFAULT_POLICY, Origin::Embedded) {
        panic!("default policy invalid:\n{}", e.render_plain());
    }
    let p = default_policy();
    assert_eq!(p.source.origin, Origin::Embedded);
    let names: Vec<&str> = p.tiers.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["low", "standard", "high"]);
    assert_eq!(p.tiers[p.default_tier].name, "standard");
    assert_eq!(p.tiers[1].reviewers, 1);
    assert!(p.tiers[2].reviewers >= 1 && p.tiers[2].change_record);
    let tier_of = |path: &str| -> Vec<&str> {
        p.rules
            .iter()
            .filter(|r| r.matcher.is_match(path))
            .map(|r| p.tiers[r.tier].name.as_str())
            .collect()
    };
    for high in [
        "Cargo.toml",
        "crates/x/Cargo.lock",
        "web/package-lock.json",
        "go.sum",
        "requirements-dev.txt",
        "pyproject.toml",
        "Gemfile.lock",
        "pom.xml",
        "app/build.gradle.kts",
        "infra/main.tf",
        "modules/net/vpc.tf",
        "deploy/k8s.yaml",
        "Dockerfile",
        "src/auth/login.rs",
        "lib/security/x.py",
        "src/crypto/aes.rs",
        "db/migrations/0001.sql",
        ".github/workflows/ci.yml",
        "src/auth/README.md",
    ] {
        assert!(
            tier_of(high).contains(&"high"),
            "{high}: {:?}",
            tier_of(high)
        );
    }
    for low in ["docs/guide.md", "README.md", "docs/api/index.rst"] {
        assert_eq!(tier_of(low), ["low"], "{low}");
    }
    assert!(tier_of("src/main.rs").is_empty(), "falls to default_tier");
    assert!(p.detect.builtin);
    assert_eq!(p.evidence.review, ReviewModes::one(ReviewMode::Trailer));
    assert_eq!(
        (p.hooks.commit_msg, p.hooks.pre_push),
        (HookMode::Warn, HookMode::Enforce)
    );
}

#[test]
fn alias_bomb_is_rejected_quickly() {
    let mut bomb =
        String::from("version: 1\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..9 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let start = Instant::now();
    let e = load(&bomb, origin("bomb")).expect_err("rejected");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(e.diagnostics.len(), 1);
    assert!(
        e.diagnostics[0].message.contains("safety limit"),
        "{:?}",
        e.diagnostics
    );
    assert!(e.diagnostics[0].span.is_some());
}

#[test]
fn oversized_policy_is_rejected_before_parsing() {
    // Not even valid YAML: it must not be parsed at all.
    let big = format!("version: 1\n# {}\n[[[[", "x".repeat(1024 * 1024));
    let e = load(&big, origin("big")).expect_err("rejected");
    assert_eq!(e.diagnostics.len(), 1);
    assert!(
        e.diagnostics[0]
            .message
            .contains("the limit is 1048576 bytes"),
        "{:?}",
        e.diagnostics
    );
}

#[test]
fn hostile_and_degenerate_documents() {
    let msg = |text: &str| -> String {
        let e = load(text, origin("x")).expect_err("rejected");
        e.diagnostics
            .iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(msg("").contains("empty"));
    assert!(msg("# only a comment\n").contains("empty"));
    assert!(msg("just some words").contains("must be a YAML mapping, found a string"));
    assert!(
        msg("version: 1\ntiers: [{name: a}]\n---\nversion: 1\n").contains("single YAML document")
    );
    let m = msg("version: 1\ntiers: [{name: a}]\nbaseline: !!binary aGVsbG8=\n");
    assert!(
        m.contains("YAML tag `tag:yaml.org,2002:binary` is not allowed"),
        "{m}"
    );
    let m = msg(
        "version: 1\ntiers: [{name: a}]\nrules: [{name: r, paths: [!!str x, !custom y], tier: a}]\n",
    );
    assert_eq!(m.lines().count(), 2, "{m}");
    // Deep nesting hits the depth budget, not the stack.
    let deep = format!("version: 1\nx: {}{}\n", "[".repeat(200), "]".repeat(200));
    assert!(!msg(&deep).is_empty());
    // Every duplicate key is reported, not only the first.
    let dup = "version: 1\nversion: 1\ntiers: [{name: a}]\ntiers: [{name: b}]\n";
    let e = load(dup, origin("dup")).expect_err("rejected");
    assert_eq!(e.diagnostics.len(), 2, "{:#?}", e.diagnostics);
    // A `version` of the wrong type.
    assert!(msg("version: \"1\"\ntiers: [{name: a}]\n").contains("`version` must be the number 1"));
    // Waivers: duplicate ids and undefined rules.
    let w = "version: 1\ntiers: [{name: a}]\nrules: [{name: auth, paths: [x], tier: a}]\nwaivers:\n  - {id: W, rules: [aut], codes: [missing-reviewer], reason: r, approved_by: A B <a@b.c>, expires: 2030-01-01}\n  - {id: W, commit: abcdef1abcdef1abcdef1abcdef1abcdef1abcde, codes: [missing-reviewer], reason: r, approved_by: A B <a@b.c>, expires: 2030-01-01}\n";
    let m = msg(w);
    assert!(
        m.contains("undefined rule `aut`") && m.contains("duplicate waiver `W`"),
        "{m}"
    );
    // `waiver-expired` cannot be waived.
    let w = "version: 1\ntiers: [{name: a}]\nwaivers:\n  - {id: W, commit: abcdef1abcdef1abcdef1abcdef1abcdef1abcde, codes: [waiver-expired], reason: r, approved_by: A B <a@b.c>, expires: 2030-01-01}\n";
    assert!(msg(w).contains("cannot waive `waiver-expired`"));
}

#[test]
fn digest_is_the_git_blob_id() {
    assert_eq!(digest(b""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
    assert_eq!(
        digest(b"hello\n"),
        "ce013625030ba8dba906f756967f9e9ca394464a"
    );
}

#[test]
fn discovery_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    assert_eq!(discover(root), None);
    std::fs::create_dir_all(root.join(".gitlab")).unwrap();
    std::fs::write(root.join(".gitlab/countersign.yml"), "version: 1\n").unwrap();
    assert_eq!(discover(root), Some(root.join(".gitlab/countersign.yml")));
    std::fs::create_dir_all(root.join(".github")).unwrap();
    std::fs::write(root.join(".github/countersign.yml"), "version: 1\n").unwrap();
    assert_eq!(discover(root), Some(root.join(".github/countersign.yml")));
    // A directory with a policy name is not a policy.
    std::fs::create_dir_all(root.join(".countersign.yml")).unwrap();
    std::fs::write(root.join(".countersign.yaml"), "version: 1\n").unwrap();
    assert_eq!(discover(root), Some(root.join(".countersign.yaml")));
}

/// Issue 14: an invalid policy reads the same wherever it is met — every problem a
/// diagnostic of its own with `path:line:column`, then one closing error line; no miette
/// "Error:" prefixes, no second headline style.
#[test]
fn invalid_policy_has_one_error_style_everywhere() {
    let mut r = crate::support::TestRepo::new();
    let bad =
        "version: 1\ntiers:\n  - name: low\n    reviewers: -1\n  - nme: x\ndefault_tier: nope\n";
    r.commit_files("Initial", &[(".countersign.yml", bad), ("a.txt", "a\n")]);
    std::fs::write(r.path().join("msg.txt"), "Subject\n").unwrap();
    let mut seen = Vec::new();
    for args in [
        vec!["check"],
        vec!["policy", "check"],
        vec!["hook", "commit-msg", "msg.txt"],
    ] {
        let out = r
            .command(env!("CARGO_BIN_EXE_countersign"))
            .args(&args)
            .env("NO_COLOR", "1")
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("Error:"), "{args:?}: {err}");
        assert!(!err.contains("countersign::policy"), "{args:?}: {err}");
        for at in [".countersign.yml:4:16", ".countersign.yml:5:5"] {
            assert!(err.contains(at), "{args:?} lacks {at}: {err}");
        }
        let last = err
            .lines()
            .rev()
            .find(|l| !l.starts_with("  "))
            .unwrap_or("")
            .to_string();
        assert!(
            last.starts_with("error[policy]: invalid policy"),
            "{args:?}: {err}"
        );
        // The problems themselves render identically in every command.
        let body: String = err
            .lines()
            .filter(|l| !l.starts_with("error[") && !l.starts_with("  help: fix the"))
            .filter(|l| !l.starts_with("countersign:"))
            .collect::<Vec<_>>()
            .join("\n");
        seen.push(body);
    }
    assert_eq!(seen[0], seen[1]);
    assert_eq!(seen[0], seen[2]);
}
