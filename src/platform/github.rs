//! GitHub Actions: the event payload (`$GITHUB_EVENT_PATH`) and the REST reviews JSON → facts.
//!
//! Only commit ids come from the payload; the commit list is always computed with git
//! (`merge-base(base, head)..head`), never taken from `commits[]` (capped) or list APIs
//! (`reference/ci.md` §1.4, threats G4). Titles, bodies, labels and branch names are
//! attacker-controlled: they become plain data here and are never interpreted.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::facts::{Approval, PullRequest};

/// The object id git uses for "no commit" (a new branch's `before`, a deleted branch's `after`).
pub const ZERO_OID: &str = "0000000000000000000000000000000000000000";

/// True for a full hex object id (SHA-1 or SHA-256).
pub fn is_object_id(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// True for an all-zero object id.
pub fn is_zero_oid(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b == b'0')
}

/// The events `countersign ci` understands on GitHub.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// `pull_request` (read-only token; runs on the merge ref).
    PullRequest,
    /// `pull_request_target` (same payload, runs in the base's context).
    PullRequestTarget,
    /// `pull_request_review` (same `pull_request` object; re-evaluates after a review).
    PullRequestReview,
    /// `merge_group` (merge queue).
    MergeGroup,
    /// `push`.
    Push,
}

impl EventKind {
    /// Parses `$GITHUB_EVENT_NAME`.
    pub fn parse(name: &str) -> Option<EventKind> {
        match name {
            "pull_request" => Some(EventKind::PullRequest),
            "pull_request_target" => Some(EventKind::PullRequestTarget),
            "pull_request_review" => Some(EventKind::PullRequestReview),
            "merge_group" => Some(EventKind::MergeGroup),
            "push" => Some(EventKind::Push),
            _ => None,
        }
    }

    /// True for the events that carry a `pull_request` object.
    pub fn has_pull_request(self) -> bool {
        matches!(
            self,
            EventKind::PullRequest | EventKind::PullRequestTarget | EventKind::PullRequestReview
        )
    }
}

/// Where the base of the range comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// A commit id (the PR base tip, the merge group base, the push's `before`).
    Commit(String),
    /// The tip of this branch on the remote (`refs/remotes/origin/<name>`): a push that
    /// created a branch (`before` all zeros) is compared with the default branch.
    RemoteBranch(String),
}

/// What a CI run is about: the base, the head and the PR around them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiEvent {
    /// A short description for messages, e.g. `pull_request #12`.
    pub description: String,
    /// The base of the range (the policy is read from here).
    pub base: Base,
    /// The head commit id.
    pub head: String,
    /// The PR, when the event has one.
    pub pr: Option<PullRequest>,
    /// The branch being checked (for branch markers), when known.
    pub branch: Option<String>,
    /// The full ref the change goes into: the PR/MR's base branch, the merge queue's base,
    /// the pushed branch or tag. `ci` enforces only when the base policy protects it
    /// (`protect:`); `None` (the event does not say) is enforced.
    pub target: Option<String>,
    /// The repository's default branch as the platform names it (`repository.default_branch`,
    /// `CI_DEFAULT_BRANCH`), a full ref: protected when the policy names no branches.
    pub default_branch: Option<String>,
}

/// A branch name as the platform gives it (`main`) as a full ref (`refs/heads/main`).
pub fn branch_ref(name: &str) -> String {
    format!("refs/heads/{name}")
}

fn bad_event(what: &str) -> Error {
    Error::input(format!("the GitHub event payload is not usable: {what}")).with_help(
        "run countersign on the event file GitHub wrote ($GITHUB_EVENT_PATH) for a \
         pull_request, pull_request_target, pull_request_review, merge_group or push event",
    )
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_str()
}

fn sha_at(v: &Value, path: &[&str]) -> Result<String> {
    let name = path.join(".");
    let s = str_at(v, path).ok_or_else(|| bad_event(&format!("`{name}` is missing")))?;
    if !is_object_id(s) {
        return Err(bad_event(&format!("`{name}` is not a full commit id")));
    }
    Ok(s.to_ascii_lowercase())
}

/// Turns the `pull_request` object of a payload into [`PullRequest`] facts.
pub fn pull_request_facts(pr: &Value, number: Option<u64>) -> Result<PullRequest> {
    if !pr.is_object() {
        return Err(bad_event("`pull_request` is not an object"));
    }
    let title = match pr.get("title") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(_) => return Err(bad_event("`pull_request.title` is not a string")),
    };
    let body = match pr.get("body") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(_) => return Err(bad_event("`pull_request.body` is not a string")),
    };
    let labels = match pr.get("labels") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|l| {
                l.get("name")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| bad_event("a label in `pull_request.labels` has no name"))
            })
            .collect::<Result<Vec<_>>>()?,
        Some(_) => return Err(bad_event("`pull_request.labels` is not a list")),
    };
    // Fail closed (issue 11, class 9): the author decides who may not approve and whether an
    // agent opened the PR; the head branch carries branch markers. GitHub always sends them.
    let author_login = str_at(pr, &["user", "login"])
        .filter(|l| !l.is_empty())
        .ok_or_else(|| bad_event("`pull_request.user.login` (the PR author) is missing"))?
        .to_string();
    // `user.type` only adds to detection (a `Bot` author is an agent); without it the login
    // decides (`[bot]` suffix here, the signature table in detect).
    let author_is_bot =
        str_at(pr, &["user", "type"]) == Some("Bot") || author_login.ends_with("[bot]");
    let head_branch = str_at(pr, &["head", "ref"])
        .ok_or_else(|| bad_event("`pull_request.head.ref` (the head branch) is missing"))?
        .to_string();
    let head_sha = sha_at(pr, &["head", "sha"])?;
    let number = number.or_else(|| pr.get("number").and_then(Value::as_u64));
    Ok(PullRequest {
        platform: "github".into(),
        number,
        title,
        body,
        labels,
        author_login,
        author_is_bot,
        head_branch,
        head_sha: Some(head_sha),
        approvals: None,
    })
}

/// The PR number in a merge-queue ref: `refs/heads/gh-readonly-queue/<base>/pr-<n>-<sha>`.
pub fn merge_queue_pr_number(head_ref: &str) -> Option<u64> {
    let last = head_ref.rsplit('/').next()?;
    let rest = last.strip_prefix("pr-")?;
    let (n, sha) = rest.split_once('-')?;
    if !is_object_id(sha) {
        return None;
    }
    n.parse().ok()
}

/// Parses the event payload of `kind` into base, head and PR facts.
pub fn parse_event(kind: EventKind, bytes: &[u8]) -> Result<CiEvent> {
    let v: Value = serde_json::from_slice(bytes)
        .map_err(|e| bad_event(&format!("it is not valid JSON ({e})")))?;
    if !v.is_object() {
        return Err(bad_event("it is not a JSON object"));
    }
    let default_branch = str_at(&v, &["repository", "default_branch"])
        .filter(|b| !b.is_empty())
        .map(branch_ref);
    match kind {
        EventKind::PullRequest | EventKind::PullRequestTarget | EventKind::PullRequestReview => {
            let pr = v
                .get("pull_request")
                .ok_or_else(|| bad_event("it has no `pull_request` object"))?;
            let number = v.get("number").and_then(Value::as_u64);
            let facts = pull_request_facts(pr, number)?;
            let base = sha_at(pr, &["base", "sha"])?;
            let head = sha_at(pr, &["head", "sha"])?;
            let description = match facts.number {
                Some(n) => format!("{} #{n}", event_name(kind)),
                None => event_name(kind).to_string(),
            };
            let target = str_at(pr, &["base", "ref"])
                .filter(|r| !r.is_empty())
                .map(branch_ref);
            Ok(CiEvent {
                description,
                base: Base::Commit(base),
                head,
                branch: Some(facts.head_branch.clone()).filter(|b| !b.is_empty()),
                pr: Some(facts),
                target,
                default_branch,
            })
        }
        EventKind::MergeGroup => {
            let base = sha_at(&v, &["merge_group", "base_sha"])?;
            let head = sha_at(&v, &["merge_group", "head_sha"])?;
            let head_ref = str_at(&v, &["merge_group", "head_ref"]).unwrap_or_default();
            let number = merge_queue_pr_number(head_ref);
            let pr = PullRequest {
                platform: "github".into(),
                number,
                head_sha: Some(head.clone()),
                ..PullRequest::default()
            };
            Ok(CiEvent {
                description: match number {
                    Some(n) => format!("merge_group (PR #{n})"),
                    None => "merge_group".into(),
                },
                base: Base::Commit(base),
                head,
                pr: Some(pr),
                branch: None,
                // A full ref (`refs/heads/main`) in GitHub's payloads.
                target: str_at(&v, &["merge_group", "base_ref"])
                    .filter(|r| !r.is_empty())
                    .map(|r| match r.strip_prefix("refs/heads/") {
                        Some(b) => branch_ref(b),
                        None => branch_ref(r),
                    }),
                default_branch,
            })
        }
        EventKind::Push => {
            let after = str_at(&v, &["after"]).ok_or_else(|| bad_event("`after` is missing"))?;
            if is_zero_oid(after) || v.get("deleted").and_then(Value::as_bool) == Some(true) {
                return Err(Error::input(
                    "the push deleted a branch: there are no commits to check",
                )
                .with_help("run the countersign workflow on pushes that create or update branches (`on: push` with `branches:`), not on deletions"));
            }
            let head = sha_at(&v, &["after"])?;
            let before = str_at(&v, &["before"]).ok_or_else(|| bad_event("`before` is missing"))?;
            // The pushed ref names the branch (branch markers, the default-branch case).
            let git_ref = str_at(&v, &["ref"]).ok_or_else(|| bad_event("`ref` is missing"))?;
            let branch = git_ref.strip_prefix("refs/heads/").map(str::to_string);
            let base = if is_zero_oid(before) {
                let default = str_at(&v, &["repository", "default_branch"])
                    .filter(|b| !b.is_empty())
                    .ok_or_else(|| {
                        Error::incomplete(
                            "the push created a branch (`before` is all zeros) and the payload names no default branch to compare with",
                        )
                        .with_help("run `countersign check BASE..HEAD` with an explicit base")
                    })?;
                if branch.as_deref() == Some(default) {
                    return Err(Error::incomplete(
                        "the push created the default branch itself (`before` is all zeros): there is no base to compare with",
                    )
                    .with_help(
                        "check the whole history once with `countersign check --all`; later pushes have a base",
                    ));
                }
                Base::RemoteBranch(default.to_string())
            } else {
                Base::Commit(sha_at(&v, &["before"])?)
            };
            Ok(CiEvent {
                description: format!("push to {}", branch.as_deref().unwrap_or("a ref")),
                base,
                head,
                pr: None,
                branch,
                target: Some(git_ref.to_string()),
                default_branch,
            })
        }
    }
}

fn event_name(kind: EventKind) -> &'static str {
    match kind {
        EventKind::PullRequest => "pull_request",
        EventKind::PullRequestTarget => "pull_request_target",
        EventKind::PullRequestReview => "pull_request_review",
        EventKind::MergeGroup => "merge_group",
        EventKind::Push => "push",
    }
}

#[derive(Debug, Deserialize)]
struct ReviewUser {
    login: String,
    /// `User` or `Bot`; required, so a bot is never taken for a person.
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Debug, Deserialize)]
struct Review {
    #[serde(default)]
    user: Option<ReviewUser>,
    state: String,
    #[serde(default)]
    commit_id: Option<String>,
}

/// The outcome of reading the reviews JSON.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reviews {
    /// Each human reviewer's latest decisive review, when it is an approval.
    pub approvals: Vec<Approval>,
    /// Reviews that were left out, and why (for stderr).
    pub ignored: Vec<String>,
}

fn bad_reviews(what: impl std::fmt::Display) -> Error {
    Error::input(format!(
        "the reviews file is not the GitHub reviews JSON: {what}"
    ))
    .with_help(
        "pass the body of `GET /repos/{owner}/{repo}/pulls/{number}/reviews?per_page=100&page=N` \
         (one array per page, concatenated); the workflow needs `permissions: pull-requests: read`",
    )
}

/// Reads the REST reviews JSON: one array, or several pages concatenated (`[..][..]` or one
/// array per line). Each user's **latest** review that is not `COMMENTED` (or `PENDING`)
/// decides: `APPROVED` is an approval, `CHANGES_REQUESTED` and `DISMISSED` are not. Bots
/// (`type: Bot`, `[bot]` logins) and the PR author never count. `commit_id` is kept, so the
/// evaluator can require the approval to be on the head commit.
pub fn parse_reviews(bytes: &[u8], pr_author: &str) -> Result<Reviews> {
    if pr_author.is_empty() {
        return Err(Error::input(
            "the PR author is unknown, so an approval by the author could not be told apart",
        )
        .with_help("pass --reviews only for pull_request events, whose payload names the author"));
    }
    let mut pages = 0usize;
    let mut reviews: Vec<Review> = Vec::new();
    for page in serde_json::Deserializer::from_slice(bytes).into_iter::<Value>() {
        let page = page.map_err(|e| bad_reviews(format!("invalid JSON ({e})")))?;
        pages += 1;
        match page {
            Value::Array(items) => {
                for item in items {
                    let r: Review = serde_json::from_value(item)
                        .map_err(|e| bad_reviews(format!("a review is malformed ({e})")))?;
                    reviews.push(r);
                }
            }
            Value::Object(o) => {
                let msg = o
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("an object instead of a list");
                return Err(Error::input(format!(
                    "the reviews file holds an API error instead of reviews: {msg}"
                ))
                .with_help(
                    "give the job `permissions: pull-requests: read` (and `contents: read`) and pass \
                     the token to the action (`token: ${{ github.token }}`); a fork PR under a \
                     restricted token cannot read reviews",
                ));
            }
            _ => return Err(bad_reviews("a page is not a list")),
        }
    }
    if pages == 0 {
        return Err(bad_reviews("the file is empty"));
    }
    // Latest decisive state per user, in API (chronological) order.
    let mut latest: HashMap<String, (usize, &Review)> = HashMap::new();
    let mut out = Reviews::default();
    for (i, r) in reviews.iter().enumerate() {
        let Some(user) = &r.user else {
            out.ignored
                .push("a review by a deleted account (no user)".to_string());
            continue;
        };
        match r.state.as_str() {
            "COMMENTED" | "PENDING" => continue,
            _ => {
                latest.insert(user.login.to_ascii_lowercase(), (i, r));
            }
        }
    }
    let mut decisive: Vec<(usize, &Review)> = latest.into_values().collect();
    decisive.sort_by_key(|(i, _)| *i);
    for (_, r) in decisive {
        let Some(user) = &r.user else { continue };
        if r.state != "APPROVED" {
            continue;
        }
        let is_bot = user.kind == "Bot" || user.login.ends_with("[bot]");
        if is_bot {
            out.ignored
                .push(format!("approval by {}: a bot account", user.login));
            continue;
        }
        if user.login.eq_ignore_ascii_case(pr_author) {
            out.ignored
                .push(format!("approval by {}: the PR author", user.login));
            continue;
        }
        let commit_id = match &r.commit_id {
            Some(c) if is_object_id(c) => Some(c.to_ascii_lowercase()),
            Some(_) => return Err(bad_reviews("a review's `commit_id` is not a commit id")),
            None => {
                // Kept (so the report names it), but an approval of no known commit never
                // counts for any head (issue 11, class 9).
                out.ignored.push(format!(
                    "approval by {}: it names no commit (`commit_id` is null), so it counts for no head",
                    user.login
                ));
                None
            }
        };
        out.approvals.push(Approval {
            login: user.login.clone(),
            name: None,
            email: None,
            is_bot: false,
            commit_id,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    fn review(login: &str, kind: &str, state: &str, commit: &str) -> String {
        format!(
            r#"{{"id":1,"user":{{"login":"{login}","type":"{kind}"}},"state":"{state}","commit_id":"{commit}"}}"#
        )
    }

    #[test]
    fn latest_non_comment_review_decides() {
        let page1 = format!(
            "[{},{}]",
            review("bob", "User", "APPROVED", A),
            review("carol", "User", "APPROVED", A)
        );
        let page2 = format!(
            "[{},{},{}]",
            review("bob", "User", "COMMENTED", B),
            review("carol", "User", "CHANGES_REQUESTED", B),
            review("dave", "User", "APPROVED", B)
        );
        for joined in [format!("{page1}{page2}"), format!("{page1}\n{page2}\n")] {
            let r = parse_reviews(joined.as_bytes(), "alice").expect("parses");
            let logins: Vec<_> = r.approvals.iter().map(|a| a.login.as_str()).collect();
            assert_eq!(logins, ["bob", "dave"]);
            assert_eq!(r.approvals[0].commit_id.as_deref(), Some(A));
        }
    }

    #[test]
    fn dismissed_approval_does_not_count() {
        let j = format!(
            "[{},{}]",
            review("bob", "User", "APPROVED", A),
            review("bob", "User", "DISMISSED", A)
        );
        assert!(
            parse_reviews(j.as_bytes(), "alice")
                .unwrap()
                .approvals
                .is_empty()
        );
    }

    #[test]
    fn bots_and_author_never_count() {
        let j = format!(
            "[{},{},{}]",
            review("renovate", "Bot", "APPROVED", A),
            review("copilot-pull-request-reviewer[bot]", "User", "APPROVED", A),
            review("Alice", "User", "APPROVED", A)
        );
        let r = parse_reviews(j.as_bytes(), "alice").unwrap();
        assert!(r.approvals.is_empty());
        assert_eq!(r.ignored.len(), 3);
    }

    #[test]
    fn malformed_reviews_fail_closed() {
        for bad in [
            "",
            "  ",
            "{\"message\":\"Resource not accessible by integration\"}",
            "[1]",
            "[{\"user\":{\"login\":\"x\"}}]",
            "[] garbage",
            "\"text\"",
        ] {
            assert!(parse_reviews(bad.as_bytes(), "a").is_err(), "{bad:?}");
        }
        // No `type`: a bot could pass for a person. No PR author: self-approval unseen.
        let no_type =
            format!(r#"[{{"user":{{"login":"x"}},"state":"APPROVED","commit_id":"{A}"}}]"#);
        assert!(parse_reviews(no_type.as_bytes(), "a").is_err());
        assert!(parse_reviews(b"[]", "").is_err());
        assert!(parse_reviews(b"[][]", "a").unwrap().approvals.is_empty());
    }

    #[test]
    fn pull_request_event_facts() {
        let ev = format!(
            r#"{{"number":7,"pull_request":{{"title":"T","body":null,"labels":[{{"name":"ai-assisted"}}],
            "user":{{"login":"Copilot","type":"Bot"}},"head":{{"ref":"copilot/fix","sha":"{B}"}},
            "base":{{"ref":"main","sha":"{A}"}}}}}}"#
        );
        let e = parse_event(EventKind::PullRequest, ev.as_bytes()).unwrap();
        assert_eq!(e.base, Base::Commit(A.into()));
        assert_eq!(e.head, B);
        let pr = e.pr.unwrap();
        assert_eq!(pr.body, "");
        assert_eq!(pr.labels, ["ai-assisted"]);
        assert!(pr.author_is_bot);
        assert_eq!(pr.number, Some(7));
        assert_eq!(pr.head_branch, "copilot/fix");
    }

    #[test]
    fn push_zero_before_uses_default_branch() {
        let ev = format!(
            r#"{{"ref":"refs/heads/feature","before":"{ZERO_OID}","after":"{B}","repository":{{"default_branch":"main"}}}}"#
        );
        let e = parse_event(EventKind::Push, ev.as_bytes()).unwrap();
        assert_eq!(e.base, Base::RemoteBranch("main".into()));
        let ev = ev.replace("refs/heads/feature", "refs/heads/main");
        assert!(parse_event(EventKind::Push, ev.as_bytes()).is_err());
        let ev = format!(r#"{{"ref":"refs/heads/x","before":"{ZERO_OID}","after":"{B}"}}"#);
        assert!(parse_event(EventKind::Push, ev.as_bytes()).is_err());
    }

    #[test]
    fn bad_payloads_fail_closed() {
        for bad in [
            "not json",
            "[]",
            "{}",
            r#"{"pull_request":{"head":{"sha":"HEAD~3"},"base":{"sha":"main"}}}"#,
        ] {
            assert!(parse_event(EventKind::PullRequest, bad.as_bytes()).is_err());
        }
    }

    #[test]
    fn merge_queue_number() {
        assert_eq!(
            merge_queue_pr_number(&format!("refs/heads/gh-readonly-queue/main/pr-42-{A}")),
            Some(42)
        );
        assert_eq!(merge_queue_pr_number("refs/heads/main"), None);
    }
}
