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

/// Signed reviews for the b25x cases: deterministic ed25519 keys (from fixed seeds) and
/// SSHSIG signatures made in-process, so these stay pure evaluator tests.
mod signed {
    use countersign::evaluate::{self, Context};
    use countersign::facts::{CommitFacts, CommitReviews, SignedReview};
    use countersign::policy::Policy;
    use countersign::review::note;
    use countersign::review::statement::{APPROVE, Reviewer, SCHEMA, Statement};
    use countersign::time::Date;
    use ssh_key::private::Ed25519Keypair;
    use ssh_key::{HashAlg, LineEnding, PrivateKey, SshSig};

    pub fn key(seed: u8) -> PrivateKey {
        PrivateKey::from(Ed25519Keypair::from_seed(&[seed; 32]))
    }

    pub fn public(seed: u8) -> String {
        key(seed).public_key().to_openssh().expect("openssh")
    }

    /// A policy in `signed` mode: Alice (seed 1) and Bob (seed 2) registered.
    pub fn policy(extra: &str) -> Policy {
        super::policy(&format!(
            "version: 1
tiers:
  - name: standard
    reviewers: 1
    applies_to: all
default_tier: standard
teams:
  - name: t
    members:
      - {{ name: Alice Author, email: alice@corp.example, ssh_keys: [\"{}\"] }}
      - {{ name: Bob Reviewer, email: bob@corp.example, ssh_keys: [\"{}\"] }}
evidence:
  review: signed
{extra}",
            public(1),
            public(2)
        ))
    }

    pub fn statement(commit: &CommitFacts, name: &str, email: &str) -> Statement {
        Statement {
            schema: SCHEMA.into(),
            commit: commit.id.clone(),
            tree: "3".repeat(40),
            parents: commit.parents.clone(),
            patch_id: Some("4".repeat(40)),
            reviewer: Reviewer {
                name: name.into(),
                email: email.into(),
            },
            verdict: APPROVE.into(),
            time: 1_704_067_200,
            tool: "test".into(),
            comment: None,
        }
    }

    pub fn signed(s: &Statement, seed: u8, namespace: &str) -> SignedReview {
        let bytes = s.to_bytes();
        let sig = SshSig::sign(&key(seed), namespace, HashAlg::Sha512, &bytes)
            .expect("sign")
            .to_pem(LineEnding::LF)
            .expect("pem");
        assert!(note::dearmor(&sig).is_some());
        SignedReview {
            note_of: s.commit.clone(),
            statement: String::from_utf8(bytes).expect("utf8"),
            signature: sig,
        }
    }

    /// (failing, rejection reasons)
    pub fn judge(p: &Policy, c: &CommitFacts, reviews: Vec<SignedReview>) -> (bool, Vec<String>) {
        let ctx = Context {
            policy: p,
            pr: None,
            branch: None,
            today: Date::parse("2026-06-01").expect("date"),
            head: None,
            explain: false,
            whole_history: false,
        };
        let r = evaluate::evaluate_reviewed(
            &ctx,
            c,
            &CommitReviews {
                patch_id: None,
                signed: reviews,
            },
        )
        .expect("evaluate");
        let reasons = r
            .reviewers
            .iter()
            .filter(|x| !x.accepted)
            .map(|x| x.reason.map(|r| r.as_str()).unwrap_or("?").to_string())
            .collect();
        (r.is_failing(), reasons)
    }
}

/// b250 — issue 12 §2: forged review evidence. A signed statement whose bytes were edited
/// after signing (reviewer renamed, time moved), or signed in another namespace (`git`),
/// must never count; the untouched one does.
#[test]
fn b250_tampered_or_foreign_signed_review_is_not_evidence() {
    let p = signed::policy("");
    let c = commit("Change\n", &["src/x.rs"]);
    let s = signed::statement(&c, "Bob Reviewer", "bob@corp.example");
    let good = signed::signed(&s, 2, "countersign-review");
    assert_eq!(signed::judge(&p, &c, vec![good.clone()]), (false, vec![]));
    let mut renamed = good.clone();
    renamed.statement = renamed.statement.replace("Bob Reviewer", "Bob Reviewed");
    let mut moved = good.clone();
    moved.statement = moved.statement.replace("1704067200", "1704067201");
    let git_ns = signed::signed(&s, 2, "git");
    for r in [renamed, moved, git_ns] {
        assert_eq!(
            signed::judge(&p, &c, vec![r]),
            (true, vec!["unverified".to_string()])
        );
    }
}

/// b251 — issue 12 §2: a valid signature by a key the policy does not register for the
/// person the statement names (an unknown key; Alice's key signing as Bob) is not evidence.
#[test]
fn b251_signed_review_key_must_be_registered_for_that_person() {
    let p = signed::policy("");
    let c = commit("Change\n", &["src/x.rs"]);
    let s = signed::statement(&c, "Bob Reviewer", "bob@corp.example");
    for seed in [9, 1] {
        assert_eq!(
            signed::judge(&p, &c, vec![signed::signed(&s, seed, "countersign-review")]),
            (true, vec!["not-authorized".to_string()])
        );
    }
}

/// b252 — issue 12 §2: a signed review of another commit (copied into this commit's note)
/// does not count; with `survives: rebase` only an equal patch-id does.
#[test]
fn b252_signed_review_of_another_commit_does_not_count() {
    let c = commit("Change\n", &["src/x.rs"]);
    let mut other = c.clone();
    other.id = "5".repeat(40);
    let s = signed::statement(&other, "Bob Reviewer", "bob@corp.example");
    let r = signed::signed(&s, 2, "countersign-review");
    for extra in ["", "  signed_review: { survives: rebase }\n"] {
        let p = signed::policy(extra);
        assert_eq!(
            signed::judge(&p, &c, vec![r.clone()]),
            (true, vec!["wrong-commit".to_string()])
        );
    }
}

/// b253 — issue 12 §2: the author signing her own change with her registered key is a
/// self-review, not evidence.
#[test]
fn b253_self_signed_review_is_not_evidence() {
    let p = signed::policy("");
    let c = commit("Change\n", &["src/x.rs"]);
    let s = signed::statement(&c, "Alice Author", "alice@corp.example");
    assert_eq!(
        signed::judge(&p, &c, vec![signed::signed(&s, 1, "countersign-review")]),
        (true, vec!["self-review".to_string()])
    );
}

/// b254 — issue 12: `review: [signed, approval]` without platform data is decidable (signed
/// reviews can satisfy it), so no exit 2; only when every mode needs the platform is it.
#[test]
fn b254_any_of_review_modes_do_not_demand_platform_data() {
    let c = commit("Change\n", &["src/x.rs"]);
    let s = signed::statement(&c, "Bob Reviewer", "bob@corp.example");
    let p = signed::policy("");
    let text = p
        .source
        .text
        .replace("review: signed", "review: [signed, approval]");
    let p = policy(&text);
    assert_eq!(
        signed::judge(&p, &c, vec![signed::signed(&s, 2, "countersign-review")]),
        (false, vec![])
    );
}
