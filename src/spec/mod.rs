//! The spec language: KDL 2.0 decoded by hand into raw, spanned structs.
//!
//! No semantics here: names are not resolved, per-environment overrides are
//! not expanded. Every syntactic problem (unknown node or property, wrong
//! value type, missing required entry) becomes a diagnostic, and decoding
//! carries on so that one run reports all of them.

mod span;

pub use span::*;
pub mod cluster;
pub mod data;
pub mod delivery;
mod document;
pub mod environment;
pub mod extra;
pub mod keywords;
pub mod monitoring;
pub mod network;
pub mod observability;
pub mod platform;
mod reader;
pub mod service;
mod value;

pub use document::*;
pub use value::*;
