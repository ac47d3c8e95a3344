//! The services every operation of one client (one [`crate::Engine`], one host `PimSession`) shares:
//! the HTTP client, the authenticator (the sign-in state), the API client and the policy cache.

use crate::api::ApiClient;
use crate::auth::authenticator::Authenticator;
use crate::auth::cache::{CacheMode, CacheOptions, default_dir};
use crate::error::Error;
use crate::http::{HttpClient, RetryPolicy};
use crate::pim::list::PolicyCache;
use crate::pim::policy_cache::POLICY_FILE;
use std::path::PathBuf;
use std::sync::Arc;

pub struct Services {
    pub auth: Arc<Authenticator>,
    pub api: ApiClient,
    pub policies: PolicyCache,
}

impl Services {
    /// Sign-ins persist as `cache` says; policies persist next to them (`policies.json`), and only
    /// in memory when sign-ins do not persist (`disabled`: the user wants no state on disk).
    pub fn new(cache: Option<CacheOptions>) -> Result<Self, Error> {
        let policies = match cache.as_ref().and_then(|c| c.dir.clone().or_else(default_dir)) {
            Some(dir) => PolicyCache::on_disk(dir.join(POLICY_FILE)),
            None => PolicyCache::default(),
        };
        let http = HttpClient::new(RetryPolicy::default())?;
        let auth = Arc::new(Authenticator::new(http.clone(), cache));
        Ok(Self {
            api: ApiClient::new(http, auth.clone()),
            auth,
            policies,
        })
    }
}

/// `tokenCache` of the client config: `auto` (default), `disabled`, `plaintextFile`.
pub fn cache_options(mode: Option<&str>, dir: Option<PathBuf>) -> Result<Option<CacheOptions>, Error> {
    let mode = match mode.map(str::to_ascii_lowercase).as_deref() {
        None | Some("auto") => CacheMode::Auto,
        Some("disabled") | Some("none") => return Ok(None),
        Some("plaintextfile") => CacheMode::PlaintextFile,
        Some(other) => {
            return Err(Error::InvalidArgument(format!(
                "unknown tokenCache '{other}'; use auto, disabled or plaintextFile"
            )));
        }
    };
    Ok(Some(CacheOptions {
        dir,
        mode,
        ..CacheOptions::default()
    }))
}
