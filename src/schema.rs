//! Placeholder: `platc schema` (JSON Schema of the spec) is being written.

/// The JSON Schema of the spec language, pretty-printed.
pub fn spec_schema() -> String {
    "{}".to_string()
}
