//! Policy loading and validation (STUB — being written).

use std::path::{Path, PathBuf};

use super::{Origin, Policy};
use crate::findings::Severity;

/// Discovery order.
pub const DISCOVERY: &[&str] = &[
    ".countersign.yml",
    ".countersign.yaml",
    ".github/countersign.yml",
    ".gitlab/countersign.yml",
];

/// One problem.
#[derive(Debug, Clone)]
pub struct PolicyDiagnostic {
    /// Severity.
    pub severity: Severity,
    /// Message.
    pub message: String,
    /// Span.
    pub span: Option<super::Span>,
    /// Label.
    pub label: String,
    /// Help.
    pub help: Option<String>,
}

/// All problems of a policy.
#[derive(Debug)]
pub struct PolicyErrors {
    /// Source.
    pub source: super::PolicySource,
    /// Diagnostics.
    pub diagnostics: Vec<PolicyDiagnostic>,
}

impl std::fmt::Display for PolicyErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid policy")
    }
}
impl std::error::Error for PolicyErrors {}
impl miette::Diagnostic for PolicyErrors {}

/// Loads a policy.
pub fn load(_text: &str, _origin: Origin) -> Result<Policy, PolicyErrors> {
    unimplemented!()
}
/// The embedded default.
pub fn default_policy() -> Policy {
    unimplemented!()
}
/// Finds the policy file.
pub fn discover(root: &Path) -> Option<PathBuf> {
    DISCOVERY.iter().map(|n| root.join(n)).find(|p| p.is_file())
}
/// Blob digest.
pub fn digest(text: &[u8]) -> String {
    git2::Oid::hash_object(git2::ObjectType::Blob, text)
        .map(|o| o.to_string())
        .unwrap_or_default()
}
