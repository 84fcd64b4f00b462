//! SARIF 2.1.0: one run, one rule per finding code (`ruleId` = the stable code name).
//!
//! countersign's findings are about commits, not lines: a result points at the changed file
//! (line 1), or at the policy line that decided for policy-located findings. Waived findings
//! are kept as `note` results with an external suppression naming the waiver.

use serde_json::{Value, json};

use crate::evaluate::{CommitReport, Finding, Report};
use crate::findings::{Code, Severity};
use crate::policy::Policy;
use crate::report::{findings_with_commits, fingerprints, line_of, locate, policy_path, short_id};

/// The SARIF JSON schema URI.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The SARIF version emitted.
pub const VERSION: &str = "2.1.0";

/// The key of the partial fingerprint (bump the suffix if the hashed key ever changes).
pub const FINGERPRINT_KEY: &str = "countersign/v1";

/// `missing-reviewer` → `MissingReviewer`.
pub fn pascal_case(code: &str) -> String {
    code.split('-')
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(c) => c.to_uppercase().chain(cs).collect(),
                None => String::new(),
            }
        })
        .collect()
}

fn level(sev: Severity) -> &'static str {
    match sev {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// Percent-encodes a repo-relative path into a URI reference (`/` kept; RFC 3986 unreserved
/// characters kept; everything else as `%XX` of its UTF-8 bytes).
pub fn uri_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn rules() -> Vec<Value> {
    Code::ALL
        .iter()
        .map(|c| {
            let d = c.doc();
            json!({
                "id": c.as_str(),
                "name": pascal_case(c.as_str()),
                "shortDescription": { "text": d.summary },
                "fullDescription": { "text": format!("{} {}", d.summary, d.why) },
                "help": { "text": d.fix },
                "defaultConfiguration": { "level": level(c.severity()) },
            })
        })
        .collect()
}

fn message(f: &Finding, commit: Option<&CommitReport>) -> String {
    let mut text = String::new();
    if let Some(c) = commit {
        text.push_str(&format!("Commit {} \"{}\": ", short_id(&c.id), c.subject));
    }
    text.push_str(&f.message);
    if let Some(p) = &f.path
        && !f.message.contains(p.as_str())
    {
        text.push_str(&format!(" (path `{p}`)"));
    }
    if let Some(h) = &f.help {
        text.push_str(" Fix: ");
        text.push_str(h);
    }
    if let Some(w) = &f.waived_by {
        text.push_str(&format!(" [waived by {w}]"));
    }
    text
}

fn result(f: &Finding, commit: Option<&CommitReport>, policy: &Policy, fingerprint: &str) -> Value {
    let rule_index = Code::ALL.iter().position(|c| *c == f.code).unwrap_or(0);
    let mut r = serde_json::Map::new();
    r.insert("ruleId".into(), json!(f.code.as_str()));
    r.insert("ruleIndex".into(), json!(rule_index));
    let lvl = if f.waived_by.is_some() {
        "note"
    } else {
        level(f.severity)
    };
    r.insert("level".into(), json!(lvl));
    r.insert("message".into(), json!({ "text": message(f, commit) }));
    if let Some(loc) = locate(f, commit, policy) {
        r.insert(
            "locations".into(),
            json!([{
                "physicalLocation": {
                    "artifactLocation": { "uri": uri_encode(&loc.path) },
                    "region": { "startLine": loc.line },
                }
            }]),
        );
    }
    if let Some(related) = related_location(f, policy) {
        r.insert("relatedLocations".into(), json!([related]));
    }
    r.insert(
        "partialFingerprints".into(),
        json!({ FINGERPRINT_KEY: fingerprint }),
    );
    if let Some(w) = &f.waived_by {
        r.insert(
            "suppressions".into(),
            json!([{ "kind": "external", "justification": format!("waived by {w}") }]),
        );
    }
    let mut props = serde_json::Map::new();
    props.insert("severity".into(), json!(f.severity.as_str()));
    if let Some(c) = commit {
        props.insert("commit".into(), json!(c.id));
        props.insert("subject".into(), json!(c.subject));
        props.insert("involvement".into(), json!(c.involvement.as_str()));
        if let Some(t) = &c.tier {
            props.insert("tier".into(), json!(t));
        }
    }
    if let Some(w) = &f.waived_by {
        props.insert("waivedBy".into(), json!(w));
    }
    r.insert("properties".into(), Value::Object(props));
    Value::Object(r)
}

/// The policy line that decided, for a finding located elsewhere (its changed file).
fn related_location(f: &Finding, policy: &Policy) -> Option<Value> {
    let span = f.policy_span?;
    let path = policy_path(policy)?;
    let label = f
        .policy_label
        .clone()
        .unwrap_or_else(|| "decided by the policy here".to_string());
    // A run-level finding already points at this line as its primary location.
    f.commit.as_ref()?;
    Some(json!({
        "id": 0,
        "physicalLocation": {
            "artifactLocation": { "uri": uri_encode(path) },
            "region": { "startLine": line_of(&policy.source.text, span.offset) },
        },
        "message": { "text": label },
    }))
}

/// Renders the report as a SARIF 2.1.0 log (pretty JSON with a trailing newline).
pub fn render(report: &Report, policy: &Policy) -> String {
    let fps = fingerprints(report, policy);
    let results: Vec<Value> = findings_with_commits(report)
        .zip(fps.iter())
        .map(|((f, c), fp)| result(f, c, policy, fp))
        .collect();
    let mut driver = serde_json::Map::new();
    driver.insert("name".into(), json!(report.tool.name));
    driver.insert("version".into(), json!(report.tool.version));
    let repo = env!("CARGO_PKG_REPOSITORY");
    if !repo.is_empty() {
        driver.insert("informationUri".into(), json!(repo));
    }
    driver.insert("rules".into(), Value::Array(rules()));
    let mut run_props = serde_json::Map::new();
    run_props.insert("verdict".into(), json!(report.verdict.as_str()));
    run_props.insert("range".into(), json!(report.range.description));
    run_props.insert("policy".into(), json!(report.policy.source));
    run_props.insert("policyDigest".into(), json!(report.policy.digest));
    let doc = json!({
        "$schema": SCHEMA_URI,
        "version": VERSION,
        "runs": [{
            "tool": { "driver": Value::Object(driver) },
            "results": results,
            "properties": Value::Object(run_props),
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_string());
    s.push('\n');
    s
}
