//! §6 "Trailer parsing and messages": AT-T01 … AT-T24.
//!
//! Code mapping (threats.md → countersign): `NO_REVIEW_TRAILER`, `MALFORMED_IDENTITY`,
//! `UNATTESTED_REVIEW` → `missing-reviewer` (with the rejected reviewer's reason in the report);
//! `NON_TRAILER_IN_BLOCK`, `LINE_ENDINGS`, `CONFUSABLE_KEY`, `CONTROL_CHAR_IN_TRAILER`,
//! `NUL_IN_MESSAGE` → the warning `suspicious-trailer`, which explains why the block or line
//! was not read, next to the error that denies.

use crate::adversarial::common::*;

#[test]
fn at_t01_reviewed_and_approved_passes() {
    let mut r = baseline();
    auth_change(&mut r, &msg("Tighten login", &[BY_BOB, CHG]));
    check_approved(&mut r).assert_pass();
}

#[test]
fn at_t02_prose_after_trailers_denies() {
    let mut r = baseline();
    let m = format!(
        "Tighten login\n\nBody.\n\n{BY_BOB}\n{CHG}\n\nOne more thought after the trailers.\n"
    );
    auth_change(&mut r, &m);
    let out = check_approved(&mut r);
    out.assert_deny("missing-reviewer");
    out.assert_deny("missing-change-record");
}

#[test]
fn at_t03_title_only_trailer_denies() {
    let mut r = baseline();
    auth_change(&mut r, &format!("{BY_BOB}\n"));
    check_approved(&mut r).assert_deny("missing-reviewer");
}

#[test]
fn at_t04_fenced_trailer_denies() {
    let mut r = baseline();
    let m = format!("Tighten login\n\nBody.\n\n```\n{BY_BOB}\n{CHG}\n```\n");
    auth_change(&mut r, &m);
    check_approved(&mut r).assert_deny("missing-reviewer");
}

#[test]
fn at_t05_fence_plus_signoff_is_not_a_block() {
    // git's 25 % rule would accept this block (it holds `Signed-off-by`); the strict
    // profile does not: NON_TRAILER_IN_BLOCK is reported as `suspicious-trailer`.
    let mut r = baseline();
    let m =
        format!("Tighten login\n\nBody.\n\n```\n{BY_BOB}\n```\n{CHG}\nSigned-off-by: {ALICE}\n");
    auth_change(&mut r, &m);
    let out = check_approved(&mut r);
    out.assert_deny("missing-reviewer");
    assert!(out.has("suspicious-trailer"), "{:?}", out.codes());
}

#[test]
fn at_t06_crlf_is_the_same_as_lf() {
    let mut r = baseline();
    let m = msg("Tighten login", &[BY_BOB, CHG]).replace('\n', "\r\n");
    commit_bytes(
        &mut r,
        ALICE,
        m.as_bytes(),
        &[("src/auth/login.rs", "fn login() { check() }\n")],
    );
    check_approved(&mut r).assert_pass();
}

#[test]
fn at_t07_cr_only_line_endings_deny() {
    let mut r = baseline();
    let m = msg("Tighten login", &[BY_BOB, CHG]).replace('\n', "\r");
    commit_bytes(
        &mut r,
        ALICE,
        m.as_bytes(),
        &[("src/auth/login.rs", "fn login() { check() }\n")],
    );
    let out = check_approved(&mut r);
    out.assert_deny("missing-reviewer");
    // LINE_ENDINGS → suspicious-trailer ("CR-only line endings").
    assert!(out.has("suspicious-trailer"), "{:?}", out.codes());
}

#[test]
fn at_t08_key_case_and_space_before_colon_pass() {
    let mut r = baseline();
    auth_change(
        &mut r,
        &msg(
            "Tighten login",
            &["reviewed-BY : Bob Reviewer <bob@corp.example>", CHG],
        ),
    );
    check_approved(&mut r).assert_pass();
}

#[test]
fn at_t09_cyrillic_key_denies() {
    let mut r = baseline();
    auth_change(
        &mut r,
        &msg(
            "Tighten login",
            &["R\u{0435}viewed-by: Bob Reviewer <bob@corp.example>", CHG],
        ),
    );
    let out = check_approved(&mut r);
    out.assert_deny("missing-reviewer");
    // CONFUSABLE_KEY → suspicious-trailer (a look-alike of `Reviewed-by`).
    assert!(out.has("suspicious-trailer"), "{:?}", out.codes());
}

#[test]
fn at_t10_u2010_hyphen_or_fullwidth_colon_denies() {
    for key in ["Reviewed\u{2010}by: ", "Reviewed-by\u{FF1A} "] {
        let mut r = baseline();
        let line = format!("{key}{BOB}");
        auth_change(&mut r, &msg("Tighten login", &[&line, CHG]));
        let out = check_approved(&mut r);
        out.assert_deny("missing-reviewer");
    }
}

#[test]
fn at_t11_zero_width_space_in_identity_denies() {
    for line in [
        "Reviewed-by: B\u{200B}ob Reviewer <bob@corp.example>",
        "Reviewed-by: Bob Reviewer <bob@corp\u{200B}.example>",
    ] {
        let mut r = baseline();
        auth_change(&mut r, &msg("Tighten login", &[line, CHG]));
        let out = check_approved(&mut r);
        out.assert_deny("missing-reviewer");
        // CONTROL_CHAR_IN_TRAILER → suspicious-trailer.
        assert!(out.has("suspicious-trailer"), "{line}: {:?}", out.codes());
    }
}

#[test]
fn at_t12_rlo_in_value_denies() {
    let mut r = baseline();
    auth_change(
        &mut r,
        &msg(
            "Tighten login",
            &["Reviewed-by: Bob Reviewer <bob@corp.example>\u{202E}", CHG],
        ),
    );
    let out = check_approved(&mut r);
    out.assert_deny("missing-reviewer");
    assert!(out.has("suspicious-trailer"), "{:?}", out.codes());
}

#[test]
fn at_t13_nul_before_trailer_block_denies() {
    let mut r = baseline();
    auth_change(&mut r, "Work in progress\n");
    let m = format!("Tighten login\n\nBody\0hidden\n\n{BY_BOB}\n{CHG}\n");
    raw_commit(&mut r, b"", m.as_bytes());
    let out = check_approved(&mut r);
    out.assert_deny("missing-reviewer");
    // NUL_IN_MESSAGE → suspicious-trailer ("contains a NUL byte").
    assert!(out.has("suspicious-trailer"), "{:?}", out.codes());
}

#[test]
fn at_t14_leading_blank_line_denies() {
    let mut r = baseline();
    auth_change(&mut r, "Work in progress\n");
    let m = format!("\n{BY_BOB}\n{CHG}\n");
    raw_commit(&mut r, b"", m.as_bytes());
    check_approved(&mut r).assert_deny("missing-reviewer");
}

#[test]
fn at_t15_three_dash_paragraph_ci_side_passes() {
    // Commit semantics: the `---` line is no divider, the last paragraph is the block.
    let mut r = baseline();
    let m = format!("Tighten login\n\nBody.\n\n---\n\n{BY_BOB}\n{CHG}\n");
    auth_change(&mut r, &m);
    check_approved(&mut r).assert_pass();
}

#[test]
fn at_t15_three_dash_paragraph_hook_equals_ci() {
    let mut r = baseline_trailer_mode();
    let m = format!("Tighten login\n\nBody.\n\n---\n\n{BY_BOB}\n{CHG}\n");
    let file = r.tmp.path().join("COMMIT_EDITMSG");
    std::fs::write(&file, &m).expect("write");
    r.write("src/auth/login.rs", "fn login() { check() }\n");
    r.git(&["add", "-A"]);
    let hook = run(&r, &["hook", "commit-msg", &file.to_string_lossy()], &[]);
    auth_change(&mut r, &m);
    let ci = check_approved(&mut r);
    // The hook has no platform approval, so it can only be stricter, never more lenient.
    assert_eq!(ci.code, 0);
    assert!(hook.code == 0 || hook.code == 1, "{}", hook.stderr);
}

#[test]
fn at_t16_comment_line_in_block_same_verdict_for_every_comment_char() {
    let mut r = baseline();
    let m = format!("Tighten login\n\nBody.\n\n{BY_BOB}\n# note\n{CHG}\n");
    auth_change(&mut r, &m);
    for cc in [None, Some("#"), Some(";"), Some("auto")] {
        match cc {
            Some(c) => {
                r.git(&["config", "core.commentChar", c]);
            }
            None => {
                let _ = r.git_output(&["config", "--unset", "core.commentChar"]);
            }
        }
        let out = check_approved(&mut r);
        out.assert_deny("missing-reviewer");
    }
}

#[test]
fn at_t17_folded_identity_is_unfolded() {
    let mut r = baseline();
    auth_change(
        &mut r,
        &msg(
            "Tighten login",
            &["Reviewed-by: Bob Reviewer\n <bob@corp.example>", CHG],
        ),
    );
    check_approved(&mut r).assert_pass();
}

#[test]
fn at_t18_continuation_adds_second_person_malformed() {
    let mut r = baseline();
    let line = format!("{BY_BOB}\n Mallory <m@x.example>");
    auth_change(&mut r, &msg("Tighten login", &[&line, CHG]));
    let out = check_approved(&mut r);
    out.assert_deny("missing-reviewer");
    assert_eq!(out.reasons(), ["malformed"]);
}

#[test]
fn at_t19_review_in_penultimate_paragraph_denies() {
    let mut r = baseline();
    let m = format!("Tighten login\n\nBody.\n\n{BY_BOB}\n{CHG}\n\nAcked-by: {ALICE}\n");
    auth_change(&mut r, &m);
    check_approved(&mut r).assert_deny("missing-reviewer");
}

#[test]
fn at_t20_empty_or_placeholder_values_malformed() {
    for line in ["Reviewed-by:", "Reviewed-by: TBD", "Reviewed-by: <>"] {
        let mut r = baseline();
        auth_change(&mut r, &msg("Tighten login", &[line, CHG]));
        let out = check_approved(&mut r);
        out.assert_deny("missing-reviewer");
        assert_eq!(out.reasons(), ["malformed"], "{line}");
    }
}

#[test]
fn at_t21_url_line_in_block_denies_whatever_git_says() {
    // git 2.47 reads `https://x` as a trailer (key `https`), git `seen` does not; countersign
    // never asks git, so the verdict is the same on every git version.
    let mut r = baseline();
    auth_change(
        &mut r,
        &msg("Tighten login", &[BY_BOB, "https://example.com/x", CHG]),
    );
    check_approved(&mut r).assert_deny("missing-reviewer");
}

#[test]
fn at_t22_github_squash_separator_cross_check_denies_platform_only_passes() {
    let mut r = baseline();
    let m = format!(
        "Tighten login (#7)\n\n* Tighten login\n\n{BY_BOB}\n{CHG}\n\n---------\n\nCo-authored-by: {COPILOT}\n"
    );
    auth_change(&mut r, &m);
    // Cross-check mode (the baseline): the PR trailers are not in the final block.
    check_approved(&mut r).assert_deny("missing-reviewer");

    // Platform-only mode: bob's approval alone decides; the change record comes from the PR body.
    let head = r.head();
    let policy = POLICY.replace("review: trailer+approval", "review: approval");
    let pfile = r.tmp.path().join("platform-only.yml");
    std::fs::write(&pfile, policy).expect("write policy");
    let pr = serde_json::json!({
        "platform": "github", "number": 7, "title": "Tighten login",
        "body": "Change-Request: CHG-1", "labels": [], "author_login": "alice",
        "head_branch": "feature", "head_sha": head,
        "approvals": [{"login": "bob", "is_bot": false, "commit_id": head}],
    });
    let prf = r.tmp.path().join("pr-platform.json");
    std::fs::write(&prf, pr.to_string()).expect("write pr");
    let out = run(
        &r,
        &[
            "check",
            "HEAD",
            "--format",
            "json",
            "--policy",
            &pfile.to_string_lossy(),
            "--pr",
            &prf.to_string_lossy(),
        ],
        &[],
    );
    out.assert_pass();
}

#[test]
fn at_t23_latin1_identity_denies() {
    // The `encoding` header is not decoded: a trailer line that is not UTF-8 is no evidence
    // (NON_UTF8_IDENTITY → suspicious-trailer + missing-reviewer).
    let mut r = baseline();
    auth_change(&mut r, "Work in progress\n");
    let mut m =
        b"Tighten login\n\nBody.\n\nReviewed-by: B\xf6b Reviewer <bob@corp.example>\n".to_vec();
    m.extend_from_slice(CHG.as_bytes());
    m.push(b'\n');
    raw_commit(&mut r, b"encoding ISO-8859-1\n", &m);
    let out = check_approved(&mut r);
    out.assert_deny("missing-reviewer");
    assert!(out.has("suspicious-trailer"), "{:?}", out.codes());
}

#[test]
fn at_t24_gpgsig_header_continuation_is_not_message() {
    let mut r = baseline();
    auth_change(&mut r, "Work in progress\n");
    let headers = format!(
        "gpgsig -----BEGIN PGP SIGNATURE-----\n \n {BY_BOB}\n {CHG}\n -----END PGP SIGNATURE-----\n"
    );
    raw_commit(
        &mut r,
        headers.as_bytes(),
        b"Tighten login\n\nNo trailers here.\n",
    );
    check_approved(&mut r).assert_deny("missing-reviewer");
}
