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

/// Writes the report as JSON (with a trailing newline) straight into `out`: the same bytes as
/// [`render`], without building the whole document in memory first.
pub fn write(out: &mut dyn std::io::Write, report: &Report) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report).map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}
