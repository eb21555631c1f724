//! Edges: the only source of access (DESIGN principle 2).

use serde::Serialize;

/// A declared dependency of a service.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Edge {
    pub from: String,
    pub kind: EdgeKind,
    pub to: EdgeTarget,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeKind {
    Calls,
    Uses,
    Publishes,
    Consumes,
}

impl EdgeKind {
    pub fn keyword(self) -> &'static str {
        match self {
            EdgeKind::Calls => "calls",
            EdgeKind::Uses => "uses",
            EdgeKind::Publishes => "publishes",
            EdgeKind::Consumes => "consumes",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum EdgeTarget {
    /// Another service, on its port.
    Service { name: String, port: u16 },
    /// A data service; `detail` is the database, topic, subscription, queue or container named on the edge.
    Data {
        name: String,
        detail: Option<String>,
    },
}

impl EdgeTarget {
    pub fn name(&self) -> &str {
        match self {
            EdgeTarget::Service { name, .. } | EdgeTarget::Data { name, .. } => name,
        }
    }
}
