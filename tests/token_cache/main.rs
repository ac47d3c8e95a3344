//! Integration tests of the persisted, encrypted refresh-token cache (`pimrust_core::auth::cache`):
//! the file format and its lifecycle, what never leaks, concurrent writers, and the OS key stores.

mod concurrency;
mod files;
mod fixtures;
mod leaks;
mod os_key_store;
