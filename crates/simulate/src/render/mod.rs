//! A report as JSON, as CSV (one row per province and week) and as SVG charts.

pub mod csv;
pub mod svg;

/// The whole report as one JSON document.
pub fn json(report: &crate::Report) -> String {
    serde_json::to_string(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}
