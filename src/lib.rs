//! PimRust core: the operation engine behind the C ABI, sign-in (`auth`), the Graph and ARM clients
//! (`api`, `http`) and PIM listing, activation and waiting (`pim`). This crate has no FFI and no
//! `unsafe`; `ffi/` is a thin layer over [`Engine`].

pub mod api;
pub mod auth;
pub mod engine;
pub mod envelope;
pub mod error;
pub mod events;
pub mod host_rules;
pub mod http;
mod logging;
mod methods;
pub mod pim;
pub mod redact;
mod services;

pub use engine::{Engine, EngineConfig, EngineInfo, OpError, OpId};
pub use error::{Error, ErrorKind};
