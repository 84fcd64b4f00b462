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

/// The results, built and written one at a time: a whole-history run can have tens of
/// thousands, and a tree of `Value`s for all of them cost more memory than the scan.
struct Results<'a> {
    report: &'a Report,
    policy: &'a Policy,
    fps: Vec<String>,
}

impl serde::Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.fps.len()))?;
        for ((f, c), fp) in findings_with_commits(self.report).zip(&self.fps) {
            seq.serialize_element(&result(f, c, self.policy, fp))?;
        }
        seq.end()
    }
}

/// One run. Fields in key order: serde_json's maps (no `preserve_order`) print keys sorted,
/// and this struct must print exactly what the map-built document did.
#[derive(serde::Serialize)]
struct Run<'a> {
    properties: Value,
    results: Results<'a>,
    tool: Value,
}

/// The SARIF log (keys in sorted order, as above).
#[derive(serde::Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<'a>; 1],
    version: &'static str,
}

fn log<'a>(report: &'a Report, policy: &'a Policy) -> Log<'a> {
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
    Log {
        schema: SCHEMA_URI,
        runs: [Run {
            properties: Value::Object(run_props),
            results: Results {
                report,
                policy,
                fps: fingerprints(report, policy),
            },
            tool: json!({ "driver": Value::Object(driver) }),
        }],
        version: VERSION,
    }
}

/// Writes the report as a SARIF 2.1.0 log (pretty JSON with a trailing newline) into `out`,
/// one result at a time.
pub fn write(
    out: &mut dyn std::io::Write,
    report: &Report,
    policy: &Policy,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(report, policy)).map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}

/// Renders the report as a SARIF 2.1.0 log (pretty JSON with a trailing newline).
pub fn render(report: &Report, policy: &Policy) -> String {
    let mut out = Vec::new();
    match write(&mut out, report, policy) {
        Ok(()) => String::from_utf8(out).unwrap_or_else(|_| "{}\n".to_string()),
        Err(_) => "{}\n".to_string(),
    }
}
