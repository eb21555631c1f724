//! A small structured HCL document model and a printer whose output is
//! byte-for-byte what `terraform fmt` produces.
//!
//! Why our own printer: the generated Terraform must pass `terraform fmt
//! -check` untouched, and `terraform fmt` does more than indent. It aligns the
//! `=` of every run of consecutive single-line attributes (and object
//! entries) to the longest name in the run, aligns trailing comments, unwraps
//! `"${x}"` attribute values to `x`, and normalises legacy `variable` types.
//! `hcl-rs` does not align `=`, and text templates cannot know the width of a
//! run they are in the middle of. So emitters build [`Body`] values and this
//! module serialises them; no emitter writes HCL text by hand.
//!
//! The printer works in two passes, mirroring `hclwrite` (the library behind
//! `terraform fmt`):
//!
//! 1. The tree is rendered into unindented lines with canonical spacing inside
//!    each line (`a = b`, `[a, b]`, `f(a, b)`, `kind "label" {`, `{}`).
//! 2. A port of `hclwrite`'s `formatIndent` and `formatCells` runs over those
//!    lines: it lexes each line just enough to count brackets and find the
//!    first `=`, indents by the same bracket-stack rule, and pads the `=` and
//!    trailing-comment cells of each run to the same column. Because the
//!    second pass is Terraform's own rule rather than a re-derivation, nested
//!    shapes (objects in lists in calls, …) indent exactly as `fmt` would.
//!
//! Inputs are never trusted to be well-formed: string values are escaped so
//! they can never open an interpolation (`${` → `$${`, `%{` → `%%{`), object
//! keys that are not identifiers are quoted, and no input makes the printer
//! panic. [`Expr::Raw`] text is the one escape hatch: it is copied as given and
//! must already be canonically spaced (`var.a[0]`, `f(a, b)`, `a + b`); it may
//! not contain heredocs. Output depends only on the input, in input order.
//!
//! ```
//! use platc::emit::terraform::hcl::{print, Block, Body, Expr, TemplatePart};
//!
//! let rg = Block::new("resource")
//!     .label("azurerm_resource_group")
//!     .label("main")
//!     .attr("name", Expr::template([TemplatePart::interp("var.prefix"), TemplatePart::lit("-rg")]))
//!     .attr("location", Expr::raw("var.location"))
//!     .attr("tags", Expr::object([("env", Expr::str("dev")), ("kubernetes.io/role", Expr::str("x"))]));
//! let file = Body::new().comment("Generated.").block(rg);
//! assert_eq!(
//!     print(&file),
//!     r#"# Generated.
//! resource "azurerm_resource_group" "main" {
//!   name     = "${var.prefix}-rg"
//!   location = var.location
//!   tags = {
//!     env                  = "dev"
//!     "kubernetes.io/role" = "x"
//!   }
//! }
//! "#
//! );
//! ```

use std::fmt;

/// Lists whose inline form (`[a, b, c]`) would be longer than this many
/// characters are written one element per line.
const INLINE_LIST_WIDTH: usize = 80;

/// The inside of a file or of a block: attributes, blocks, blank lines and
/// comments, in order.
///
/// Blank lines are normalised when printed: runs of [`Item::Blank`] collapse
/// to one, and blanks at the start or end of a body are dropped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Body {
    pub items: Vec<Item>,
}

/// One entry of a [`Body`].
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `name = value`. The name is written as given and must be an HCL
    /// identifier.
    Attribute(String, Expr),
    /// A nested block.
    Block(Block),
    /// An explicit blank line (a separator that also breaks `=` alignment).
    Blank,
    /// A `# text` comment line; a text with newlines becomes several lines.
    Comment(String),
}

/// `kind "label" "label" { body }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// The block type, e.g. `resource`; written as given.
    pub kind: String,
    /// Labels, always written quoted and escaped.
    ///
    /// `terraform fmt` itself drops labels containing `$` or `%`, so such
    /// labels cannot round-trip through it; Terraform names never contain them.
    pub labels: Vec<String>,
    pub body: Body,
}

/// An HCL expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A string literal; escaped, so it can never interpolate.
    Str(String),
    /// Expression text copied verbatim (after trimming surrounding
    /// whitespace): references, function calls, conditionals, `for`
    /// expressions. Must be canonically spaced, as `terraform fmt` would write
    /// it, and heredoc-free.
    Raw(String),
    Number(Number),
    Bool(bool),
    Null,
    /// A tuple `[a, b]`. Written inline unless `multiline` is set, an element
    /// spans several lines (e.g. a non-empty object), or the inline form is
    /// longer than 80 characters; multi-line lists get a trailing comma.
    List {
        items: Vec<Expr>,
        multiline: bool,
    },
    /// An object `{ key = value }`, one entry per line with aligned `=`;
    /// `{}` when empty.
    Object(Vec<(Key, Expr)>),
    /// A quoted template such as `"${var.prefix}-aks"`.
    Template(Vec<TemplatePart>),
    /// A function call `name(arg, arg)`.
    Call {
        name: String,
        args: Vec<Expr>,
    },
}

/// A numeric literal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Int(i64),
    UInt(u64),
    /// Non-finite floats have no HCL spelling and are written as `null`.
    Float(f64),
}

/// An object key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// A key name: written bare when it is an identifier, quoted otherwise
    /// (`"kubernetes.io/role"`).
    Name(String),
    /// A key expression copied verbatim, e.g. `(var.name)`.
    Expr(String),
}

/// One piece of an [`Expr::Template`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplatePart {
    /// Literal text; escaped.
    Lit(String),
    /// An interpolated expression, written verbatim inside `${…}`.
    Interp(String),
}

// ---------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------

impl Body {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `name = value`.
    pub fn attr(mut self, name: impl Into<String>, value: impl Into<Expr>) -> Self {
        self.push_attr(name, value);
        self
    }

    /// Appends `name = value` when `value` is `Some`.
    pub fn attr_opt<V: Into<Expr>>(mut self, name: impl Into<String>, value: Option<V>) -> Self {
        if let Some(value) = value {
            self.push_attr(name, value);
        }
        self
    }

    /// Appends a block.
    pub fn block(mut self, block: Block) -> Self {
        self.push_block(block);
        self
    }

    /// Appends a blank line.
    pub fn blank(mut self) -> Self {
        self.push_blank();
        self
    }

    /// Appends a `# text` comment.
    pub fn comment(mut self, text: impl Into<String>) -> Self {
        self.push_comment(text);
        self
    }

    /// Appends any item.
    pub fn item(mut self, item: Item) -> Self {
        self.push(item);
        self
    }

    pub fn push(&mut self, item: Item) {
        self.items.push(item);
    }

    pub fn push_attr(&mut self, name: impl Into<String>, value: impl Into<Expr>) {
        self.items.push(Item::Attribute(name.into(), value.into()));
    }

    pub fn push_block(&mut self, block: Block) {
        self.items.push(Item::Block(block));
    }

    pub fn push_blank(&mut self) {
        self.items.push(Item::Blank);
    }

    pub fn push_comment(&mut self, text: impl Into<String>) {
        self.items.push(Item::Comment(text.into()));
    }

    /// True when the body prints nothing (no items other than blank lines).
    pub fn is_empty(&self) -> bool {
        self.items.iter().all(|i| matches!(i, Item::Blank))
    }
}

impl Extend<Item> for Body {
    fn extend<T: IntoIterator<Item = Item>>(&mut self, iter: T) {
        self.items.extend(iter);
    }
}

impl FromIterator<Item> for Body {
    fn from_iter<T: IntoIterator<Item = Item>>(iter: T) -> Self {
        Body {
            items: iter.into_iter().collect(),
        }
    }
}

impl Block {
    pub fn new(kind: impl Into<String>) -> Self {
        Block {
            kind: kind.into(),
            labels: Vec::new(),
            body: Body::new(),
        }
    }

    /// Appends a label.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.labels.push(label.into());
        self
    }

    /// Appends several labels.
    pub fn labels<S: Into<String>>(mut self, labels: impl IntoIterator<Item = S>) -> Self {
        self.labels.extend(labels.into_iter().map(Into::into));
        self
    }

    /// Appends `name = value` to the body.
    pub fn attr(mut self, name: impl Into<String>, value: impl Into<Expr>) -> Self {
        self.body.push_attr(name, value);
        self
    }

    /// Appends `name = value` to the body when `value` is `Some`.
    pub fn attr_opt<V: Into<Expr>>(mut self, name: impl Into<String>, value: Option<V>) -> Self {
        if let Some(value) = value {
            self.body.push_attr(name, value);
        }
        self
    }

    /// Appends a nested block.
    pub fn block(mut self, block: Block) -> Self {
        self.body.push_block(block);
        self
    }

    /// Appends a blank line to the body.
    pub fn blank(mut self) -> Self {
        self.body.push_blank();
        self
    }

    /// Appends a `# text` comment to the body.
    pub fn comment(mut self, text: impl Into<String>) -> Self {
        self.body.push_comment(text);
        self
    }

    /// Appends any item to the body.
    pub fn item(mut self, item: Item) -> Self {
        self.body.push(item);
        self
    }

    /// Appends all items of `body` to this block's body.
    pub fn with_body(mut self, body: Body) -> Self {
        self.body.items.extend(body.items);
        self
    }
}

impl From<Block> for Item {
    fn from(block: Block) -> Self {
        Item::Block(block)
    }
}

impl Expr {
    /// A string literal.
    pub fn str(s: impl Into<String>) -> Self {
        Expr::Str(s.into())
    }

    /// Verbatim expression text: `var.x`, `module.net.subnet_ids["aks"]`.
    pub fn raw(s: impl Into<String>) -> Self {
        Expr::Raw(s.into())
    }

    pub fn int(n: i64) -> Self {
        Expr::Number(Number::Int(n))
    }

    pub fn uint(n: u64) -> Self {
        Expr::Number(Number::UInt(n))
    }

    pub fn float(n: f64) -> Self {
        Expr::Number(Number::Float(n))
    }

    pub fn bool(b: bool) -> Self {
        Expr::Bool(b)
    }

    pub fn null() -> Self {
        Expr::Null
    }

    /// A list, inline when short and simple.
    pub fn list(items: impl IntoIterator<Item = Expr>) -> Self {
        Expr::List {
            items: items.into_iter().collect(),
            multiline: false,
        }
    }

    /// A list written one element per line, with trailing commas.
    pub fn list_multiline(items: impl IntoIterator<Item = Expr>) -> Self {
        Expr::List {
            items: items.into_iter().collect(),
            multiline: true,
        }
    }

    /// A list of string literals.
    pub fn str_list<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Self {
        Expr::list(items.into_iter().map(Expr::str))
    }

    /// An object / map, entries in the given order.
    pub fn object<K: Into<Key>>(entries: impl IntoIterator<Item = (K, Expr)>) -> Self {
        Expr::Object(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// A quoted template, e.g. `"${var.prefix}-aks"` from
    /// `[TemplatePart::interp("var.prefix"), TemplatePart::lit("-aks")]`.
    pub fn template(parts: impl IntoIterator<Item = TemplatePart>) -> Self {
        Expr::Template(parts.into_iter().collect())
    }

    /// A function call.
    pub fn call(name: impl Into<String>, args: impl IntoIterator<Item = Expr>) -> Self {
        Expr::Call {
            name: name.into(),
            args: args.into_iter().collect(),
        }
    }
}

impl TemplatePart {
    pub fn lit(s: impl Into<String>) -> Self {
        TemplatePart::Lit(s.into())
    }

    pub fn interp(s: impl Into<String>) -> Self {
        TemplatePart::Interp(s.into())
    }
}

/// String slices become string literals, never raw expressions.
impl From<&str> for Expr {
    fn from(s: &str) -> Self {
        Expr::Str(s.to_string())
    }
}

/// Strings become string literals, never raw expressions.
impl From<String> for Expr {
    fn from(s: String) -> Self {
        Expr::Str(s)
    }
}

impl From<&String> for Expr {
    fn from(s: &String) -> Self {
        Expr::Str(s.clone())
    }
}

impl From<bool> for Expr {
    fn from(b: bool) -> Self {
        Expr::Bool(b)
    }
}

impl From<Number> for Expr {
    fn from(n: Number) -> Self {
        Expr::Number(n)
    }
}

macro_rules! int_into_expr {
    ($($t:ty => $variant:ident as $as:ty),*) => {$(
        impl From<$t> for Expr {
            fn from(n: $t) -> Self {
                Expr::Number(Number::$variant(<$as>::from(n)))
            }
        }
    )*};
}

int_into_expr!(i8 => Int as i64, i16 => Int as i64, i32 => Int as i64, i64 => Int as i64,
    u8 => UInt as u64, u16 => UInt as u64, u32 => UInt as u64, u64 => UInt as u64);

impl From<usize> for Expr {
    fn from(n: usize) -> Self {
        Expr::Number(Number::UInt(u64::try_from(n).unwrap_or(u64::MAX)))
    }
}

impl From<f64> for Expr {
    fn from(n: f64) -> Self {
        Expr::Number(Number::Float(n))
    }
}

impl From<&str> for Key {
    fn from(s: &str) -> Self {
        Key::Name(s.to_string())
    }
}

impl From<String> for Key {
    fn from(s: String) -> Self {
        Key::Name(s)
    }
}

impl From<&String> for Key {
    fn from(s: &String) -> Self {
        Key::Name(s.clone())
    }
}

// ---------------------------------------------------------------------------
// Printing, pass 1: render the tree into unindented lines.
// ---------------------------------------------------------------------------

/// Prints a whole file: `terraform fmt` output, ending in exactly one
/// newline (or empty for an empty body).
pub fn print(body: &Body) -> String {
    let mut out = String::new();
    write_body(&mut out, &body.items, Scope::File);
    layout(&out)
}

impl fmt::Display for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&print(self))
    }
}

/// A block on its own, as it would print at the top of a file.
impl fmt::Display for Block {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        write_block(&mut out, self, Scope::File);
        f.write_str(&layout(&out))
    }
}

/// An expression on its own (multi-line values end without a newline).
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        write_expr(&mut out, self);
        f.write_str(layout(&out).trim_end_matches('\n'))
    }
}

/// Where a body sits; `terraform fmt` treats `type` in a top-level
/// `variable` block specially.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    File,
    VariableBlock,
    Nested,
}

fn write_body(out: &mut String, items: &[Item], scope: Scope) {
    let mut wrote_any = false;
    let mut pending_blank = false;
    for item in items {
        if matches!(item, Item::Blank) {
            pending_blank = true;
            continue;
        }
        if pending_blank && wrote_any {
            out.push('\n');
        }
        pending_blank = false;
        wrote_any = true;
        match item {
            Item::Attribute(name, value) => {
                out.push_str(name);
                out.push_str(" = ");
                let is_type = scope == Scope::VariableBlock && name == "type";
                out.push_str(&attribute_value(value, is_type));
                out.push('\n');
            }
            Item::Block(block) => write_block(out, block, scope),
            Item::Comment(text) => {
                for line in text.split('\n') {
                    let line = line.trim_end();
                    out.push('#');
                    if !line.is_empty() {
                        out.push(' ');
                        out.push_str(line);
                    }
                    out.push('\n');
                }
            }
            Item::Blank => {}
        }
    }
}

fn write_block(out: &mut String, block: &Block, scope: Scope) {
    out.push_str(&block.kind);
    for label in &block.labels {
        out.push_str(" \"");
        escape_into(out, label);
        out.push('"');
    }
    if block.body.is_empty() {
        out.push_str(" {}\n");
        return;
    }
    out.push_str(" {\n");
    let inner = match scope {
        Scope::File if block.kind == "variable" => Scope::VariableBlock,
        _ => Scope::Nested,
    };
    write_body(out, &block.body.items, inner);
    out.push_str("}\n");
}

/// Renders an attribute's value, applying the rewrites `terraform fmt`
/// applies to attribute values (not to values nested in lists or objects).
/// A trailing comment (only possible through raw text) is not part of the
/// expression and is kept after it.
fn attribute_value(value: &Expr, is_variable_type: bool) -> String {
    let mut text = String::new();
    write_expr(&mut text, value);
    let (expr, comment) = split_trailing_comment(&text);
    let mut out = if is_variable_type {
        type_expr(expr)
    } else {
        unwrap_interpolation(expr).unwrap_or_else(|| expr.to_string())
    };
    if let Some(comment) = comment {
        out.push(' ');
        out.push_str(comment);
    }
    out
}

/// Splits a final `#`/`//` comment off expression text.
fn split_trailing_comment(text: &str) -> (&str, Option<&str>) {
    let toks = Lexer::default().lex(text);
    match toks.last() {
        Some(last) if last.kind == Tok::LineComment && toks.len() > 1 => {
            let (expr, comment) = text.split_at(last.start);
            (expr.trim_end(), Some(comment))
        }
        _ => (text, None),
    }
}

/// `terraform fmt`'s rewrite of `type` in a top-level `variable` block
/// (`formatTypeExpr`): bare collection keywords get `(any)`, legacy quoted
/// types become type expressions.
fn type_expr(text: &str) -> String {
    match text {
        "list" | "map" | "set" => format!("{text}(any)"),
        "\"string\"" => "string".to_string(),
        "\"list\"" => "list(string)".to_string(),
        "\"map\"" => "map(string)".to_string(),
        _ => text.to_string(),
    }
}

/// `terraform fmt` rewrites an attribute value that is exactly one
/// interpolation, `"${x}"`, to `x` (parenthesised if it spans lines). This
/// is a port of its `formatValueExpr`.
fn unwrap_interpolation(text: &str) -> Option<String> {
    let toks = Lexer::default().lex(text);
    let n = toks.len();
    if n < 5
        || toks[0].kind != Tok::OQuote
        || toks[1].kind != Tok::Interp
        || toks[n - 2].kind != Tok::SeqEnd
        || toks[n - 1].kind != Tok::CQuote
    {
        return None;
    }
    let mut quotes = 0i32;
    for tok in &toks[2..n - 2] {
        match tok.kind {
            Tok::OQuote => quotes += 1,
            Tok::CQuote => quotes -= 1,
            _ if quotes > 0 => {}
            Tok::Interp | Tok::SeqEnd | Tok::Lit => return None,
            _ => {}
        }
    }
    let inner = text.get(toks[1].end..toks[n - 2].start)?.trim();
    if inner.contains('\n') && !(inner.starts_with('(') && inner.ends_with(')')) {
        Some(format!("({inner})"))
    } else {
        Some(inner.to_string())
    }
}

fn write_expr(out: &mut String, expr: &Expr) {
    match expr {
        Expr::Str(s) => {
            out.push('"');
            escape_into(out, s);
            out.push('"');
        }
        Expr::Raw(s) => out.push_str(s.trim()),
        Expr::Number(n) => write_number(out, *n),
        Expr::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Expr::Null => out.push_str("null"),
        Expr::List { items, multiline } => write_list(out, items, *multiline),
        Expr::Object(entries) => {
            if entries.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push_str("{\n");
            for (key, value) in entries {
                write_key(out, key);
                out.push_str(" = ");
                write_expr(out, value);
                out.push('\n');
            }
            out.push('}');
        }
        Expr::Template(parts) => write_template(out, parts),
        Expr::Call { name, args } => {
            out.push_str(name);
            out.push('(');
            for (i, arg) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, arg);
            }
            out.push(')');
        }
    }
}

fn write_list(out: &mut String, items: &[Expr], multiline: bool) {
    if items.is_empty() {
        out.push_str("[]");
        return;
    }
    let rendered: Vec<String> = items
        .iter()
        .map(|item| {
            let mut s = String::new();
            write_expr(&mut s, item);
            s
        })
        .collect();
    let inline_width = rendered
        .iter()
        .map(|s| s.chars().count() + 2)
        .sum::<usize>();
    if multiline || inline_width > INLINE_LIST_WIDTH || rendered.iter().any(|s| s.contains('\n')) {
        out.push_str("[\n");
        for item in &rendered {
            out.push_str(item);
            out.push_str(",\n");
        }
        out.push(']');
    } else {
        out.push('[');
        out.push_str(&rendered.join(", "));
        out.push(']');
    }
}

fn write_key(out: &mut String, key: &Key) {
    match key {
        Key::Name(name) if is_bare_key(name) => out.push_str(name),
        Key::Name(name) => {
            out.push('"');
            escape_into(out, name);
            out.push('"');
        }
        Key::Expr(expr) => out.push_str(expr.trim()),
    }
}

/// Whether an object key can be written without quotes: an ASCII identifier
/// that the parser would not read as a literal or a `for` expression.
fn is_bare_key(name: &str) -> bool {
    let mut chars = name.chars();
    let starts_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    starts_ok
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !matches!(name, "true" | "false" | "null" | "for")
}

fn write_template(out: &mut String, parts: &[TemplatePart]) {
    // Merge adjacent literals so that `$` + `{` split across parts is still
    // escaped as a whole.
    let mut merged: Vec<TemplatePart> = Vec::new();
    for part in parts {
        match (merged.last_mut(), part) {
            (Some(TemplatePart::Lit(prev)), TemplatePart::Lit(s)) => prev.push_str(s),
            _ => merged.push(part.clone()),
        }
    }
    out.push('"');
    for (i, part) in merged.iter().enumerate() {
        match part {
            TemplatePart::Lit(s) => {
                let before_interp = matches!(merged.get(i + 1), Some(TemplatePart::Interp(_)));
                match s.strip_suffix('$') {
                    // `$` then `${x}` would read as the escape `$${`; spell
                    // the dollar as an interpolated string instead.
                    Some(head) if before_interp => {
                        escape_into(out, head);
                        out.push_str("${\"$\"}");
                    }
                    _ => escape_into(out, s),
                }
            }
            TemplatePart::Interp(expr) => {
                out.push_str("${");
                out.push_str(expr.trim());
                out.push('}');
            }
        }
    }
    out.push('"');
}

fn write_number(out: &mut String, n: Number) {
    match n {
        Number::Int(i) => out.push_str(&i.to_string()),
        Number::UInt(u) => out.push_str(&u.to_string()),
        Number::Float(f) if !f.is_finite() => out.push_str("null"),
        Number::Float(f) => {
            let abs = f.abs();
            if abs != 0.0 && !(1e-5..1e16).contains(&abs) {
                out.push_str(&format!("{f:e}"));
            } else {
                out.push_str(&f.to_string());
            }
        }
    }
}

/// Escapes a string for the inside of an HCL quoted string exactly as
/// `hclwrite` does (`escapeQuotedStringLit`), so labels survive the
/// re-escaping `terraform fmt` applies to them.
fn escape_into(out: &mut String, s: &str) {
    for (i, c) in s.char_indices() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' | '%' => {
                out.push(c);
                if s[i + 1..].starts_with('{') {
                    out.push(c);
                }
            }
            c if !is_print(c) => {
                let code = u32::from(c);
                if code < 0x10000 {
                    out.push_str(&format!("\\u{code:04x}"));
                } else {
                    out.push_str(&format!("\\U{code:08x}"));
                }
            }
            c => out.push(c),
        }
    }
}

/// An approximation of Go's `unicode.IsPrint` (letters, marks, numbers,
/// punctuation, symbols and the ASCII space): control and format characters,
/// non-ASCII spaces, line/paragraph separators, private-use code points and
/// non-characters are not printable.
fn is_print(c: char) -> bool {
    let u = u32::from(c);
    !(c.is_control()
        || matches!(
            u,
            0x00A0
                | 0x00AD
                | 0x0600..=0x0605
                | 0x061C
                | 0x06DD
                | 0x070F
                | 0x0890..=0x0891
                | 0x08E2
                | 0x1680
                | 0x180E
                | 0x2000..=0x200F
                | 0x2028..=0x202F
                | 0x205F..=0x2064
                | 0x2066..=0x206F
                | 0x3000
                | 0xD800..=0xF8FF
                | 0xFDD0..=0xFDEF
                | 0xFEFF
                | 0xFFF0..=0xFFFB
                | 0xFFFE..=0xFFFF
                | 0x110BD
                | 0x110CD
                | 0x13430..=0x1343F
                | 0x1BCA0..=0x1BCA3
                | 0x1D173..=0x1D17A
                | 0xE0000..=0xE007F
                | 0xF0000..=0x10FFFF
        ))
}

// ---------------------------------------------------------------------------
// Printing, pass 2: indentation and alignment, ported from hclwrite.
// ---------------------------------------------------------------------------

/// Token kinds, as far as indentation and alignment care about them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    OQuote,
    CQuote,
    /// Literal text inside a quoted string.
    Lit,
    /// `(`, `[`, `{`.
    Open,
    /// `)`, `]`, `}` (not ending an interpolation).
    Close,
    /// `${` or `%{` (with optional `~`).
    Interp,
    /// The `}` (or `~}`) ending an interpolation.
    SeqEnd,
    /// A lone `=` (not `==`, `!=`, `<=`, `>=`, `=>`).
    Equal,
    /// `#` or `//` to the end of the line.
    LineComment,
    /// `/* … */`.
    BlockComment,
    Other,
}

impl Tok {
    fn bracket_change(self) -> i32 {
        match self {
            Tok::Open | Tok::Interp => 1,
            Tok::Close | Tok::SeqEnd => -1,
            _ => 0,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: Tok,
    start: usize,
    end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    Str,
    Interp,
    Brace,
}

/// Just enough of the HCL lexer to count brackets and find `=` and comments
/// outside string literals. State carries across calls, so a multi-line
/// expression can be lexed a line at a time.
#[derive(Debug, Default)]
struct Lexer {
    stack: Vec<Frame>,
    in_block_comment: bool,
}

impl Lexer {
    fn in_string(&self) -> bool {
        self.stack.last() == Some(&Frame::Str)
    }

    fn lex(&mut self, text: &str) -> Vec<Token> {
        let b = text.as_bytes();
        let mut toks: Vec<Token> = Vec::new();
        fn push(toks: &mut Vec<Token>, kind: Tok, start: usize, end: usize) {
            // Literal runs form one token, as in HCL.
            if kind == Tok::Lit
                && let Some(last) = toks.last_mut()
                && last.kind == Tok::Lit
            {
                last.end = end;
                return;
            }
            toks.push(Token { kind, start, end });
        }
        // Byte offset of the next `pat` at or after `from`, if any.
        let find = |from: usize, pat: &[u8]| {
            b.get(from..)
                .and_then(|rest| rest.windows(pat.len()).position(|w| w == pat))
                .map(|j| from + j)
        };
        let at = |i: usize| b.get(i).copied();
        let mut i = 0;
        while i < b.len() {
            if self.in_block_comment {
                match find(i, b"*/") {
                    Some(j) => {
                        i = j + 2;
                        self.in_block_comment = false;
                    }
                    None => i = b.len(),
                }
                continue;
            }
            let c = b[i];
            if self.in_string() {
                match c {
                    b'"' => {
                        self.stack.pop();
                        push(&mut toks, Tok::CQuote, i, i + 1);
                        i += 1;
                    }
                    b'\\' => {
                        let end = (i + 2).min(b.len());
                        push(&mut toks, Tok::Lit, i, end);
                        i = end;
                    }
                    b'$' | b'%' if at(i + 1) == Some(c) && at(i + 2) == Some(b'{') => {
                        push(&mut toks, Tok::Lit, i, i + 3);
                        i += 3;
                    }
                    b'$' | b'%' if at(i + 1) == Some(b'{') => {
                        let end = if at(i + 2) == Some(b'~') {
                            i + 3
                        } else {
                            i + 2
                        };
                        self.stack.push(Frame::Interp);
                        push(&mut toks, Tok::Interp, i, end);
                        i = end;
                    }
                    _ => {
                        push(&mut toks, Tok::Lit, i, i + 1);
                        i += 1;
                    }
                }
                continue;
            }
            match c {
                b' ' | b'\t' | b'\r' | b'\n' => i += 1,
                b'#' => {
                    let end = find(i, b"\n").unwrap_or(b.len());
                    push(&mut toks, Tok::LineComment, i, end);
                    i = end;
                }
                b'/' if at(i + 1) == Some(b'/') => {
                    let end = find(i, b"\n").unwrap_or(b.len());
                    push(&mut toks, Tok::LineComment, i, end);
                    i = end;
                }
                b'/' if at(i + 1) == Some(b'*') => {
                    push(&mut toks, Tok::BlockComment, i, i + 2);
                    self.in_block_comment = true;
                    i += 2;
                }
                b'"' => {
                    self.stack.push(Frame::Str);
                    push(&mut toks, Tok::OQuote, i, i + 1);
                    i += 1;
                }
                b'{' => {
                    self.stack.push(Frame::Brace);
                    push(&mut toks, Tok::Open, i, i + 1);
                    i += 1;
                }
                b'(' | b'[' => {
                    push(&mut toks, Tok::Open, i, i + 1);
                    i += 1;
                }
                b')' | b']' => {
                    push(&mut toks, Tok::Close, i, i + 1);
                    i += 1;
                }
                b'~' if at(i + 1) == Some(b'}') && self.stack.last() == Some(&Frame::Interp) => {
                    self.stack.pop();
                    push(&mut toks, Tok::SeqEnd, i, i + 2);
                    i += 2;
                }
                b'}' => {
                    let kind = match self.stack.pop() {
                        Some(Frame::Interp) => Tok::SeqEnd,
                        _ => Tok::Close,
                    };
                    push(&mut toks, kind, i, i + 1);
                    i += 1;
                }
                b'=' if matches!(at(i + 1), Some(b'=' | b'>')) => {
                    push(&mut toks, Tok::Other, i, i + 2);
                    i += 2;
                }
                b'=' => {
                    push(&mut toks, Tok::Equal, i, i + 1);
                    i += 1;
                }
                b'!' | b'<' | b'>' if at(i + 1) == Some(b'=') => {
                    push(&mut toks, Tok::Other, i, i + 2);
                    i += 2;
                }
                _ => {
                    push(&mut toks, Tok::Other, i, i + 1);
                    i += 1;
                }
            }
        }
        toks
    }
}

/// One output line, split into `hclwrite`'s cells.
#[derive(Debug)]
struct Line {
    /// Content without leading indentation (or verbatim, see below).
    text: String,
    /// Inside a multi-line comment or string: written exactly as given.
    verbatim: bool,
    net_brackets: i32,
    /// Byte offset of the `=` starting the "assign" cell.
    assign: Option<usize>,
    /// Byte offset of the trailing comment starting the "comment" cell.
    comment: Option<usize>,
    indent: usize,
    /// Spaces before the `=` / the trailing comment after alignment.
    assign_pad: usize,
    comment_pad: usize,
}

impl Line {
    fn is_blank(&self) -> bool {
        !self.verbatim && self.text.is_empty()
    }

    /// End of the cells before the comment cell.
    fn code_end(&self) -> usize {
        self.comment.unwrap_or(self.text.len())
    }

    fn lead(&self) -> &str {
        self.text[..self.assign.unwrap_or_else(|| self.code_end())].trim_end()
    }

    fn assign_text(&self) -> &str {
        match self.assign {
            Some(eq) => self.text[eq..self.code_end()].trim_end(),
            None => "",
        }
    }

    /// `lead.Columns()` in hclwrite: indentation plus the lead's width.
    fn lead_columns(&self) -> usize {
        self.indent + columns(self.lead())
    }
}

/// Splits pass-1 text into lines, then indents and aligns them as
/// `hclwrite.Format` does.
fn layout(src: &str) -> String {
    let mut lexer = Lexer::default();
    let mut lines: Vec<Line> = Vec::new();
    for raw in src.split('\n') {
        let verbatim = lexer.in_block_comment || lexer.in_string();
        let text = if verbatim { raw.trim_end() } else { raw.trim() };
        let toks = lexer.lex(text);
        let mut line = Line {
            text: text.to_string(),
            verbatim,
            net_brackets: 0,
            assign: None,
            comment: None,
            indent: 0,
            assign_pad: 1,
            comment_pad: 1,
        };
        if !verbatim {
            analyse(&mut line, &toks);
        }
        lines.push(line);
    }
    while lines.last().is_some_and(Line::is_blank) {
        lines.pop();
    }
    let first = lines
        .iter()
        .position(|l| !l.is_blank())
        .unwrap_or(lines.len());
    lines.drain(..first);

    indent(&mut lines);
    align_assignments(&mut lines);
    align_comments(&mut lines);

    let mut out = String::new();
    for line in &lines {
        if line.verbatim {
            out.push_str(&line.text);
        } else if !line.is_blank() {
            push_spaces(&mut out, line.indent);
            out.push_str(line.lead());
            if line.assign.is_some() {
                push_spaces(&mut out, line.assign_pad);
                out.push_str(line.assign_text());
            }
            if let Some(c) = line.comment {
                push_spaces(&mut out, line.comment_pad);
                out.push_str(line.text[c..].trim_end());
            }
        }
        out.push('\n');
    }
    out
}

/// Fills a line's bracket count and cells from its tokens (hclwrite's
/// `linesForFormat`).
fn analyse(line: &mut Line, toks: &[Token]) {
    line.net_brackets = toks.iter().map(|t| t.kind.bracket_change()).sum();
    let mut code = toks;
    if let [.., last] = toks
        && toks.len() > 1
        && last.kind == Tok::LineComment
    {
        line.comment = Some(last.start);
        code = &toks[..toks.len() - 1];
    }
    if let Some(eq) = code
        .iter()
        .skip(1)
        .position(|t| t.kind == Tok::Equal)
        .map(|p| p + 1)
    {
        let net: i32 = code[eq..].iter().map(|t| t.kind.bracket_change()).sum();
        if net == 0 {
            line.assign = Some(code[eq].start);
        }
    }
}

/// hclwrite's `formatIndent`: a line with more openers than closers indents
/// what follows by one level however many it opened; closers pop levels.
fn indent(lines: &mut [Line]) {
    let mut indents: Vec<i32> = Vec::new();
    for line in lines.iter_mut() {
        if line.verbatim || line.is_blank() {
            continue;
        }
        let net = line.net_brackets;
        if net > 0 {
            line.indent = 2 * indents.len();
            indents.push(net);
            continue;
        }
        let mut closed = -net;
        while closed > 0 {
            let Some(top) = indents.last_mut() else { break };
            if closed > *top {
                closed -= *top;
                indents.pop();
            } else if closed < *top {
                *top -= closed;
                closed = 0;
            } else {
                indents.pop();
                closed = 0;
            }
        }
        line.indent = 2 * indents.len();
    }
}

/// hclwrite's assign-cell chains: consecutive lines that each have an
/// assign cell pad their `=` to one column past the longest lead.
fn align_assignments(lines: &mut [Line]) {
    let mut start = 0;
    while start < lines.len() {
        if lines[start].assign.is_none() {
            start += 1;
            continue;
        }
        let end = lines[start..]
            .iter()
            .position(|l| l.assign.is_none())
            .map_or(lines.len(), |p| start + p);
        let max = lines[start..end]
            .iter()
            .map(Line::lead_columns)
            .max()
            .unwrap_or(0);
        for line in &mut lines[start..end] {
            line.assign_pad = max - line.lead_columns() + 1;
        }
        start = end;
    }
}

/// hclwrite's comment-cell chains, measured after the `=` alignment.
fn align_comments(lines: &mut [Line]) {
    let width = |l: &Line| {
        let assign = if l.assign.is_some() {
            l.assign_pad + columns(l.assign_text())
        } else {
            0
        };
        l.lead_columns() + assign
    };
    let mut start = 0;
    while start < lines.len() {
        if lines[start].comment.is_none() {
            start += 1;
            continue;
        }
        let end = lines[start..]
            .iter()
            .position(|l| l.comment.is_none())
            .map_or(lines.len(), |p| start + p);
        let max = lines[start..end].iter().map(width).max().unwrap_or(0);
        for line in &mut lines[start..end] {
            line.comment_pad = max - width(line) + 1;
        }
        start = end;
    }
}

fn push_spaces(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// Display width as hclwrite measures it: grapheme clusters, approximated by
/// not counting combining marks, variation selectors, emoji modifiers, the
/// character after a zero-width joiner, or the second of a regional
/// indicator pair.
fn columns(s: &str) -> usize {
    let mut n = 0;
    let mut after_zwj = false;
    let mut pending_ri = false;
    for c in s.chars() {
        let u = u32::from(c);
        if after_zwj {
            after_zwj = false;
            continue;
        }
        if u == 0x200D {
            after_zwj = true;
            continue;
        }
        let extends = matches!(
            u,
            0x0300..=0x036F
                | 0x0483..=0x0489
                | 0x0591..=0x05BD
                | 0x0610..=0x061A
                | 0x064B..=0x065F
                | 0x1AB0..=0x1AFF
                | 0x1DC0..=0x1DFF
                | 0x20D0..=0x20FF
                | 0xFE00..=0xFE0F
                | 0xFE20..=0xFE2F
                | 0x1F3FB..=0x1F3FF
                | 0xE0100..=0xE01EF
        );
        if extends {
            continue;
        }
        if (0x1F1E6..=0x1F1FF).contains(&u) {
            if pending_ri {
                pending_ri = false;
                continue;
            }
            pending_ri = true;
        } else {
            pending_ri = false;
        }
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Expr {
        Expr::str(x)
    }

    fn r(x: &str) -> Expr {
        Expr::raw(x)
    }

    #[test]
    fn empty_body_prints_nothing() {
        assert_eq!(print(&Body::new()), "");
        assert_eq!(print(&Body::new().blank().blank()), "");
    }

    #[test]
    fn attributes_align_within_a_run() {
        let body = Body::new()
            .attr("name", s("rg"))
            .attr("location", r("var.location"))
            .attr("n", 3);
        assert_eq!(
            print(&body),
            "name     = \"rg\"\nlocation = var.location\nn        = 3\n"
        );
    }

    #[test]
    fn blank_comment_and_block_break_runs() {
        let body = Body::new()
            .attr("a", 1)
            .attr("bbb", 2)
            .blank()
            .attr("cc", 3)
            .comment("note")
            .attr("dddd", 4)
            .block(Block::new("x"))
            .attr("e", 5);
        assert_eq!(
            print(&body),
            "a   = 1\nbbb = 2\n\ncc = 3\n# note\ndddd = 4\nx {}\ne = 5\n"
        );
    }

    #[test]
    fn blanks_are_normalised() {
        let body = Body::new()
            .blank()
            .attr("a", 1)
            .blank()
            .blank()
            .attr("b", 2)
            .blank();
        assert_eq!(print(&body), "a = 1\n\nb = 2\n");
    }

    #[test]
    fn multi_line_value_breaks_run() {
        let body = Body::new()
            .attr("a", 1)
            .attr("bbb", 2)
            .attr(
                "tags",
                Expr::object([("env", s("dev")), ("kubernetes.io/role", s("x"))]),
            )
            .attr("cc", 3)
            .attr("d", 4);
        assert_eq!(
            print(&body),
            "a   = 1\nbbb = 2\ntags = {\n  env                  = \"dev\"\n  \"kubernetes.io/role\" = \"x\"\n}\ncc = 3\nd  = 4\n"
        );
    }

    #[test]
    fn blocks_labels_and_empty_blocks() {
        let block = Block::new("resource")
            .label("azurerm_resource_group")
            .label("main")
            .attr("name", s("rg"))
            .block(Block::new("lifecycle").attr("prevent_destroy", true))
            .block(Block::new("timeouts"));
        assert_eq!(
            block.to_string(),
            "resource \"azurerm_resource_group\" \"main\" {\n  name = \"rg\"\n  lifecycle {\n    prevent_destroy = true\n  }\n  timeouts {}\n}\n"
        );
        assert_eq!(
            Block::new("a").label("b").blank().to_string(),
            "a \"b\" {}\n"
        );
    }

    #[test]
    fn string_escapes() {
        assert_eq!(
            s("a\"b\\c\nd\re\tf ${x} %{y} $ % $${z}").to_string(),
            r#""a\"b\\c\nd\re\tf $${x} %%{y} $ % $$${z}""#
        );
        assert_eq!(
            s("nul\u{0}nbsp\u{a0}é😀").to_string(),
            r#""nul\u0000nbsp\u00a0é😀""#
        );
        assert_eq!(s("").to_string(), "\"\"");
    }

    #[test]
    fn numbers_bools_null() {
        assert_eq!(Expr::int(-3).to_string(), "-3");
        assert_eq!(Expr::uint(u64::MAX).to_string(), "18446744073709551615");
        assert_eq!(Expr::float(2.5).to_string(), "2.5");
        assert_eq!(Expr::float(2.0).to_string(), "2");
        assert_eq!(Expr::float(1e21).to_string(), "1e21");
        assert_eq!(Expr::float(1.5e-7).to_string(), "1.5e-7");
        assert_eq!(Expr::float(f64::NAN).to_string(), "null");
        assert_eq!(Expr::bool(false).to_string(), "false");
        assert_eq!(Expr::null().to_string(), "null");
    }

    #[test]
    fn lists() {
        assert_eq!(Expr::list([]).to_string(), "[]");
        assert_eq!(Expr::str_list(["a", "b"]).to_string(), "[\"a\", \"b\"]");
        assert_eq!(
            Expr::list_multiline([s("a"), r("var.b")]).to_string(),
            "[\n  \"a\",\n  var.b,\n]"
        );
        let long = Expr::str_list((0..10).map(|i| format!("10.0.{i}.0/24")));
        assert!(long.to_string().starts_with("[\n  \"10.0.0.0/24\",\n"));
        assert_eq!(
            Expr::list([
                Expr::object([("x", Expr::int(1)), ("yy", Expr::int(2))]),
                Expr::object::<&str>([])
            ])
            .to_string(),
            "[\n  {\n    x  = 1\n    yy = 2\n  },\n  {},\n]"
        );
        assert_eq!(
            Expr::list([Expr::list([Expr::int(1)]), Expr::list([])]).to_string(),
            "[[1], []]"
        );
    }

    #[test]
    fn objects() {
        assert_eq!(Expr::object::<&str>([]).to_string(), "{}");
        let obj = Expr::object([
            (Key::from("a"), Expr::int(1)),
            (Key::from("true"), Expr::int(2)),
            (Key::from("with space"), Expr::int(3)),
            (Key::from("9lives"), Expr::int(4)),
            (Key::from("dash-ok"), Expr::int(5)),
            (Key::Expr("(var.k)".into()), Expr::int(6)),
            (Key::from("nested"), Expr::object([("z", Expr::int(0))])),
            (Key::from("after"), Expr::int(7)),
        ]);
        assert_eq!(
            obj.to_string(),
            "{\n  a            = 1\n  \"true\"       = 2\n  \"with space\" = 3\n  \"9lives\"     = 4\n  dash-ok      = 5\n  (var.k)      = 6\n  nested = {\n    z = 0\n  }\n  after = 7\n}"
        );
    }

    #[test]
    fn templates() {
        let t = Expr::template([
            TemplatePart::interp("var.prefix"),
            TemplatePart::lit("-aks"),
        ]);
        assert_eq!(t.to_string(), "\"${var.prefix}-aks\"");
        let t = Expr::template([
            TemplatePart::lit("a\"${"),
            TemplatePart::lit("$"),
            TemplatePart::interp("x"),
        ]);
        assert_eq!(t.to_string(), r#""a\"$${${"$"}${x}""#);
        let lone = Expr::template([TemplatePart::interp("var.x")]);
        assert_eq!(lone.to_string(), "\"${var.x}\"");
        // As an attribute value, fmt unwraps a lone interpolation.
        assert_eq!(print(&Body::new().attr("a", lone.clone())), "a = var.x\n");
        assert_eq!(
            print(&Body::new().attr("a", Expr::list([lone]))),
            "a = [\"${var.x}\"]\n"
        );
        assert_eq!(
            print(&Body::new().attr("a", r("\"${foo(\"${bar}\")}\""))),
            "a = foo(\"${bar}\")\n"
        );
        assert_eq!(
            print(&Body::new().attr("a", r("\"${a}${b}\""))),
            "a = \"${a}${b}\"\n"
        );
        assert_eq!(
            print(&Body::new().attr("a", r("\"${var.x}\" # c"))),
            "a = var.x # c\n"
        );
        assert_eq!(
            print(&Body::new().attr("a", r("\"${\n  var.a ? 1 : 2\n}\""))),
            "a = var.a ? 1 : 2\n"
        );
    }

    #[test]
    fn calls() {
        let c = Expr::call("merge", [r("var.tags"), Expr::object([("role", s("x"))])]);
        assert_eq!(
            print(&Body::new().attr("tags", c)),
            "tags = merge(var.tags, {\n  role = \"x\"\n})\n"
        );
        let c = Expr::call(
            "merge",
            [
                Expr::object([("a", Expr::int(1))]),
                Expr::object([("b", Expr::int(2))]),
            ],
        );
        // terraform fmt's own (odd) indentation for `}, {`.
        assert_eq!(
            print(&Body::new().attr("x", c)),
            "x = merge({\n  a = 1\n  }, {\n  b = 2\n})\n"
        );
        assert_eq!(Expr::call("f", []).to_string(), "f()");
    }

    #[test]
    fn variable_type_normalised() {
        let body = Body::new()
            .block(Block::new("variable").label("a").attr("type", s("string")))
            .block(
                Block::new("variable")
                    .label("b")
                    .attr("type", r("map # legacy")),
            )
            .block(Block::new("other").attr("type", s("string")));
        assert_eq!(
            print(&body),
            "variable \"a\" {\n  type = string\n}\nvariable \"b\" {\n  type = map(any) # legacy\n}\nother {\n  type = \"string\"\n}\n"
        );
    }

    #[test]
    fn comments() {
        let body = Body::new()
            .comment("one\ntwo  \n\nthree")
            .block(Block::new("b").comment("in"));
        assert_eq!(print(&body), "# one\n# two\n#\n# three\nb {\n  # in\n}\n");
    }

    #[test]
    fn raw_multiline_is_reindented_and_comments_align() {
        let body = Body::new()
            .attr("a", r("var.x # first"))
            .attr("bbb", r("var.yyyy # second"))
            .attr("c", r("{\n      deep = 1\n   }"));
        assert_eq!(
            print(&body),
            "a   = var.x    # first\nbbb = var.yyyy # second\nc = {\n  deep = 1\n}\n"
        );
    }

    #[test]
    fn unicode_keys_align_by_grapheme() {
        let obj = Expr::object([
            ("é", Expr::int(1)),
            ("e\u{301}x", Expr::int(2)),
            ("abc", Expr::int(3)),
        ]);
        // Quoted: `"é"` is 3 columns, `"e\u{301}x"` is 4 (one grapheme for
        // the combining pair), `abc` is 3.
        assert_eq!(
            obj.to_string(),
            "{\n  \"é\"  = 1\n  \"e\u{301}x\" = 2\n  abc  = 3\n}"
        );
    }

    #[test]
    fn hostile_input_does_not_panic() {
        let nasty = [
            "",
            "}",
            "{{{",
            "\"",
            "\"${",
            "/*",
            "#",
            "=",
            "a = = b",
            "\\",
            "$",
            "%{",
            "é\u{301}",
        ];
        for n in nasty {
            let body = Body::new()
                .attr(n, r(n))
                .attr(n, s(n))
                .block(Block::new(n).label(n).attr("k", Expr::object([(n, r(n))])))
                .comment(n)
                .attr(
                    n,
                    Expr::template([TemplatePart::lit(n), TemplatePart::interp(n)]),
                );
            let out = print(&body);
            assert!(!out.lines().any(|l| l.ends_with(' ')), "{out:?}");
        }
    }

    // --- Agreement with `terraform fmt` ----------------------------------

    /// Runs `terraform fmt -check -diff -recursive` on `dir`; `None` when the
    /// binary is not installed.
    fn terraform_fmt_check(dir: &std::path::Path) -> Option<(bool, String)> {
        let out = std::process::Command::new("terraform")
            .args(["fmt", "-check", "-diff", "-no-color", "-recursive"])
            .arg(dir)
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .output();
        match out {
            Ok(out) => Some((
                out.status.success(),
                format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ),
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => Some((false, format!("could not run terraform: {e}"))),
        }
    }

    fn rich_sample() -> Body {
        let tags = Expr::object([
            (Key::from("environment"), r("var.environment")),
            (Key::from("kubernetes.io/role"), s("agent")),
            (Key::from("owner"), s("platform \"core\" ${team}")),
            (Key::from("x"), Expr::int(1)),
        ]);
        let pools = Expr::list([
            Expr::object([
                ("name", s("system")),
                ("vm_size", s("Standard_D4s_v5")),
                ("node_count", Expr::int(3)),
                ("zones", Expr::str_list(["1", "2", "3"])),
                (
                    "labels",
                    Expr::object([("kubernetes.io/os", s("linux")), ("tier", s("system"))]),
                ),
                ("max_pods", Expr::int(110)),
            ]),
            Expr::object([("name", s("user")), ("taints", Expr::list([]))]),
        ]);
        Body::new()
            .comment("Generated by platc. Do not edit.")
            .block(
                Block::new("terraform")
                    .attr("required_version", s(">= 1.5"))
                    .block(Block::new("required_providers").attr(
                        "azurerm",
                        Expr::object([
                            ("source", s("hashicorp/azurerm")),
                            ("version", s("~> 4.0")),
                        ]),
                    )),
            )
            .blank()
            .block(
                Block::new("variable")
                    .label("environment")
                    .attr("type", r("string"))
                    .attr("description", s("Environment name, e.g. \"dev\"."))
                    .attr("default", Expr::null()),
            )
            .blank()
            .block(
                Block::new("locals")
                    .attr(
                        "name",
                        Expr::template([
                            TemplatePart::interp("var.prefix"),
                            TemplatePart::lit("-aks"),
                        ]),
                    )
                    .attr(
                        "literal_dollar",
                        s("cost is $5 and ${not_interp} and %{nope}"),
                    )
                    .attr("common_tags", tags)
                    .attr("node_pools", pools)
                    .attr("empty_list", Expr::list([]))
                    .attr("empty_map", Expr::object::<&str>([]))
                    .attr("ratio", Expr::float(0.75))
                    .attr("neg", Expr::int(-1))
                    .attr(
                        "flags",
                        Expr::list([Expr::bool(true), Expr::null(), Expr::int(-2)]),
                    ),
            )
            .blank()
            .block(
                Block::new("resource")
                    .labels(["azurerm_kubernetes_cluster", "main"])
                    .attr("name", r("local.name"))
                    .attr("location", r("azurerm_resource_group.main.location"))
                    .attr("resource_group_name", r("azurerm_resource_group.main.name"))
                    .attr(
                        "dns_prefix",
                        Expr::template([TemplatePart::interp("local.name")]),
                    )
                    .blank()
                    .block(
                        Block::new("default_node_pool")
                            .attr("name", s("system"))
                            .attr("vnet_subnet_id", r("module.net.subnet_ids[\"aks\"]"))
                            .attr("zones", Expr::list_multiline([s("1"), s("2")]))
                            .attr("node_count", 3),
                    )
                    .block(Block::new("identity").attr("type", s("SystemAssigned")))
                    .block(Block::new("lifecycle").attr("ignore_changes", Expr::list([r("tags")])))
                    .block(Block::new("timeouts"))
                    .comment("tags last")
                    .attr(
                        "tags",
                        Expr::call(
                            "merge",
                            [r("local.common_tags"), Expr::object([("role", s("aks"))])],
                        ),
                    )
                    .attr("count", r("var.enabled ? 1 : 0")),
            )
            .blank()
            .block(
                Block::new("output")
                    .label("ids")
                    .attr(
                        "value",
                        r("[for k, v in azurerm_subnet.this : v.id if v.name != \"x\"]"),
                    )
                    .attr("sensitive", false),
            )
    }

    #[test]
    fn rich_sample_passes_terraform_fmt() {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = print(&rich_sample());
        assert!(text.ends_with("}\n") && !text.ends_with("\n\n"));
        std::fs::write(dir.path().join("main.tf"), &text).expect("write sample");
        match terraform_fmt_check(dir.path()) {
            None => eprintln!("note: `terraform` not on PATH; skipping terraform fmt check"),
            Some((ok, output)) => assert!(
                ok,
                "terraform fmt disagrees:\n{output}\n--- file ---\n{text}"
            ),
        }
    }

    /// A tiny deterministic generator of varied documents.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }

        fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
            xs[self.below(xs.len() as u64) as usize]
        }

        fn name(&mut self) -> String {
            let base = self.pick(&[
                "a",
                "name",
                "location",
                "x_y",
                "very_long_attribute_name",
                "zz-9",
            ]);
            format!("{base}{}", self.below(3))
        }

        fn key(&mut self) -> Key {
            match self.below(6) {
                0 => Key::from(self.pick(&[
                    "kubernetes.io/role",
                    "a b",
                    "9x",
                    "null",
                    "é",
                    "\"q\"",
                    "${x}",
                ])),
                1 => Key::Expr(self.pick(&["(var.k)", "(local.m[\"x\"])"]).to_string()),
                _ => Key::Name(self.name()),
            }
        }

        fn expr(&mut self, depth: u32) -> Expr {
            let leaf = depth > 3;
            match self.below(if leaf { 6 } else { 11 }) {
                0 => Expr::str(self.pick(&[
                    "plain",
                    "",
                    "q\"uote",
                    "back\\slash",
                    "${interp}",
                    "%{dir}",
                    "$${",
                    "nl\nx",
                    "tab\t",
                    "string",
                    "list",
                    "map",
                    "ünï\u{a0}cödé",
                ])),
                1 => Expr::raw(self.pick(&[
                    "var.x",
                    "module.net.subnet_ids[\"aks\"]",
                    "length(var.list) > 0 ? var.list[0] : null",
                    "{ a = 1 }",
                    "\"${var.a}-${var.b}\"",
                    "\"${var.only}\"",
                    "[for s in var.l : upper(s)]",
                    "-var.n",
                    "list",
                    "set",
                    "string",
                    "merge(\n  var.a,\n  var.b,\n)",
                    "\"${\n  var.a ? 1 : 2\n}\"",
                    "{\n  k = 1\n  long_key = 2\n}",
                    "var.x /* c */",
                ])),
                2 => Expr::int(self.below(2000) as i64 - 1000),
                3 => Expr::float((self.below(10_000) as f64) / 64.0 - 50.0),
                4 => Expr::bool(self.below(2) == 0),
                5 => Expr::template([
                    TemplatePart::lit(self.pick(&["", "pre-", "$", "a\"b"])),
                    TemplatePart::interp(self.pick(&[
                        "var.prefix",
                        "local.n",
                        "join(\",\", var.l)",
                    ])),
                    TemplatePart::lit(self.pick(&["", "-suf", "${", "%"])),
                ]),
                6 | 7 => {
                    let n = self.below(5);
                    let items = (0..n).map(|_| self.expr(depth + 1)).collect::<Vec<_>>();
                    if self.below(4) == 0 {
                        Expr::list_multiline(items)
                    } else {
                        Expr::list(items)
                    }
                }
                8 | 9 => {
                    let n = self.below(5);
                    Expr::Object((0..n).map(|_| (self.key(), self.expr(depth + 1))).collect())
                }
                _ => {
                    let n = self.below(4);
                    let args = (0..n).map(|_| self.expr(depth + 1)).collect::<Vec<_>>();
                    Expr::call(self.pick(&["merge", "concat", "coalesce"]), args)
                }
            }
        }

        fn body(&mut self, depth: u32) -> Body {
            let mut body = Body::new();
            if depth == 0 && self.below(3) == 0 {
                let ty = match self.below(8) {
                    0 => Expr::str("string"),
                    1 => Expr::str("list"),
                    2 => Expr::str("map"),
                    3 => Expr::raw("list"),
                    4 => Expr::raw("set # c"),
                    5 => Expr::raw("\"string\" # c"),
                    6 => Expr::raw("map(object({ a = string }))"),
                    _ => Expr::str("number"),
                };
                let block = Block::new("variable")
                    .label("v")
                    .attr("type", ty)
                    .attr("default", Expr::null());
                body.push_block(block);
            }
            for _ in 0..self.below(9) {
                match self.below(if depth > 2 { 8 } else { 10 }) {
                    0 => body.push_blank(),
                    1 => body.push_comment(self.pick(&["note", "two\nlines", ""])),
                    8 | 9 => {
                        let mut block = Block::new(self.pick(&[
                            "resource",
                            "dynamic",
                            "lifecycle",
                            "variable",
                        ]));
                        for _ in 0..self.below(3) {
                            block = block.label(self.pick(&[
                                "azurerm_thing",
                                "main",
                                "with space",
                                "q\"uote",
                                "é",
                            ]));
                        }
                        block.body = self.body(depth + 1);
                        body.push_block(block);
                    }
                    _ => {
                        // Attribute names must be unique within a body.
                        let name = match self.below(6) {
                            0 => format!("type{}", body.items.len()),
                            1 if body.items.is_empty() => "type".to_string(),
                            _ => format!("{}_{}", self.name(), body.items.len()),
                        };
                        let mut value = self.expr(0);
                        if self.below(6) == 0 {
                            // A trailing comment (through raw text).
                            let text = value.to_string();
                            if !text.contains('\n') && !text.contains("/*") {
                                value = Expr::raw(format!("{text} # c{}", self.below(3)));
                            }
                        }
                        body.push_attr(name, value);
                    }
                }
            }
            body
        }
    }

    #[test]
    fn generated_documents_pass_terraform_fmt() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut g = Gen(0x9E37_79B9_7F4A_7C15);
        let mut files = Vec::new();
        for i in 0..300 {
            let text = print(&g.body(0));
            assert!(text.is_empty() || (text.ends_with('\n') && !text.ends_with("\n\n")));
            assert!(!text.lines().any(|l| l.ends_with(' ') || l.ends_with('\t')));
            let path = dir.path().join(format!("f{i:03}.tf"));
            std::fs::write(&path, &text).expect("write generated file");
            files.push((path, text));
        }
        match terraform_fmt_check(dir.path()) {
            None => eprintln!("note: `terraform` not on PATH; skipping terraform fmt check"),
            Some((ok, output)) => {
                if !ok {
                    let bad: Vec<&str> = files
                        .iter()
                        .filter(|(p, _)| {
                            output.contains(&*p.file_name().unwrap_or_default().to_string_lossy())
                        })
                        .map(|(_, t)| t.as_str())
                        .take(2)
                        .collect();
                    panic!(
                        "terraform fmt disagrees:\n{output}\n--- first files ---\n{}",
                        bad.join("\n----\n")
                    );
                }
            }
        }
    }
}
