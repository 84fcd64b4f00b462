//! Signed reviews as evidence (pure: verification is computation).
//!
//! A signed review counts only when, in this order:
//! 1. its statement is a canonical `countersign/review/v1` statement (else `malformed`);
//! 2. its SSHSIG verifies over the exact statement bytes in the `countersign-review`
//!    namespace, with a supported key type (else `unverified`);
//! 3. it names the evaluated commit — or, only with `signed_review: { survives: rebase }`,
//!    a non-merge commit whose stable patch-id equals the evaluated one's (else
//!    `wrong-commit`);
//! 4. the signing key is registered **in the policy being applied** (read from the base in
//!    `ci` and pre-receive) for the email the statement names: a team member's `ssh_keys`
//!    (that member's email) or an exact principal of the allowed-signers file whose options
//!    allow the namespace and the statement's time (else `not-authorized`);
//! 5. the person passes the checks every reviewer passes: human, not a writer of the commit
//!    (author, committer, co-author: `self-review`), in `reviewers_from`, counted once.

use std::collections::HashSet;

use super::reviewers::{ReviewInput, Seen, judge_identity, reject, writers};
use crate::facts::{Identity, SignedReview};
use crate::findings::model::{EvidenceSource, RejectReason, ReviewerCheck};
use crate::message::identity::normalize_email;
use crate::policy::Policy;
use crate::review::sshsig::{self, Failure};
use crate::review::statement::Statement;

/// Judges every signed review of the commit.
pub(crate) fn check(input: &ReviewInput<'_>, seen: &mut Seen) -> Vec<ReviewerCheck> {
    let writers = writers(input.policy, input.commit, input.trailers);
    input
        .signed
        .iter()
        .map(|r| judge(input, r, &writers, seen))
        .collect()
}

fn judge(
    input: &ReviewInput<'_>,
    r: &SignedReview,
    writers: &HashSet<String>,
    seen: &mut Seen,
) -> ReviewerCheck {
    let c = ReviewerCheck {
        raw: format!(
            "signed review in the note of {}",
            crate::facts::short_id(&r.note_of)
        ),
        identity: None,
        source: EvidenceSource::SignedReview,
        accepted: true,
        reason: None,
        detail: None,
        span: None,
        strength: None,
    };
    let stmt = match Statement::parse(r.statement.as_bytes()) {
        Ok(s) => s,
        Err(e) => return reject(c, RejectReason::Malformed, e.0),
    };
    let id = Identity::new(stmt.reviewer.name.clone(), stmt.reviewer.email.clone());
    let c = ReviewerCheck {
        raw: format!("{id} (signed review)"),
        identity: Some(id.clone()),
        ..c
    };
    let signer = match sshsig::verify(&r.signature, r.statement.as_bytes()) {
        Ok(s) => s,
        Err(f @ Failure::Malformed(_)) => return reject(c, RejectReason::Malformed, f.to_string()),
        Err(f) => return reject(c, RejectReason::Unverified, f.to_string()),
    };
    if let Some(why) = wrong_commit(input, &stmt) {
        return reject(c, RejectReason::WrongCommit, why);
    }
    if let Err(why) = registered(input.policy, &signer, &stmt) {
        return reject(c, RejectReason::NotAuthorized, why);
    }
    judge_identity(input, c, &id, writers, seen)
}

/// `None` when the statement is about the evaluated commit (by id, or by patch-id when the
/// policy lets reviews survive a rebase).
fn wrong_commit(input: &ReviewInput<'_>, stmt: &Statement) -> Option<String> {
    let commit = input.commit;
    if stmt.commit.eq_ignore_ascii_case(&commit.id) {
        return None;
    }
    let rebase = input.policy.evidence.signed_review.survives_rebase;
    if rebase
        && !commit.is_merge()
        && stmt.parents.len() <= 1
        && let (Some(p), Some(q)) = (stmt.patch_id.as_deref(), input.patch_id)
        && p.eq_ignore_ascii_case(q)
    {
        return None;
    }
    Some(if rebase {
        format!(
            "the statement reviews {} and its patch-id differs from this commit's",
            crate::facts::short_id(&stmt.commit)
        )
    } else {
        format!(
            "the statement reviews {}, not this commit (a rebased commit needs a new review, or `evidence.signed_review: {{ survives: rebase }}`)",
            crate::facts::short_id(&stmt.commit)
        )
    })
}

/// Is the signer's key registered for the email the statement names?
fn registered(policy: &Policy, signer: &sshsig::Signer, stmt: &Statement) -> Result<(), String> {
    let email = normalize_email(&stmt.reviewer.email);
    let mut others = Vec::new();
    for m in policy.teams.iter().flat_map(|t| &t.members) {
        if m.ssh_keys.contains(&signer.key) {
            if normalize_email(&m.email) == email {
                return Ok(());
            }
            others.push(m.email.clone());
        }
    }
    let mut why = Vec::new();
    if !others.is_empty() {
        others.dedup();
        why.push(format!(
            "the key {} is registered for {}, but the statement names {}",
            signer.fingerprint,
            others.join(", "),
            stmt.reviewer.email
        ));
    }
    if let Some(file) = &policy.evidence.allowed_signers {
        for s in file.signers.iter().flatten() {
            if s.key != signer.key {
                continue;
            }
            match s.refuses(&email, stmt.time) {
                None => return Ok(()),
                Some(r) => why.push(format!("{}: {r}", file.path)),
            }
        }
    }
    if why.is_empty() {
        why.push(format!(
            "the key {} is not registered in the policy (teams' ssh_keys or evidence.allowed_signers)",
            signer.fingerprint
        ));
    }
    Err(why.join("; "))
}
