//! Transport-level status of every call. Domain errors travel in the result envelope instead.
//! Append-only; bump `PIM_ABI_VERSION` for any other change.

#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PimStatus {
    /// Done: the op finished (wait), a buffer was written (next_event, result), or the call succeeded.
    Ok = 0,
    /// Not yet: the op is still running (wait, result) or has no queued event (next_event).
    Pending = 1,
    /// An argument was rejected; for `pim_client_new` the error envelope says why.
    InvalidArgument = -1,
    /// A required pointer was null.
    NullPointer = -2,
    /// A panic was caught at the boundary (a bug; the process is unharmed).
    Panic = -3,
    /// A text argument was not valid UTF-8.
    InvalidUtf8 = -4,
    /// No op with that id on this client (never started, or already collected or released).
    UnknownOp = -5,
    /// The client is shutting down and accepts no new ops.
    ShutDown = -6,
    /// No client with that handle (never created, or already freed).
    InvalidHandle = -7,
}
