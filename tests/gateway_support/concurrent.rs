//! Ports for concurrency and store-failure tests: many `gateway::handle` calls in flight at
//! once, as with concurrent Spin instances sharing one KV store.
//!
//! The core is synchronous (its ports block, as wasi-http's pollables do), so each request runs
//! on its own thread. [`Concurrent`] delegates to a [`World`] but its provider `GET`s block
//! until [`Concurrent::release`]; its store can refuse writes ([`Concurrent::read_only`]) or
//! hold them back until release ([`Concurrent::lag_writes`]: a write not yet visible to other
//! instances, the window a lease cannot close without compare-and-swap).
//! [`start`] runs one request until it blocks on the provider (or ends); [`run_concurrently`]
//! starts a wave of them in order, then releases the provider and collects every decision.
//! Starting requests one at a time keeps the interleaving, and so every count, deterministic.

use std::sync::{Condvar, Mutex};
use std::thread::{Scope, ScopedJoinHandle};

use gateway::ports::{
    Clock, HttpClient, HttpError, HttpGet, HttpResponse, KeyValue, KvError, Log, Random,
    VariableError, Variables,
};
use gateway::{Decision, RequestHead};

use super::shared::{Shared, SharedCell};
use super::{Scripted, World};

/// Ports over a [`World`] whose provider answers only once released.
pub struct Concurrent<'a> {
    pub w: &'a World,
    /// Whether provider answers flow, and how many requests have blocked on one or finished
    /// (each such event wakes [`start`]).
    gate: Mutex<Gate>,
    changed: Condvar,
    /// Every write fails (quota, read-only replica), reads work.
    pub read_only: SharedCell<bool>,
    /// Writes are buffered until [`Concurrent::release`] (not yet visible to others).
    pub lag_writes: SharedCell<bool>,
    lagged: Shared<Vec<(String, Vec<u8>)>>,
    /// Provider `GET`s started but not yet answered, and the most at any one time.
    pub in_flight: SharedCell<usize>,
    pub max_in_flight: SharedCell<usize>,
}

#[derive(Default)]
struct Gate {
    released: bool,
    settled: usize,
}

impl<'a> Concurrent<'a> {
    pub fn new(w: &'a World) -> Concurrent<'a> {
        Concurrent {
            w,
            gate: Mutex::new(Gate::default()),
            changed: Condvar::new(),
            read_only: SharedCell::new(false),
            lag_writes: SharedCell::new(false),
            lagged: Shared::new(Vec::new()),
            in_flight: SharedCell::new(0),
            max_in_flight: SharedCell::new(0),
        }
    }

    /// Lets pending provider answers through and makes lagged writes visible.
    pub fn release(&self) {
        for (k, v) in self.lagged.borrow_mut().drain(..) {
            self.w.kv.borrow_mut().insert(k, v);
        }
        self.gate().released = true;
        self.changed.notify_all();
    }

    /// Back to holding answers (for a second wave).
    pub fn hold(&self) {
        self.gate().released = false;
    }

    fn released(&self) -> bool {
        self.gate().released
    }

    fn gate(&self) -> std::sync::MutexGuard<'_, Gate> {
        self.gate.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn settle(&self) {
        self.gate().settled += 1;
        self.changed.notify_all();
    }
}

impl KeyValue for Concurrent<'_> {
    fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.w.kv_get(key)
    }
    fn kv_set(&self, key: &str, value: &[u8]) -> Result<(), KvError> {
        if self.read_only.get() {
            return Err(KvError::Failed);
        }
        if self.lag_writes.get() && !self.released() {
            self.w.kv_sets.set(self.w.kv_sets.get() + 1);
            self.lagged
                .borrow_mut()
                .push((key.to_string(), value.to_vec()));
            return Ok(());
        }
        self.w.kv_set(key, value)
    }
}

impl Variables for Concurrent<'_> {
    fn variable(&self, name: &str) -> Result<Option<String>, VariableError> {
        self.w.variable(name)
    }
}

impl Clock for Concurrent<'_> {
    fn now_millis(&self) -> u64 {
        self.w.now_millis()
    }
}

impl Random for Concurrent<'_> {
    fn fill(&self, out: &mut [u8]) {
        self.w.fill(out)
    }
}

impl Log for Concurrent<'_> {
    fn log_line(&self, line: &str) {
        self.w.log_line(line)
    }
}

impl HttpClient for Concurrent<'_> {
    fn get(&self, request: &HttpGet<'_>) -> Result<HttpResponse, HttpError> {
        self.w.fetches.borrow_mut().push(request.url.to_string());
        let result = match self.w.routes.borrow().get(request.url) {
            Some(Scripted::Ok(r)) => Ok(r.clone()),
            Some(Scripted::Err(e)) => Err(*e),
            None => Err(HttpError::Connect),
        };
        // The in-flight counters change only under the gate: after a release, the requests it
        // lets through finish in parallel.
        let mut gate = self.gate();
        self.in_flight.set(self.in_flight.get() + 1);
        self.max_in_flight
            .set(self.max_in_flight.get().max(self.in_flight.get()));
        if !gate.released {
            gate.settled += 1;
            self.changed.notify_all();
            while !gate.released {
                gate = self.changed.wait(gate).unwrap_or_else(|p| p.into_inner());
            }
        }
        self.in_flight.set(self.in_flight.get() - 1);
        drop(gate);
        result
    }
}

/// Runs `req` on its own thread and returns once it is blocked on a provider answer or has
/// finished: requests started after it see everything it wrote until then.
pub fn start<'scope, 'env>(
    scope: &'scope Scope<'scope, 'env>,
    ports: &'env Concurrent<'env>,
    req: &'env RequestHead,
) -> ScopedJoinHandle<'scope, Decision> {
    let before = ports.gate().settled;
    let handle = scope.spawn(move || {
        let decision = gateway::handle(ports, req);
        ports.settle();
        decision
    });
    let mut gate = ports.gate();
    while gate.settled == before {
        gate = ports.changed.wait(gate).unwrap_or_else(|p| p.into_inner());
    }
    handle
}

/// Starts every request in order (each runs to its first provider `GET`, or to the end), then
/// releases the provider and collects every decision, in request order.
pub fn run_concurrently<'a>(ports: &'a Concurrent<'a>, reqs: &'a [RequestHead]) -> Vec<Decision> {
    std::thread::scope(|scope| {
        let running: Vec<_> = reqs.iter().map(|r| start(scope, ports, r)).collect();
        ports.release();
        running
            .into_iter()
            .map(|h| h.join().expect("a request panicked"))
            .collect()
    })
}

/// The status of a decision; 200 for a forward.
pub fn status_of(d: &Decision) -> u16 {
    match d {
        Decision::Forward(_) => 200,
        Decision::Respond(r) => r.status,
    }
}
