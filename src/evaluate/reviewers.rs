//! Reviewer validity: which named reviewers count, and why the others do not.
//!
//! A reviewer counts only if it is exactly one `Name <email>` with a real name; is not a bot
//! or AI identity; is not the author, committer or a co-author (normalised emails, GitHub
//! noreply forms included); is a member of `reviewers_from` when set; and is distinct.
//!
//! `evidence.review` may list several modes ("any of"): the candidates of every listed
//! mode are judged — signed reviews first, then platform approvals, then trailers, so a
//! person who appears in several sources counts once, with the strongest evidence — and
//! each accepted reviewer carries its [`Strength`].

use std::collections::HashSet;

use crate::detect::{is_bot_login, is_machine_identity};
use crate::facts::{Approval, CommitFacts, Identity, PullRequest, SignedReview};
use crate::findings::model::{EvidenceSource, RejectReason, ReviewerCheck, Strength};
use crate::message::identity::{normalize_email, parse_identity};
use crate::message::trailers::Trailer;
use crate::policy::{Policy, ReviewMode, Tier};

/// Everything reviewer checks need about one commit.
pub struct ReviewInput<'a> {
    /// The policy.
    pub policy: &'a Policy,
    /// The commit's tier.
    pub tier: &'a Tier,
    /// The commit.
    pub commit: &'a CommitFacts,
    /// Trailers of the commit's trailer block.
    pub trailers: &'a [Trailer],
    /// The PR, when there is one.
    pub pr: Option<&'a PullRequest>,
    /// Signed reviews found for the commit (git notes).
    pub signed: &'a [SignedReview],
    /// The commit's stable patch-id, when computed.
    pub patch_id: Option<&'a str>,
}

/// True when `key` is one of `keys`, ignoring ASCII case.
pub fn key_in(key: &str, keys: &[String]) -> bool {
    keys.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// Normalised emails of everyone who wrote the change: author, committer, co-authors.
pub(crate) fn writers(commit: &CommitFacts, trailers: &[Trailer]) -> HashSet<String> {
    let mut set = HashSet::new();
    set.insert(normalize_email(&commit.author.email));
    set.insert(normalize_email(&commit.committer.email));
    for t in trailers {
        if t.key.eq_ignore_ascii_case("Co-authored-by")
            && let Ok(id) = parse_identity(&t.value)
        {
            set.insert(normalize_email(&id.email));
        }
    }
    set.remove("");
    set
}

/// Team membership check by email; `true` when the tier names no teams.
fn authorized_email(input: &ReviewInput<'_>, email: &str) -> bool {
    if input.tier.reviewers_from.is_empty() {
        return true;
    }
    let email = normalize_email(email);
    input.tier.reviewers_from.iter().any(|&t| {
        input.policy.teams.get(t).is_some_and(|team| {
            team.members
                .iter()
                .any(|m| normalize_email(&m.email) == email)
        })
    })
}

/// Team names of the tier, for messages.
fn team_names(input: &ReviewInput<'_>) -> String {
    input
        .tier
        .reviewers_from
        .iter()
        .filter_map(|&t| input.policy.teams.get(t).map(|t| t.name.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Does the platform approval `a` come from the person with this email?
fn approval_matches(input: &ReviewInput<'_>, a: &Approval, email: &str) -> bool {
    let email = normalize_email(email);
    if a.email.as_deref().map(normalize_email).as_deref() == Some(email.as_str()) {
        return true;
    }
    // GitHub noreply address names the login.
    if let Some(login) = email.strip_suffix("@users.noreply.github.com")
        && login.eq_ignore_ascii_case(&a.login)
    {
        return true;
    }
    // A team member with this email and this platform login.
    input.policy.teams.iter().flat_map(|t| &t.members).any(|m| {
        normalize_email(&m.email) == email
            && (m
                .github
                .as_deref()
                .is_some_and(|l| l.eq_ignore_ascii_case(&a.login))
                || m.gitlab
                    .as_deref()
                    .is_some_and(|l| l.eq_ignore_ascii_case(&a.login)))
    })
}

/// Approvals that are on the head commit (or whose commit is unknown when the head is unknown).
fn current_approvals(pr: &PullRequest) -> Vec<&Approval> {
    pr.approvals
        .iter()
        .flatten()
        .filter(|a| match (&pr.head_sha, &a.commit_id) {
            (Some(head), Some(c)) => head.eq_ignore_ascii_case(c),
            (Some(_), None) => false,
            (None, _) => true,
        })
        .collect()
}

/// Checks every reviewer candidate of every accepted review mode. Returns the candidates in
/// order (signed reviews, approvals, trailers); accepted ones count.
pub fn check(input: &ReviewInput<'_>) -> Vec<ReviewerCheck> {
    let modes = &input.policy.evidence.review;
    let mut seen = Seen::default();
    let mut out = Vec::new();
    if modes.has(ReviewMode::Signed) {
        out.extend(super::signed::check(input, &mut seen));
    }
    if modes.has(ReviewMode::Approval) {
        out.extend(check_approvals(input, &mut seen));
    }
    if modes.reads_trailers() {
        out.extend(check_trailers(input, &mut seen));
    }
    for c in &mut out {
        c.strength = c.accepted.then(|| match c.source {
            EvidenceSource::SignedReview => Strength::Signed,
            EvidenceSource::Approval => Strength::Platform,
            _ if modes.has(ReviewMode::Trailer) => Strength::Claimed,
            _ => Strength::Platform,
        });
    }
    out
}

/// The people already counted, under every name the policy knows for them (normalised
/// emails, platform logins of team members, GitHub noreply logins), so one person is one
/// reviewer across trailers, approvals and signed reviews.
#[derive(Debug, Default)]
pub(crate) struct Seen(HashSet<String>);

impl Seen {
    /// Every key that names the person with `email` and/or `login`.
    fn keys(policy: &Policy, email: Option<&str>, login: Option<&str>) -> Vec<String> {
        let mut keys = Vec::new();
        let mut logins: Vec<String> = login.map(|l| l.to_ascii_lowercase()).into_iter().collect();
        if let Some(e) = email {
            let e = normalize_email(e);
            if let Some(l) = e.strip_suffix("@users.noreply.github.com") {
                let l = l.rsplit('+').next().unwrap_or(l).to_ascii_lowercase();
                logins.push(l);
            }
            for m in policy.teams.iter().flat_map(|t| &t.members) {
                if normalize_email(&m.email) == e {
                    logins.extend(
                        m.github
                            .iter()
                            .chain(&m.gitlab)
                            .map(|l| l.to_ascii_lowercase()),
                    );
                }
            }
            keys.push(format!("e:{e}"));
        }
        for l in &logins {
            for m in policy.teams.iter().flat_map(|t| &t.members) {
                let has = m
                    .github
                    .iter()
                    .chain(&m.gitlab)
                    .any(|x| x.eq_ignore_ascii_case(l));
                if has {
                    keys.push(format!("e:{}", normalize_email(&m.email)));
                }
            }
            keys.push(format!("l:{l}"));
        }
        keys
    }

    /// Records the person; false when any of their names was already counted.
    pub(crate) fn insert(
        &mut self,
        policy: &Policy,
        email: Option<&str>,
        login: Option<&str>,
    ) -> bool {
        let keys = Self::keys(policy, email, login);
        if keys.iter().any(|k| self.0.contains(k)) {
            return false;
        }
        self.0.extend(keys);
        true
    }
}

pub(crate) fn reject(
    mut c: ReviewerCheck,
    reason: RejectReason,
    detail: impl Into<String>,
) -> ReviewerCheck {
    c.accepted = false;
    c.reason = Some(reason);
    c.detail = Some(detail.into());
    c
}

fn check_trailers(input: &ReviewInput<'_>, seen: &mut Seen) -> Vec<ReviewerCheck> {
    let writers = writers(input.commit, input.trailers);
    let mut out = Vec::new();
    for t in input.trailers {
        if !key_in(&t.key, &input.policy.evidence.reviewer_trailers) {
            continue;
        }
        let base = ReviewerCheck {
            raw: t.value.clone(),
            identity: None,
            source: EvidenceSource::Trailer,
            accepted: true,
            reason: None,
            detail: None,
            span: Some(t.span.clone()),
            strength: None,
        };
        let id = match parse_identity(&t.value) {
            Ok(id) => id,
            Err(e) => {
                out.push(reject(
                    base,
                    RejectReason::Malformed,
                    format!("not exactly one `Name <email>`: {e}"),
                ));
                continue;
            }
        };
        let c = ReviewerCheck {
            identity: Some(id.clone()),
            ..base
        };
        out.push(judge_identity(input, c, &id, &writers, seen));
    }
    out
}

/// The checks every named reviewer goes through: human, not a writer, in `reviewers_from`,
/// not already counted; for a trailer under `trailer+approval` alone, a matching approval.
pub(crate) fn judge_identity(
    input: &ReviewInput<'_>,
    c: ReviewerCheck,
    id: &Identity,
    writers: &HashSet<String>,
    seen: &mut Seen,
) -> ReviewerCheck {
    let email = normalize_email(&id.email);
    if is_machine_identity(id) {
        return reject(
            c,
            RejectReason::NotHuman,
            "a bot or AI identity cannot review",
        );
    }
    if writers.contains(&email) {
        let who = if email == normalize_email(&input.commit.author.email) {
            "the author"
        } else if email == normalize_email(&input.commit.committer.email) {
            "the committer"
        } else {
            "a co-author"
        };
        return reject(
            c,
            RejectReason::SelfReview,
            format!("{} is {who} of this commit", id.email),
        );
    }
    if !authorized_email(input, &id.email) {
        return reject(
            c,
            RejectReason::NotAuthorized,
            format!(
                "{} is not a member of {} (reviewers_from)",
                id.email,
                team_names(input)
            ),
        );
    }
    if !seen.insert(input.policy, Some(&email), None) {
        return reject(
            c,
            RejectReason::Duplicate,
            "this reviewer is already counted",
        );
    }
    let modes = &input.policy.evidence.review;
    if c.source == EvidenceSource::Trailer
        && !modes.has(ReviewMode::Trailer)
        && modes.has(ReviewMode::TrailerAndApproval)
    {
        let approved = input
            .pr
            .map(|pr| {
                current_approvals(pr)
                    .into_iter()
                    .any(|a| !a.is_bot && approval_matches(input, a, &id.email))
            })
            .unwrap_or(false);
        if !approved {
            return reject(
                c,
                RejectReason::Unverified,
                "no platform approval by this person on the head commit",
            );
        }
    }
    c
}

fn check_approvals(input: &ReviewInput<'_>, seen: &mut Seen) -> Vec<ReviewerCheck> {
    let Some(pr) = input.pr else {
        return Vec::new();
    };
    let writers = writers(input.commit, input.trailers);
    let head = pr.head_sha.clone();
    let mut out = Vec::new();
    for a in pr.approvals.iter().flatten() {
        let c = ReviewerCheck {
            raw: a.login.clone(),
            identity: a.email.as_ref().map(|e| Identity {
                name: a.name.clone().unwrap_or_else(|| a.login.clone()),
                email: e.clone(),
            }),
            source: EvidenceSource::Approval,
            accepted: true,
            reason: None,
            detail: None,
            span: None,
            strength: None,
        };
        if a.is_bot || is_bot_login(&a.login) {
            out.push(reject(
                c,
                RejectReason::NotHuman,
                "a bot or AI account cannot approve",
            ));
            continue;
        }
        if a.login.eq_ignore_ascii_case(&pr.author_login) {
            out.push(reject(
                c,
                RejectReason::SelfReview,
                "the PR author cannot approve their own change",
            ));
            continue;
        }
        if let Some(e) = &a.email
            && writers.contains(&normalize_email(e))
        {
            out.push(reject(
                c,
                RejectReason::SelfReview,
                format!("{e} wrote this commit"),
            ));
            continue;
        }
        if let (Some(h), Some(cid)) = (&head, &a.commit_id)
            && !h.eq_ignore_ascii_case(cid)
        {
            out.push(reject(
                c,
                RejectReason::Unverified,
                format!("approved {} but the head is {}", short(cid), short(h)),
            ));
            continue;
        }
        if !input.tier.reviewers_from.is_empty() {
            let member = input.tier.reviewers_from.iter().any(|&t| {
                input.policy.teams.get(t).is_some_and(|team| {
                    team.members.iter().any(|m| {
                        m.github
                            .as_deref()
                            .is_some_and(|l| l.eq_ignore_ascii_case(&a.login))
                            || m.gitlab
                                .as_deref()
                                .is_some_and(|l| l.eq_ignore_ascii_case(&a.login))
                            || a.email
                                .as_deref()
                                .is_some_and(|e| normalize_email(e) == normalize_email(&m.email))
                    })
                })
            });
            if !member {
                out.push(reject(
                    c,
                    RejectReason::NotAuthorized,
                    format!("{} is not a member of {}", a.login, team_names(input)),
                ));
                continue;
            }
        }
        if !seen.insert(input.policy, a.email.as_deref(), Some(&a.login)) {
            out.push(reject(
                c,
                RejectReason::Duplicate,
                "this approver is already counted",
            ));
            continue;
        }
        out.push(c);
    }
    out
}

pub use crate::facts::short_id as short;
