//! A spin-sdk hello world with a variable and a key-value read: the size report's baseline.
#![cfg(target_arch = "wasm32")]

use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

/// Answers every request with a greeting, a variable and whether a key exists.
#[http_component]
fn hello(_req: Request) -> Response {
    let name = spin_sdk::variables::get("name").unwrap_or_default();
    let seen = spin_sdk::key_value::Store::open_default()
        .and_then(|s| s.exists("hello"))
        .unwrap_or(false);
    Response::builder()
        .status(200)
        .body(format!("hello {name} {seen}"))
        .build()
}
