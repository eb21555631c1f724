//! The one integration test binary of platc; each area is a module.

mod aws;
mod bench_spec;
mod cli;
mod diagnostics;
mod extra_files;
mod github;
mod kubernetes;
mod mutation;
mod reachability;
mod terraform;
