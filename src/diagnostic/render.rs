//! Human (miette) and JSON rendering of [`Diagnostics`].

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use serde_json::{Value, json};

use super::{Diagnostic, Diagnostics, Severity};
use crate::spec::{Span, line_col};

/// Width the report wraps at; fixed so that output does not depend on the terminal.
const WIDTH: usize = 100;

struct Report<'a> {
    diag: &'a Diagnostic,
    source: &'a NamedSource<String>,
    code: String,
    source_len: usize,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for Report<'_> {}

/// Clamps a span into the source so that a renderer never reads past the end.
fn clamp(span: Span, len: usize) -> Span {
    let offset = span.offset.min(len);
    Span::new(offset, span.len.min(len - offset))
}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diag
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.diag
            .span
            .map(|_| self.source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.diag.span?;
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            self.diag.label.clone(),
            clamp(span, self.source_len),
        )];
        for l in &self.diag.related {
            labels.push(LabeledSpan::new_with_span(
                Some(l.message.clone()),
                clamp(l.span, self.source_len),
            ));
        }
        Some(Box::new(labels.into_iter()))
    }
}

pub(super) fn human(diags: &Diagnostics, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_urls(false)
        .with_width(WIDTH)
        .with_wrap_lines(false);
    let source = NamedSource::new(&diags.file, diags.source.clone());
    let mut out = String::new();
    for diag in &diags.items {
        let report = Report {
            diag,
            source: &source,
            code: format!("platc::{}", diag.code),
            source_len: diags.source.len(),
        };
        let mut one = String::new();
        if handler.render_report(&mut one, &report).is_err() {
            one = format!("{}: {}\n", diag.severity.as_str(), diag.message);
        }
        out.push_str(one.trim_end());
        out.push_str("\n\n");
    }
    let errors = diags
        .items
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diags.items.len() - errors;
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    let summary = match (errors, warnings) {
        (e, 0) => plural(e, "error"),
        (0, w) => plural(w, "warning"),
        (e, w) => format!("{} and {}", plural(e, "error"), plural(w, "warning")),
    };
    out.push_str(&format!("{}: {summary}\n", diags.file));
    out
}

fn position(source: &str, span: Span) -> Value {
    let span = clamp(span, source.len());
    let (line, column) = line_col(source, span.offset);
    let (end_line, end_column) = line_col(source, span.end());
    json!({
        "offset": span.offset,
        "length": span.len,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
    })
}

/// One object per diagnostic:
/// `{severity, code, message, help, file, line, column, end_line, end_column,
///   offset, length, label, labels: [{message, line, column, offset, length, …}]}`
/// (position fields are `null` for a diagnostic without a span).
pub(super) fn json_value(diags: &Diagnostics) -> Value {
    let items = diags.items.iter().map(|d| {
        let mut obj = json!({
            "severity": d.severity.as_str(),
            "code": d.code,
            "message": d.message,
            "help": d.help,
            "file": diags.file,
            "label": d.label,
        });
        let pos = d.span.map(|s| position(&diags.source, s));
        for key in [
            "line",
            "column",
            "end_line",
            "end_column",
            "offset",
            "length",
        ] {
            obj[key] = pos.as_ref().map_or(Value::Null, |p| p[key].clone());
        }
        let labels: Vec<Value> = d
            .related
            .iter()
            .map(|l| {
                let mut p = position(&diags.source, l.span);
                p["message"] = json!(l.message);
                p
            })
            .collect();
        obj["labels"] = Value::Array(labels);
        obj
    });
    Value::Array(items.collect())
}
