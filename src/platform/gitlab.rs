//! GitLab CI: predefined `CI_*` variables, the merge-request JSON and the approvals JSON → facts.
//!
//! Merge-request pipelines carry the MR in `CI_MERGE_REQUEST_*` variables
//! (`reference/ci.md` §2.1); the description there is cut at 2,700 characters, so a truncated
//! description without the full MR JSON (`--mr FILE`) ends the run with exit 2 rather than
//! missing a marker or a change record past the cut. Branch pipelines use
//! `CI_COMMIT_BEFORE_SHA..CI_COMMIT_SHA`; an all-zero `before` compares with the default branch.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::facts::{Approval, PullRequest};
use crate::platform::env::Env;
use crate::platform::github::{Base, CiEvent, branch_ref, is_object_id, is_zero_oid};

/// A GitLab run: the event, plus what the caller must still settle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitlabRun {
    /// Base, head and MR facts.
    pub event: CiEvent,
    /// `CI_MERGE_REQUEST_DESCRIPTION_IS_TRUNCATED=true`: the description is only a prefix.
    pub description_truncated: bool,
    /// The MR's target branch (its remote-tracking tip, when fetched, is a fresher base).
    pub target_branch: Option<String>,
    /// `CI_MERGE_REQUEST_DIFF_BASE_SHA` (may be stale when the target moved).
    pub diff_base: Option<String>,
    /// MR variables that were not set (`CI_MERGE_REQUEST_TITLE`, `…_DESCRIPTION` before
    /// GitLab 16.7): without the MR JSON (`--mr`) the run cannot see the whole MR (exit 2).
    pub missing: Vec<&'static str>,
}

/// `CI_DEFAULT_BRANCH` as a full ref.
fn default_branch(env: &dyn Env) -> Option<String> {
    env.get("CI_DEFAULT_BRANCH")
        .filter(|b| !b.is_empty())
        .map(|b| branch_ref(&b))
}

fn sha_var(env: &dyn Env, name: &str) -> Result<Option<String>> {
    match env.get(name) {
        None => Ok(None),
        Some(v) if is_object_id(&v) => Ok(Some(v.to_ascii_lowercase())),
        Some(_) => Err(Error::input(format!("{name} is not a full commit id"))
            .with_help("run countersign inside the GitLab job, whose predefined variables set it")),
    }
}

fn required_sha(env: &dyn Env, name: &str) -> Result<String> {
    sha_var(env, name)?.ok_or_else(|| {
        Error::input(format!("{name} is not set")).with_help(
            "run countersign as a GitLab CI job (the predefined CI_* variables are needed)",
        )
    })
}

/// Reads the job's variables: a merge-request pipeline when `CI_MERGE_REQUEST_IID` is set,
/// else a branch pipeline.
pub fn from_env(env: &dyn Env) -> Result<GitlabRun> {
    if let Some(iid) = env.get("CI_MERGE_REQUEST_IID") {
        // The MR number ties the MR and approvals files to this MR: it must be readable.
        let number = Some(iid.trim().parse::<u64>().map_err(|_| {
            Error::input(format!("CI_MERGE_REQUEST_IID `{iid}` is not an MR number")).with_help(
                "run countersign inside the GitLab merge-request pipeline, which sets it",
            )
        })?);
        let merged_result = matches!(
            env.get("CI_MERGE_REQUEST_EVENT_TYPE").as_deref(),
            Some("merged_result" | "merge_train")
        );
        // In merged-results pipelines CI_COMMIT_SHA is a temporary merge commit; the MR head
        // is CI_MERGE_REQUEST_SOURCE_BRANCH_SHA.
        let head = match sha_var(env, "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA")? {
            Some(h) if merged_result => h,
            _ => required_sha(env, "CI_COMMIT_SHA")?,
        };
        let diff_base = sha_var(env, "CI_MERGE_REQUEST_DIFF_BASE_SHA")?;
        let target_sha = if merged_result {
            sha_var(env, "CI_MERGE_REQUEST_TARGET_BRANCH_SHA")?
        } else {
            None
        };
        let base = match target_sha.or_else(|| diff_base.clone()) {
            Some(b) => Base::Commit(b),
            None => {
                return Err(Error::incomplete(
                    "the merge-request pipeline has no CI_MERGE_REQUEST_DIFF_BASE_SHA: no base to compare with",
                )
                .with_help("run the job in a merge-request pipeline (`rules: - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"`) on GitLab ≥ 13.7"));
            }
        };
        let labels = env
            .get("CI_MERGE_REQUEST_LABELS")
            .map(|l| {
                l.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let mut missing = Vec::new();
        let head_branch = env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME");
        let head_branch = head_branch.unwrap_or_else(|| {
            missing.push("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME");
            String::new()
        });
        let title = env.get("CI_MERGE_REQUEST_TITLE");
        if title.is_none() {
            missing.push("CI_MERGE_REQUEST_TITLE");
        }
        let body = env.get("CI_MERGE_REQUEST_DESCRIPTION");
        if body.is_none() {
            missing.push("CI_MERGE_REQUEST_DESCRIPTION");
        }
        let pr = PullRequest {
            platform: "gitlab".into(),
            number,
            title: title.unwrap_or_default(),
            body: body.unwrap_or_default(),
            labels,
            author_login: String::new(),
            author_is_bot: false,
            head_branch: head_branch.clone(),
            head_sha: Some(head.clone()),
            approvals: None,
        };
        return Ok(GitlabRun {
            event: CiEvent {
                description: match number {
                    Some(n) => format!("merge request !{n}"),
                    None => "merge request".into(),
                },
                base,
                head,
                pr: Some(pr),
                branch: Some(head_branch).filter(|b| !b.is_empty()),
                target: env
                    .get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME")
                    .filter(|b| !b.is_empty())
                    .map(|b| branch_ref(&b)),
                default_branch: default_branch(env),
            },
            description_truncated: env
                .get("CI_MERGE_REQUEST_DESCRIPTION_IS_TRUNCATED")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
            target_branch: env.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME"),
            diff_base,
            missing,
        });
    }
    let head = required_sha(env, "CI_COMMIT_SHA")?;
    let branch = env.get("CI_COMMIT_BRANCH");
    let before = env.get("CI_COMMIT_BEFORE_SHA").unwrap_or_default();
    let base = if before.is_empty() || is_zero_oid(&before) {
        let default = env.get("CI_DEFAULT_BRANCH").ok_or_else(|| {
            Error::incomplete(
                "CI_COMMIT_BEFORE_SHA is all zeros and CI_DEFAULT_BRANCH is not set: no base to compare with",
            )
            .with_help("run `countersign check BASE..HEAD` with an explicit base")
        })?;
        if branch.as_deref() == Some(default.as_str()) {
            return Err(Error::incomplete(
                "a pipeline on the default branch without a previous commit (CI_COMMIT_BEFORE_SHA is all zeros): there is no base to compare with",
            )
            .with_help("check the whole history once with `countersign check --all`; pushes to the default branch have a base"));
        }
        Base::RemoteBranch(default)
    } else {
        Base::Commit(required_sha(env, "CI_COMMIT_BEFORE_SHA")?)
    };
    Ok(GitlabRun {
        event: CiEvent {
            description: format!(
                "pipeline on {}",
                branch.as_deref().unwrap_or("a detached commit")
            ),
            base,
            head,
            pr: None,
            target: match (&branch, env.get("CI_COMMIT_TAG").filter(|t| !t.is_empty())) {
                (Some(b), _) if !b.is_empty() => Some(branch_ref(b)),
                (_, Some(t)) => Some(format!("refs/tags/{t}")),
                _ => None,
            },
            branch,
            default_branch: default_branch(env),
        },
        description_truncated: false,
        target_branch: None,
        diff_base: None,
        missing: Vec::new(),
    })
}

fn bad_mr(what: impl std::fmt::Display) -> Error {
    Error::input(format!(
        "the merge-request file is not the GitLab MR JSON: {what}"
    ))
    .with_help(
        "pass the body of `GET /projects/:id/merge_requests/:iid` (a token with `read_api`; \
         CI_JOB_TOKEN cannot read merge requests)",
    )
}

/// True for GitLab bot accounts: `bot: true`, `[bot]` logins, project/group access-token bots.
fn gitlab_bot(user: &Value, login: &str) -> bool {
    if user.get("bot").and_then(Value::as_bool) == Some(true) {
        return true;
    }
    if login.ends_with("[bot]") {
        return true;
    }
    let mut parts = login.split('_');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some("project" | "group"), Some(id), Some("bot")) if id.bytes().all(|b| b.is_ascii_digit())
    )
}

/// Applies the full MR JSON (`GET /projects/:id/merge_requests/:iid`) to `pr`: title, the
/// untruncated description, labels, author, source branch. The MR must be the one under test,
/// at the head under test: a `sha` other than `pr.head_sha` (the MR moved since the pipeline
/// started) is an error. Returns true when the JSON names the head (`sha`), which is what
/// ties GitLab approvals (they name no commit) to it.
pub fn apply_mr(pr: &mut PullRequest, bytes: &[u8]) -> Result<bool> {
    let v: Value =
        serde_json::from_slice(bytes).map_err(|e| bad_mr(format!("invalid JSON ({e})")))?;
    if !v.is_object() {
        return Err(bad_mr("not an object"));
    }
    if let Some(msg) = v.get("message").and_then(Value::as_str)
        && v.get("iid").is_none()
    {
        return Err(bad_mr(format!("the API answered with an error: {msg}")));
    }
    let iid = v
        .get("iid")
        .and_then(Value::as_u64)
        .ok_or_else(|| bad_mr("`iid` is missing"))?;
    if pr.number.is_some_and(|n| n != iid) {
        return Err(Error::input(format!(
            "the merge-request file is MR !{iid}, but this pipeline is for !{}",
            pr.number.unwrap_or_default()
        ))
        .with_help("fetch `merge_requests/$CI_MERGE_REQUEST_IID`"));
    }
    match v.get("title") {
        Some(Value::String(t)) => pr.title = t.clone(),
        _ => return Err(bad_mr("`title` is missing")),
    }
    pr.body = match v.get("description") {
        Some(Value::String(d)) => d.clone(),
        Some(Value::Null) | None => String::new(),
        Some(_) => return Err(bad_mr("`description` is not a string")),
    };
    if let Some(labels) = v.get("labels") {
        let arr = labels
            .as_array()
            .ok_or_else(|| bad_mr("`labels` is not a list"))?;
        pr.labels = arr
            .iter()
            .map(|l| match l {
                Value::String(s) => Ok(s.clone()),
                other => other
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| bad_mr("a label has no name")),
            })
            .collect::<Result<Vec<_>>>()?;
    }
    let author = v
        .get("author")
        .ok_or_else(|| bad_mr("`author` is missing"))?;
    let login = author
        .get("username")
        .and_then(Value::as_str)
        .ok_or_else(|| bad_mr("`author.username` is missing"))?;
    pr.author_login = login.to_string();
    pr.author_is_bot = gitlab_bot(author, login);
    if let Some(b) = v.get("source_branch").and_then(Value::as_str) {
        pr.head_branch = b.to_string();
    }
    let sha = match v.get("sha") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if is_object_id(s) => Some(s.to_ascii_lowercase()),
        Some(_) => return Err(bad_mr("`sha` is not a commit id")),
    };
    match (&sha, &pr.head_sha) {
        (Some(s), Some(h)) if !s.eq_ignore_ascii_case(h) => Err(Error::input(format!(
            "the merge-request file is at head {s}, but this pipeline checks {h}: the MR moved since the pipeline started"
        ))
        .with_help("re-run the pipeline on the MR's current head (the MR and approvals files must be fetched for the head under test)")),
        (Some(_), Some(_)) => Ok(true),
        _ => Ok(false),
    }
}

fn bad_approvals(what: impl std::fmt::Display) -> Error {
    Error::input(format!(
        "the approvals file is not the GitLab approvals JSON: {what}"
    ))
    .with_help(
        "pass the body of `GET /projects/:id/merge_requests/:iid/approvals` (a token with \
         `read_api`; CI_JOB_TOKEN cannot read approvals)",
    )
}

/// Reads the MR approvals JSON (`approved_by[].user`). Bots and the MR `author` never count;
/// an unknown author is an error (an approval by the author could not be told apart). GitLab
/// approvals name no commit, so `commit_id` stays unknown here: the caller ties them to the
/// head the MR JSON names ([`apply_mr`]), else they count for no head.
pub fn parse_approvals(bytes: &[u8], author: &str) -> Result<(Vec<Approval>, Vec<String>)> {
    if author.is_empty() {
        return Err(Error::input(
            "GitLab approvals were given, but the MR author is unknown: an approval by the author could not be told apart",
        )
        .with_help("pass the MR JSON too: `--mr FILE` (GET $CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID with a `read_api` token; the template does this when COUNTERSIGN_GITLAB_TOKEN is set)"));
    }
    let v: Value =
        serde_json::from_slice(bytes).map_err(|e| bad_approvals(format!("invalid JSON ({e})")))?;
    if let Some(msg) = v.get("message").and_then(Value::as_str)
        && v.get("approved_by").is_none()
    {
        return Err(bad_approvals(format!(
            "the API answered with an error: {msg}"
        )));
    }
    let list = v
        .get("approved_by")
        .and_then(Value::as_array)
        .ok_or_else(|| bad_approvals("`approved_by` is missing"))?;
    let mut out = Vec::new();
    let mut ignored = Vec::new();
    for entry in list {
        let user = entry
            .get("user")
            .ok_or_else(|| bad_approvals("an entry of `approved_by` has no `user`"))?;
        let login = user
            .get("username")
            .and_then(Value::as_str)
            .ok_or_else(|| bad_approvals("an approver has no `username`"))?;
        if gitlab_bot(user, login) {
            ignored.push(format!("approval by {login}: a bot account"));
            continue;
        }
        if login.eq_ignore_ascii_case(author) {
            ignored.push(format!("approval by {login}: the MR author"));
            continue;
        }
        out.push(Approval {
            login: login.to_string(),
            name: user.get("name").and_then(Value::as_str).map(str::to_string),
            email: user
                .get("public_email")
                .and_then(Value::as_str)
                .filter(|e| !e.is_empty())
                .map(str::to_string),
            is_bot: false,
            commit_id: None,
        });
    }
    Ok((out, ignored))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn merge_request_variables() {
        let e = env(&[
            ("CI_MERGE_REQUEST_IID", "5"),
            ("CI_COMMIT_SHA", B),
            ("CI_MERGE_REQUEST_DIFF_BASE_SHA", A),
            ("CI_MERGE_REQUEST_TITLE", "Add"),
            ("CI_MERGE_REQUEST_LABELS", "ai-assisted, backend"),
            ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "ai/x"),
            ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
            ("CI_MERGE_REQUEST_DESCRIPTION_IS_TRUNCATED", "true"),
        ]);
        let r = from_env(&e).unwrap();
        assert_eq!(r.event.base, Base::Commit(A.into()));
        assert_eq!(r.event.head, B);
        assert!(r.description_truncated);
        let pr = r.event.pr.unwrap();
        assert_eq!(pr.labels, ["ai-assisted", "backend"]);
        assert_eq!(pr.number, Some(5));
    }

    #[test]
    fn push_pipelines_and_zero_before() {
        let e = env(&[
            ("CI_COMMIT_SHA", B),
            (
                "CI_COMMIT_BEFORE_SHA",
                "0000000000000000000000000000000000000000",
            ),
            ("CI_COMMIT_BRANCH", "feature"),
            ("CI_DEFAULT_BRANCH", "main"),
        ]);
        assert_eq!(
            from_env(&e).unwrap().event.base,
            Base::RemoteBranch("main".into())
        );
        let e = env(&[
            ("CI_COMMIT_SHA", B),
            (
                "CI_COMMIT_BEFORE_SHA",
                "0000000000000000000000000000000000000000",
            ),
            ("CI_COMMIT_BRANCH", "main"),
            ("CI_DEFAULT_BRANCH", "main"),
        ]);
        assert!(from_env(&e).is_err());
        let e = env(&[("CI_COMMIT_SHA", B), ("CI_COMMIT_BEFORE_SHA", "not-a-sha")]);
        assert!(from_env(&e).is_err());
    }

    #[test]
    fn approvals_json() {
        let j = r#"{"approved_by":[{"user":{"username":"bob","name":"Bob"}},
            {"user":{"username":"project_12_bot_abc","name":"bot"}},
            {"user":{"username":"alice"}}]}"#;
        let (a, ignored) = parse_approvals(j.as_bytes(), "alice").unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].login, "bob");
        assert_eq!(ignored.len(), 2);
        assert!(parse_approvals(b"{\"message\":\"401 Unauthorized\"}", "a").is_err());
        assert!(parse_approvals(b"[]", "a").is_err());
        // Unknown author: exit 2, never "nobody to leave out".
        assert!(parse_approvals(j.as_bytes(), "").is_err());
    }

    #[test]
    fn mr_json_replaces_truncated_description() {
        let mut pr = PullRequest {
            number: Some(5),
            body: "short".into(),
            ..PullRequest::default()
        };
        let j = r#"{"iid":5,"title":"T","description":"full text","labels":["x"],"author":{"username":"alice"},"source_branch":"b"}"#;
        apply_mr(&mut pr, j.as_bytes()).unwrap();
        assert_eq!(pr.body, "full text");
        assert_eq!(pr.author_login, "alice");
        let other = j.replace("\"iid\":5", "\"iid\":6");
        assert!(apply_mr(&mut pr, other.as_bytes()).is_err());
    }
}
