//! CI and hook input, pure parsing: GitHub and GitLab events, reviews and approvals, and
//! the lines git hands to pre-push and pre-receive. Nothing here reads a repository.

pub mod env;
pub mod github;
pub mod gitlab;
pub mod hook_lines;
pub mod refname;
