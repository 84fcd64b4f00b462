//! §6 "Identity and attestation": AT-I01 … AT-I08 (AT-I09/AT-I10 need a ticket system; see
//! the README table).
//!
//! Code mapping: `UNATTESTED_REVIEW`, `STALE_APPROVAL`, `CONFUSABLE_IDENTITY` →
//! `missing-reviewer` with reason `unverified` (cross-check mode: the trailer's person has no
//! platform approval on the head commit); `REVIEWER_IS_AUTHOR`, `REVIEWER_IS_INITIATOR`,
//! `REVIEWER_IS_PUSHER` → reason `self-review`; `REVIEWER_IS_BOT` → `not-human`;
//! `REVIEWER_NOT_ALLOWED` → `not-authorized`.

use crate::adversarial::common::*;

#[test]
fn at_i01_bot_commit_with_unattested_review_denies() {
    let mut r = baseline();
    commit_as(
        &mut r,
        COPILOT_BOT,
        &msg("Tighten login", &[BY_BOB, CHG]),
        &[("src/auth/login.rs", "fn login() { check() }\n")],
    );
    // No platform approval by bob (an approval list that does not include him).
    let out = check_with(&mut r, "HEAD", Some(&[]));
    out.assert_deny("missing-reviewer");
    assert_eq!(out.reasons(), ["unverified"]);
}

#[test]
fn at_i02_author_reviews_own_change_denies() {
    // Alice is in security-reviewers, approved on the platform, and names herself with a
    // case and +tag variant of her address.
    let mut r = baseline();
    auth_change(
        &mut r,
        &msg(
            "Tighten login",
            &["Reviewed-by: ALICE <ALICE+x@corp.example>", CHG],
        ),
    );
    let head = r.head();
    let out = check_with(&mut r, "HEAD", Some(&[("alice", false, &head)]));
    out.assert_deny("missing-reviewer");
    assert_eq!(out.reasons(), ["self-review"]);
}

#[test]
fn at_i03_initiator_co_author_approval_does_not_count() {
    // Copilot's commits are authored by the bot and co-authored by the human who assigned the
    // issue: that human is a writer of the change, so their review is a self-review.
    let mut r = baseline();
    let coauthor = format!("Co-authored-by: {BOB}");
    commit_as(
        &mut r,
        COPILOT_BOT,
        &msg("Tighten login", &[&coauthor, BY_BOB, CHG]),
        &[("src/auth/login.rs", "fn login() { check() }\n")],
    );
    let out = check_approved(&mut r);
    out.assert_deny("missing-reviewer");
    assert_eq!(out.reasons(), ["self-review"]);
}

#[test]
fn at_i04_bot_approval_does_not_count() {
    let mut r = baseline();
    let bot =
        "Reviewed-by: github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>";
    auth_change(&mut r, &msg("Tighten login", &[bot, CHG]));
    let head = r.head();
    let out = check_with(
        &mut r,
        "HEAD",
        Some(&[("github-actions[bot]", true, &head)]),
    );
    out.assert_deny("missing-reviewer");
    assert_eq!(out.reasons(), ["not-human"]);
}

#[test]
fn at_i05_reviewer_who_pushed_a_fixup_does_not_count() {
    // Bob commits the fix-up himself (he is its committer), then approves it.
    let mut r = baseline();
    r.write("src/auth/login.rs", "fn login() { check(); fixup() }\n");
    r.git(&["add", "-A"]);
    let m = msg("Fix review comments", &[BY_BOB, CHG]);
    let out = r
        .command("git")
        .args(["commit", "-q", "--author", ALICE, "-m", &m])
        .env("GIT_COMMITTER_NAME", "Bob Reviewer")
        .env("GIT_COMMITTER_EMAIL", "bob@corp.example")
        .output()
        .expect("git commit");
    assert!(out.status.success());
    let out = check_approved(&mut r);
    out.assert_deny("missing-reviewer");
    assert_eq!(out.reasons(), ["self-review"]);
}

#[test]
fn at_i06_stale_approval_denies() {
    let mut r = baseline();
    let x = auth_change(&mut r, &msg("Tighten login", &[BY_BOB, CHG]));
    // The agent pushes Y after bob approved X.
    commit_as(
        &mut r,
        COPILOT_BOT,
        &msg("Address review", &[BY_BOB, CHG]),
        &[("src/auth/login.rs", "fn login() { check(); more() }\n")],
    );
    let out = check_with(&mut r, "HEAD", Some(&[("bob", false, &x)]));
    out.assert_deny("missing-reviewer");
    assert_eq!(out.reasons(), ["unverified"]);
}

#[test]
fn at_i07_reviewer_outside_the_group_denies() {
    let mut r = baseline();
    auth_change(
        &mut r,
        &msg(
            "Tighten login",
            &["Reviewed-by: Carol Coder <carol@corp.example>", CHG],
        ),
    );
    let head = r.head();
    let out = check_with(&mut r, "HEAD", Some(&[("carol", false, &head)]));
    out.assert_deny("missing-reviewer");
    assert_eq!(out.reasons(), ["not-authorized"]);
}

#[test]
fn at_i08_confusable_reviewer_email_denies() {
    // `exampIe` with a capital I: not bob's address, so it matches neither the team nor
    // bob's approval. (No separate CONFUSABLE_IDENTITY code: the reviewer is rejected.)
    let mut r = baseline();
    auth_change(
        &mut r,
        &msg(
            "Tighten login",
            &["Reviewed-by: Bob Reviewer <bob@corp.exampIe>", CHG],
        ),
    );
    let out = check_approved(&mut r);
    out.assert_deny("missing-reviewer");
    assert_eq!(out.reasons().len(), 1);
}
