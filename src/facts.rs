//! Facts: the plain, serialisable data the evaluator sees.
//!
//! Sources (git, hook input, CI events, PR JSON) are turned into these structs and
//! nothing else; the evaluator never touches git or the environment. `countersign facts`
//! prints them, so any user's bug report can be reproduced exactly.

use serde::{Deserialize, Serialize};

/// A person or bot as git records it: `Name <email>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct Identity {
    /// The display name (lossy UTF-8).
    pub name: String,
    /// The email address as written (lossy UTF-8).
    pub email: String,
}

impl Identity {
    /// A new identity.
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> Self {
        Identity {
            name: name.into(),
            email: email.into(),
        }
    }
}

impl std::fmt::Display for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} <{}>", self.name, self.email)
    }
}

/// How a path changed between a parent and the commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// The path exists in the commit but not in the parent.
    Added,
    /// The path exists in the parent but not in the commit.
    Deleted,
    /// Same kind of entry, different content.
    Modified,
    /// Same content, different mode (e.g. 100644 → 100755).
    ModeChanged,
    /// A different kind of entry (file ↔ symlink ↔ submodule).
    TypeChanged,
}

/// One changed path of a commit (rename detection off: a move is a deletion plus an addition).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedPath {
    /// The path as git stores it, `/`-separated (lossy UTF-8 for display and matching).
    pub path: String,
    /// What happened to it.
    pub change: Change,
    /// Mode in the (first differing) parent, if the path existed there (e.g. `0o100644`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub old_mode: Option<u32>,
    /// Mode in the commit, if the path exists there.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub new_mode: Option<u32>,
    /// When the path is a symlink in the commit: its target as stored in the link's blob
    /// (lossy UTF-8). Classified too, so a link named harmlessly that points into a risky
    /// folder is risky.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub link_target: Option<String>,
    /// When the path was a symlink in the (first) parent and the link changed or went away:
    /// the target it had there (lossy UTF-8). Classified too: re-pointing a link that led into
    /// a risky folder changes what that link's users get.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub old_link_target: Option<String>,
}

/// One commit, as read from git (or built by a hook for the commit-to-be).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitFacts {
    /// Full hex object id (all zeros for a commit that does not exist yet).
    pub id: String,
    /// Parent ids, in order. Two or more means a merge.
    pub parents: Vec<String>,
    /// The author.
    pub author: Identity,
    /// The committer.
    pub committer: Identity,
    /// Committer time, seconds since the epoch.
    pub time: i64,
    /// The raw message bytes, exactly as stored in the commit object (after the header).
    /// Kept as bytes so NUL, CR-only endings and invalid UTF-8 can be seen.
    #[serde(with = "bytes_as_string")]
    pub message: Vec<u8>,
    /// The `encoding` header, if any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub encoding: Option<String>,
    /// Paths that changed: against the parent; for merges, the paths the merge answers for
    /// (its diff against its first parent, less what the range introduced or its base has:
    /// DESIGN §5, `git::merges`).
    pub paths: Vec<ChangedPath>,
}

impl CommitFacts {
    /// True when the commit has more than one parent.
    pub fn is_merge(&self) -> bool {
        self.parents.len() > 1
    }

    /// The first line of the message (lossy), for display.
    pub fn subject(&self) -> String {
        let end = self
            .message
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(self.message.len());
        String::from_utf8_lossy(&self.message[..end])
            .trim_end()
            .to_string()
    }

    /// The message as (lossy) UTF-8 text.
    pub fn message_text(&self) -> String {
        String::from_utf8_lossy(&self.message).into_owned()
    }
}

/// A platform approval (GitHub review in state APPROVED, GitLab MR approval).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// The platform login of the approver.
    pub login: String,
    /// Display name, when the platform gives one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
    /// Email, when the platform gives one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub email: Option<String>,
    /// True when the platform says this account is a bot (or the login ends in `[bot]`).
    #[serde(default)]
    pub is_bot: bool,
    /// The commit the approval was given on, when known.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub commit_id: Option<String>,
}

/// The pull/merge request around the commits, when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PullRequest {
    /// `github` or `gitlab` (or `file` when read from `--pr`).
    #[serde(default)]
    pub platform: String,
    /// PR/MR number.
    #[serde(default)]
    pub number: Option<u64>,
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Body/description (empty when null).
    #[serde(default)]
    pub body: String,
    /// Labels.
    #[serde(default)]
    pub labels: Vec<String>,
    /// Author login.
    #[serde(default)]
    pub author_login: String,
    /// True when the PR author is a bot account.
    #[serde(default)]
    pub author_is_bot: bool,
    /// Source (head) branch name.
    #[serde(default)]
    pub head_branch: String,
    /// Head commit id.
    #[serde(default)]
    pub head_sha: Option<String>,
    /// Platform approvals; `None` means "not known" (no approval data was given).
    #[serde(default)]
    pub approvals: Option<Vec<Approval>>,
}

/// A signed review found in the git notes (`refs/notes/countersign`), exactly as stored:
/// verification (in the evaluator) needs nothing else, so `--from-facts` reproduces it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedReview {
    /// The commit whose note held it: the evaluated commit, or (with
    /// `signed_review: { survives: rebase }`) the commit reviewed before a rebase.
    pub note_of: String,
    /// The statement bytes (`countersign/review/v1` JSON), exactly as signed.
    pub statement: String,
    /// The SSHSIG over them, armored as `ssh-keygen -Y sign` prints it (empty when the note
    /// line held none).
    pub signature: String,
}

/// Signed reviews of one commit, with what matching them needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CommitReviews {
    /// The commit's stable patch-id (`git patch-id --stable` of its diff to the first parent),
    /// computed only when a review of another commit could match it by patch-id.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub patch_id: Option<String>,
    /// Every review found for it.
    #[serde(default)]
    pub signed: Vec<SignedReview>,
}

/// What the evaluator needs about the run as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RangeInfo {
    /// How the range was given or chosen, e.g. `origin/main..HEAD` or `--all`.
    pub description: String,
    /// The base commit, when the range has one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub base: Option<String>,
    /// The head commit, when the range has one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub head: Option<String>,
    /// The current branch name (short), when known; used for branch markers.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub branch: Option<String>,
}

/// The first 12 characters of a commit id, for display (ids are hex; a shorter or non-ASCII
/// id is cut on a character boundary, never panics).
pub fn short_id(id: &str) -> &str {
    match id.char_indices().nth(12) {
        Some((i, _)) => id.get(..i).unwrap_or(id),
        None => id,
    }
}

/// Serialise message bytes as a (lossy) string; deserialise from a string.
mod bytes_as_string {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&String::from_utf8_lossy(b))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        Ok(String::deserialize(d)?.into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::short_id;

    #[test]
    fn short_id_cuts_on_char_boundaries() {
        assert_eq!(short_id("0123456789abcdef0123"), "0123456789ab");
        assert_eq!(short_id("abc"), "abc");
        // Not an id at all (a policy origin from hostile input): never panics.
        assert_eq!(short_id("ééééééééééééééé"), "éééééééééééé");
    }
}
