//! Per-tool authorization (issue 10): a declarative policy over MCP methods and target names,
//! a scope hierarchy, the `Mcp-Method`/`Mcp-Name` cross-check and list filtering. Sans-IO:
//! text and bytes in, verdicts and bytes out.
//!
//! ```text
//! auth_policy        = "tools/call:delete_* -> mcp:admin; tools/call -> mcp:write; * -> mcp:read"
//! auth_scope_implies = "mcp:admin=mcp:write; mcp:write=mcp:read"
//! ```
//!
//! Per request (Spin keeps no state, so both variables are parsed every time; see the bench):
//!
//! 1. [`Policy::parse`] and [`ScopeHierarchy::parse`]: a [`SyntaxError`] is a configuration
//!    fault (500 `server_error`; log its `Display`, which names the variable, the item and
//!    the fault). If `!policy.is_active()`, steps 4–6 can be skipped.
//! 2. [`ScopeHierarchy::expand`] the token's scopes into [`Granted`]; check the server-wide
//!    required scopes with [`Granted::has_all`].
//! 3. Build a [`Caller`] from the granted scopes and the token's claims.
//! 4. [`parse_body`] then [`messages`] ([`MessageError`]: 400 with its JSON-RPC code), then
//!    [`check_headers`] with [`headers_required`] of `MCP-Protocol-Version`
//!    ([`HeaderMismatch`]: 400 with [`HEADER_MISMATCH_CODE`]).
//! 5. [`Policy::authorize`]: a [`Denial`] is a 403 `insufficient_scope` whose `scope` is
//!    [`Denial::needed`] (omitted when empty), with a JSON-RPC error carrying the denied
//!    message's `id`.
//! 6. For a [`is_list_method`] request: [`filter_body`] for `application/json` responses, an
//!    [`SseFilter`] for `text/event-stream` ones.

mod error;
mod glob;
mod headers;
mod hierarchy;
mod list_filter;
mod matcher;
mod mcp_request;
mod sse;
mod syntax;

pub use glob::glob;
pub use headers::{check_headers, headers_required, HeaderMismatch, HEADER_MISMATCH_CODE};
pub use hierarchy::{Granted, ScopeHierarchy};
pub use list_filter::{filter_body, filter_value, is_list_method, DropReason, Filtered};
pub use matcher::{Caller, Denial, Verdict, FORBIDDEN_CODE};
pub use mcp_request::{messages, parse_body, McpMessage, MessageError};
pub use sse::{SseFilter, Unfilterable, DEFAULT_MAX_EVENT_BYTES};
pub use syntax::{always_allowed, name_member, Fault, Grant, Policy, Rule, SyntaxError, MAX_RULES};
