//! The spec language: KDL 2.0 decoded by hand into raw, spanned structs.
//!
//! No semantics here: names are not resolved, per-environment overrides are
//! not expanded. Every syntactic problem (unknown node or property, wrong
//! value type, missing required entry) becomes a diagnostic, and decoding
//! carries on so that one run reports all of them.

mod span;

pub use span::*;
mod value;
mod reader;
pub mod keywords;
pub mod platform;
pub mod environment;
pub mod network;
pub mod cluster;
pub mod data;
pub mod monitoring;
pub mod observability;
pub mod service;
pub mod delivery;
mod document;

pub use document::*;
pub use value::*;
