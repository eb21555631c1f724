//! Diagnostics: what is wrong with a spec, where, and how to fix it.
//!
//! The decoder ([`crate::spec`]) and the resolver ([`crate::resolve`]) push
//! [`Diagnostic`]s into a [`Sink`]; a failed compilation returns them as
//! [`Diagnostics`], which renders them for humans (miette's graphical report:
//! `file:line:col`, the span underlined, a `help:` line) or as JSON.
//!
//! Spans are byte ranges; lines and columns are computed only when rendering.

mod render;

use crate::spec::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A secondary span with its own label (e.g. "first declared here").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One problem in a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable rule name (`unknown-property`, `overlapping-subnets` …); rendered as `platc::<code>`.
    pub code: &'static str,
    /// What is wrong, in the spec's terms.
    pub message: String,
    /// Where (absent only when the problem has no place in the text, e.g. an empty file).
    pub span: Option<Span>,
    /// Text under the primary span.
    pub label: Option<String>,
    /// Other places involved.
    pub related: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            code,
            message: message.into(),
            span: Some(span),
            label: None,
            related: Vec::new(),
            help: None,
        }
    }

    /// An error without a place in the text.
    pub fn error_unplaced(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            span: None,
            ..Self::error(code, Span::default(), message)
        }
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn maybe_help(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    pub fn related(mut self, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Label {
            span,
            message: message.into(),
        });
        self
    }
}

/// Collects diagnostics while decoding and resolving.
#[derive(Debug, Default)]
pub struct Sink {
    items: Vec<Diagnostic>,
}

impl Sink {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

/// All diagnostics of one compilation, with the source they point into.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    /// The spec path as given on the command line.
    pub file: String,
    /// The spec text (spans are byte offsets into it).
    pub source: String,
    /// Sorted by position (stable: same-place diagnostics keep their order).
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new(
        file: impl Into<String>,
        source: impl Into<String>,
        mut items: Vec<Diagnostic>,
    ) -> Self {
        items.sort_by_key(|d| d.span.map_or(0, |s| s.offset));
        Self {
            file: file.into(),
            source: source.into(),
            items,
        }
    }

    /// The human report: one miette graphical report per diagnostic and a summary line.
    pub fn render_human(&self, color: bool) -> String {
        render::human(self, color)
    }

    /// A JSON array with one object per diagnostic (see [`render::json_value`]).
    pub fn render_json(&self) -> String {
        serde_json::to_string(&render::json_value(self)).unwrap_or_else(|_| "[]".to_string())
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// The rule codes, in order (handy in tests).
    pub fn codes(&self) -> Vec<&'static str> {
        self.items.iter().map(|d| d.code).collect()
    }
}

/// The nearest allowed name to `got`, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(got: &str, allowed: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &'a str)> = None;
    for cand in allowed {
        let score = strsim::jaro_winkler(got, cand);
        let close =
            score >= 0.8 || strsim::damerau_levenshtein(got, cand) <= (cand.len() / 3).max(1);
        if close && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, cand));
        }
    }
    best.map(|(_, c)| c)
}

/// `` `a`, `b` and `c` `` for help texts.
pub fn list(items: &[&str]) -> String {
    match items {
        [] => "none".to_string(),
        [one] => format!("`{one}`"),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(|s| format!("`{s}`")).collect();
            format!("{} and `{last}`", init.join(", "))
        }
    }
}

/// `` `a`, `b` or `c` `` for alternatives.
pub fn list_or(items: &[&str]) -> String {
    match items {
        [] => "none".to_string(),
        [one] => format!("`{one}`"),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(|s| format!("`{s}`")).collect();
            format!("{} or `{last}`", init.join(", "))
        }
    }
}

/// A help text: "did you mean `x`?" plus the allowed names.
pub fn suggest(got: &str, allowed: &[&str], what: &str) -> String {
    let mut sorted: Vec<&str> = allowed.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let listing = if sorted.is_empty() {
        format!("no {what} is declared")
    } else {
        format!("allowed {what}: {}", list(&sorted))
    };
    match did_you_mean(got, sorted.iter().copied()) {
        Some(near) => format!("did you mean `{near}`? {listing}"),
        None => listing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_nearest() {
        assert_eq!(
            did_you_mean("replica", ["replicas", "port"]),
            Some("replicas")
        );
        assert_eq!(did_you_mean("prot", ["replicas", "port"]), Some("port"));
        assert_eq!(did_you_mean("zzzzzz", ["replicas", "port"]), None);
    }

    #[test]
    fn lists() {
        assert_eq!(list(&["a"]), "`a`");
        assert_eq!(list(&["a", "b", "c"]), "`a`, `b` and `c`");
    }
}
