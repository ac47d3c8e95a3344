//! PimRust core: the operation engine behind the C ABI, plus (in later modules) sign-in and the
//! Graph/ARM clients. This crate has no FFI and no `unsafe`; `ffi/` is a thin layer over [`Engine`].

pub mod engine;
pub mod envelope;
pub mod error;
pub mod events;
mod logging;
mod methods;
pub mod redact;

pub use engine::{Engine, EngineConfig, EngineInfo, OpError, OpId};
pub use error::{Error, ErrorKind};
