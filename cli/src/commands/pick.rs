//! `activate --pick`: an interactive multi-select over the eligible roles, each with what activating
//! it requires; the terminal equivalent of Out-GridView, over SSH too. Refused without a terminal.

use crate::session::CallError;
use dialoguer::{Input, MultiSelect, theme::ColorfulTheme};
use pimrust_core::pim::model::EligibleRole;
use pimrust_core::pim::{duration, select};
use std::io::IsTerminal;

/// `--pick` needs someone at a terminal: stdin to answer, stderr to draw on.
pub fn check_terminal() -> Result<(), CallError> {
    if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        return Ok(());
    }
    Err(super::usage(
        "--pick needs an interactive terminal, and stdin (or stderr) is not one; name the roles instead: \
         pimrust activate NAME… (see `pimrust list`)",
    ))
}

fn label(role: &EligibleRole) -> String {
    let max = role
        .policy
        .max_duration
        .as_deref()
        .and_then(|d| duration::parse(d).ok())
        .map(duration::human);
    let mut needs: Vec<String> = Vec::new();
    if let Some(max) = max {
        needs.push(format!("max {max}"));
    }
    let requirements = role.policy.requirements();
    if !requirements.is_empty() {
        needs.push(requirements.replace(',', ", "));
    }
    let kind = serde_json::to_value(role.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    format!(
        "{} — {} [{kind}] ({})",
        select::display_name(role),
        role.scope_display_name,
        needs.join("; ")
    )
}

fn interrupted(error: dialoguer::Error) -> CallError {
    let dialoguer::Error::IO(error) = error;
    if error.kind() == std::io::ErrorKind::Interrupted {
        CallError::Interrupted
    } else {
        super::usage(&format!("--pick: the terminal failed: {error}"))
    }
}

/// The roles chosen (none when the user cancels with Esc).
pub fn pick<'a>(roles: &'a [EligibleRole], scopes: &[String]) -> Result<Vec<&'a EligibleRole>, CallError> {
    let roles = select::in_scopes(roles, scopes);
    if roles.is_empty() {
        return Ok(Vec::new());
    }
    let labels: Vec<String> = roles.iter().map(|r| label(r)).collect();
    let chosen = MultiSelect::with_theme(&ColorfulTheme::default())
        .with_prompt("Roles to activate (space: choose, enter: activate, esc: cancel)")
        .items(&labels)
        .interact_opt()
        .map_err(interrupted)?;
    Ok(chosen
        .unwrap_or_default()
        .into_iter()
        .filter_map(|i| roles.get(i).copied())
        .collect())
}

/// Asks for a justification (and ticket) when a chosen role requires one and none was given.
pub fn ask_for_requirements(
    roles: &[&EligibleRole],
    justification: &mut Option<String>,
    ticket: &mut Option<String>,
) -> Result<(), CallError> {
    let needs = |f: fn(&EligibleRole) -> Option<bool>| roles.iter().any(|r| f(r) == Some(true));
    if justification.is_none() && needs(|r| r.policy.requires_justification) {
        let text: String = Input::with_theme(&ColorfulTheme::default())
            .with_prompt("Justification")
            .interact_text()
            .map_err(interrupted)?;
        *justification = Some(text);
    }
    if ticket.is_none() && needs(|r| r.policy.requires_ticket) {
        let text: String = Input::with_theme(&ColorfulTheme::default())
            .with_prompt("Ticket number")
            .interact_text()
            .map_err(interrupted)?;
        *ticket = Some(text);
    }
    Ok(())
}
