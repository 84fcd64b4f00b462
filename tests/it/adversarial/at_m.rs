//! §6 "AI-marker evasion": AT-M01 … AT-M04.

use crate::adversarial::common::*;

#[test]
fn at_m01_bot_author_without_trailers_is_ai_and_needs_review() {
    let mut r = baseline();
    // A non-risky path: only AI involvement makes review necessary here.
    commit_as(
        &mut r,
        COPILOT_BOT,
        "Add helper\n",
        &[("src/util.rs", "fn u() {}\n")],
    );
    let out = check_approved(&mut r);
    out.assert_deny("missing-reviewer");
    let v = out.json();
    assert_eq!(v["commits"][0]["involvement"], "autonomous");

    // With a valid, approved reviewer it passes (autonomous: standard + 0 extra here).
    let mut r = baseline();
    commit_as(
        &mut r,
        COPILOT_BOT,
        &msg("Add helper", &[BY_BOB]),
        &[("src/util.rs", "fn u() {}\n")],
    );
    check_approved(&mut r).assert_pass();
}

#[test]
fn at_m02_no_markers_on_applies_to_all_path_denies() {
    let mut r = baseline();
    auth_change(
        &mut r,
        "Tighten login\n\nWritten with the attribution switched off.\n",
    );
    let out = check_approved(&mut r);
    out.assert_deny("missing-reviewer");
    out.assert_deny("missing-change-record");
    assert_eq!(out.json()["commits"][0]["involvement"], "none");
}

#[test]
fn at_m03_reworded_claude_name_is_matched_by_domain() {
    let mut r = baseline();
    commit_as(
        &mut r,
        ALICE,
        &msg(
            "Add helper",
            &["Co-authored-by: C1aude <noreply@anthropic.com>"],
        ),
        &[("src/util.rs", "fn u() {}\n")],
    );
    let out = check_approved(&mut r);
    out.assert_deny("missing-reviewer");
    assert_ne!(out.json()["commits"][0]["involvement"], "none");
}

#[test]
fn at_m04_squash_by_human_merger_on_risky_path_denies() {
    // The bot's commits were squashed into one commit authored by the human merger: the AI
    // markers are gone, but `applies_to: all` still needs the evidence. (The PR evidence record
    // alternative needs the platform; see the README table.)
    let mut r = baseline();
    commit_as(
        &mut r,
        ALICE,
        "Tighten login (#7)\n\n* Tighten login\n* Address review\n",
        &[("src/auth/login.rs", "fn login() { check() }\n")],
    );
    check_approved(&mut r).assert_deny("missing-reviewer");
}
