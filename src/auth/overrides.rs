//! Endpoint overrides: sign-in, Graph and ARM pointed at the sandbox emulator (or any other host) by
//! a parameter or the environment, within the rules that keep tokens where they belong: https except
//! on loopback, and all three roots overridden together, because a token issued by one authority
//! must not be sent to another party's API (unless the caller explicitly opts in).

use super::cloud::{Cloud, Endpoints, root_text};
use crate::error::Error;
use serde::Deserialize;
use url::{Host, Url};

/// Where to send requests instead of the cloud's hosts. `sandboxUrl` is the emulator's base URL and
/// implies `{base}` for sign-in, `{base}/graph` and `{base}/arm`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EndpointOverrides {
    pub sandbox_url: Option<String>,
    pub authority_url: Option<String>,
    pub graph_url: Option<String>,
    pub arm_url: Option<String>,
    /// Accept overriding only some of the three roots (a warning is still emitted).
    #[serde(default)]
    pub allow_partial_override: bool,
    /// The host passed the `PIMRUST_*` settings as it sees them now (pwsh's `$env:` changes never
    /// reach the process environment native code reads): the process environment is not consulted,
    /// so a setting removed in the host is gone here too.
    #[serde(default)]
    pub environment_from_host: bool,
}

impl EndpointOverrides {
    /// `PIMRUST_SANDBOX_URL`, `PIMRUST_AUTHORITY_URL`, `PIMRUST_GRAPH_URL`, `PIMRUST_ARM_URL`.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Self {
            sandbox_url: var("PIMRUST_SANDBOX_URL"),
            authority_url: var("PIMRUST_AUTHORITY_URL"),
            graph_url: var("PIMRUST_GRAPH_URL"),
            arm_url: var("PIMRUST_ARM_URL"),
            allow_partial_override: false,
            environment_from_host: false,
        }
    }

    /// These overrides, and the `PIMRUST_*` environment variables for what they leave unset unless
    /// the host passed its own view of them.
    pub fn with_environment(&self) -> Self {
        if self.environment_from_host {
            self.clone()
        } else {
            self.clone().or(EndpointOverrides::from_env())
        }
    }

    /// Fields set here win over `fallback`'s.
    pub fn or(self, fallback: EndpointOverrides) -> Self {
        Self {
            sandbox_url: self.sandbox_url.or(fallback.sandbox_url),
            authority_url: self.authority_url.or(fallback.authority_url),
            graph_url: self.graph_url.or(fallback.graph_url),
            arm_url: self.arm_url.or(fallback.arm_url),
            allow_partial_override: self.allow_partial_override || fallback.allow_partial_override,
            environment_from_host: self.environment_from_host,
        }
    }
}

/// Parses an override URL: https, or plain http to a loopback host only (nothing else on the
/// network may see the tokens).
fn parse_url(text: &str, what: &str) -> Result<Url, Error> {
    let url = Url::parse(text.trim_end_matches('/'))
        .map_err(|e| Error::InvalidArgument(format!("{what} '{text}' is not a valid URL: {e}")))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        _ => Err(Error::InvalidArgument(format!(
            "{what} '{text}' must use https (plain http is accepted only for loopback hosts: 127.0.0.1, [::1], localhost)"
        ))),
    }
}

/// Graph's root without the `/v1.0` an override may end in: requests add the version themselves.
fn without_graph_version(graph: &Url) -> Result<Url, Error> {
    let text = root_text(graph);
    match text.len().checked_sub("/v1.0".len()) {
        Some(cut) if text.is_char_boundary(cut) && text[cut..].eq_ignore_ascii_case("/v1.0") => {
            parse_url(&text[..cut], "Graph URL")
        }
        _ => Ok(graph.clone()),
    }
}

pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

impl Endpoints {
    /// The endpoints a connect or sign-out means: the cloud named by `environment` (default Global),
    /// with `overrides`, and the `PIMRUST_*` environment variables for what those leave unset.
    pub fn resolve(environment: Option<&str>, overrides: &EndpointOverrides) -> Result<Endpoints, Error> {
        let cloud = environment.map(Cloud::parse).transpose()?.unwrap_or(Cloud::Global);
        Endpoints::for_cloud(cloud).with_overrides(&overrides.with_environment())
    }

    /// Applies `overrides`; a partial override is refused unless `allow_partial_override` is set.
    pub fn with_overrides(mut self, overrides: &EndpointOverrides) -> Result<Self, Error> {
        if let Some(base) = &overrides.sandbox_url {
            let base = parse_url(base, "sandbox URL")?;
            self.authority_host = base.clone();
            self.graph = parse_url(&format!("{}/graph", root_text(&base)), "sandbox URL")?;
            self.arm = parse_url(&format!("{}/arm", root_text(&base)), "sandbox URL")?;
            self.overridden = true;
        }
        for (value, target, what) in [
            (&overrides.authority_url, &mut self.authority_host, "authority URL"),
            (&overrides.graph_url, &mut self.graph, "Graph URL"),
            (&overrides.arm_url, &mut self.arm, "ARM URL"),
        ] {
            if let Some(text) = value {
                *target = parse_url(text, what)?;
                self.overridden = true;
            }
        }
        self.graph = without_graph_version(&self.graph)?;
        match self.partial_override() {
            Some(partial) if !overrides.allow_partial_override => Err(Error::InvalidArgument(format!(
                "{partial}. Override all three (sandboxUrl or PIMRUST_SANDBOX_URL; or authorityUrl, graphUrl \
                 and armUrl, or PIMRUST_AUTHORITY_URL, PIMRUST_GRAPH_URL and PIMRUST_ARM_URL), or opt in \
                 with allowPartialOverride"
            ))),
            _ => Ok(self),
        }
    }

    /// What is wrong with these endpoints if only some of the roots are overridden: tokens issued by
    /// one party would be sent to another.
    pub fn partial_override(&self) -> Option<String> {
        let roots = self.roots();
        let describe = |overridden: bool| {
            roots
                .iter()
                .filter(|(_, url, own)| (root_text(url) != root_text(own)) == overridden)
                .map(|(name, url, _)| format!("{name} {}", root_text(url)))
                .collect::<Vec<_>>()
        };
        let (replaced, kept) = (describe(true), describe(false));
        if replaced.is_empty() || kept.is_empty() {
            return None;
        }
        Some(format!(
            "partial endpoint override (overridden: {}; still the {:?} cloud's own: {}), so tokens issued \
             by one party would be sent to another",
            replaced.join(", "),
            self.cloud,
            kept.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::cloud::Resource;

    #[test]
    fn sandbox_override_maps_the_three_hosts() {
        let overrides = EndpointOverrides {
            sandbox_url: Some("http://127.0.0.1:4000/".into()),
            ..Default::default()
        };
        let endpoints = Endpoints::for_cloud(Cloud::Global).with_overrides(&overrides).unwrap();
        assert_eq!(
            endpoints.token_url("contoso.com"),
            "http://127.0.0.1:4000/contoso.com/oauth2/v2.0/token"
        );
        assert_eq!(endpoints.graph.as_str(), "http://127.0.0.1:4000/graph");
        assert_eq!(endpoints.arm.as_str(), "http://127.0.0.1:4000/arm");
        assert_eq!(endpoints.login_host(), "127.0.0.1:4000");
        assert_eq!(
            endpoints.scopes(Resource::Arm),
            ["https://management.core.windows.net//.default"]
        );
        assert!(endpoints.overridden);
        assert_eq!(
            endpoints.cache_partition(),
            "http://127.0.0.1:4000 http://127.0.0.1:4000/graph http://127.0.0.1:4000/arm"
        );
        assert_eq!(Endpoints::for_cloud(Cloud::Global).cache_partition(), "");
    }

    #[test]
    fn only_loopback_hosts_may_use_plain_http() {
        let graph_at = |url: &str| EndpointOverrides {
            sandbox_url: Some("http://127.0.0.1:1".into()),
            graph_url: Some(url.into()),
            ..Default::default()
        };
        for url in [
            "http://LOCALHOST:2/graph",
            "http://127.0.0.2/graph",
            "http://[::1]:2",
            "https://x.invalid",
        ] {
            assert!(
                Endpoints::for_cloud(Cloud::Global)
                    .with_overrides(&graph_at(url))
                    .is_ok(),
                "{url}"
            );
        }
        for url in [
            "http://x.invalid",
            "http://localhost.x.invalid",
            "http://[::ffff:7f00:1]",
            "ftp://127.0.0.1",
        ] {
            let error = Endpoints::for_cloud(Cloud::Global)
                .with_overrides(&graph_at(url))
                .unwrap_err();
            assert!(error.to_string().contains("must use https"), "{url}: {error}");
        }
    }

    #[test]
    fn a_graph_override_may_end_in_the_version_segment() {
        for graph in [
            "https://graph.example/v1.0",
            "https://graph.example/V1.0/",
            "https://graph.example",
        ] {
            let overrides = EndpointOverrides {
                sandbox_url: Some("https://sandbox.example".into()),
                graph_url: Some(graph.into()),
                ..Default::default()
            };
            let endpoints = Endpoints::for_cloud(Cloud::Global).with_overrides(&overrides).unwrap();
            assert_eq!(endpoints.graph.as_str(), "https://graph.example/", "{graph}");
        }
        let sandbox = EndpointOverrides {
            sandbox_url: Some("http://127.0.0.1:4000".into()),
            graph_url: Some("http://127.0.0.1:4000/graph/v1.0".into()),
            ..Default::default()
        };
        let endpoints = Endpoints::for_cloud(Cloud::Global).with_overrides(&sandbox).unwrap();
        assert_eq!(endpoints.graph.as_str(), "http://127.0.0.1:4000/graph");
        assert_eq!(endpoints.overridden_roots(), ["authority", "graph", "arm"]);
    }

    #[test]
    fn overriding_a_root_with_the_cloud_own_is_not_partial() {
        let overrides = EndpointOverrides {
            graph_url: Some("https://graph.microsoft.com/".into()),
            ..Default::default()
        };
        let endpoints = Endpoints::for_cloud(Cloud::Global).with_overrides(&overrides).unwrap();
        assert_eq!(endpoints.partial_override(), None);
        assert_eq!(endpoints.cache_partition(), "");
        assert!(endpoints.overridden_roots().is_empty());
    }
}
