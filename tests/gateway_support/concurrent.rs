//! Ports for concurrency and store-failure tests: many `gateway::handle` futures in flight at
//! once on one thread, as with concurrent Spin instances sharing one KV store.
//!
//! [`Concurrent`] delegates to a [`World`] but its provider `GET`s stay `Pending` until
//! [`Concurrent::release`]; its store can refuse writes ([`Concurrent::read_only`]) or hold
//! them back until release ([`Concurrent::lag_writes`]: a write not yet visible to other
//! instances, the window a lease cannot close without compare-and-swap).
//! [`run_concurrently`] is a tiny join-all executor.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use gateway::ports::{
    Clock, HttpClient, HttpError, HttpGet, HttpResponse, KeyValue, KvError, Log, Random,
    VariableError, Variables,
};
use gateway::{Decision, RequestHead};

use super::{Scripted, World};

/// Ports over a [`World`] whose provider answers only once released.
pub struct Concurrent<'a> {
    pub w: &'a World,
    released: Cell<bool>,
    /// Every write fails (quota, read-only replica), reads work.
    pub read_only: Cell<bool>,
    /// Writes are buffered until [`Concurrent::release`] (not yet visible to others).
    pub lag_writes: Cell<bool>,
    lagged: RefCell<Vec<(String, Vec<u8>)>>,
    /// Provider `GET`s started but not yet answered, and the most at any one time.
    pub in_flight: Cell<usize>,
    pub max_in_flight: Cell<usize>,
}

impl<'a> Concurrent<'a> {
    pub fn new(w: &'a World) -> Concurrent<'a> {
        Concurrent {
            w,
            released: Cell::new(false),
            read_only: Cell::new(false),
            lag_writes: Cell::new(false),
            lagged: RefCell::new(Vec::new()),
            in_flight: Cell::new(0),
            max_in_flight: Cell::new(0),
        }
    }

    /// Lets pending provider answers through and makes lagged writes visible.
    pub fn release(&self) {
        self.released.set(true);
        for (k, v) in self.lagged.borrow_mut().drain(..) {
            self.w.kv.borrow_mut().insert(k, v);
        }
    }

    /// Back to holding answers (for a second wave).
    pub fn hold(&self) {
        self.released.set(false);
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
        if self.lag_writes.get() && !self.released.get() {
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
    fn get(&self, request: &HttpGet<'_>) -> impl Future<Output = Result<HttpResponse, HttpError>> {
        self.w.fetches.borrow_mut().push(request.url.to_string());
        let result = match self.w.routes.borrow().get(request.url) {
            Some(Scripted::Ok(r)) => Ok(r.clone()),
            Some(Scripted::Err(e)) => Err(*e),
            None => Err(HttpError::Connect),
        };
        self.in_flight.set(self.in_flight.get() + 1);
        self.max_in_flight
            .set(self.max_in_flight.get().max(self.in_flight.get()));
        let mut result = Some(result);
        std::future::poll_fn(move |_| {
            if !self.released.get() {
                return Poll::Pending;
            }
            self.in_flight.set(self.in_flight.get() - 1);
            Poll::Ready(result.take().unwrap_or(Err(HttpError::Other)))
        })
    }
}

type Handling<'a> = Pin<Box<dyn Future<Output = Decision> + 'a>>;

/// Starts every request and polls each once (each runs to its first provider `GET`, or to the
/// end), then releases the provider and drives all of them to completion, round-robin.
pub fn run_concurrently<'a>(ports: &'a Concurrent<'a>, reqs: &'a [RequestHead]) -> Vec<Decision> {
    let mut cx = Context::from_waker(Waker::noop());
    let mut futs: Vec<Handling<'a>> = reqs
        .iter()
        .map(|r| -> Handling<'a> { Box::pin(gateway::handle(ports, r)) })
        .collect();
    let mut done: Vec<Option<Decision>> = futs.iter().map(|_| None).collect();
    for (f, slot) in futs.iter_mut().zip(done.iter_mut()) {
        if let Poll::Ready(d) = f.as_mut().poll(&mut cx) {
            *slot = Some(d);
        }
    }
    ports.release();
    for _ in 0..1000 {
        if done.iter().all(Option::is_some) {
            break;
        }
        for (f, slot) in futs.iter_mut().zip(done.iter_mut()) {
            if slot.is_none() {
                if let Poll::Ready(d) = f.as_mut().poll(&mut cx) {
                    *slot = Some(d);
                }
            }
        }
    }
    done.into_iter()
        .map(|d| d.expect("a request never completed"))
        .collect()
}

/// The status of a decision; 200 for a forward.
pub fn status_of(d: &Decision) -> u16 {
    match d {
        Decision::Forward(_) => 200,
        Decision::Respond(r) => r.status,
    }
}
