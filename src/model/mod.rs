//! The resolved, validated platform model.
//!
//! Built from the spec's raw structs by [`crate::resolve`]; read by every
//! emitter. Everything two layers share (CIDRs, ports, identities, secret
//! keys, cloud names, post-apply values) is a field here, computed once.
//! No spans: diagnostics are raised while resolving, before this exists.

mod addon;
mod cluster;
mod data;
mod delivery;
mod deploy_value;
mod edge;
mod environment;
mod monitoring;
mod network;
mod per_env;
mod platform;
mod service;

pub use addon::*;
pub use cluster::*;
pub use data::*;
pub use delivery::*;
pub use deploy_value::*;
pub use edge::*;
pub use environment::*;
pub use monitoring::*;
pub use network::*;
pub use per_env::*;
pub use platform::*;
pub use service::*;
