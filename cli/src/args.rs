//! The command line: subcommands, options and their help. What each option means is said here once.

use crate::exit::EXIT_CODES_HELP;
use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "pimrust",
    version,
    about = "List and activate Microsoft Entra PIM roles (directory roles, groups, Azure resources)",
    long_about = "List and activate Microsoft Entra Privileged Identity Management roles: directory roles, \
                  PIM groups and Azure resources, each checked against its policy before anything is sent.\n\n\
                  Signs in once for both pimrust and the PimRust PowerShell module: they share the encrypted \
                  token cache (per account and tenant).",
    after_long_help = EXIT_CODES_HELP,
    after_help = "Run `pimrust help <command>` for examples. Exit codes: `pimrust --help`."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Print one JSON document on stdout instead of a table (shape: README, "From bash, zsh or CI").
    #[arg(long, global = true)]
    pub json: bool,
    /// Read passthrough access tokens from stdin: Microsoft Graph on the first line, Azure Resource
    /// Manager on the second (optional). Nothing is cached.
    #[arg(long, global = true)]
    pub token_stdin: bool,
    /// Passthrough Microsoft Graph access token (e.g. from `az account get-access-token`). Nothing is
    /// cached.
    #[arg(
        long,
        env = "PIMRUST_ACCESS_TOKEN",
        hide_env_values = true,
        global = true,
        hide = true
    )]
    pub access_token: Option<String>,
    /// Passthrough Azure Resource Manager access token. Nothing is cached.
    #[arg(
        long,
        env = "PIMRUST_ARM_ACCESS_TOKEN",
        hide_env_values = true,
        global = true,
        hide = true
    )]
    pub arm_access_token: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in (browser by default) and keep the sign-in in the shared encrypted token cache.
    #[command(
        after_help = "Examples:\n  pimrust login\n  pimrust login --device-code --tenant contoso.onmicrosoft.com\n  \
                            az account get-access-token --resource-type ms-graph --query accessToken -o tsv | pimrust login --token-stdin"
    )]
    Login(Login),
    /// Sign out: forget the cached sign-in of this tenant and account (all of them with --all).
    #[command(after_help = "Examples:\n  pimrust logout\n  pimrust logout --all")]
    Logout(Logout),
    /// Who is signed in, to which tenant and endpoints, and until when each token lasts (never a token).
    #[command(after_help = "Examples:\n  pimrust status\n  pimrust status --json | jq -r .account")]
    Status,
    /// List the roles you are eligible for (or, with --active, the roles active now).
    #[command(
        after_help = "Examples:\n  pimrust list\n  pimrust list --kind azure-resource --scope '*Production*'\n  \
                            pimrust list --active --json | jq -r '.roles[].displayName'"
    )]
    List(List),
    /// Activate eligible roles, each checked against its policy first.
    #[command(
        after_help = "Examples:\n  pimrust activate 'Global Reader' --justification 'Ticket review' --duration 2h\n  \
                            pimrust activate 'Platform Owners (member)' --duration max --wait\n  \
                            pimrust activate --pick\n  pimrust activate 'User*' --validate --json"
    )]
    Activate(Activate),
    /// Deactivate active roles.
    #[command(after_help = "Examples:\n  pimrust deactivate 'Global Reader'\n  pimrust deactivate '*' --kind group")]
    Deactivate(Deactivate),
    /// Wait for submitted requests until access is real (or the request ends without it).
    #[command(
        after_help = "Examples:\n  pimrust wait --kind directory-role 3f7c…\n  pimrust wait /subscriptions/…/roleAssignmentScheduleRequests/… --timeout 1800"
    )]
    Wait(Wait),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  pimrust completions bash > ~/.local/share/bash-completion/completions/pimrust\n  \
                            pimrust completions zsh > \"${fpath[1]}/_pimrust\""
    )]
    Completions { shell: clap_complete::Shell },
}

#[derive(Debug, Args)]
pub struct Login {
    /// Sign in with a device code (enter the code on another device): for SSH sessions and CI.
    #[arg(long)]
    pub device_code: bool,
    /// Tenant (domain or id); default: the account's home tenant.
    #[arg(long, env = "PIMRUST_TENANT")]
    pub tenant: Option<String>,
    /// App (client) id to sign in with, or `AzureCli`/`AzurePowerShell`; or `GRAPH_APP,ARM_APP`.
    #[arg(long, env = "PIMRUST_CLIENT_ID")]
    pub client_id: Option<String>,
    /// Cloud: Global, USGov, USGovDoD, China.
    #[arg(long, env = "PIMRUST_ENVIRONMENT")]
    pub environment: Option<String>,
    /// Which account to use (UPN), when several are cached.
    #[arg(long)]
    pub account: Option<String>,
    /// Sign in anew even when a cached sign-in would do.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct Logout {
    /// Forget every cached sign-in and the cache's key.
    #[arg(long)]
    pub all: bool,
    /// Only sign-ins of this tenant.
    #[arg(long)]
    pub tenant: Option<String>,
    /// Only sign-ins of this account (UPN).
    #[arg(long)]
    pub account: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    DirectoryRole,
    Group,
    AzureResource,
}

impl KindArg {
    /// The core's word for the kind.
    pub fn core_name(self) -> &'static str {
        match self {
            KindArg::DirectoryRole => "DirectoryRole",
            KindArg::Group => "Group",
            KindArg::AzureResource => "AzureResource",
        }
    }
}

/// Which roles: by kind, name and scope.
#[derive(Debug, Args)]
pub struct Filter {
    /// Only roles of these kinds (repeat or comma-separate).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub kind: Vec<KindArg>,
    /// Only roles in these scopes: id or display name, exact or with wildcards (`*`, `?`).
    #[arg(long)]
    pub scope: Vec<String>,
}

#[derive(Debug, Args)]
pub struct List {
    /// The roles active now instead of the eligible ones.
    #[arg(long)]
    pub active: bool,
    /// Only roles with this name: exact (case-insensitive) or with wildcards (`*`, `?`). A group's
    /// name may carry its access: `Finance Approvers (member)`.
    #[arg(long)]
    pub name: Vec<String>,
    #[command(flatten)]
    pub filter: Filter,
}

#[derive(Debug, Args)]
pub struct Activate {
    /// Role names: exact (case-insensitive) or with wildcards; every match is activated.
    #[arg(required_unless_present = "pick", conflicts_with = "pick")]
    pub names: Vec<String>,
    /// Choose the roles in an interactive list, with what each requires (needs a terminal).
    #[arg(long)]
    pub pick: bool,
    #[command(flatten)]
    pub filter: Filter,
    /// Why you need the roles (required by many policies; at most 500 characters).
    #[arg(long, short = 'j')]
    pub justification: Option<String>,
    /// Ticket number, for policies that require one.
    #[arg(long)]
    pub ticket: Option<String>,
    /// Ticket system the ticket belongs to.
    #[arg(long)]
    pub ticket_system: Option<String>,
    /// How long: 2h, 90m, 1h30m, 1d, PT2H, or max (each role's policy maximum). Default: 1h, or the
    /// policy maximum if shorter.
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<String>,
    /// When the activation starts (RFC 3339, e.g. 2026-12-03T08:00:00Z); default: now.
    #[arg(long, value_parser = parse_start)]
    pub start_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Check each request with PIM without activating anything.
    #[arg(long, conflicts_with = "wait")]
    pub validate: bool,
    /// Wait until access is real (approval, provisioning) before returning.
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits, in seconds.
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub timeout: u64,
    /// Seconds between the polls of --wait (0.2 to 300).
    #[arg(long, default_value_t = 5.0)]
    pub interval: f64,
}

#[derive(Debug, Args)]
pub struct Deactivate {
    /// Names of active roles: exact (case-insensitive) or with wildcards.
    #[arg(required = true)]
    pub names: Vec<String>,
    #[command(flatten)]
    pub filter: Filter,
}

#[derive(Debug, Args)]
pub struct Wait {
    /// Request ids, as `activate --json` reports them (`requests[].requestId`).
    #[arg(required = true)]
    pub request_ids: Vec<String>,
    /// The requests' kind; Azure resource request ids (`/subscriptions/…`) need none.
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// How long to wait, in seconds.
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub timeout: u64,
    /// Seconds between polls.
    #[arg(long, default_value_t = 5.0)]
    pub interval: f64,
}

/// `max`, or a duration the core accepts; passed on as typed.
fn parse_duration(text: &str) -> Result<String, String> {
    if text.trim().eq_ignore_ascii_case("max") {
        return Ok("Max".into());
    }
    pimrust_core::pim::duration::parse_requested(text)
        .map(|_| text.trim().to_string())
        .map_err(|e| e.to_string())
}

fn parse_start(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|at| at.with_timezone(&chrono::Utc))
        .map_err(|e| format!("{e}: use RFC 3339, e.g. 2026-12-03T08:00:00Z"))
}
