//! The resolved, validated platform model.
//!
//! Built from the spec's raw structs by [`crate::resolve`]; read by every
//! emitter. Everything two layers share (CIDRs, ports, identities, secret
//! keys, cloud names, post-apply values) is a field here, computed once.
//! No spans: diagnostics are raised while resolving, before this exists.

mod addon;
mod ci_identity;
mod cluster;
mod data;
mod delivery;
mod deploy_env;
mod deploy_value;
mod edge;
mod environment;
mod extra_file;
mod in_cluster;
mod monitoring;
mod network;
mod observability;
mod per_env;
mod platform;
mod release_tag;
mod runner_vault;
mod secret_store;
mod service;
mod zones;

pub use addon::*;
pub use ci_identity::*;
pub use cluster::*;
pub use data::*;
pub use delivery::*;
pub use deploy_env::*;
pub use deploy_value::*;
pub use edge::*;
pub use environment::*;
pub use extra_file::*;
pub use in_cluster::*;
pub use monitoring::*;
pub use network::*;
pub use observability::*;
pub use per_env::*;
pub use platform::*;
pub use release_tag::*;
pub use secret_store::*;
pub use service::*;
pub use zones::*;
