//! Placeholder: diagnostics are being written (spec/resolve owner replaces this).

/// All diagnostics of one run.
#[derive(Debug, Default)]
pub struct Diagnostics {
    pub messages: Vec<String>,
}

impl Diagnostics {
    pub fn render_human(&self, _color: bool) -> String {
        self.messages.join("\n")
    }

    pub fn render_json(&self) -> String {
        serde_json::to_string(&self.messages).unwrap_or_default()
    }

    pub fn len(&self) -> usize {
        self.messages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }
}
