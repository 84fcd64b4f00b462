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
use crate::facts::short_id;
use crate::facts::{Approval, CommitFacts, Identity, PullRequest, SignedReview};
use crate::findings::model::{EvidenceSource, RejectReason, ReviewerCheck, Strength};
use crate::message::identity::{
    GITHUB_NOREPLY, lenient_email, noreply_login, normalize_email, parse_identity,
};
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
    /// The head of the evaluated range: platform approvals count only when they name it.
    pub head: Option<&'a str>,
    /// Signed reviews found for the commit (git notes).
    pub signed: &'a [SignedReview],
    /// The commit's stable patch-id, when computed.
    pub patch_id: Option<&'a str>,
}

/// True when `key` is one of `keys`, ignoring ASCII case.
pub fn key_in(key: &str, keys: &[String]) -> bool {
    keys.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// Trailer keys that name a co-writer of the change (compared without case, `-`, `_` or
/// spaces, so `Co-Authored By` is one too).
const COAUTHOR_KEYS: &[&str] = &["coauthoredby", "codevelopedby"];

/// The co-authorship value of a message line (`Co-authored-by: …`, `Co-developed-by: …`,
/// in any spelling of the key), wherever the line is.
fn coauthor_value(line: &str) -> Option<&str> {
    let line = line.trim_start();
    // Cheap rejection first: this runs on every line of every commit message.
    if !line.starts_with(['c', 'C']) {
        return None;
    }
    let (key, value) = line.split_once(':')?;
    if key.len() > 40 {
        return None;
    }
    let k: String = key
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' ' | '\t'))
        .flat_map(char::to_lowercase)
        .collect();
    COAUTHOR_KEYS.contains(&k.as_str()).then_some(value)
}

/// Every identity key of the person with `email`: the normalised email, plus what the policy
/// knows about the same person — a team member's email for their GitHub noreply address,
/// and the noreply address of a member's `github` login for their email. One person is one
/// reviewer (and one writer) however the address is spelled.
pub fn person_keys(policy: &Policy, email: &str) -> Vec<String> {
    let e = normalize_email(email);
    let mut keys = vec![e.clone()];
    let login = noreply_login(&e).map(str::to_string);
    for m in policy.teams.iter().flat_map(|t| &t.members) {
        let me = normalize_email(&m.email);
        let gh = m.github.as_deref().map(str::to_lowercase);
        let same = me == e || login.as_deref().is_some_and(|l| gh.as_deref() == Some(l));
        if same {
            keys.push(me);
            if let Some(gh) = gh {
                keys.push(format!("{gh}@{GITHUB_NOREPLY}"));
            }
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// Identity keys of everyone who wrote the change: author, committer, and every co-author
/// (`Co-authored-by`, `Co-developed-by`) — from the trailer block and from any other line of
/// the message, read leniently: a malformed co-author line still makes its person a writer.
pub(crate) fn writers(
    policy: &Policy,
    commit: &CommitFacts,
    trailers: &[Trailer],
) -> HashSet<String> {
    let mut set = HashSet::new();
    let mut add = |email: &str| set.extend(person_keys(policy, email));
    add(&commit.author.email);
    add(&commit.committer.email);
    for t in trailers {
        if let Some(e) = coauthor_value(&format!("{}:", t.key)).and(lenient_email(&t.value)) {
            add(&e);
        }
    }
    for line in String::from_utf8_lossy(&commit.message).lines() {
        if let Some(e) = coauthor_value(line).and_then(lenient_email) {
            add(&e);
        }
    }
    set.remove("");
    set
}

/// Every identity key the policy knows for platform login `login` on `platform` (`github`,
/// `gitlab`, else both): team members with that login, the GitHub noreply address, and the
/// email the platform gave. A writer reached through any of them never approves.
fn approver_keys(policy: &Policy, platform: &str, a: &Approval) -> Vec<String> {
    let login = a.login.to_lowercase();
    let (gh, gl) = match platform {
        "github" => (true, false),
        "gitlab" => (false, true),
        _ => (true, true),
    };
    let mut keys = Vec::new();
    if gh {
        keys.extend(person_keys(policy, &format!("{login}@{GITHUB_NOREPLY}")));
    }
    for m in policy.teams.iter().flat_map(|t| &t.members) {
        let hit = (gh
            && m.github
                .as_deref()
                .is_some_and(|l| l.eq_ignore_ascii_case(&login)))
            || (gl
                && m.gitlab
                    .as_deref()
                    .is_some_and(|l| l.eq_ignore_ascii_case(&login)));
        if hit {
            keys.extend(person_keys(policy, &m.email));
        }
    }
    if let Some(e) = &a.email {
        keys.extend(person_keys(policy, e));
    }
    keys
}

/// Team membership check by email (any spelling of a member's address); `true` when the tier
/// names no teams.
fn authorized_email(input: &ReviewInput<'_>, email: &str) -> bool {
    input.tier.reviewers_from.is_empty()
        || email_in_teams(input.policy, &input.tier.reviewers_from, email)
}

/// Is the person with this email (any spelling the policy knows of it) a member of one of
/// `teams` (indices)?
pub fn email_in_teams(policy: &Policy, teams: &[usize], email: &str) -> bool {
    let keys = person_keys(policy, email);
    teams.iter().any(|&t| {
        policy.teams.get(t).is_some_and(|team| {
            team.members
                .iter()
                .any(|m| keys.contains(&normalize_email(&m.email)))
        })
    })
}

/// Is the platform account `login` (with `email`, when the platform gave one) a member of one
/// of `teams`: by its GitHub or GitLab login, or by email?
pub fn login_in_teams(policy: &Policy, teams: &[usize], login: &str, email: Option<&str>) -> bool {
    teams.iter().any(|&t| {
        policy.teams.get(t).is_some_and(|team| {
            team.members.iter().any(|m| {
                m.github
                    .as_deref()
                    .is_some_and(|l| l.eq_ignore_ascii_case(login))
                    || m.gitlab
                        .as_deref()
                        .is_some_and(|l| l.eq_ignore_ascii_case(login))
                    || email.is_some_and(|e| {
                        person_keys(policy, e).contains(&normalize_email(&m.email))
                    })
            })
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

/// Does the platform approval `a` come from the person with this email? (Any identity the
/// policy knows for the approver's login meets any key of the email.)
fn approval_matches(input: &ReviewInput<'_>, a: &Approval, email: &str) -> bool {
    let platform = input.pr.map_or("", |p| p.platform.as_str());
    let mine = person_keys(input.policy, email);
    approver_keys(input.policy, platform, a)
        .iter()
        .any(|k| mine.contains(k))
}

/// The commit a platform approval must name to count: the evaluated head, which must also be
/// the PR's head when the PR names one. `Err` says why no approval can count.
fn approval_head<'a>(input: &ReviewInput<'a>, pr: &'a PullRequest) -> Result<&'a str, String> {
    match (input.head, pr.head_sha.as_deref()) {
        (Some(h), Some(p)) if !h.eq_ignore_ascii_case(p) => Err(format!(
            "the pull/merge request's head is {}, not the evaluated head {}",
            short_id(p),
            short_id(h)
        )),
        (Some(h), _) | (None, Some(h)) => Ok(h),
        (None, None) => Err("the evaluated head commit is unknown".into()),
    }
}

/// Why approval `a` does not count for `head`: it names no commit, or another one (issue 11,
/// class 9: an approval of an earlier push, or one whose commit is unknown, never counts).
fn stale(a: &Approval, head: &str) -> Option<String> {
    match &a.commit_id {
        None => Some("the approval names no commit, so it cannot be tied to the head".into()),
        Some(c) if !c.eq_ignore_ascii_case(head) => Some(format!(
            "approved {} but the head is {}",
            short_id(c),
            short_id(head)
        )),
        Some(_) => None,
    }
}

/// Approvals on the evaluated head commit (none when it cannot be known).
fn current_approvals<'a>(input: &ReviewInput<'a>, pr: &'a PullRequest) -> Vec<&'a Approval> {
    let Ok(head) = approval_head(input, pr) else {
        return Vec::new();
    };
    pr.approvals
        .iter()
        .flatten()
        .filter(|a| stale(a, head).is_none())
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
    let writers = writers(input.policy, input.commit, input.trailers);
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
    let keys = person_keys(input.policy, &id.email);
    let normalized = Identity {
        name: id.name.clone(),
        email: normalize_email(&id.email),
    };
    if is_machine_identity(id) || is_machine_identity(&normalized) {
        return reject(
            c,
            RejectReason::NotHuman,
            "a bot or AI identity cannot review",
        );
    }
    if keys.iter().any(|k| writers.contains(k)) {
        let is = |e: &str| {
            person_keys(input.policy, e)
                .iter()
                .any(|k| keys.contains(k))
        };
        let who = if is(&input.commit.author.email) {
            "the author"
        } else if is(&input.commit.committer.email) {
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
    if !seen.insert(input.policy, Some(&id.email), None) {
        return reject(
            c,
            RejectReason::Duplicate,
            "this reviewer is already counted (the same person, however the address is spelled)",
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
                current_approvals(input, pr)
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
    let writers = writers(input.policy, input.commit, input.trailers);
    let head = approval_head(input, pr);
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
        // Every identity the policy knows for this login (team emails, noreply address, the
        // platform's email): a writer never approves her own change.
        if approver_keys(input.policy, &pr.platform, a)
            .iter()
            .any(|k| writers.contains(k))
        {
            out.push(reject(
                c,
                RejectReason::SelfReview,
                format!(
                    "{} is a writer of this commit (author, committer or co-author)",
                    a.login
                ),
            ));
            continue;
        }
        let why_stale = match &head {
            Ok(h) => stale(a, h),
            Err(why) => Some(why.clone()),
        };
        if let Some(why) = why_stale {
            out.push(reject(c, RejectReason::Unverified, why));
            continue;
        }
        if !input.tier.reviewers_from.is_empty() {
            let member = login_in_teams(
                input.policy,
                &input.tier.reviewers_from,
                &a.login,
                a.email.as_deref(),
            );
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
