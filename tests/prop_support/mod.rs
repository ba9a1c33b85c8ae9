//! Shared by the `prop_*` property tests: a per-thread allocation counter, JSON strategies, and
//! (through `fuzz_support`) the fuzz harness's fixtures, fake ports and lenient JSON oracle, so
//! the property tests and the fuzz targets assert the same invariants.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use proptest::prelude::*;
use serde_json::{Map, Value};

#[path = "../../fuzz/src/lib.rs"]
pub mod fuzz_support;

/// Counts this thread's allocations while [`measure`] runs. Install it in a test binary with
/// `#[global_allocator] static A: Counting = Counting;`. Per thread, so the test harness's
/// parallel threads do not pollute each other's figures.
pub struct Counting;

thread_local! {
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    static TOTAL: Cell<usize> = const { Cell::new(0) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

fn on_alloc(size: usize) {
    let _ = ACTIVE.try_with(|active| {
        if active.get() {
            LIVE.with(|l| {
                let live = l.get() + size as isize;
                l.set(live);
                PEAK.with(|p| p.set(p.get().max(live)));
            });
            TOTAL.with(|t| t.set(t.get() + size));
            COUNT.with(|c| c.set(c.get() + 1));
        }
    });
}

fn on_dealloc(size: usize) {
    let _ = ACTIVE.try_with(|active| {
        if active.get() {
            LIVE.with(|l| l.set(l.get() - size as isize));
        }
    });
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counters are
// const-initialised thread-locals without destructors, so touching them never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        on_alloc(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        on_alloc(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        on_dealloc(layout.size());
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Counted as a fresh allocation of `new_size` then the release of the old block: the
        // peak includes the moment both exist, as it does for a moving realloc.
        on_alloc(new_size);
        on_dealloc(layout.size());
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocation figures of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allocs {
    /// Highest number of bytes live at once (relative to the start of the call).
    pub peak: usize,
    /// Bytes requested in total.
    pub total: usize,
    /// Number of allocations.
    pub count: usize,
}

/// Runs `f` on this thread and reports what it allocated. The result is dropped inside the
/// measurement, so `peak` covers everything the call built.
pub fn measure<R>(f: impl FnOnce() -> R) -> Allocs {
    LIVE.with(|l| l.set(0));
    PEAK.with(|p| p.set(0));
    TOTAL.with(|t| t.set(0));
    COUNT.with(|c| c.set(0));
    ACTIVE.with(|a| a.set(true));
    drop(f());
    ACTIVE.with(|a| a.set(false));
    Allocs {
        peak: PEAK.with(Cell::get).max(0) as usize,
        total: TOTAL.with(Cell::get),
        count: COUNT.with(Cell::get),
    }
}

/// Member names the parsers look at, so arbitrary JSON often hits a real code path.
pub const NAMES: &[&str] = &[
    "alg",
    "kid",
    "typ",
    "cty",
    "crit",
    "b64",
    "zip",
    "enc",
    "jwk",
    "x5c",
    "kty",
    "crv",
    "n",
    "e",
    "x",
    "y",
    "d",
    "use",
    "key_ops",
    "keys",
    "mcp-authorizer-keyset",
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "scope",
    "scp",
    "client_id",
    "azp",
    "email",
    "jsonrpc",
    "id",
    "method",
    "params",
    "_authContext",
];

/// String values the parsers compare against.
pub const WORDS: &[&str] = &[
    "RS256",
    "PS384",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
    "HS256",
    "none",
    "JWT",
    "at+jwt",
    "RSA",
    "EC",
    "OKP",
    "oct",
    "P-256",
    "P-384",
    "Ed25519",
    "X25519",
    "sig",
    "enc",
    "verify",
    "AQAB",
    "initialize",
    "2.0",
    "https://issuer.example",
    "https://mcp.example/mcp",
    "ed25519",
    "rsa-2048",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![3 => prop::sample::select(NAMES).prop_map(str::to_owned), 1 => ".{0,6}"]
}

/// Arbitrary JSON, biased toward the names and values the parsers know.
pub fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        ".{0,12}".prop_map(Value::String),
        prop::sample::select(WORDS).prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An arbitrary JSON object (the shape every parser here expects at the top).
pub fn arb_object() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec((key(), arb_json()), 0..10).prop_map(|m| m.into_iter().collect())
}

/// Bytes that are mostly JSON-ish: valid JSON with one byte-level mutation, or raw bytes.
pub fn arb_document() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        arb_json().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        (arb_json(), any::<prop::sample::Index>(), any::<u8>()).prop_map(|(v, at, b)| {
            let mut bytes = serde_json::to_vec(&v).unwrap();
            let i = at.index(bytes.len());
            bytes[i] = b;
            bytes
        }),
        (arb_json(), any::<prop::sample::Index>()).prop_map(|(v, at)| {
            let bytes = serde_json::to_vec(&v).unwrap();
            bytes[..at.index(bytes.len() + 1)].to_vec()
        }),
        prop::collection::vec(any::<u8>(), 0..256),
    ]
}
