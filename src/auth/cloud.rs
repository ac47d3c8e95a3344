//! Clouds, their hosts and token audiences, and client ids. Overrides of the hosts (the sandbox
//! emulator, or any other host) are in [`super::overrides`].

use crate::error::Error;
use serde::{Deserialize, Serialize};
use url::Url;

pub use super::overrides::EndpointOverrides;
pub(crate) use super::overrides::is_loopback;

pub const GRAPH_COMMAND_LINE_TOOLS: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
pub const AZURE_POWERSHELL: &str = "1950a258-227b-4e31-a9cf-717495945fc2";
pub const AZURE_CLI: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cloud {
    Global,
    UsGov,
    UsGovDoD,
    China,
}

impl Cloud {
    pub fn parse(text: &str) -> Result<Self, Error> {
        match text.to_ascii_lowercase().replace(['-', '_', ' '], "").as_str() {
            "global" | "public" | "azurecloud" | "azurepubliccloud" => Ok(Cloud::Global),
            "usgov" | "usgovernment" | "azureusgovernment" | "gcchigh" => Ok(Cloud::UsGov),
            "usgovdod" | "dod" | "azureusgovernmentdod" => Ok(Cloud::UsGovDoD),
            "china" | "azurechinacloud" | "21vianet" => Ok(Cloud::China),
            _ => Err(Error::InvalidArgument(format!(
                "unknown environment '{text}'; use Global, USGov, USGovDoD or China"
            ))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Resource {
    Graph,
    Arm,
}

impl Resource {
    pub fn name(self) -> &'static str {
        match self {
            Resource::Graph => "Microsoft Graph",
            Resource::Arm => "Azure Resource Manager",
        }
    }
}

/// The delegated Graph permissions PIM self-service needs (pim-api.md §1.1), and nothing more.
pub const GRAPH_PIM_PERMISSIONS: [&str; 6] = [
    "RoleEligibilitySchedule.Read.Directory",
    "RoleAssignmentSchedule.ReadWrite.Directory",
    "RoleManagementPolicy.Read.Directory",
    "PrivilegedEligibilitySchedule.Read.AzureADGroup",
    "PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup",
    "RoleManagementPolicy.Read.AzureADGroup",
];

/// Hosts and audiences of one cloud, possibly overridden.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    pub cloud: Cloud,
    pub authority_host: Url,
    pub graph: Url,
    pub arm: Url,
    /// Token audiences (the resource part of scopes): these never change with an override.
    pub graph_resource: String,
    pub arm_resource: String,
    pub overridden: bool,
}

/// A root as text without the trailing slash, for comparisons and messages.
pub(super) fn root_text(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_string()
}

impl Endpoints {
    pub fn for_cloud(cloud: Cloud) -> Self {
        let (login, graph, arm, arm_resource) = match cloud {
            Cloud::Global => (
                "https://login.microsoftonline.com",
                "https://graph.microsoft.com",
                "https://management.azure.com",
                "https://management.core.windows.net/",
            ),
            Cloud::UsGov => (
                "https://login.microsoftonline.us",
                "https://graph.microsoft.us",
                "https://management.usgovcloudapi.net",
                "https://management.core.usgovcloudapi.net/",
            ),
            Cloud::UsGovDoD => (
                "https://login.microsoftonline.us",
                "https://dod-graph.microsoft.us",
                "https://management.usgovcloudapi.net",
                "https://management.core.usgovcloudapi.net/",
            ),
            Cloud::China => (
                "https://login.chinacloudapi.cn",
                "https://microsoftgraph.chinacloudapi.cn",
                "https://management.chinacloudapi.cn",
                "https://management.core.chinacloudapi.cn/",
            ),
        };
        let url = |text: &str| Url::parse(text).expect("built-in cloud URLs are valid");
        Self {
            cloud,
            authority_host: url(login),
            graph: url(graph),
            arm: url(arm),
            graph_resource: graph.to_string(),
            arm_resource: arm_resource.to_string(),
            overridden: false,
        }
    }

    /// Where requests for `resource` go: the root of its API.
    pub fn service_root(&self, resource: Resource) -> &Url {
        match resource {
            Resource::Graph => &self.graph,
            Resource::Arm => &self.arm,
        }
    }

    /// The three roots, each named, next to the cloud's own (production) ones.
    pub(super) fn roots(&self) -> [(&'static str, &Url, Url); 3] {
        let own = Endpoints::for_cloud(self.cloud);
        [
            ("authority", &self.authority_host, own.authority_host),
            ("Graph", &self.graph, own.graph),
            ("ARM", &self.arm, own.arm),
        ]
    }

    /// Which cached sign-ins these endpoints may use: tokens are bound to the endpoints they were
    /// issued for. Empty for the cloud's own endpoints (which is also what cache entries written
    /// before this binding existed mean); otherwise the authority, Graph and ARM roots.
    pub fn cache_partition(&self) -> String {
        if self.overridden_roots().is_empty() {
            return String::new();
        }
        self.roots().map(|(_, url, _)| root_text(url)).join(" ")
    }

    /// The roots that are not the cloud's own (`authority`, `graph`, `arm`); none for Microsoft's
    /// own endpoints (an override naming them does not count).
    pub fn overridden_roots(&self) -> Vec<String> {
        self.roots()
            .iter()
            .filter(|(_, url, own)| root_text(url) != root_text(own))
            .map(|(name, _, _)| name.to_ascii_lowercase())
            .collect()
    }

    /// `host[:port]` of the authority: the cloud part of a token-cache key.
    pub fn login_host(&self) -> String {
        let host = self.authority_host.host_str().unwrap_or_default();
        match self.authority_host.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        }
    }

    fn oauth_url(&self, tenant: &str, leaf: &str) -> String {
        format!(
            "{}/{tenant}/oauth2/v2.0/{leaf}",
            self.authority_host.as_str().trim_end_matches('/')
        )
    }

    pub fn authorize_url(&self, tenant: &str) -> String {
        self.oauth_url(tenant, "authorize")
    }

    pub fn token_url(&self, tenant: &str) -> String {
        self.oauth_url(tenant, "token")
    }

    pub fn device_code_url(&self, tenant: &str) -> String {
        self.oauth_url(tenant, "devicecode")
    }

    /// The scopes requested for a resource: Graph's PIM permissions, ARM's `.default`.
    pub fn scopes(&self, resource: Resource) -> Vec<String> {
        match resource {
            Resource::Graph => {
                let base = self.graph_resource.trim_end_matches('/');
                GRAPH_PIM_PERMISSIONS.iter().map(|p| format!("{base}/{p}")).collect()
            }
            Resource::Arm => vec![format!("{}/.default", self.arm_resource)],
        }
    }

    /// Whether a token audience is this cloud's audience for `resource`.
    pub fn audience_matches(&self, resource: Resource, audience: &str) -> bool {
        let normalize = |s: &str| s.trim_end_matches('/').to_ascii_lowercase();
        let audience = normalize(audience);
        match resource {
            Resource::Graph => {
                audience == normalize(&self.graph_resource) || audience == "00000003-0000-0000-c000-000000000000"
            }
            Resource::Arm => {
                audience == normalize(&self.arm_resource)
                    || audience == normalize(Endpoints::for_cloud(self.cloud).arm.as_str())
            }
        }
    }
}

/// Which app registration signs in for Graph and for ARM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientIds {
    pub graph: String,
    pub arm: String,
}

impl Default for ClientIds {
    /// Works without registering an app: Graph Command Line Tools can be consented for the PIM
    /// scopes; Azure PowerShell is preauthorized for ARM (auth.md §2.1).
    fn default() -> Self {
        Self {
            graph: GRAPH_COMMAND_LINE_TOOLS.into(),
            arm: AZURE_POWERSHELL.into(),
        }
    }
}

impl ClientIds {
    /// A preset name (`GraphCommandLineTools`, `AzurePowerShell`, `AzureCli`) or a custom app id,
    /// which then signs in for both resources.
    pub fn parse(text: &str) -> Result<Self, Error> {
        match text.to_ascii_lowercase().replace(['-', '_', ' '], "").as_str() {
            "default" => Ok(Self::default()),
            "graphcommandlinetools" | "graphcli" => Ok(Self::single(GRAPH_COMMAND_LINE_TOOLS)),
            "azurepowershell" => Ok(Self::single(AZURE_POWERSHELL)),
            "azurecli" => Ok(Self::single(AZURE_CLI)),
            _ if uuid::Uuid::parse_str(text).is_ok() => Ok(Self::single(text)),
            _ => Err(Error::InvalidArgument(format!(
                "client id '{text}' is neither a GUID nor a preset (GraphCommandLineTools, AzurePowerShell, AzureCli)"
            ))),
        }
    }

    fn single(id: &str) -> Self {
        Self {
            graph: id.to_ascii_lowercase(),
            arm: id.to_ascii_lowercase(),
        }
    }

    pub fn for_resource(&self, resource: Resource) -> &str {
        match resource {
            Resource::Graph => &self.graph,
            Resource::Arm => &self.arm,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_clouds_have_their_own_hosts() {
        let china = Endpoints::for_cloud(Cloud::parse("AzureChinaCloud").unwrap());
        assert_eq!(
            china.token_url("organizations"),
            "https://login.chinacloudapi.cn/organizations/oauth2/v2.0/token"
        );
        assert_eq!(
            china.scopes(Resource::Graph)[0],
            "https://microsoftgraph.chinacloudapi.cn/RoleEligibilitySchedule.Read.Directory"
        );
        let dod = Endpoints::for_cloud(Cloud::parse("USGovDoD").unwrap());
        assert_eq!(dod.graph.as_str(), "https://dod-graph.microsoft.us/");
        assert!(Cloud::parse("Germany").is_err());
    }

    #[test]
    fn audiences_are_compared_leniently() {
        let global = Endpoints::for_cloud(Cloud::Global);
        assert!(global.audience_matches(Resource::Arm, "https://management.core.windows.net/"));
        assert!(global.audience_matches(Resource::Arm, "https://management.azure.com"));
        assert!(global.audience_matches(Resource::Graph, "https://graph.microsoft.com"));
        assert!(!global.audience_matches(Resource::Graph, "https://management.azure.com"));
    }

    #[test]
    fn client_ids_accept_presets_and_guids() {
        assert_eq!(ClientIds::parse("AzureCli").unwrap().graph, AZURE_CLI);
        let custom = ClientIds::parse("AAAAAAAA-1111-2222-3333-444444444444").unwrap();
        assert_eq!(custom.arm, "aaaaaaaa-1111-2222-3333-444444444444");
        assert!(ClientIds::parse("my-app").is_err());
        assert_eq!(ClientIds::default().graph, GRAPH_COMMAND_LINE_TOOLS);
    }
}
