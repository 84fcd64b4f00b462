//! The JSON report: `countersign/report/v1`, pretty-printed, one document.

use crate::evaluate::Report;

/// Renders the report as JSON (with a trailing newline).
pub fn render(report: &Report) -> String {
    // Serialising plain data with string keys cannot fail; fall back to a valid document anyway.
    let mut s = serde_json::to_string_pretty(report).unwrap_or_else(|e| {
        serde_json::json!({ "schema": crate::evaluate::SCHEMA, "error": e.to_string() }).to_string()
    });
    s.push('\n');
    s
}
