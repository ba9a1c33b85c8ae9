//! The `initialize` body rewrite (`_authContext` injection) and its auth-disabled twin.
//!
//! The first byte picks the identity's shape (a hostile `sub`/`email`/scopes from a verified
//! token are still attacker-chosen strings); the rest is the request body.
//!
//! Asserts: no panic; a rewritten body is JSON without duplicate members; in the body the MCP
//! server will actually receive (rewritten or not) every `params._authContext` that parses is
//! exactly the injected identity, in an `initialize` request, and nowhere else.
#![no_main]

use gateway::auth_context::{inspect, AuthContext, MAX_PARSE_BYTES};
use ftl_mcp_authorizer_fuzz::json_oracle::{auth_contexts_in, parse_unbounded};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&shape, body)) = data.split_first() else {
        return;
    };
    let context = identity(shape, body);

    // A refused body (`Err`) reaches no MCP server: nothing to check.
    if let Ok(rewritten) = inspect(body, Some(&context), MAX_PARSE_BYTES) {
        let sent = rewritten.as_deref().unwrap_or(body);
        check_sent(body, sent, rewritten.is_some(), Some(&context));
    }
    if let Ok(stripped) = inspect(body, None, MAX_PARSE_BYTES) {
        let sent = stripped.as_deref().unwrap_or(body);
        check_sent(body, sent, stripped.is_some(), None);
    }
});

fn identity(shape: u8, body: &[u8]) -> AuthContext {
    let text =
        String::from_utf8_lossy(body.get(..body.len().min(24)).unwrap_or_default()).into_owned();
    AuthContext {
        authenticated_user: (shape & 1 != 0).then(|| "user_1".to_string()),
        email: (shape & 2 != 0).then(|| text.clone()),
        provider: if shape & 4 != 0 {
            text.clone()
        } else {
            "authkit".into()
        },
        issuer: "https://tenant.authkit.app".into(),
        client_id: (shape & 8 != 0).then(|| "client\"\\\u{0}\u{2028}".into()),
        scopes: if shape & 16 != 0 {
            vec![text, "read".into()]
        } else {
            Vec::new()
        },
    }
}

fn check_sent(original: &[u8], sent: &[u8], rewritten: bool, context: Option<&AuthContext>) {
    if rewritten {
        assert!(original.len() <= MAX_PARSE_BYTES);
        let value: serde_json::Value =
            serde_json::from_slice(sent).expect("rewritten body is not JSON");
        assert!(value.is_object() || value.is_array());
    }
    // Parse what the MCP server receives as a lenient parser would (no depth limit); where that
    // succeeds, no forged identity may be in it.
    let Some(value) = parse_unbounded(sent) else {
        return;
    };
    let expected = context.map(|c| {
        // As the lenient (serde_json) parser reads the bytes the gateway writes.
        serde_json::from_slice::<serde_json::Value>(&json::to_vec(&c.to_value()).unwrap_or_default())
            .expect("the context serializes to JSON")
    });
    for (is_initialize, found) in auth_contexts_in(&value) {
        match &expected {
            Some(expected) if is_initialize => {
                assert_eq!(&found, expected, "initialize carries a forged _authContext")
            }
            _ => panic!("a client-supplied _authContext reaches the MCP server: {found}"),
        }
    }
}
