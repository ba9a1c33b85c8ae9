//! Per-tool authorization benches (issue 10): what the policy costs on every request, next
//! to the token check it follows (`benches/verify.rs`).
//!
//! Spin keeps no state between requests, so the policy and scope hierarchy variables are
//! parsed on every request: `parse_and_evaluate` is the per-request price — parse a 20-rule
//! `auth_policy` and a 3-item `auth_scope_implies`, expand the token's scopes, evaluate one
//! `tools/call` whose first matching rule is the 17th. `request` adds the body: parse the
//! JSON-RPC body, extract (id, method, name), cross-check `Mcp-Method`/`Mcp-Name` (base64
//! form), authorize. `list_filter` filters a 40-tool `tools/list` response.
//!
//! Run with `cargo bench --bench policy` (`-- --quick` for a short run). Instructions per
//! call: `POLICY_BENCH_COUNT=1000 valgrind --tool=callgrind --toggle-collect='*count_loop*'
//! target/release/deps/policy-* parse_and_evaluate` (divide by 1000).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::hint::black_box;

use criterion::Criterion;
use gateway::policy::{
    check_headers, filter_body, messages, parse_body, Caller, Filtered, Policy, ScopeHierarchy,
    Verdict,
};
use json::{Map, Value};

/// 20 rules, globs, claims, quoted values and a default: a large real-world policy.
const POLICY: &str = "\
    tools/call:admin_* -> mcp:admin if groups~admins;\
    tools/call:delete_* -> mcp:admin;\
    tools/call:drop_* -> deny;\
    tools/call:billing_* -> billing:write if tenant=acme;\
    tools/call:billing_read* -> billing:read;\
    tools/call:deploy_* -> deploy:run mcp:write if groups~\"Release Managers\";\
    tools/call:secrets_* -> secrets:read if email_verified=true;\
    tools/call:shell -> deny;\
    tools/call:sql_write* -> db:write;\
    tools/call:sql_* -> db:read;\
    tools/call:send_* -> mail:send;\
    tools/call:calendar_* -> calendar:write;\
    tools/call:files_write* -> files:write;\
    tools/call:files_* -> files:read;\
    tools/call:search_* -> mcp:read;\
    tools/call:ticket_close -> tickets:write if groups~support;\
    tools/call:*_write -> mcp:write;\
    tools/call -> mcp:read;\
    resources/read:file:///private/* -> mcp:admin;\
    * -> mcp:read;\
    default deny";

const IMPLIES: &str = "mcp:admin=mcp:write db:write; mcp:write=mcp:read; db:write=db:read";

const BODY: &[u8] = br#"{"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"notes_write","arguments":{"title":"Weekly","body":"Lorem ipsum dolor sit amet"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}"#;

fn claims() -> Map<String, Value> {
    json::json!({
        "iss": "https://issuer.example", "sub": "user_1", "aud": "https://mcp.example/mcp",
        "scope": "openid mcp:write", "groups": ["staff", "support"], "tenant": "acme",
        "email_verified": true, "iat": 1_700_000_000, "exp": 4_102_444_800u64,
    })
    .as_object()
    .unwrap()
    .clone()
}

fn list_body() -> Vec<u8> {
    let tools: Vec<Value> = (0..40)
        .map(|i| {
            let name = match i % 4 {
                0 => format!("files_read_{i}"),
                1 => format!("delete_{i}"),
                2 => format!("search_{i}"),
                _ => format!("notes_{i}_write"),
            };
            json::json!({"name": name, "description": "A tool", "inputSchema": {"type": "object", "properties": {"q": {"type": "string"}}}})
        })
        .collect();
    json::to_vec(&json::json!({"jsonrpc": "2.0", "id": 1, "result": {"tools": tools}}))
        .unwrap()
}

/// One benched routine; returns a value so the work cannot be optimised away.
type Routine<'a> = Box<dyn Fn() -> bool + 'a>;

#[inline(never)]
fn count_loop(run: &dyn Fn() -> bool, n: u64) {
    for _ in 0..n {
        black_box(run());
    }
}

fn main() {
    let claims = claims();
    let token_scopes = vec!["openid".to_string(), "mcp:write".to_string()];
    let headers = vec![
        ("mcp-method".to_string(), b"tools/call".to_vec()),
        (
            "mcp-name".to_string(),
            b"=?base64?bm90ZXNfd3JpdGU=?=".to_vec(),
        ),
    ];
    let list = list_body();

    // The evaluated call must be allowed by rule 17 (`tools/call:*_write`).
    {
        let p = Policy::parse("auth_policy", POLICY).unwrap();
        assert_eq!(p.rules.len(), 20);
        let h = ScopeHierarchy::parse("auth_scope_implies", IMPLIES).unwrap();
        let g = h.expand(&token_scopes);
        let caller = Caller {
            scopes: &g,
            claims: &claims,
        };
        assert_eq!(
            p.evaluate("tools/call", Some("notes_write"), caller),
            Verdict::Allow
        );
        let body = parse_body(BODY).unwrap();
        let m = messages(&body).unwrap();
        check_headers(&m, &headers, true).unwrap();
        assert_eq!(p.authorize(&m, caller), Ok(()));
    }

    let p = Policy::parse("auth_policy", POLICY).unwrap();
    let h = ScopeHierarchy::parse("auth_scope_implies", IMPLIES).unwrap();
    let g = h.expand(&token_scopes);
    let parsed = Caller {
        scopes: &g,
        claims: &claims,
    };
    let routines: Vec<(&str, Routine<'_>)> = vec![
        (
            "parse",
            Box::new(|| {
                let p = Policy::parse("auth_policy", black_box(POLICY)).unwrap();
                let h = ScopeHierarchy::parse("auth_scope_implies", black_box(IMPLIES)).unwrap();
                black_box((p, h));
                true
            }),
        ),
        (
            "parse_and_evaluate",
            Box::new(|| {
                let p = Policy::parse("auth_policy", black_box(POLICY)).unwrap();
                let h = ScopeHierarchy::parse("auth_scope_implies", black_box(IMPLIES)).unwrap();
                let g = h.expand(black_box(&token_scopes));
                let caller = Caller {
                    scopes: &g,
                    claims: &claims,
                };
                matches!(
                    p.evaluate("tools/call", Some(black_box("notes_write")), caller),
                    Verdict::Allow
                )
            }),
        ),
        (
            "request",
            Box::new(|| {
                let p = Policy::parse("auth_policy", black_box(POLICY)).unwrap();
                let h = ScopeHierarchy::parse("auth_scope_implies", black_box(IMPLIES)).unwrap();
                let g = h.expand(&token_scopes);
                let caller = Caller {
                    scopes: &g,
                    claims: &claims,
                };
                let body = parse_body(black_box(BODY)).unwrap();
                let m = messages(&body).unwrap();
                check_headers(&m, black_box(&headers), true).unwrap();
                p.authorize(&m, caller).is_ok()
            }),
        ),
        (
            "list_filter_40_tools",
            Box::new(|| {
                !matches!(
                    filter_body(black_box(&list), &p, parsed),
                    Filtered::Dropped(_)
                )
            }),
        ),
    ];

    // Count mode (as in benches/verify.rs): `POLICY_BENCH_COUNT=N` and one argument, the
    // routine's name, runs it N times inside `count_loop`, for
    // `valgrind --tool=callgrind --toggle-collect='*count_loop*'`.
    if let Ok(n) = std::env::var("POLICY_BENCH_COUNT") {
        let n: u64 = n.parse().expect("POLICY_BENCH_COUNT: a number");
        let name = std::env::args()
            .nth(1)
            .expect("count mode needs a routine name");
        let (_, run) = routines
            .iter()
            .find(|(r, _)| *r == name)
            .expect("no such routine");
        count_loop(&**run, n);
        return;
    }

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("policy");
    for (name, run) in &routines {
        group.bench_function(*name, |b| b.iter(run));
    }
    group.finish();
    c.final_summary();
}
