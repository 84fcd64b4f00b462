//! One test per bypass ever found, named `bNNN_<slug>`, with what it was and where it was
//! found. A bypass is an input that should have failed (or ended in exit 2) and passed.

use countersign::evaluate::{self, Context};
use countersign::facts::{Change, ChangedPath, CommitFacts, Identity};
use countersign::policy::load::load;
use countersign::policy::{Origin, Policy};
use countersign::time::Date;

fn policy(text: &str) -> Policy {
    load(text, Origin::Embedded).unwrap_or_else(|e| panic!("{}", e.render_plain()))
}

fn commit(message: &str, paths: &[&str]) -> CommitFacts {
    CommitFacts {
        id: "1111111111111111111111111111111111111111".into(),
        parents: vec!["2222222222222222222222222222222222222222".into()],
        author: Identity::new("Alice Author", "alice@corp.example"),
        committer: Identity::new("Alice Author", "alice@corp.example"),
        time: 1_704_067_200,
        message: message.as_bytes().to_vec(),
        encoding: None,
        paths: paths
            .iter()
            .map(|p| ChangedPath {
                path: (*p).to_string(),
                change: Change::Modified,
                old_mode: Some(0o100644),
                new_mode: Some(0o100644),
                link_target: None,
            })
            .collect(),
    }
}

fn failing(p: &Policy, c: &CommitFacts) -> bool {
    let ctx = Context {
        policy: p,
        pr: None,
        branch: None,
        today: Date::parse("2026-06-01").expect("date"),
        head: None,
        explain: false,
        whole_history: false,
    };
    evaluate::evaluate_commit(&ctx, c)
        .expect("evaluate")
        .is_failing()
}

/// b001 — found by the `monotone` property test (tests/properties.rs).
/// The tier of a commit was the highest tier of its paths, and only that tier's requirements
/// applied. With the design's own example (`high`: 2 reviewers, change record, `applies_to:
/// all`; above it `restricted`: `ai: forbidden` and nothing else), a human commit to
/// `src/payments/` failed without review — and passed once it also touched one file under
/// `src/crypto/`. Requirements now combine every tier the commit touches.
#[test]
fn b001_touching_a_higher_weaker_tier_dropped_requirements() {
    let p = policy(
        "version: 1
tiers:
  - name: standard
    reviewers: 1
  - name: high
    reviewers: 2
    change_record: true
    applies_to: all
  - name: restricted
    ai: forbidden
default_tier: standard
rules:
  - { name: payments, paths: [\"src/payments/**\"], tier: high }
  - { name: crypto, paths: [\"src/crypto/**\"], tier: restricted }
",
    );
    let m = "Change charge flow\n";
    assert!(failing(&p, &commit(m, &["src/payments/charge.rs"])));
    assert!(
        failing(
            &p,
            &commit(m, &["src/payments/charge.rs", "src/crypto/aes.rs"])
        ),
        "adding a restricted path must not drop the `high` requirements"
    );
    // And via a protected path (the policy file is at least the highest tier).
    assert!(failing(
        &p,
        &commit(m, &["src/payments/charge.rs", ".countersign.yml"])
    ));
    // And via a second rule that matches the same path with the higher, weaker tier.
    let q = policy(&format!(
        "{}  - {{ name: all, paths: [\"**\"], tier: restricted }}\n",
        p.source.text
    ));
    assert!(failing(&q, &commit(m, &["src/payments/charge.rs"])));
}

/// b002 — found by the adversarial suite (AT-P05).
/// A path with an invisible code point (`src/au<U+200C>th/x.rs`, which renders as
/// `src/auth/x.rs` and which git ignores on HFS+) matched no rule, so it got the default tier:
/// a human commit there needed no review. Paths are now also classified without such
/// characters.
#[test]
fn b002_invisible_code_point_in_path_escaped_its_rule() {
    let p = policy(
        "version: 1
tiers:
  - name: low
  - name: auth
    reviewers: 1
    applies_to: all
default_tier: low
rules:
  - { name: auth, paths: [\"src/auth/**\"], tier: auth }
",
    );
    for path in [
        "src/au\u{200c}th/x.rs",
        "src/auth\u{200b}/x.rs",
        "src/\u{202e}auth/x.rs",
        "src/auth/x.rs",
    ] {
        assert!(
            failing(&p, &commit("Add x\n", &[path])),
            "{path:?} escaped the auth rule"
        );
    }
}

/// b003 — found by the adversarial suite (AT-P07).
/// `.gitmodules` decides where submodule content comes from, but it was an ordinary path: a
/// human commit pointing a submodule at another URL needed no review under a policy whose
/// default tier only applies to AI changes. It is now a protected path.
#[test]
fn b003_gitmodules_url_change_was_not_risky() {
    let p = policy(
        "version: 1
tiers:
  - name: standard
    reviewers: 1
  - name: high
    reviewers: 1
    applies_to: all
default_tier: standard
",
    );
    assert!(failing(
        &p,
        &commit("Point submodule elsewhere\n", &[".gitmodules"])
    ));
}

/// b004: the pre-receive parser accepted `0000… 0000… refs/heads/x` (zeros on both sides:
/// neither a create nor a delete). git never sends it; the hook must reject it, not guess.
/// Found when the fuzz harness moved from a test-only parser to the hook's own.
#[test]
fn b004_pre_receive_line_with_two_zero_ids_is_rejected() {
    let zero = "0".repeat(40);
    let line = format!("{zero} {zero} refs/heads/x\n");
    assert!(countersign::platform::hook_lines::parse_pre_receive(line.as_bytes()).is_err());
}

/// A policy where any AI involvement on ordinary code needs one reviewer.
const AI_NEEDS_REVIEW: &str =
    "version: 1\ntiers:\n  - name: standard\n    reviewers: 1\ndefault_tier: standard\n";

/// b600 — found measuring detection on real histories (issue 14, item 5a).
/// A squash body written with literal `\n` escapes put `Co-Authored-By: Claude
/// <noreply@anthropic.com>` in the middle of one long line; only line-start trailer shapes
/// were read, so the AI-assisted commit needed no reviewer. Stable addresses now count
/// wherever they stand under an authorship key.
#[test]
fn b600_mid_line_co_author_was_not_a_marker() {
    let p = policy(AI_NEEDS_REVIEW);
    let msg = r"Fix startup\n\n- Move keychain migration\n\nCo-Authored-By: Claude <noreply@anthropic.com>";
    assert!(failing(&p, &commit(msg, &["src/app.rs"])));
    assert!(!failing(
        &p,
        &commit(r"Fix startup\n\n- Move keychain migration", &["src/app.rs"])
    ));
}

/// b601 — found measuring detection on real histories (issue 14, item 5b).
/// The Codex GitHub App (`chatgpt-codex-connector[bot]`, and the newer `openai-codex[bot]`)
/// co-authors hundreds of commits in some projects; the table did not know either account.
#[test]
fn b601_codex_app_co_author_was_not_a_marker() {
    let p = policy(AI_NEEDS_REVIEW);
    for co in [
        "chatgpt-codex-connector[bot] <199175422+chatgpt-codex-connector[bot]@users.noreply.github.com>",
        "OpenAI Codex <215057067+openai-codex[bot]@users.noreply.github.com>",
    ] {
        let msg = format!("Fix x\n\nCo-authored-by: {co}\n");
        assert!(failing(&p, &commit(&msg, &["src/app.rs"])), "{co}");
    }
}

/// b602 — found measuring detection on real histories (issue 14, item 5c).
/// Tools keep signing with their former names and second addresses: Crush was termai
/// (`noreply@termai.io`) and used `noreply@crush.charm.land`; OpenHands was OpenDevin; Factory's
/// CLI commits as `droid@factory.ai` beside its `factory-droid[bot]` app. None was a marker.
#[test]
fn b602_former_names_and_second_addresses_were_not_markers() {
    let p = policy(AI_NEEDS_REVIEW);
    for co in [
        "termai <noreply@termai.io>",
        "Crush <noreply@crush.charm.land>",
        "OpenDevin <opendevin@opendevin.ai>",
        "Droid <droid@factory.ai>",
    ] {
        let msg = format!("Fix x\n\nCo-Authored-By: {co}\n");
        assert!(failing(&p, &commit(&msg, &["src/app.rs"])), "{co}");
    }
}

/// b603 — found measuring detection on real histories (issue 14, item 5d).
/// Claude Code's footer without its link (`🤖 Generated with Claude Code`, written when the
/// co-author line is switched off) was not a marker.
#[test]
fn b603_footer_without_link_was_not_a_marker() {
    let p = policy(AI_NEEDS_REVIEW);
    for footer in [
        "🤖 Generated with Claude Code",
        "Generated with Claude Code",
    ] {
        let msg = format!("Fix x\n\nBody.\n\n{footer}\n");
        assert!(failing(&p, &commit(&msg, &["src/app.rs"])), "{footer}");
    }
}
