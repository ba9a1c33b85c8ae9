//! `RefCell`/`Cell` look-alikes that can be shared between threads.
//!
//! The gateway core is synchronous (its ports block), so the concurrency tests run each request
//! on its own thread ([`super::concurrent`]). The fake world is therefore `Sync`: its state
//! sits behind mutexes, with the `borrow`/`borrow_mut`/`get`/`set` spelling the single-threaded
//! tests already use. A guard must not be held across a second borrow of the same field (that
//! would deadlock where a `RefCell` would panic).

use std::sync::{Mutex, MutexGuard};

/// A value borrowed through a mutex (`borrow` and `borrow_mut` both lock).
#[derive(Debug, Default)]
pub struct Shared<T>(Mutex<T>);

impl<T> Shared<T> {
    pub fn new(value: T) -> Shared<T> {
        Shared(Mutex::new(value))
    }

    pub fn borrow(&self) -> MutexGuard<'_, T> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn borrow_mut(&self) -> MutexGuard<'_, T> {
        self.borrow()
    }
}

/// A `Copy` value read and written whole, like `Cell`.
#[derive(Debug, Default)]
pub struct SharedCell<T: Copy>(Shared<T>);

impl<T: Copy> SharedCell<T> {
    pub fn new(value: T) -> SharedCell<T> {
        SharedCell(Shared::new(value))
    }

    pub fn get(&self) -> T {
        *self.0.borrow()
    }

    pub fn set(&self, value: T) {
        *self.0.borrow() = value;
    }
}
