//! Reading one KDL node: arguments, properties and children, with every
//! entry accounted for. Whatever the decoder did not ask for is reported by
//! [`NodeReader::finish`] as an unexpected argument or an unknown property
//! (with the nearest allowed name).

use kdl::{KdlEntry, KdlNode};

use super::value::{FromValue, Override, PerEnvValue};
use super::{Span, Spanned};
use crate::diagnostic::{Diagnostic, Sink, suggest};

pub struct NodeReader<'a> {
    node: &'a KdlNode,
    /// Node name, for messages.
    name: &'a str,
    used: Vec<bool>,
    /// Properties the decoder asked for (the allowed ones).
    asked: Vec<&'static str>,
    /// Description of the arguments the node takes, for "unexpected argument" help.
    usage: &'static str,
}

pub fn span_of(s: miette::SourceSpan) -> Span {
    s.into()
}

pub fn node_name(node: &KdlNode) -> Spanned<String> {
    Spanned::new(node.name().value().to_string(), span_of(node.name().span()))
}

impl<'a> NodeReader<'a> {
    /// `usage` shows how the node is written, e.g. `service NAME { … }`.
    pub fn new(node: &'a KdlNode, usage: &'static str) -> Self {
        Self {
            node,
            name: node.name().value(),
            used: vec![false; node.entries().len()],
            asked: Vec::new(),
            usage,
        }
    }

    pub fn node(&self) -> &'a KdlNode {
        self.node
    }

    pub fn name_span(&self) -> Span {
        span_of(self.node.name().span())
    }

    /// Span of the node's first line: name and entries, without the children block.
    pub fn head_span(&self) -> Span {
        let mut span = self.name_span();
        for e in self.node.entries() {
            span = span.join(span_of(e.span()));
        }
        span
    }

    fn args(&self) -> impl Iterator<Item = (usize, &'a KdlEntry)> + 'a {
        self.node
            .entries()
            .iter()
            .enumerate()
            .filter(|(_, e)| e.name().is_none())
    }

    fn decode<T: FromValue>(entry: &KdlEntry, what: &str, sink: &mut Sink) -> Option<Spanned<T>> {
        let span = span_of(entry.span());
        match T::from_value(entry.value()) {
            Ok(v) => Some(Spanned::new(v, span)),
            Err(e) => {
                let help = e.help.unwrap_or_else(|| format!("write {}", T::expected()));
                let label = e
                    .label
                    .unwrap_or_else(|| format!("expected {}", T::expected()));
                sink.push(
                    Diagnostic::error(e.code, span, format!("{what}: {}", e.message))
                        .label(label)
                        .help(help),
                );
                None
            }
        }
    }

    /// The `index`-th argument, if present.
    pub fn arg<T: FromValue>(
        &mut self,
        index: usize,
        what: &str,
        sink: &mut Sink,
    ) -> Option<Spanned<T>> {
        let (i, entry) = self.args().nth(index)?;
        self.used[i] = true;
        Self::decode(entry, &format!("`{}` takes {what}", self.name), sink)
    }

    /// The `index`-th argument; reports its absence.
    pub fn req_arg<T: FromValue>(
        &mut self,
        index: usize,
        what: &str,
        sink: &mut Sink,
    ) -> Option<Spanned<T>> {
        if self.args().nth(index).is_none() {
            sink.push(
                Diagnostic::error(
                    "missing-argument",
                    self.head_span(),
                    format!("`{}` needs {what}", self.name),
                )
                .label(format!("{what} missing"))
                .help(format!("write it as `{}`", self.usage)),
            );
            return None;
        }
        self.arg(index, what, sink)
    }

    /// Every argument from `from` on.
    pub fn rest_args<T: FromValue>(
        &mut self,
        from: usize,
        what: &str,
        sink: &mut Sink,
    ) -> Vec<Spanned<T>> {
        let entries: Vec<(usize, &KdlEntry)> = self.args().skip(from).collect();
        let mut out = Vec::new();
        for (i, entry) in entries {
            self.used[i] = true;
            if let Some(v) = Self::decode(entry, &format!("`{}` takes {what}s", self.name), sink) {
                out.push(v);
            }
        }
        out
    }

    pub fn has_prop(&self, key: &str) -> bool {
        self.node
            .entries()
            .iter()
            .any(|e| e.name().is_some_and(|n| n.value() == key))
    }

    /// Property `key`, if present (a repeated property is an error).
    pub fn prop<T: FromValue>(&mut self, key: &'static str, sink: &mut Sink) -> Option<Spanned<T>> {
        self.asked.push(key);
        let mut found: Option<(usize, &KdlEntry)> = None;
        for (i, e) in self.node.entries().iter().enumerate() {
            if e.name().is_some_and(|n| n.value() == key) {
                self.used[i] = true;
                if let Some((_, first)) = found {
                    sink.push(
                        Diagnostic::error(
                            "duplicate-property",
                            span_of(e.span()),
                            format!("property `{key}` is given twice on `{}`", self.name),
                        )
                        .label("repeated here")
                        .related(span_of(first.span()), "first given here")
                        .help(format!("remove one of the two `{key}=` properties")),
                    );
                } else {
                    found = Some((i, e));
                }
            }
        }
        let (_, entry) = found?;
        Self::decode(entry, &format!("property `{key}` of `{}`", self.name), sink)
    }

    /// Property `key`; reports its absence.
    pub fn req_prop<T: FromValue>(
        &mut self,
        key: &'static str,
        sink: &mut Sink,
    ) -> Option<Spanned<T>> {
        if !self.has_prop(key) {
            self.asked.push(key);
            // A misspelling of `key` is reported as an unknown property with
            // the suggestion; do not report the same mistake twice.
            let misspelt = self.node.entries().iter().any(|e| {
                e.name()
                    .is_some_and(|n| crate::diagnostic::did_you_mean(n.value(), [key]).is_some())
            });
            if misspelt {
                return None;
            }
            sink.push(
                Diagnostic::error(
                    "missing-property",
                    self.head_span(),
                    format!("`{}` needs the property `{key}`", self.name),
                )
                .label(format!("`{key}=` missing"))
                .help(format!("write it as `{}`", self.usage)),
            );
            return None;
        }
        self.prop(key, sink)
    }

    /// A value node: the one argument is the default, every property an
    /// environment override.
    pub fn per_env<T: FromValue>(&mut self, what: &str, sink: &mut Sink) -> Option<PerEnvValue<T>> {
        let default = self.req_arg::<T>(0, what, sink);
        let overrides = self.take_overrides(sink);
        Some(PerEnvValue {
            default: default?,
            overrides,
        })
    }

    /// Every property, read as a per-environment override `ENV=VALUE`.
    pub fn take_overrides<T: FromValue>(&mut self, sink: &mut Sink) -> Vec<Override<T>> {
        let mut overrides: Vec<Override<T>> = Vec::new();
        for (i, e) in self.node.entries().iter().enumerate() {
            let Some(name) = e.name() else { continue };
            self.used[i] = true;
            let env = Spanned::new(name.value().to_string(), span_of(name.span()));
            if let Some(prev) = overrides.iter().find(|o| o.env.value == env.value) {
                sink.push(
                    Diagnostic::error(
                        "duplicate-override",
                        span_of(e.span()),
                        format!(
                            "`{}` overrides environment `{}` twice",
                            self.name, env.value
                        ),
                    )
                    .label("repeated here")
                    .related(prev.env.span, "first override")
                    .help("keep one override per environment"),
                );
                continue;
            }
            let what = format!("`{}` in environment `{}`", self.name, env.value);
            if let Some(value) = Self::decode::<T>(e, &what, sink) {
                overrides.push(Override { env, value });
            }
        }
        overrides
    }

    /// Children nodes (empty if the node has no block).
    pub fn children(&self) -> &'a [KdlNode] {
        self.node.children().map_or(&[], |d| d.nodes())
    }

    /// Reports unused arguments and properties, and a children block the node does not take.
    pub fn finish(self, sink: &mut Sink) {
        self.finish_inner(false, sink);
    }

    /// Like [`finish`](Self::finish) for nodes that take a children block.
    pub fn finish_with_children(self, sink: &mut Sink) {
        self.finish_inner(true, sink);
    }

    fn finish_inner(self, children_ok: bool, sink: &mut Sink) {
        for (i, e) in self.node.entries().iter().enumerate() {
            if self.used[i] {
                continue;
            }
            let span = span_of(e.span());
            match e.name() {
                Some(key) => {
                    let key_span = span_of(key.span());
                    let mut allowed = self.asked.clone();
                    allowed.sort_unstable();
                    allowed.dedup();
                    let help = if allowed.is_empty() {
                        format!(
                            "`{}` takes no properties; write it as `{}`",
                            self.name, self.usage
                        )
                    } else {
                        suggest(key.value(), &allowed, "properties")
                    };
                    sink.push(
                        Diagnostic::error(
                            "unknown-property",
                            key_span,
                            format!("unknown property `{}` on `{}`", key.value(), self.name),
                        )
                        .label("unknown property")
                        .help(help),
                    );
                }
                None => sink.push(
                    Diagnostic::error(
                        "unexpected-argument",
                        span,
                        format!("unexpected argument on `{}`", self.name),
                    )
                    .label("not expected here")
                    .help(format!("write it as `{}`", self.usage)),
                ),
            }
        }
        if !children_ok && let Some(children) = self.node.children() {
            sink.push(
                Diagnostic::error(
                    "unexpected-block",
                    span_of(children.span()),
                    format!("`{}` takes no children block", self.name),
                )
                .label("unexpected block")
                .help(format!("write it as `{}`", self.usage)),
            );
        }
    }
}

/// Reports a child node that is not allowed where it appears.
pub fn unknown_node(node: &KdlNode, parent: &str, allowed: &[&str], sink: &mut Sink) {
    let name = node_name(node);
    sink.push(
        Diagnostic::error(
            "unknown-node",
            name.span,
            format!("unknown node `{}` in {parent}", name.value),
        )
        .label("unknown node")
        .help(suggest(&name.value, allowed, "nodes")),
    );
}

/// Reports the second occurrence of a node that may appear only once.
pub fn duplicate_node(node: &KdlNode, first: Span, parent: &str, sink: &mut Sink) {
    let name = node_name(node);
    sink.push(
        Diagnostic::error(
            "duplicate-node",
            name.span,
            format!("`{}` appears twice in {parent}", name.value),
        )
        .label("second occurrence")
        .related(first, "first occurrence")
        .help(format!("merge the two `{}` nodes into one", name.value)),
    );
}

/// Tracks nodes that may appear once in a block.
#[derive(Default)]
pub struct Once {
    seen: Vec<(String, Span)>,
}

impl Once {
    /// `true` the first time `node`'s name is seen; reports later ones.
    pub fn first(&mut self, node: &KdlNode, parent: &str, sink: &mut Sink) -> bool {
        let name = node_name(node);
        if let Some((_, first)) = self.seen.iter().find(|(n, _)| *n == name.value) {
            duplicate_node(node, *first, parent, sink);
            return false;
        }
        self.seen.push((name.value, name.span));
        true
    }
}

/// A node holding one value: `title "Octo"`.
pub fn value_node<T: FromValue>(
    node: &KdlNode,
    what: &str,
    usage: &'static str,
    sink: &mut Sink,
) -> Option<Spanned<T>> {
    let mut r = NodeReader::new(node, usage);
    let v = r.req_arg(0, what, sink);
    r.finish(sink);
    v
}

/// A per-environment value node: `replicas 2 production=3`.
pub fn per_env_node<T: FromValue>(
    node: &KdlNode,
    what: &str,
    usage: &'static str,
    sink: &mut Sink,
) -> Option<PerEnvValue<T>> {
    let mut r = NodeReader::new(node, usage);
    let v = r.per_env(what, sink);
    r.finish(sink);
    v
}

/// A flag node: `app-insights` (true) or `app-insights #false`.
pub fn flag_node(node: &KdlNode, usage: &'static str, sink: &mut Sink) -> Option<Spanned<bool>> {
    let mut r = NodeReader::new(node, usage);
    let v = r.arg::<bool>(0, "the value", sink);
    let name_span = r.name_span();
    r.finish(sink);
    if node.entries().iter().any(|e| e.name().is_none()) {
        v
    } else {
        Some(Spanned::new(true, name_span))
    }
}
