//! mcp-authorizer: a JWT bearer-token gateway in front of Model Context Protocol servers,
//! built as a Spin WebAssembly component.
//!
//! This package is the component and nothing else: the Spin adapter, compiled only for
//! `wasm32`. The layers below it are crates of their own (DESIGN.md), so the compiler proves
//! their boundaries: `jose` (`crates/jose`) is the pure verification core; `gateway`
//! (`crates/gateway`) is the sans-IO gateway behind port traits, and does not depend on
//! spin-sdk. This is the only crate that names `spin_sdk`.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]
#![warn(missing_docs)]

#[cfg(target_arch = "wasm32")]
mod spin_adapter;
