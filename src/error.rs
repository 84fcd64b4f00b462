//! The one error type of countersign: everything that stops a run before a verdict.
//!
//! Every variant maps to exit code 2 ("could not decide"): countersign never passes
//! because it could not look. Each error carries a `help` line that says how to fix it.

use std::fmt;

/// An error that ends a run with exit code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What went wrong, in one sentence.
    pub message: String,
    /// How to fix it (a command, a setting, a flag), when we know.
    pub help: Option<String>,
    /// Which kind of failure this is; stable, used in JSON output and tests.
    pub kind: ErrorKind,
}

/// The kinds of "could not decide".
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// Bad command line (unknown flag, bad value, bad range syntax).
    Usage,
    /// The policy file is missing, unreadable or invalid.
    Policy,
    /// The repository could not be opened or a revision is unknown.
    Repository,
    /// The history needed to decide is not all there (shallow clone, missing objects, no merge-base, empty range).
    Incomplete,
    /// Hook, event or PR input could not be read or parsed.
    Input,
    /// A hard limit (message size, paths per commit, commits per run …) was exceeded.
    Limit,
    /// Writing output (a report file) failed.
    Output,
}

impl ErrorKind {
    /// The stable kebab-case name of this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Usage => "usage",
            ErrorKind::Policy => "policy",
            ErrorKind::Repository => "repository",
            ErrorKind::Incomplete => "incomplete",
            ErrorKind::Input => "input",
            ErrorKind::Limit => "limit",
            ErrorKind::Output => "output",
        }
    }
}

impl Error {
    /// A new error of `kind` with a message and no help.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            help: None,
            kind,
        }
    }

    /// Adds the line that tells the user how to fix it.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Shorthand for [`ErrorKind::Usage`].
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Usage, message)
    }
    /// Shorthand for [`ErrorKind::Repository`].
    pub fn repo(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Repository, message)
    }
    /// Shorthand for [`ErrorKind::Incomplete`].
    pub fn incomplete(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Incomplete, message)
    }
    /// Shorthand for [`ErrorKind::Input`].
    pub fn input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Input, message)
    }
    /// Shorthand for [`ErrorKind::Limit`].
    pub fn limit(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Limit, message)
    }
    /// Shorthand for [`ErrorKind::Policy`].
    pub fn policy(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Policy, message)
    }
    /// Shorthand for [`ErrorKind::Output`].
    pub fn output(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Output, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<git2::Error> for Error {
    fn from(e: git2::Error) -> Self {
        Error::repo(format!("git: {}", e.message()))
    }
}

/// The result type used across countersign.
pub type Result<T, E = Error> = std::result::Result<T, E>;
