//! The three C library functions through which std reaches WASI preview1, defined on WASI 0.2.
//!
//! A module that imports any `wasi_snapshot_preview1` function is componentized with the
//! preview1 adapter, a module of its own that every fresh node compiles before the first
//! request (about 70 M instructions of Cranelift work; README "Cold start"). This component
//! uses clocks, randomness and stderr through the WASI 0.2 interfaces spin-sdk already imports,
//! so what is left of preview1 is std's own panic and allocation-failure path, which reaches it
//! through wasi-libc:
//!
//! - `getenv` (std reads `RUST_BACKTRACE` before printing a panic), whose first call loads the
//!   environment through `environ_get`/`environ_sizes_get` (and `proc_exit` if that fails);
//! - `getcwd` (std's backtrace printer): no preview1 import, but wasi-libc's allocates with
//!   `malloc`, which would link dlmalloc (10 KB) beside the global allocator;
//! - `write` (std writes the panic message to file descriptor 2) through `fd_write`.
//!
//! Defining these symbols here means wasm-ld never takes wasi-libc's members for them (an
//! archive member is linked only for a symbol still undefined), so the module imports nothing
//! from preview1 and wit-component leaves the adapter out, as it does for any adapter no import
//! needs. `scripts/size-report --check` fails if a preview1 import comes back.
//!
//! All three are `extern "C"` with the POSIX signatures wasi-libc declares (`<stdlib.h>`,
//! `<unistd.h>`); the linker exports them from the core module as it does every `#[no_mangle]`
//! symbol of a `cdylib`, and componentization ignores core exports the world does not name.
#![allow(unsafe_code)]

use core::ffi::c_char;

use spin_sdk::wit::wasi::cli0_2_0::stderr;

/// wasi-libc's `EBADF` (`wasi_snapshot_preview1` errno 8): not a descriptor we write to.
const EBADF: i32 = 8;
/// wasi-libc's `EIO` (errno 29): the stream refused the bytes.
const EIO: i32 = 29;
/// wasi-libc's `ENOENT` (errno 44): no such file or directory.
const ENOENT: i32 = 44;
/// `wasi:io/streams` `blocking-write-and-flush` takes at most 4096 bytes per call.
const MAX_WRITE: usize = 4096;

extern "C" {
    /// wasi-libc's (musl's) thread-local `errno`.
    fn __errno_location() -> *mut i32;
}

fn set_errno(code: i32) {
    // SAFETY: wasi-libc returns the address of its `errno`, valid for the module's lifetime.
    unsafe { *__errno_location() = code };
}

/// `getenv(3)`: every name is absent. The component's configuration is Spin variables
/// (`gateway::variables`), never the process environment; std asks only for `RUST_BACKTRACE`.
#[no_mangle]
pub extern "C" fn getenv(_name: *const c_char) -> *mut c_char {
    core::ptr::null_mut()
}

/// `getcwd(3)`: there is no working directory (Spin grants this component no file system), so
/// it fails with `ENOENT`. std asks only when it prints a backtrace, which `getenv` never
/// requests; defined so that wasi-libc's `getcwd`, and with it `malloc` (dlmalloc), is not
/// linked: the global allocator is the only one.
#[no_mangle]
pub extern "C" fn getcwd(_buf: *mut c_char, _size: usize) -> *mut c_char {
    set_errno(ENOENT);
    core::ptr::null_mut()
}

/// `write(2)` for standard output and standard error: both go to `wasi:cli/stderr`, the stream
/// Spin keeps as the component's log. Writes at most 4096 bytes per call and returns the count
/// written (callers loop, as POSIX allows a short write); -1 with `errno` set otherwise.
///
/// # Safety
/// `buf` must point to `len` readable bytes, as `write(2)` requires of its caller.
#[no_mangle]
pub unsafe extern "C" fn write(fd: i32, buf: *const u8, len: usize) -> isize {
    if fd != 1 && fd != 2 {
        set_errno(EBADF);
        return -1;
    }
    if len == 0 || buf.is_null() {
        return 0;
    }
    let n = len.min(MAX_WRITE);
    // SAFETY: the caller guarantees `len` readable bytes at `buf`, and `n <= len`.
    let bytes = unsafe { core::slice::from_raw_parts(buf, n) };
    match stderr::get_stderr().blocking_write_and_flush(bytes) {
        // `n` is at most 4096, so it fits `isize`.
        Ok(()) => n as isize,
        Err(_) => {
            set_errno(EIO);
            -1
        }
    }
}
