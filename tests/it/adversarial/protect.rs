//! Protected refs (issue 12 §1): the push hooks enforce only where a merge lands, and what
//! flows elsewhere can never vouch for history on a protected ref.

use crate::adversarial::common::*;

const ZERO: &str = "0000000000000000000000000000000000000000";

/// The §6 repository (trailer mode; `protect: [main, release/**]`) with one unreviewed
/// risky commit on top of `main`, `main` reset back. Returns (repo, main tip, bad commit).
fn with_bad_commit() -> (TestRepo, String, String) {
    let mut r = baseline_trailer_mode();
    let main = r.head();
    let bad = auth_change(&mut r, "Unreviewed\n");
    r.git(&["reset", "-q", "--hard", &main]);
    (r, main, bad)
}

#[test]
fn unprotected_branch_flows_with_a_note_protected_branch_is_enforced() {
    let (r, main, bad) = with_bad_commit();
    let (code, err) = pre_receive(&r, &format!("{ZERO} {bad} refs/heads/feature/x\n"));
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("not a protected ref"), "{err}");
    assert!(err.contains(&bad[..12]), "{err}");
    let (code, err) = pre_receive(&r, &format!("{main} {bad} refs/heads/main\n"));
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("missing-reviewer"), "{err}");
}

#[test]
fn a_commit_parked_on_an_unprotected_branch_does_not_vouch_for_a_new_protected_one() {
    // The bypass this rule exists for: push the unreviewed commit to `wip` (accepted), then
    // create `release/2` at it. `new --not --all` would hide it behind `wip`.
    let (mut r, _main, bad) = with_bad_commit();
    r.git(&["update-ref", "refs/heads/wip", &bad]);
    let (code, err) = pre_receive(&r, &format!("{ZERO} {bad} refs/heads/release/2\n"));
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("missing-reviewer"), "{err}");
    // Same through an unprotected tag.
    r.git(&["update-ref", "-d", "refs/heads/wip"]);
    r.git(&["update-ref", "refs/tags/parked", &bad]);
    let (code, err) = pre_receive(&r, &format!("{ZERO} {bad} refs/heads/release/3\n"));
    assert_eq!(code, Some(1), "{err}");
}

#[test]
fn refs_pushed_together_do_not_vouch_for_each_other() {
    let (r, _main, bad) = with_bad_commit();
    let input = format!(
        "{ZERO} {bad} refs/heads/release/a\n{ZERO} {bad} refs/heads/release/b\n{ZERO} {bad} refs/tags/v9.0\n"
    );
    let (code, err) = pre_receive(&r, &input);
    assert_eq!(code, Some(1), "{err}");
    for r in [
        "refs/heads/release/a",
        "refs/heads/release/b",
        "refs/tags/v9.0",
    ] {
        assert!(err.contains(r), "{r} not judged:\n{err}");
    }
}

#[test]
fn a_release_tag_needs_every_commit_since_the_previous_release() {
    let (mut r, main, bad) = with_bad_commit();
    // `v1.0` at the unreviewed commit: rejected. A `nightly` tag (not protected): accepted.
    let (code, err) = pre_receive(&r, &format!("{ZERO} {bad} refs/tags/v1.0\n"));
    assert_eq!(code, Some(1), "{err}");
    let (code, err) = pre_receive(&r, &format!("{ZERO} {bad} refs/tags/nightly\n"));
    assert_eq!(code, Some(0), "{err}");
    // An annotated protected tag is peeled to its commit and judged the same.
    r.git(&["tag", "-a", "-m", "release", "v1.1", &bad]);
    let tag = r.rev("refs/tags/v1.1");
    r.git(&["tag", "-d", "v1.1"]);
    let (code, err) = pre_receive(&r, &format!("{ZERO} {tag} refs/tags/v1.1\n"));
    assert_eq!(code, Some(1), "{err}");
    // With an earlier release at `main`, a release of a reviewed commit on top passes: only
    // what is new since `v0.9` is judged.
    r.git(&["update-ref", "refs/tags/v0.9", &main]);
    let good = commit_as(
        &mut r,
        ALICE,
        &msg("Reviewed change", &[BY_BOB, CHG]),
        &[("src/auth/login.rs", "fn login() { ok() }\n")],
    );
    let (code, err) = pre_receive(&r, &format!("{ZERO} {good} refs/tags/v1.2\n"));
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn replace_refs_cannot_be_pushed() {
    let (r, main, bad) = with_bad_commit();
    for line in [
        format!("{ZERO} {main} refs/replace/{bad}\n"),
        format!("{bad} {main} refs/replace/{bad}\n"),
    ] {
        let (code, err) = pre_receive(&r, &line);
        assert_eq!(code, Some(1), "{err}");
        assert!(err.contains("replace refs"), "{err}");
    }
}

#[test]
fn protected_refs_cannot_be_deleted_others_can() {
    let (mut r, main, _bad) = with_bad_commit();
    r.git(&["update-ref", "refs/heads/release/1", &main]);
    r.git(&["update-ref", "refs/heads/topic", &main]);
    r.git(&["update-ref", "refs/tags/v1.0", &main]);
    for (refname, want) in [
        ("refs/heads/main", Some(1)),
        ("refs/heads/release/1", Some(1)),
        ("refs/tags/v1.0", Some(1)),
        ("refs/heads/topic", Some(0)),
    ] {
        let (code, err) = pre_receive(&r, &format!("{main} {ZERO} {refname}\n"));
        assert_eq!(code, want, "{refname}: {err}");
    }
}

#[test]
fn protection_is_the_default_branch_policy_s_word() {
    // `release/1` was cut before the policy protected `release/**`: its own tip's policy
    // does not protect it. The default branch's policy does, and that decides.
    let (mut r, main, _bad) = with_bad_commit();
    let old_policy = POLICY
        .replace("review: trailer+approval", "review: trailer")
        .replace("protect:\n  branches: [main, \"release/**\"]\n", "");
    r.git(&["checkout", "-q", "-b", "release/1"]);
    r.commit_files("Old policy", &[(".countersign.yml", old_policy.as_str())]);
    let rel = r.head();
    let bad = auth_change(&mut r, "Unreviewed on the release branch\n");
    r.git(&["checkout", "-q", "main"]);
    assert_eq!(r.head(), main);
    let (code, err) = pre_receive(&r, &format!("{rel} {bad} refs/heads/release/1\n"));
    assert_eq!(code, Some(1), "{err}");
}
