//! YAML serialization shared by the Kubernetes and workflow emitters.
//!
//! Emitters build `serde_json::Value`s (key order is insertion order) and
//! serialize here, so quoting and indentation are never hand-written. This is
//! a small printer rather than serde_norway (the maintained serde_yaml fork)
//! because readers of the output are YAML 1.1 parsers too — kubectl's
//! go-yaml, GitHub Actions — where `on`, `yes`, `n` or `0755` change type
//! unless quoted, and because multi-line strings (workflow `run:` scripts)
//! must come out as readable `|` blocks. Style: two-space indent, block
//! collections, sequences indented under their key, empty ones as `[]`/`{}`.

use serde_json::Value;

/// One YAML document (no leading `---`).
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(m) if !m.is_empty() => write_map(&mut out, m, 0),
        Value::Array(a) if !a.is_empty() => write_seq(&mut out, a, 0),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
    out
}

/// Several documents separated by `---` lines.
pub fn to_yaml_docs(docs: &[Value]) -> String {
    let mut out = String::new();
    for (i, doc) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&to_yaml(doc));
    }
    out
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn write_map(out: &mut String, map: &serde_json::Map<String, Value>, ind: usize) {
    for (i, (k, v)) in map.iter().enumerate() {
        if i > 0 {
            indent(out, ind);
        }
        out.push_str(&string(k));
        out.push(':');
        write_value_after_key(out, v, ind);
    }
}

fn write_value_after_key(out: &mut String, v: &Value, ind: usize) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            indent(out, ind + 2);
            write_map(out, m, ind + 2);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            indent(out, ind + 2);
            write_seq(out, a, ind + 2);
        }
        Value::String(s) if s.contains('\n') => write_block(out, s, ind + 2),
        other => {
            out.push(' ');
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

fn write_seq(out: &mut String, seq: &[Value], ind: usize) {
    for (i, v) in seq.iter().enumerate() {
        if i > 0 {
            indent(out, ind);
        }
        out.push('-');
        match v {
            Value::Object(m) if !m.is_empty() => {
                out.push(' ');
                write_map(out, m, ind + 2);
            }
            Value::Array(a) if !a.is_empty() => {
                out.push(' ');
                write_seq(out, a, ind + 2);
            }
            Value::String(s) if s.contains('\n') => write_block(out, s, ind + 2),
            other => {
                out.push(' ');
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
}

/// A literal block scalar; `|` keeps one final newline, `|-` strips it.
fn write_block(out: &mut String, s: &str, ind: usize) {
    let trimmed = s.trim_end_matches('\n');
    let chomp = if s.ends_with('\n') && !s.ends_with("\n\n") {
        ""
    } else if s.ends_with('\n') {
        "+"
    } else {
        "-"
    };
    let lead = if s.starts_with(' ') { "2" } else { "" };
    out.push_str(&format!(" |{lead}{chomp}\n"));
    for line in trimmed.split('\n') {
        if !line.is_empty() {
            indent(out, ind);
            out.push_str(line);
        }
        out.push('\n');
    }
    if chomp == "+" {
        for _ in 0..(s.len() - s.trim_end_matches('\n').len() - 1) {
            out.push('\n');
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

/// A string scalar, plain when every YAML 1.1 and 1.2 reader keeps it a string.
fn string(s: &str) -> String {
    if needs_quotes(s) {
        if s.chars().any(|c| c.is_control()) {
            serde_json::to_string(s).unwrap_or_default()
        } else {
            format!("'{}'", s.replace('\'', "''"))
        }
    } else {
        s.to_string()
    }
}

fn needs_quotes(s: &str) -> bool {
    const RESERVED: &[&str] = &[
        "y", "yes", "n", "no", "true", "false", "on", "off", "null", "~", "=", "<<",
    ];
    if s.is_empty() || RESERVED.contains(&s.to_ascii_lowercase().as_str()) {
        return true;
    }
    let first = s.chars().next().unwrap_or(' ');
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) && !(first == '-' && s.len() > 1 && !s[1..].starts_with(' ') && s != "---" && !looks_numeric(s)) {
        return true;
    }
    if s.starts_with(' ') || s.ends_with(' ') || s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return true;
    }
    if s.chars().any(|c| c.is_control()) {
        return true;
    }
    looks_numeric(s)
}

/// Numbers in any YAML 1.1/1.2 spelling: ints, floats, octal, hex, sexagesimal, `.inf`, `.nan`.
fn looks_numeric(s: &str) -> bool {
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);
    if t.is_empty() {
        return false;
    }
    let lower = t.to_ascii_lowercase();
    if lower == ".inf" || lower == ".nan" {
        return true;
    }
    if let Some(hex) = lower.strip_prefix("0x") {
        return !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit() || c == '_');
    }
    if let Some(oct) = lower.strip_prefix("0o") {
        return !oct.is_empty() && oct.chars().all(|c| c.is_ascii_digit());
    }
    let body = lower.replace('_', "");
    if body.chars().all(|c| c.is_ascii_digit() || c == ':' || c == '.') && body.chars().any(|c| c.is_ascii_digit()) {
        return true;
    }
    body.parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quotes_ambiguous_scalars() {
        let v = json!({"a": "true", "b": "1.30", "c": "on", "d": "x: y", "e": "", "f": "0755", "g": "1e3", "h": "nginx", "i": "-x", "j": "*", "k": "a'b #c"});
        assert_eq!(
            to_yaml(&v),
            "a: 'true'\nb: '1.30'\nc: 'on'\nd: 'x: y'\ne: ''\nf: '0755'\ng: '1e3'\nh: nginx\ni: -x\nj: '*'\nk: 'a''b #c'\n"
        );
    }

    #[test]
    fn nests_blocks() {
        let v = json!({"metadata": {"name": "x", "labels": {}}, "spec": {"ports": [{"port": 80, "name": "http"}], "args": ["a", "b"], "empty": []}});
        assert_eq!(
            to_yaml(&v),
            "metadata:\n  name: x\n  labels: {}\nspec:\n  ports:\n    - port: 80\n      name: http\n  args:\n    - a\n    - b\n  empty: []\n"
        );
    }

    #[test]
    fn multiline_strings_are_literal_blocks() {
        let v = json!({"run": "echo a\necho b\n", "x": "no newline\nend"});
        assert_eq!(to_yaml(&v), "run: |\n  echo a\n  echo b\nx: |-\n  no newline\n  end\n");
    }

    #[test]
    fn round_trips_through_a_yaml_parser() {
        let v = json!({"s": ["on", "1.0", "-", "- x", "a: b", "#c", "it's", "tab\there", "multi\nline\n", "  lead", "key:", "@x", "%y", "`z", "0x1F", "1:30", ".inf", "null", "~", "x\u{7}y"]});
        let back: Value = serde_norway::from_str(&to_yaml(&v)).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn separates_documents() {
        let docs = [json!({"a": 1}), json!({"b": 2})];
        assert_eq!(to_yaml_docs(&docs), "a: 1\n---\nb: 2\n");
    }
}
