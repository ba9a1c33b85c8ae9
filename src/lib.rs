//! mcp-authorizer: a JWT bearer-token gateway in front of Model Context Protocol servers,
//! built as a Spin WebAssembly component.
//!
//! Layers (see DESIGN.md): [`jose`] is the pure verification core; the gateway logic above it is
//! sans-IO behind small port traits; one adapter module, compiled only for `wasm32`, implements
//! those ports with `spin_sdk`.

// Untrusted input must never panic: these lints hold for all non-test code in `src/`.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod config;
pub mod gateway;
pub mod jose;
pub mod jwks_cache;
pub mod log;
pub mod ports;
pub mod provider;
pub mod url;

#[cfg(target_arch = "wasm32")]
mod spin_adapter;
