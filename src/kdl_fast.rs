//! A fast path for parsing the common subset of KDL 2.0 that specs use.
//!
//! Why: the `kdl` crate's parser (winnow combinators with error recovery and
//! format preservation) costs about 4,000 instructions per input byte, which
//! made parsing the largest single stage of a build (0.7 s of a 680 kB spec
//! with 1,000 services, more than every emitter together). This parser
//! handles the subset real specs are written in — bare identifiers, plain
//! quoted strings, decimal integers, `#true`/`#false`/`#null`, properties,
//! child blocks, `//` comments, `;` — and builds the very same
//! [`KdlDocument`] (values, names and every span the decoder reads) about
//! two orders of magnitude faster.
//!
//! Anything else — escapes, raw or multi-line strings, floats, hex, type
//! annotations, slashdash, block comments, line continuations, `\r`,
//! non-ASCII outside strings, and every syntax error — makes [`parse`]
//! return `None`, and the caller parses with the `kdl` crate, which gives
//! the same document or its diagnostics. So this module never decides what
//! is valid KDL or what an error says; it only skips work on input it fully
//! understands. The tests hold it to the `kdl` crate on every spec in the
//! repository, on generated specs and on thousands of mutations of them.

use kdl::{KdlDocument, KdlEntry, KdlIdentifier, KdlNode, KdlValue};

/// The document `kdl::KdlDocument::parse_v2(text)` would return, or `None`
/// when the text uses anything outside the fast subset (or is invalid).
pub fn parse(text: &str) -> Option<KdlDocument> {
    let mut p = Parser {
        src: text.as_bytes(),
        text,
        pos: 0,
    };
    if text.starts_with('\u{FEFF}') {
        return None;
    }
    let doc = p.nodes(false)?;
    (p.pos == p.src.len()).then_some(doc)
}

struct Parser<'a> {
    src: &'a [u8],
    text: &'a str,
    pos: usize,
}

/// A token that can be a node name, a property key or a string value.
struct Str {
    value: String,
    start: usize,
    end: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn peek_at(&self, k: usize) -> Option<u8> {
        self.src.get(self.pos + k).copied()
    }

    /// Spaces and tabs (KDL `node-space` without line continuations or
    /// block comments, which are outside the subset).
    fn spaces(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// `// …` up to and including the newline (or the end).
    fn line_comment(&mut self) -> Option<()> {
        let rest = &self.src[self.pos..];
        let len = rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |i| i + 1);
        // The comment's text must itself be inside the subset (no `\r`, no
        // disallowed code points), or the crate may read it differently.
        let body = self.text.get(self.pos..self.pos + len)?;
        if body
            .bytes()
            .any(|b| b == b'\r' || (b < 0x20 && b != b'\t' && b != b'\n') || b == 0x7f)
            || !body.is_ascii()
        {
            return None;
        }
        self.pos += len;
        Some(())
    }

    /// Newlines, spaces and `//` comments between nodes.
    fn line_space(&mut self) -> Option<()> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n') => self.pos += 1,
                Some(b'/') if self.peek_at(1) == Some(b'/') => self.line_comment()?,
                _ => return Some(()),
            }
        }
    }

    /// `nodes`: the top level (`in_block == false`) or a child block's inside.
    fn nodes(&mut self, in_block: bool) -> Option<KdlDocument> {
        let mut doc = KdlDocument::new();
        self.line_space()?;
        let start = self.pos;
        let mut end = start;
        loop {
            match self.peek() {
                None if !in_block => break,
                Some(b'}') if in_block => break,
                None | Some(b'}') => return None,
                _ => {}
            }
            let node = self.node()?;
            end = self.pos;
            doc.nodes_mut().push(node);
            match self.peek() {
                Some(b'\n' | b';') => self.pos += 1,
                Some(b'/') if self.peek_at(1) == Some(b'/') => self.line_comment()?,
                None if !in_block => {}
                Some(b'}') if in_block => {}
                _ => return None,
            }
            self.line_space()?;
        }
        doc.set_span(start..end);
        Some(doc)
    }

    /// One node: name, entries, optional children, trailing spaces.
    fn node(&mut self) -> Option<KdlNode> {
        let start = self.pos;
        let name = self.string_token()?;
        let mut node = KdlNode::new(ident(name));
        loop {
            let spaced = self.spaces() > 0;
            match self.peek() {
                None | Some(b'\n' | b';' | b'}') => break,
                Some(b'/') if self.peek_at(1) == Some(b'/') => break,
                Some(b'{') => {
                    self.pos += 1;
                    let children = self.nodes(true)?;
                    self.pos += 1; // the `}` that ended `nodes(true)`
                    node.set_children(children);
                    self.spaces();
                    break;
                }
                _ if !spaced => return None,
                _ => {
                    let entry = self.entry()?;
                    node.entries_mut().push(entry);
                }
            }
        }
        node.set_span(start..self.pos);
        Some(node)
    }

    /// An argument or a property.
    fn entry(&mut self) -> Option<KdlEntry> {
        let start = self.pos;
        if !self.starts_number() && self.peek() != Some(b'#') {
            let key = self.string_token()?;
            let after_key = self.pos;
            self.spaces();
            if self.peek() == Some(b'=') {
                self.pos += 1;
                self.spaces();
                let value = self.value()?;
                let mut entry = KdlEntry::new_prop(ident(key), value);
                entry.set_span(start..self.pos);
                return Some(entry);
            }
            self.pos = after_key;
            let mut entry = KdlEntry::new(KdlValue::String(key.value));
            entry.set_span(start..self.pos);
            return Some(entry);
        }
        let value = self.value()?;
        let mut entry = KdlEntry::new(value);
        entry.set_span(start..self.pos);
        Some(entry)
    }

    /// A value: a string, a decimal integer or `#true`/`#false`/`#null`.
    fn value(&mut self) -> Option<KdlValue> {
        if self.starts_number() {
            return self.integer();
        }
        if self.peek() == Some(b'#') {
            let rest = &self.src[self.pos + 1..];
            let (value, len) = if rest.starts_with(b"true") {
                (KdlValue::Bool(true), 4)
            } else if rest.starts_with(b"false") {
                (KdlValue::Bool(false), 5)
            } else if rest.starts_with(b"null") {
                (KdlValue::Null, 4)
            } else {
                return None;
            };
            self.pos += 1 + len;
            return self.at_terminator().then_some(value);
        }
        self.string_token().map(|s| KdlValue::String(s.value))
    }

    /// A digit, or a sign followed by a digit: a number, never an identifier.
    fn starts_number(&self) -> bool {
        match self.peek() {
            Some(b'0'..=b'9') => true,
            Some(b'+' | b'-') => matches!(self.peek_at(1), Some(b'0'..=b'9')),
            _ => false,
        }
    }

    /// `[+-]?[0-9]+` followed by a terminator; anything longer falls back.
    fn integer(&mut self) -> Option<KdlValue> {
        let start = self.pos;
        if matches!(self.peek(), Some(b'+' | b'-')) {
            self.pos += 1;
        }
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        if !self.at_terminator() {
            return None;
        }
        self.text[start..self.pos]
            .parse::<i128>()
            .ok()
            .map(KdlValue::Integer)
    }

    /// A bare identifier or a plain quoted string, followed by a terminator.
    fn string_token(&mut self) -> Option<Str> {
        let start = self.pos;
        let value = if self.peek() == Some(b'"') {
            self.quoted()?
        } else {
            self.identifier()?
        };
        let end = self.pos;
        self.at_terminator().then_some(Str { value, start, end })
    }

    /// `"…"` without escapes, newlines or disallowed code points.
    fn quoted(&mut self) -> Option<String> {
        let body_start = self.pos + 1;
        let rest = &self.src[body_start..];
        let len = rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b == b'\n' || b == b'\r')?;
        if rest[len] != b'"' {
            return None;
        }
        let body = self.text.get(body_start..body_start + len)?;
        if len == 0 && rest.get(1) == Some(&b'"') {
            return None; // `"""`: a multi-line string
        }
        let plain = |c: char| {
            if c.is_ascii() {
                c == '\t' || !c.is_ascii_control()
            } else {
                !(c.is_control() || ('\u{2000}'..='\u{206F}').contains(&c) || c == '\u{FEFF}')
            }
        };
        if !body.chars().all(plain) {
            return None;
        }
        self.pos = body_start + len + 1;
        Some(body.to_string())
    }

    /// A bare identifier of printable ASCII, not a keyword or number look-alike.
    fn identifier(&mut self) -> Option<String> {
        let start = self.pos;
        while let Some(b) = self.peek() {
            let ident_char = b.is_ascii_graphic()
                && !matches!(
                    b,
                    b'\\'
                        | b'/'
                        | b'('
                        | b')'
                        | b'{'
                        | b'}'
                        | b'['
                        | b']'
                        | b';'
                        | b'"'
                        | b'#'
                        | b'='
                );
            if !ident_char {
                break;
            }
            self.pos += 1;
        }
        let word = &self.text[start..self.pos];
        let bytes = word.as_bytes();
        let digit_at = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
        let number_like = match bytes.first() {
            None => true,
            Some(b'0'..=b'9') => true,
            Some(b'+' | b'-') => digit_at(1) || (bytes.get(1) == Some(&b'.') && digit_at(2)),
            Some(b'.') => digit_at(1),
            _ => false,
        };
        if number_like || matches!(word, "true" | "false" | "null" | "inf" | "-inf" | "nan") {
            return None;
        }
        Some(word.to_string())
    }

    /// Whether the next byte ends a value: the end, a space, a newline, `;`,
    /// `=`, `{`, `}` or a `//` comment. (`)` and block comments also do in
    /// KDL, but they are outside the subset.)
    fn at_terminator(&self) -> bool {
        match self.peek() {
            None | Some(b' ' | b'\t' | b'\n' | b';' | b'=' | b'{' | b'}') => true,
            Some(b'/') => self.peek_at(1) == Some(b'/'),
            _ => false,
        }
    }
}

fn ident(s: Str) -> KdlIdentifier {
    let mut id = KdlIdentifier::from(s.value);
    id.set_span(s.start..s.end);
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values, names and spans, everything the decoder reads (not formatting).
    fn shape(doc: &KdlDocument, out: &mut String) {
        use std::fmt::Write as _;
        let _ = write!(out, "doc{:?}[", doc.span());
        for n in doc.nodes() {
            let _ = write!(
                out,
                "node{:?}:{:?}{:?}(",
                n.span(),
                n.name().value(),
                n.name().span()
            );
            for e in n.entries() {
                let name = e.name().map(|k| (k.value().to_string(), k.span()));
                let _ = write!(out, "entry{:?}:{name:?}={:?};", e.span(), e.value());
            }
            out.push(')');
            if let Some(c) = n.children() {
                shape(c, out);
            }
        }
        out.push(']');
    }

    /// The fast parser either declines or agrees with the `kdl` crate.
    fn agrees(text: &str) -> bool {
        let Some(fast) = parse(text) else {
            return false;
        };
        let Ok(slow) = KdlDocument::parse_v2(text) else {
            panic!("fast path accepted invalid KDL:\n{text}");
        };
        let (mut a, mut b) = (String::new(), String::new());
        shape(&fast, &mut a);
        shape(&slow, &mut b);
        assert_eq!(a, b, "for:\n{text}");
        true
    }

    fn repo_specs() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out = Vec::new();
        for dir in ["specs", "tests"] {
            for e in walkdir::WalkDir::new(root.join(dir))
                .into_iter()
                .filter_map(Result::ok)
            {
                if e.path().extension().is_some_and(|x| x == "kdl")
                    && let Ok(text) = std::fs::read_to_string(e.path())
                {
                    out.push((e.path().display().to_string(), text));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn agrees_on_generated_specs() {
        for n in [1, 2, 10, 37] {
            assert!(agrees(&crate::bench_spec::generate(n)), "N={n} fell back");
        }
    }

    #[test]
    fn agrees_on_every_spec_in_the_repository() {
        // Specs with syntax outside the subset fall back; those inside must agree.
        let specs = repo_specs();
        let accepted: Vec<&str> = specs
            .iter()
            .filter(|(_, text)| agrees(text))
            .map(|(p, _)| p.as_str())
            .collect();
        eprintln!(
            "fast path took {} of {} specs: {accepted:?}",
            accepted.len(),
            specs.len()
        );
        assert!(
            accepted.iter().any(|p| p.ends_with("specs/octo.kdl")),
            "octo.kdl fell back"
        );
    }

    #[test]
    fn small_cases() {
        for text in [
            "",
            "a",
            "a\n",
            "a;b;c",
            "a 1 -2 +3 x=y \"q r\"=\"s\" #true #false #null\n",
            "a{}",
            "a {\n}\n",
            "a { b; c }",
            "a {\n  b 1 // c\n  d\n}  \n  e",
            "// top\n\na // x\nb\n",
            "\"quoted name\" k = v",
            "a x=\"\" y=\"é\"",
            "a -x .y +z a.b",
            "a {\n    b {\n        c 1\n    }\n}\n",
            "a\t1\t\n",
        ] {
            assert!(agrees(text), "fell back on {text:?}");
        }
    }

    #[test]
    fn declines_what_it_does_not_cover() {
        for text in [
            "a 1.5",
            "a 0x1F",
            "a 1_000",
            "a \"x\\ny\"",
            "a #\"raw\"#",
            "a (t)1",
            "/- a",
            "a /- 1",
            "a /* c */ 1",
            "a \\\n 1",
            "a\r\n",
            "a #inf",
            "\u{FEFF}a",
            "a 10m",
            "a {",
            "a }",
            "{ a }",
            "a true",
            "a b=",
            "a\"b\"",
            "a\u{a0}1",
            "a \"\"\"\nx\n\"\"\"",
        ] {
            assert!(parse(text).is_none(), "accepted {text:?}");
        }
    }

    /// Every deletion or duplication of one byte of a spec: the fast path
    /// declines, or agrees with the crate (and never accepts invalid KDL).
    #[test]
    fn mutations_of_a_spec() {
        let text = crate::bench_spec::generate(2);
        let text = &text[..text.len().min(2500)];
        let mut accepted = 0;
        for i in 0..text.len() {
            if !text.is_char_boundary(i) || !text.is_char_boundary(i + 1) {
                continue;
            }
            for mutated in [
                format!("{}{}", &text[..i], &text[i + 1..]),
                format!("{}{}", &text[..i + 1], &text[i..]),
            ] {
                if agrees(&mutated) {
                    accepted += 1;
                }
            }
        }
        assert!(accepted > 0);
    }
}
