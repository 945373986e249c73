//! Printable HTML report (placeholder).
use super::ExportInput;
/// The report as one HTML document.
pub fn html(_input: &ExportInput) -> String {
    String::new()
}
