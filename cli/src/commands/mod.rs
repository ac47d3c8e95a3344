//! One file per subcommand; what they share: the session and how it signs in.

pub mod activate;
pub mod auth;
pub mod list;
pub mod pick;
pub mod wait;

use crate::args::Global;
use crate::session::{CallError, Session};
use serde_json::{Value, json};
use std::io::BufRead;

pub struct Context<'a> {
    pub session: &'a mut Session,
    pub json: bool,
    /// Passthrough tokens (`--token-stdin`, `PIMRUST_ACCESS_TOKEN`, `PIMRUST_ARM_ACCESS_TOKEN`).
    passthrough: Value,
}

impl<'a> Context<'a> {
    pub fn new(session: &'a mut Session, global: Global) -> Result<Self, CallError> {
        let (mut graph, mut arm) = (global.access_token, global.arm_access_token);
        if global.token_stdin {
            let lines: Vec<String> = std::io::stdin().lock().lines().map_while(Result::ok).take(2).collect();
            graph = lines.first().map(|l| l.trim().to_string()).filter(|l| !l.is_empty());
            arm = lines
                .get(1)
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .or(arm);
            if graph.is_none() {
                return Err(usage("--token-stdin: stdin held no Microsoft Graph access token"));
            }
        }
        let mut passthrough = json!({});
        if let Some(token) = graph {
            passthrough["accessToken"] = json!(token);
        }
        if let Some(token) = arm {
            passthrough["armAccessToken"] = json!(token);
        }
        Ok(Self {
            session,
            json: global.json,
            passthrough,
        })
    }

    pub fn has_passthrough(&self) -> bool {
        self.passthrough.as_object().is_some_and(|o| !o.is_empty())
    }

    /// Signs in for a command, as the module does before its first call: passthrough tokens, else
    /// the cached sign-in, else an interactive one when someone is at the terminal.
    pub fn connect(&mut self) -> Result<Value, CallError> {
        let interactive = self.session.interactive;
        self.session.connect(self.passthrough.clone(), interactive)
    }

    /// The connect options of `login`, with the passthrough tokens.
    pub fn connect_with(&mut self, mut options: Value, interactive: bool) -> Result<Value, CallError> {
        if let (Some(fields), Some(tokens)) = (options.as_object_mut(), self.passthrough.as_object()) {
            fields.extend(tokens.clone());
        }
        self.session.connect(options, interactive)
    }
}

/// A usage error found after parsing (exit code 2).
pub fn usage(message: &str) -> CallError {
    CallError::Core(json!({"kind": "InvalidArgument", "code": "InvalidArgument", "message": message}))
}
