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

// wasi-libc's `getenv`, `getcwd` and `write`, on WASI 0.2: the module then imports no preview1
// function, so its component carries no preview1 adapter.
#[cfg(all(target_arch = "wasm32", target_os = "wasi"))]
mod libc_shim;

/// The global allocator: lol_alloc's free list (first fit, blocks coalesced on free, memory
/// grown a page at a time), 0.5 KB of code in place of wasi-libc's dlmalloc (10 KB). A request
/// lives in a fresh instance that is discarded whole; per-request host CPU measured the same
/// with dlmalloc, talc and this allocator (README "Cold start"), and its code is short enough
/// to audit with the rest. wasi-libc's own `malloc` is no longer linked at all: nothing that
/// remains of libc allocates (`libc_shim` replaces `getcwd`, its last user).
// SAFETY: `AssumeSingleThreaded` is sound when no two threads can allocate at once. The module
// is built without the `atomics` feature (the cfg above), so it has exactly one thread.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
#[allow(unsafe_code)]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
