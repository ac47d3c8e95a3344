//! Everything on stdout: one JSON document per run (`--json`, shape versioned by `v`), or tables
//! that fit the terminal (80 columns when there is none: `COLUMNS` overrides).

use crate::feedback::colour;
use crate::requests::{Request, summary};
use comfy_table::{Cell, Color, ColumnConstraint, ContentArrangement, Table};
use pimrust_core::pim::model::EligibleRole;
use pimrust_core::pim::select;
use serde_json::{Value, json};
use std::io::IsTerminal;

/// A line on stdout; a reader that went away (`| head`) is not an error.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write_line(&format!($($arg)*))
    };
}

pub fn write_line(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

/// The version of every JSON document pimrust prints; a new field is not a new version.
pub const JSON_VERSION: u32 = 1;

pub fn print_json(document: Value) {
    let mut document = document;
    if let Some(fields) = document.as_object_mut() {
        fields.insert("v".into(), json!(JSON_VERSION));
    }
    out!("{}", serde_json::to_string_pretty(&document).unwrap_or_default());
}

/// A listed role with the module's `PimRust.EligibleRole` / `ActiveRole` properties, in camelCase.
pub fn role_json(role: &EligibleRole, tenant: Option<&str>) -> Value {
    let policy = &role.policy;
    json!({
        "kind": role.kind,
        "roleName": role.role_name,
        "displayName": select::display_name(role),
        "accessId": role.access_id,
        "scope": role.scope,
        "scopeDisplayName": role.scope_display_name,
        "memberType": role.member_type,
        "grantedVia": role.granted_via,
        "status": role.status,
        "eligibilityStart": role.eligibility_start,
        "eligibilityEnd": role.eligibility_end,
        "activeUntil": role.active_until,
        "maxDuration": policy.max_duration,
        "requiresJustification": policy.requires_justification,
        "requiresTicket": policy.requires_ticket,
        "requiresMfa": policy.requires_mfa,
        "requiresApproval": policy.requires_approval,
        "authenticationContext": policy.authentication_context,
        "requirements": policy.requirements(),
        "roleDefinitionId": role.role_definition_id,
        "principalId": role.principal_id,
        "groupId": role.group_id,
        "directoryScopeId": role.directory_scope_id,
        "eligibilityScheduleId": role.eligibility_schedule_id,
        "eligibilityInstanceId": role.eligibility_instance_id,
        "policyId": policy.policy_id,
        "key": role.key,
        "tenantId": tenant,
    })
}

/// The requests document of `activate`, `deactivate` and `wait`.
pub fn requests_json(requests: &[Request], errors: &[Value], interrupted: bool) -> Value {
    let counts: serde_json::Map<String, Value> = summary(requests)
        .into_iter()
        .map(|(status, count)| (status, json!(count)))
        .collect();
    json!({"requests": requests, "summary": counts, "errors": errors, "interrupted": interrupted})
}

/// The width tables are fitted to: the terminal's, else `COLUMNS`, else 80.
fn width() -> u16 {
    if std::io::stdout().is_terminal() {
        if let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size() {
            return w;
        }
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse().ok())
        .filter(|w| *w >= 20)
        .unwrap_or(80)
}

/// No borders: one rule under the header, so that rows stay one line where they fit.
const HEADER_RULE_ONLY: &str = "     ──            ";

/// A table whose `narrow` columns take only the width of their content, leaving the rest to names.
fn table_with(header: &[&str], narrow: &[usize]) -> Table {
    let mut table = table(header);
    for index in narrow {
        if let Some(column) = table.column_mut(*index) {
            column.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    table
}

fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(HEADER_RULE_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width())
        .set_header(header.iter().map(Cell::new));
    if !colour(std::io::stdout().is_terminal()) {
        table.force_no_tty();
    } else {
        table.enforce_styling();
    }
    table
}

fn status_cell(status: &str) -> Cell {
    let cell = Cell::new(status);
    if !colour(std::io::stdout().is_terminal()) {
        return cell;
    }
    match status {
        "Activated" | "AlreadyActive" | "Validated" | "Deactivated" | "Active" => cell.fg(Color::Green),
        "Failed" => cell.fg(Color::Red),
        _ => cell.fg(Color::Yellow),
    }
}

/// `PT8H` → `8h`; anything unreadable as it is.
fn short_duration(iso: Option<&str>) -> String {
    match iso {
        Some(text) => pimrust_core::pim::duration::parse(text)
            .map(pimrust_core::pim::duration::human)
            .unwrap_or_else(|_| text.to_string()),
        None => String::new(),
    }
}

/// `2026-12-02T19:04:05Z` → `2026-12-02 19:04Z` (UTC, to the minute).
pub fn short_time(text: Option<&str>) -> String {
    let Some(text) = text else { return String::new() };
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc).format("%Y-%m-%d %H:%MZ").to_string())
        .unwrap_or_else(|_| text.to_string())
}

fn kind_word(role: &EligibleRole) -> String {
    serde_json::to_value(role.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub fn print_roles(roles: &[&EligibleRole], active: bool) {
    if roles.is_empty() {
        out!("No {} roles.", if active { "active" } else { "eligible" });
        return;
    }
    let mut table = if active {
        table_with(&["Role", "Kind", "Scope", "Active until"], &[1, 3])
    } else {
        table_with(&["Role", "Kind", "Scope", "Max", "Requires"], &[1, 3])
    };
    for role in roles {
        let mut row = vec![
            Cell::new(select::display_name(role)),
            Cell::new(kind_word(role)),
            Cell::new(&role.scope_display_name),
        ];
        if active {
            let until = role.active_until.map(|t| t.to_rfc3339());
            row.push(Cell::new(match until {
                Some(text) => short_time(Some(&text)),
                None => "permanent".into(),
            }));
        } else {
            row.push(Cell::new(short_duration(role.policy.max_duration.as_deref())));
            row.push(Cell::new(role.policy.requirements().replace(',', ", ")));
        }
        table.add_row(row);
    }
    out!("{table}");
}

pub fn print_requests(requests: &[Request]) {
    if requests.is_empty() {
        return;
    }
    let mut table = table_with(&["Role", "Scope", "Status", "Until", "Details"], &[2, 3]);
    for request in requests {
        let details = match (&request.error_message, request.is_pending()) {
            (Some(message), _) => message.clone(),
            (None, true) => "follow it with the command below".into(),
            (None, false) => request.warnings.join("; "),
        };
        table.add_row(vec![
            Cell::new(&request.display_name),
            Cell::new(&request.scope_display_name),
            status_cell(&request.status),
            Cell::new(short_time(request.end.as_deref())),
            Cell::new(details),
        ]);
    }
    out!("{table}");
    let line: Vec<String> = summary(requests)
        .iter()
        .map(|(status, n)| format!("{n} {status}"))
        .collect();
    out!("PIM: {}", line.join(", "));
    for request in requests.iter().filter(|r| r.is_pending()) {
        let kind = kind_option(&request.kind);
        out!(
            "  pimrust wait{kind} {}",
            request.request_id.as_deref().unwrap_or_default()
        );
    }
}

/// `--kind` for `pimrust wait`, which Azure resource request ids (`/subscriptions/…`) do not need.
fn kind_option(kind: &str) -> String {
    match kind {
        "DirectoryRole" => " --kind directory-role".into(),
        "Group" => " --kind group".into(),
        _ => String::new(),
    }
}
