//! Loading a policy: discovery, size checks, YAML with spans, validation, diagnostics.
//!
//! [`load`] reads the text with serde-saphyr into a spanned tree, then validates the whole
//! document, collecting **every** problem (syntax, unknown and duplicate keys, wrong types,
//! undefined names, bad globs and regexes, bad waivers) with its exact byte span, before it
//! decides. Only a fully valid document becomes a [`Policy`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode};

use super::validate::{self, Ctx};
use super::yaml::{self, Kind, MAX_POLICY_BYTES};
use super::{Origin, Policy, PolicySource, Span};
use crate::findings::Severity;
use crate::message::unicode::neutralize;

/// Policy file names searched at the repository root, in order; the first that exists wins.
pub const DISCOVERY: &[&str] = &[
    ".countersign.yml",
    ".countersign.yaml",
    ".github/countersign.yml",
    ".gitlab/countersign.yml",
];

/// The policy used when a repository has none (see `default.yml`).
pub const DEFAULT_POLICY: &str = include_str!("default.yml");

/// One problem found in a policy, pointing at its place in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDiagnostic {
    /// Error (the policy is rejected) or warning.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where (byte range into the policy text), when known.
    pub span: Option<Span>,
    /// The short label shown under the underlined text.
    pub label: String,
    /// How to fix it, when we know.
    pub help: Option<String>,
}

impl PolicyDiagnostic {
    /// Replaces control and invisible characters in the message, label and help (they quote
    /// policy text) with visible stand-ins ([`neutralize`]).
    pub fn neutralize(&mut self) {
        self.message = neutralize(&self.message).into_owned();
        self.label = neutralize(&self.label).into_owned();
        if let Some(h) = &mut self.help {
            *h = neutralize(h).into_owned();
        }
    }
}

impl fmt::Display for PolicyDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PolicyDiagnostic {}

impl Diagnostic for PolicyDiagnostic {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        let label = (!self.label.is_empty()).then(|| self.label.clone());
        Some(Box::new(std::iter::once(LabeledSpan::new(
            label,
            span.offset,
            span.len,
        ))))
    }
}

/// Every problem found in one policy text. Rendered with miette, each problem is a related
/// diagnostic with its own line, column and underline in the named policy source.
#[derive(Debug, Clone)]
pub struct PolicyErrors {
    /// The policy text and where it came from.
    pub source: PolicySource,
    /// The problems, in document order.
    pub diagnostics: Vec<PolicyDiagnostic>,
    named: Arc<NamedSource<String>>,
}

impl PolicyErrors {
    /// Collects `diagnostics` for `source` (sorted by position; unpositioned ones first).
    pub fn new(source: PolicySource, mut diagnostics: Vec<PolicyDiagnostic>) -> Self {
        diagnostics.sort_by_key(|d| d.span.map(|s| (s.offset, s.len)));
        for d in &mut diagnostics {
            d.neutralize();
        }
        // The policy text may hold escapes (a policy read from a branch under review): what
        // miette shows is neutralised, same-length, so every span still points right.
        let named = Arc::new(
            NamedSource::new(
                neutralize(&source.name()),
                neutralize(&source.text).into_owned(),
            )
            .with_language("yaml"),
        );
        PolicyErrors {
            source,
            diagnostics,
            named,
        }
    }

    /// The number of errors (not warnings).
    pub fn error_count(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    /// The 1-based line and column (in characters) of a byte offset into the policy text.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        line_column(&self.source.text, offset)
    }

    /// Every problem as a diagnostic of its own, the look of findings and policy warnings:
    /// the message, the policy's `name:line:column` with the snippet underlined, the help.
    /// (Rendered as one report, miette would prefix each related problem with `Error:`.)
    pub fn render(&self, handler: &miette::GraphicalReportHandler) -> String {
        let mut out = String::new();
        for d in &self.diagnostics {
            let _ = handler.render_report(
                &mut out,
                &WithSource {
                    diag: d,
                    source: &self.named,
                },
            );
            out.push('\n');
        }
        out
    }

    /// Plain text, one problem per line: `NAME:LINE:COL: error: MESSAGE (help: …)`.
    pub fn render_plain(&self) -> String {
        let name = self.source.name();
        let mut out = String::new();
        for d in &self.diagnostics {
            let at = match d.span {
                Some(s) => {
                    let (l, c) = self.line_column(s.offset);
                    format!("{name}:{l}:{c}")
                }
                None => name.clone(),
            };
            out.push_str(&format!("{at}: {}: {}", d.severity.as_str(), d.message));
            if let Some(h) = &d.help {
                out.push_str(&format!(" (help: {h})"));
            }
            out.push('\n');
        }
        out
    }
}

/// One policy diagnostic with its source, so miette can draw the underline.
pub struct WithSource<'a> {
    /// The problem.
    pub diag: &'a PolicyDiagnostic,
    /// The policy text it points into.
    pub source: &'a Arc<NamedSource<String>>,
}

impl fmt::Debug for WithSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diag, f)
    }
}

impl fmt::Display for WithSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.diag, f)
    }
}

impl std::error::Error for WithSource<'_> {}

impl Diagnostic for WithSource<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        self.diag.severity()
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diag.help()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.diag.labels()
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&**self.source)
    }
}

/// 1-based line and character column of `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or("");
    let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, col)
}

impl fmt::Display for PolicyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.error_count();
        write!(
            f,
            "invalid policy {}: {n} error{}",
            self.source.name(),
            if n == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for PolicyErrors {}

impl Diagnostic for PolicyErrors {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("countersign::policy"))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(
            "fix every problem listed, then run `countersign policy check`",
        ))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&*self.named)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        Some(Box::new(
            self.diagnostics.iter().map(|d| d as &dyn Diagnostic),
        ))
    }
}

impl From<PolicyErrors> for crate::Error {
    fn from(e: PolicyErrors) -> Self {
        crate::Error::policy(e.to_string()).with_help("run `countersign policy check`")
    }
}

/// The git blob id of `text` (what `git hash-object` prints in a SHA-1 repository), so
/// evidence names the exact policy. Computed here (SHA-1 over `blob <len>\0<text>`) so the
/// policy layer needs no git library.
pub fn digest(text: &[u8]) -> String {
    use sha1::{Digest, Sha1};
    let mut h = Sha1::new();
    h.update(format!("blob {}\0", text.len()).as_bytes());
    h.update(text);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The first of [`DISCOVERY`] that is a file under `root`.
pub fn discover(root: &Path) -> Option<PathBuf> {
    DISCOVERY
        .iter()
        .map(|name| root.join(name))
        .find(|p| p.is_file())
}

/// Loads and validates a policy, reporting every problem at once.
pub fn load(text: &str, origin: Origin) -> Result<Policy, PolicyErrors> {
    let source = PolicySource {
        origin,
        text: Arc::from(text),
        digest: digest(text.as_bytes()),
    };
    let fail = |source: PolicySource, d: PolicyDiagnostic| Err(PolicyErrors::new(source, vec![d]));
    let simple = |message: String, span: Option<Span>, label: &str, help: &str| PolicyDiagnostic {
        severity: Severity::Error,
        message,
        span,
        label: label.to_string(),
        help: Some(help.to_string()),
    };

    if text.len() > MAX_POLICY_BYTES {
        return fail(
            source,
            simple(
                format!(
                    "the policy is {} bytes; the limit is {MAX_POLICY_BYTES} bytes (1 MiB)",
                    text.len()
                ),
                None,
                "",
                "a policy is a short file; move data out of it",
            ),
        );
    }
    if text.trim().is_empty() {
        return fail(
            source,
            simple(
                "the policy file is empty".to_string(),
                None,
                "",
                "start with `version: 1` and define `tiers:` (see `countersign init`)",
            ),
        );
    }
    // Tags are reported alone: an unknown tag also fails the parse, with a less precise message.
    let tags: Vec<PolicyDiagnostic> = yaml::find_tags(text)
        .into_iter()
        .map(|(tag, span)| {
            simple(
                format!("YAML tag `{tag}` is not allowed in a policy"),
                Some(span),
                "tagged value",
                "remove the tag and write the value as plain text",
            )
        })
        .collect();
    if !tags.is_empty() {
        return Err(PolicyErrors::new(source, tags));
    }
    let root = match yaml::parse(text) {
        Ok(root) => root,
        Err(e) => {
            let span = e
                .without_snippet()
                .location()
                .and_then(|l| yaml::location_span(text, &l));
            return fail(
                source,
                simple(
                    format!("not valid YAML: {}", yaml::error_message(&e)),
                    span,
                    "here",
                    "fix the YAML syntax; a policy is one YAML mapping",
                ),
            );
        }
    };
    match root.kind {
        Kind::Map(_) => {}
        Kind::Null => {
            return fail(
                source,
                simple(
                    "the policy file is empty".to_string(),
                    None,
                    "",
                    "start with `version: 1` and define `tiers:` (see `countersign init`)",
                ),
            );
        }
        ref k => {
            return fail(
                source,
                simple(
                    format!("the policy must be a YAML mapping, found {}", k.describe()),
                    Some(root.span),
                    "expected `version: 1`, `tiers:` …",
                    "a policy is a mapping of keys such as `version`, `tiers` and `rules`",
                ),
            );
        }
    }
    let mut ctx = Ctx::new(text);
    match validate::validate(&root, source.clone(), &mut ctx) {
        Some(policy) if ctx.diags.is_empty() => Ok(policy),
        _ => {
            if ctx.diags.is_empty() {
                ctx.error(None, "the policy is invalid", "", None);
            }
            Err(PolicyErrors::new(source, ctx.diags))
        }
    }
}

/// [`load`], plus the lint warnings of a valid policy ([`super::lint::lint`] without a tree:
/// unreachable rules). Warnings never make a policy invalid.
pub fn load_with_warnings(
    text: &str,
    origin: Origin,
) -> Result<(Policy, Vec<PolicyDiagnostic>), PolicyErrors> {
    let policy = load(text, origin)?;
    let warnings = super::lint::lint(&policy, None);
    Ok((policy, warnings))
}

/// The embedded default policy, used when a repository has none.
///
/// The embedded text is validated by the test suite; should it ever fail to load, the
/// fallback is a one-tier policy that requires a reviewer for every change (fail closed).
pub fn default_policy() -> Policy {
    match load(DEFAULT_POLICY, Origin::Embedded) {
        Ok(p) => p,
        Err(_) => {
            let strict =
                "version: 1\ntiers:\n  - name: strict\n    reviewers: 1\n    applies_to: all\n";
            match load(strict, Origin::Embedded) {
                Ok(p) => p,
                Err(e) => unreachable!("fallback policy is valid: {e}"),
            }
        }
    }
}
