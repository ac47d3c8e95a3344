//! The core in-process: the same engine and methods the PowerShell module drives through the C ABI
//! (`auth.connect`, `pim.listEligible`, `pim.activate`, `pim.wait`…), started here directly. Every
//! rule lives in the core; this file only starts calls, relays their events and stops them on Ctrl+C.

use crate::exit::Exit;
use crate::feedback::Feedback;
use crate::interrupt;
use pimrust_core::{Engine, EngineConfig};
use serde_json::{Value, json};
use std::io::IsTerminal;
use std::time::Duration;

/// An error the core reported (its envelope's `error` object), or Ctrl+C.
#[derive(Debug)]
pub enum CallError {
    Core(Value),
    Interrupted,
}

impl CallError {
    /// The message to show (the core redacts it at the source).
    pub fn message(&self) -> String {
        match self {
            CallError::Core(error) => error["message"]
                .as_str()
                .unwrap_or("the core reported an error")
                .to_string(),
            CallError::Interrupted => "interrupted".into(),
        }
    }

    /// The exit code this error ends the run with.
    pub fn exit(&self) -> Exit {
        let CallError::Core(error) = self else {
            return Exit::Interrupted;
        };
        match (error["kind"].as_str(), error["code"].as_str()) {
            (_, Some("NonInteractiveSignInRequired")) | (Some("AuthenticationRequired"), _) => Exit::NotSignedIn,
            (Some("InvalidArgument"), _) => Exit::Usage,
            (Some("Cancelled"), _) => Exit::Interrupted,
            _ => Exit::Failed,
        }
    }
}

pub struct Session {
    engine: Engine,
    pub feedback: Feedback,
    /// Whether the core may prompt (browser, device code, step-up): someone is at a terminal.
    pub interactive: bool,
    /// The tenant signed in to, once connected (roles carry it, as in the module).
    pub tenant_id: Option<String>,
}

/// How long one wait on the engine lasts before events and Ctrl+C are looked at again.
const SLICE: Duration = Duration::from_millis(50);

impl Session {
    /// The engine with the module's token cache settings (`PIMRUST_TOKEN_CACHE`,
    /// `PIMRUST_TOKEN_CACHE_DIR`), so that one sign-in serves both tools.
    pub fn open() -> Result<Self, CallError> {
        let setting = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let config = EngineConfig {
            worker_threads: Some(2),
            log_level: Some("warn".into()),
            token_cache: setting("PIMRUST_TOKEN_CACHE"),
            token_cache_dir: setting("PIMRUST_TOKEN_CACHE_DIR").map(Into::into),
        };
        let engine = Engine::new(config).map_err(|e| {
            CallError::Core(json!({"kind": "InvalidArgument", "code": "InvalidClientConfig", "message": e.to_string()}))
        })?;
        Ok(Self {
            engine,
            feedback: Feedback::new(),
            interactive: std::io::stdin().is_terminal() && std::io::stderr().is_terminal(),
            tenant_id: None,
        })
    }

    /// Runs one core method to its end, showing its events and handing each to `on_event`.
    pub fn call(&self, method: &str, params: Value, on_event: &mut dyn FnMut(&Value)) -> Result<Value, CallError> {
        let request = json!({"method": method, "params": params}).to_string();
        let id = self.engine.start(&request).map_err(|e| internal(&e.to_string()))?;
        loop {
            if interrupt::interrupted() {
                // The core stops the op at its next await; nothing more is sent once it has.
                let _ = self.engine.cancel(id);
                let _ = self.engine.wait(id, Duration::from_secs(2));
                self.drain(id, on_event);
                let _ = self.engine.release(id);
                return Err(CallError::Interrupted);
            }
            let finished = self.engine.wait(id, SLICE).map_err(|e| internal(&e.to_string()))?;
            self.drain(id, on_event);
            if finished {
                let text = self.engine.take_result(id).map_err(|e| internal(&e.to_string()))?;
                let envelope: Value = serde_json::from_str(&text.unwrap_or_default())
                    .map_err(|e| internal(&format!("unreadable result: {e}")))?;
                return match envelope["ok"].as_bool() {
                    Some(true) => Ok(envelope["data"].clone()),
                    _ => Err(CallError::Core(envelope["error"].clone())),
                };
            }
        }
    }

    fn drain(&self, id: u64, on_event: &mut dyn FnMut(&Value)) {
        while let Ok(Some(text)) = self.engine.next_event(id) {
            if let Ok(event) = serde_json::from_str::<Value>(&text) {
                self.feedback.show(&event);
                on_event(&event);
            }
        }
    }

    /// Signs in as the module does when a command needs it: passthrough tokens if given, else the
    /// cached sign-in, else (only when someone can answer) an interactive one.
    pub fn connect(&mut self, mut options: Value, interactive: bool) -> Result<Value, CallError> {
        options["interactive"] = json!(interactive);
        let context = self.call("auth.connect", options, &mut |_| {})?;
        self.tenant_id = context["tenantId"].as_str().map(str::to_string);
        Ok(context)
    }
}

fn internal(message: &str) -> CallError {
    CallError::Core(json!({"kind": "Internal", "code": "Internal", "message": message}))
}
