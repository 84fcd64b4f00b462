//! Change records and AI declarations read from the trailer block (and the PR body).

use crate::evaluate::reviewers::key_in;
use crate::facts::PullRequest;
use crate::findings::model::{EvidenceSource, RecordCheck};
use crate::message::trailers::Trailer;
use crate::policy::Policy;

/// Checks one change-record value against the policy's formats.
fn judge(policy: &Policy, value: &str) -> (bool, Option<String>) {
    let value = value.trim();
    if value.is_empty() {
        return (false, None);
    }
    let formats = &policy.evidence.change_record_formats;
    if formats.is_empty() {
        return (true, None);
    }
    match formats.iter().find(|f| f.regex.is_match(value)) {
        Some(f) => (true, Some(f.name.clone())),
        None => (false, None),
    }
}

/// Every change-record candidate: trailers of the block, then `Key: value` lines of the PR
/// body (PR-level evidence applies to every commit of the PR).
pub fn collect(
    policy: &Policy,
    trailers: &[Trailer],
    pr: Option<&PullRequest>,
) -> Vec<RecordCheck> {
    let keys = &policy.evidence.change_record_trailers;
    let mut out: Vec<RecordCheck> = trailers
        .iter()
        .filter(|t| key_in(&t.key, keys))
        .map(|t| {
            let (valid, format) = judge(policy, &t.value);
            RecordCheck {
                key: t.key.clone(),
                value: t.value.clone(),
                source: EvidenceSource::Trailer,
                valid,
                format,
                span: Some(t.span.clone()),
            }
        })
        .collect();
    if let Some(pr) = pr {
        for line in pr.body.lines() {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            let k = k.trim_end();
            if k.is_empty() || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                continue;
            }
            if key_in(k, keys) {
                let (valid, format) = judge(policy, v);
                out.push(RecordCheck {
                    key: k.to_string(),
                    value: v.trim().to_string(),
                    source: EvidenceSource::PrBody,
                    valid,
                    format,
                    span: None,
                });
            }
        }
    }
    out
}

/// The declaration trailer's value (`yes`, `no` …), when the block has one.
pub fn declaration(policy: &Policy, trailers: &[Trailer]) -> Option<String> {
    trailers
        .iter()
        .filter(|t| key_in(&t.key, &policy.evidence.declaration_trailers))
        .map(|t| t.value.trim().to_ascii_lowercase())
        .find(|v| matches!(v.as_str(), "yes" | "no" | "true" | "false"))
}
