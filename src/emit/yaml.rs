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

use std::fmt::Write as _;

use serde_json::Value;

/// One YAML document (no leading `---`).
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::with_capacity(1024);
    write_doc(&mut out, value);
    out
}

/// Several documents separated by `---` lines.
pub fn to_yaml_docs(docs: &[Value]) -> String {
    let mut out = String::with_capacity(1024 * docs.len());
    for (i, doc) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        write_doc(&mut out, doc);
    }
    out
}

/// Appends one document to `out`. The printer writes straight into one
/// buffer: no per-scalar `String`s (serialization is a large share of a
/// build, and allocation the larger share of that).
fn write_doc(out: &mut String, value: &Value) {
    match value {
        Value::Object(m) if !m.is_empty() => write_map(out, m, 0),
        Value::Array(a) if !a.is_empty() => write_seq(out, a, 0),
        other => {
            write_scalar(out, other);
            out.push('\n');
        }
    }
}

fn indent(out: &mut String, mut n: usize) {
    const SPACES: &str = "                                ";
    while n > 0 {
        let k = n.min(SPACES.len());
        out.push_str(&SPACES[..k]);
        n -= k;
    }
}

fn write_map(out: &mut String, map: &serde_json::Map<String, Value>, ind: usize) {
    for (i, (k, v)) in map.iter().enumerate() {
        if i > 0 {
            indent(out, ind);
        }
        write_string(out, k);
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
            write_scalar(out, other);
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
                write_scalar(out, other);
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
    out.push_str(" |");
    out.push_str(lead);
    out.push_str(chomp);
    out.push('\n');
    for line in trimmed.split('\n') {
        if !line.is_empty() {
            indent(out, ind);
            out.push_str(line);
        }
        out.push('\n');
    }
    if chomp == "+" {
        for _ in 0..(s.len() - trimmed.len() - 1) {
            out.push('\n');
        }
    }
}

fn write_scalar(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => write_string(out, s),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

/// A string scalar, plain when every YAML 1.1 and 1.2 reader keeps it a string.
fn write_string(out: &mut String, s: &str) {
    if !needs_quotes(s) {
        out.push_str(s);
    } else if has_control(s) {
        out.push_str(&serde_json::to_string(s).unwrap_or_default());
    } else {
        out.push('\'');
        for (i, part) in s.split('\'').enumerate() {
            if i > 0 {
                out.push_str("''");
            }
            out.push_str(part);
        }
        out.push('\'');
    }
}

fn has_control(s: &str) -> bool {
    if s.is_ascii() {
        s.bytes().any(|b| b < 0x20 || b == 0x7f)
    } else {
        s.chars().any(char::is_control)
    }
}

fn needs_quotes(s: &str) -> bool {
    const RESERVED: &[&str] = &[
        "y", "yes", "n", "no", "true", "false", "on", "off", "null", "~", "=", "<<",
    ];
    let Some(&first) = s.as_bytes().first() else {
        return true;
    };
    if s.len() <= 5 && RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s)) {
        return true;
    }
    if b"-?:,[]{}#&*!|>'\"%@`".contains(&first)
        && !(first == b'-'
            && s.len() > 1
            && !s[1..].starts_with(' ')
            && s != "---"
            && !looks_numeric(s))
    {
        return true;
    }
    if first == b' ' || s.ends_with(' ') || s.ends_with(':') {
        return true;
    }
    // One pass for `: `, ` #` and control characters.
    let bytes = s.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b':' if bytes.get(i + 1) == Some(&b' ') => return true,
            b' ' if bytes.get(i + 1) == Some(&b'#') => return true,
            0..0x20 | 0x7f => return true,
            _ => {}
        }
    }
    if !s.is_ascii() && s.chars().any(char::is_control) {
        return true;
    }
    looks_numeric(s)
}

/// Numbers in any YAML 1.1/1.2 spelling: ints, floats, octal, hex, sexagesimal, `.inf`, `.nan`
/// (and whatever Rust's float parser takes, underscores ignored: `inf`, `nan`, `1_000`).
fn looks_numeric(s: &str) -> bool {
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);
    // Every spelling below starts with one of these; most strings are rejected here.
    match t.as_bytes().first() {
        Some(b'0'..=b'9' | b'.' | b'_' | b':' | b'+' | b'-') => looks_numeric_exact(t),
        Some(b'i' | b'I' | b'n' | b'N') if !t.contains('_') => {
            t.eq_ignore_ascii_case("inf")
                || t.eq_ignore_ascii_case("infinity")
                || t.eq_ignore_ascii_case("nan")
        }
        Some(b'i' | b'I' | b'n' | b'N') => looks_numeric_exact(t),
        _ => false,
    }
}

/// The full check on a sign-stripped, non-empty string.
fn looks_numeric_exact(t: &str) -> bool {
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
    if body
        .chars()
        .all(|c| c.is_ascii_digit() || c == ':' || c == '.')
        && body.chars().any(|c| c.is_ascii_digit())
    {
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
        assert_eq!(
            to_yaml(&v),
            "run: |\n  echo a\n  echo b\nx: |-\n  no newline\n  end\n"
        );
    }

    #[test]
    fn round_trips_through_a_yaml_parser() {
        let v = json!({"s": ["on", "1.0", "-", "- x", "a: b", "#c", "it's", "tab\there", "multi\nline\n", "  lead", "key:", "@x", "%y", "`z", "0x1F", "1:30", ".inf", "null", "~", "x\u{7}y"]});
        let back: Value = serde_norway::from_str(&to_yaml(&v)).unwrap();
        assert_eq!(back, v);
    }

    /// The quoting rules before the printer stopped allocating: the oracle
    /// the fast paths of [`needs_quotes`] and [`looks_numeric`] must agree with.
    fn needs_quotes_reference(s: &str) -> bool {
        const RESERVED: &[&str] = &[
            "y", "yes", "n", "no", "true", "false", "on", "off", "null", "~", "=", "<<",
        ];
        if s.is_empty() || RESERVED.contains(&s.to_ascii_lowercase().as_str()) {
            return true;
        }
        let first = s.chars().next().unwrap_or(' ');
        if "-?:,[]{}#&*!|>'\"%@`".contains(first)
            && !(first == '-'
                && s.len() > 1
                && !s[1..].starts_with(' ')
                && s != "---"
                && !looks_numeric_reference(s))
        {
            return true;
        }
        if s.starts_with(' ')
            || s.ends_with(' ')
            || s.contains(": ")
            || s.contains(" #")
            || s.ends_with(':')
        {
            return true;
        }
        if s.chars().any(|c| c.is_control()) {
            return true;
        }
        looks_numeric_reference(s)
    }

    fn looks_numeric_reference(s: &str) -> bool {
        let t = s.strip_prefix(['-', '+']).unwrap_or(s);
        !t.is_empty() && looks_numeric_exact(t)
    }

    #[test]
    fn fast_quoting_agrees_with_the_reference() {
        const ALPHABET: &[char] = &[
            'a', 'e', 'f', 'i', 'n', 'o', 'x', 'y', 'I', 'N', 'E', '0', '1', '7', '.', '_', ':',
            '-', '+', ' ', '#', '\'', '~', '\t', '\u{85}', 'é',
        ];
        let mut cases: Vec<String> = vec![String::new()];
        let mut frontier = cases.clone();
        for _ in 0..4 {
            let mut next = Vec::new();
            for base in &frontier {
                for c in ALPHABET {
                    let mut s = base.clone();
                    s.push(*c);
                    next.push(s);
                }
            }
            cases.extend(next.iter().cloned());
            frontier = next;
        }
        for word in [
            "inf",
            "Infinity",
            "NaN",
            "n_an",
            "i_nf",
            "nginx",
            "ingress",
            "namespace",
            "1_000",
            "0x1F",
            "0o17",
            "1:30",
            ".inf",
            "-.nan",
            "+1",
            "-1e5",
            "+-1",
            "1e3",
            "null",
            "NULL",
            "<<",
            "---",
            "- x",
            "a: b",
            "svc-0001",
            "app.kubernetes.io/name",
            "${{ secrets.X }}",
        ] {
            cases.push(word.to_string());
        }
        for s in &cases {
            assert_eq!(needs_quotes(s), needs_quotes_reference(s), "{s:?}");
        }
    }

    #[test]
    fn separates_documents() {
        let docs = [json!({"a": 1}), json!({"b": 2})];
        assert_eq!(to_yaml_docs(&docs), "a: 1\n---\nb: 2\n");
    }
}
