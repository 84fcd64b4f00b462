//! Evidence and audit: the record an auditor asks for.
//!
//! - [`record`]: one [`record::EvidenceRecord`] per evaluated commit (`countersign/evidence/v1`),
//!   built from the evaluator's [`Report`] plus the run's mode and time.
//! - [`log`]: the append-only, hash-chained evidence log (`--evidence-log PATH`) and its
//!   verification (`countersign audit verify PATH`).
//! - [`summary`]: the figures of `countersign audit` (AI-assisted share by week, tool, model and
//!   tier; review coverage; violations; waivers; framework references).
//! - [`attribution`]: the one tool and model each AI-assisted commit counts for.
//! - [`rows`] (with [`tables`] and [`spans`]): the audit as one document of typed cells, built
//!   once; [`markdown`] and [`html`] only format it (the HTML is one self-contained file,
//!   built with maud, which escapes every value it is given).

pub mod attribution;
pub mod html;
pub mod log;
pub mod markdown;
pub mod record;
pub mod rows;
pub mod spans;
pub mod summary;
pub mod tables;

use serde::Serialize;

use crate::evaluate::Report;
use crate::policy::Policy;

pub use record::{EvidenceRecord, Mode};
pub use summary::Summary;

/// The schema tag of the summary line that ends a JSON Lines audit.
pub const SUMMARY_SCHEMA: &str = "countersign/audit-summary/v1";

/// Renders an audit as JSON Lines: one evidence record per commit (oldest first, without the
/// chain fields), then one summary line tagged [`SUMMARY_SCHEMA`].
pub fn render_jsonl(report: &Report, policy: &Policy, summary: &Summary, now: &str) -> String {
    #[derive(Serialize)]
    struct Line<'a> {
        schema: &'static str,
        #[serde(flatten)]
        summary: &'a Summary,
    }
    let mut out = String::new();
    for c in report.commits.iter().rev() {
        let rec = EvidenceRecord::new(report, policy, c, Mode::Audit, now.to_string());
        // Serialising plain data into a String cannot fail; skip the line defensively if it does.
        if let Ok(s) = serde_json::to_string(&rec) {
            out.push_str(&s);
            out.push('\n');
        }
    }
    if let Ok(s) = serde_json::to_string(&Line {
        schema: SUMMARY_SCHEMA,
        summary,
    }) {
        out.push_str(&s);
        out.push('\n');
    }
    out
}
