//! The PimRust C ABI. Every export is `extern "C"`, wrapped in `catch_unwind`, and speaks only in
//! primitives, `u64` handles and Rust-owned [`PimBuffer`]s of UTF-8 JSON. All behaviour lives in
//! `pimrust-core`; this file only checks pointers and text and translates statuses.
//!
//! Lifecycle: `pim_client_new` → `pim_op_start` → loop { `pim_op_wait` (bounded) ; drain
//! `pim_op_next_event` } → `pim_op_result` → `pim_buffer_free` each buffer → `pim_client_free`.
//! `pim_op_release` abandons an op (cancelling it); `pim_client_free` cancels everything.

mod buffer;
mod handles;
mod status;

pub use buffer::PimBuffer;
pub use status::PimStatus;

use pimrust_core::{Engine, OpError, envelope};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

/// Bumped for any change of a signature, a status value's meaning, or the envelope version.
pub const PIM_ABI_VERSION: u32 = 1;

/// Longest single wait honoured by `pim_op_wait`; hosts should wait in slices of ~250 ms.
pub const PIM_MAX_WAIT_MS: u32 = 60_000;

fn guard(body: impl FnOnce() -> Result<PimStatus, PimStatus>) -> PimStatus {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(status)) | Ok(Err(status)) => status,
        Err(_) => PimStatus::Panic,
    }
}

/// # Safety
/// `ptr` must be null (only with `len == 0`) or point to `len` readable bytes.
unsafe fn read_str<'a>(ptr: *const u8, len: usize) -> Result<&'a str, PimStatus> {
    if ptr.is_null() {
        return if len == 0 { Ok("") } else { Err(PimStatus::NullPointer) };
    }
    // SAFETY: the caller guarantees ptr points to len readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
    std::str::from_utf8(bytes).map_err(|_| PimStatus::InvalidUtf8)
}

/// # Safety
/// `out` must be null or valid for a write of `T`.
unsafe fn write_out<T>(out: *mut T, value: T) -> Result<(), PimStatus> {
    if out.is_null() {
        return Err(PimStatus::NullPointer);
    }
    // SAFETY: checked non-null; the caller guarantees it is valid for writes.
    unsafe { out.write(value) };
    Ok(())
}

/// Hands `text` to the host in `out`. The null check comes before the text becomes a buffer, so a
/// null `out` never leaks one.
///
/// # Safety
/// `out` must be null or valid for a write of a `PimBuffer`.
unsafe fn write_text(out: *mut PimBuffer, text: String) -> Result<(), PimStatus> {
    if out.is_null() {
        return Err(PimStatus::NullPointer);
    }
    // SAFETY: checked non-null; the caller guarantees it is valid for writes.
    unsafe { write_out(out, PimBuffer::from_string(text)) }
}

fn op_status(error: OpError) -> PimStatus {
    match error {
        OpError::UnknownOp => PimStatus::UnknownOp,
        OpError::ShutDown => PimStatus::ShutDown,
    }
}

/// Writes the buffer for `Some`, or reports `Pending` for `None`. The caller checked `out` for null
/// before taking `text` out of the op, so a bad pointer never loses it.
unsafe fn write_optional(out: *mut PimBuffer, text: Option<String>) -> Result<PimStatus, PimStatus> {
    match text {
        // SAFETY: the caller checked `out` is non-null; the host guarantees it is writable.
        Some(text) => unsafe { write_text(out, text) }.map(|()| PimStatus::Ok),
        None => {
            // SAFETY: as above.
            unsafe { write_out(out, PimBuffer::empty()) }?;
            Ok(PimStatus::Pending)
        }
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn pim_abi_version() -> u32 {
    PIM_ABI_VERSION
}

/// Creates a client (runtime, op registry) from a JSON config (`{}` for defaults).
/// On `InvalidArgument`, `out_error` (if not null) receives a failure envelope saying why.
///
/// # Safety
/// `config` must point to `config_len` bytes (or be null with 0); `out_client` must be writable;
/// `out_error` must be null or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pim_client_new(
    config: *const u8,
    config_len: usize,
    out_client: *mut u64,
    out_error: *mut PimBuffer,
) -> PimStatus {
    guard(|| {
        if out_client.is_null() {
            return Err(PimStatus::NullPointer);
        }
        // SAFETY: per the contract above.
        let text = unsafe { read_str(config, config_len) }?;
        match Engine::from_config_json(text) {
            Ok(engine) => {
                // SAFETY: checked non-null above.
                unsafe { write_out(out_client, handles::insert(engine)) }?;
                Ok(PimStatus::Ok)
            }
            Err(error) => {
                if !out_error.is_null() {
                    // SAFETY: checked non-null.
                    unsafe { write_text(out_error, envelope::failure(&error)) }?;
                }
                Err(PimStatus::InvalidArgument)
            }
        }
    })
}

/// Cancels every op of the client and stops its runtime without blocking. Freeing an unknown or
/// already-freed handle is a no-op that returns `InvalidHandle`.
#[unsafe(no_mangle)]
pub extern "C" fn pim_client_free(client: u64) -> PimStatus {
    guard(|| {
        handles::remove(client)?.shutdown();
        Ok(PimStatus::Ok)
    })
}

/// Writes `{"liveOps":n,"runningOps":n}` into `out`.
///
/// # Safety
/// `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pim_client_info(client: u64, out: *mut PimBuffer) -> PimStatus {
    guard(|| {
        let info = handles::get(client)?.info();
        let json = format!(r#"{{"liveOps":{},"runningOps":{}}}"#, info.live_ops, info.running_ops);
        // SAFETY: per the contract above.
        unsafe { write_text(out, json) }?;
        Ok(PimStatus::Ok)
    })
}

/// Starts `{"method":…,"params":…,"logLevel":…}` and returns its op id at once. A malformed request
/// still starts an op, whose result is the error envelope.
///
/// # Safety
/// `request` must point to `request_len` bytes; `out_op` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pim_op_start(
    client: u64,
    request: *const u8,
    request_len: usize,
    out_op: *mut u64,
) -> PimStatus {
    guard(|| {
        let engine = handles::get(client)?;
        if out_op.is_null() {
            return Err(PimStatus::NullPointer);
        }
        // SAFETY: per the contract above.
        let request = unsafe { read_str(request, request_len) }?;
        let op = engine.start(request).map_err(op_status)?;
        // SAFETY: checked non-null above.
        unsafe { write_out(out_op, op) }?;
        Ok(PimStatus::Ok)
    })
}

/// Waits up to `timeout_ms` (at most `PIM_MAX_WAIT_MS`). `Ok` = finished; `Pending` = timed out or a
/// new event is queued.
#[unsafe(no_mangle)]
pub extern "C" fn pim_op_wait(client: u64, op: u64, timeout_ms: u32) -> PimStatus {
    guard(|| {
        let timeout = Duration::from_millis(u64::from(timeout_ms.min(PIM_MAX_WAIT_MS)));
        let finished = handles::get(client)?.wait(op, timeout).map_err(op_status)?;
        Ok(if finished { PimStatus::Ok } else { PimStatus::Pending })
    })
}

/// `Ok` and the next event JSON in `out`, or `Pending` (empty `out`) when none is queued.
///
/// # Safety
/// `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pim_op_next_event(client: u64, op: u64, out: *mut PimBuffer) -> PimStatus {
    guard(|| {
        if out.is_null() {
            return Err(PimStatus::NullPointer);
        }
        let event = handles::get(client)?.next_event(op).map_err(op_status)?;
        // SAFETY: per the contract above.
        unsafe { write_optional(out, event) }
    })
}

/// `Ok` and the final envelope in `out` (this retires the op id), or `Pending` while it runs.
///
/// # Safety
/// `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pim_op_result(client: u64, op: u64, out: *mut PimBuffer) -> PimStatus {
    guard(|| {
        if out.is_null() {
            return Err(PimStatus::NullPointer);
        }
        let result = handles::get(client)?.take_result(op).map_err(op_status)?;
        // SAFETY: per the contract above.
        unsafe { write_optional(out, result) }
    })
}

/// Requests cancellation; idempotent, never blocks. Collect the result as usual.
#[unsafe(no_mangle)]
pub extern "C" fn pim_op_cancel(client: u64, op: u64) -> PimStatus {
    guard(|| {
        handles::get(client)?.cancel(op).map_err(op_status)?;
        Ok(PimStatus::Ok)
    })
}

/// Abandons the op: cancels it if running and retires its id once finished. Never blocks.
#[unsafe(no_mangle)]
pub extern "C" fn pim_op_release(client: u64, op: u64) -> PimStatus {
    guard(|| {
        handles::get(client)?.release(op).map_err(op_status)?;
        Ok(PimStatus::Ok)
    })
}

/// Frees a buffer returned by this library. Freeing an empty buffer is a no-op.
///
/// # Safety
/// `buffer` must come from this library and be freed at most once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pim_buffer_free(buffer: PimBuffer) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: per the contract above.
        unsafe { buffer.free() }
    }));
}
