//! The child role: one process signing in, refreshing and signing out in a loop on the shared
//! cache, checking after each write that the file is sound and that its own writes are all there.

use crate::logs;
use crate::state::StateFolder;
use crate::support::sandbox::{emulator, play_browser};
use pimrust_core::auth::authenticator::{Authenticator, ConnectOptions, DisconnectOptions};
use pimrust_core::auth::cache::TokenCache;
use pimrust_core::auth::cloud::EndpointOverrides;
use pimrust_core::auth::cloud::Resource;
use pimrust_core::auth::interactive::BrowserMode;
use pimrust_core::events::EventSink;
use pimrust_emulator::{RunningEmulator, TOKEN_MARKER};
use std::path::PathBuf;
use std::process::Command;

const ENV: &str = "PIMRUST_RELIABILITY_CACHE_CHILD";
/// What the core logs for each refresh token it saves.
pub const SAVED: &str = "sign-in saved to the token cache";
/// Refreshes between a sign-in and its sign-out.
const REFRESHES: usize = 3;

/// The people of the processes: one sign-in each (a sign-out removes every app's entry of the same
/// account). The demo scenario has the first three.
const USERS: [&str; 4] = ["adele", "megan", "alex", "lynne"];

/// The demo scenario with a fourth user, so that four processes sign in as four people.
pub async fn start_emulator() -> RunningEmulator {
    emulator(|scenario| {
        let users = scenario["users"].as_array_mut().unwrap();
        users.push(serde_json::json!({
            "id": "c6d1a7e4-3f5b-4e0a-9d2c-7b8e1f0a2c34",
            "userPrincipalName": "lynne@contoso.onmicrosoft.com",
            "displayName": "Lynne Robbins",
            "mail": "lynne@contoso.com",
            "amr": ["pwd", "mfa"]
        }));
    })
    .await
}

/// Each process signs in with its own app, so each owns one cache entry.
pub fn client_id(id: usize) -> String {
    format!("00000000-0000-4000-8000-{:012}", 100 + id)
}

/// A browser sign-in (played by the test) with one app to the emulator at `base_url`.
pub fn sign_in_options(base_url: &str, tenant: &str, client: &str) -> ConnectOptions {
    ConnectOptions {
        tenant_id: Some(tenant.to_string()),
        client_id: Some(client.to_string()),
        browser: Some(BrowserMode::None),
        endpoints: EndpointOverrides {
            sandbox_url: Some(base_url.to_string()),
            ..Default::default()
        },
        ..Default::default()
    }
}

pub struct Role {
    pub id: usize,
    pub writes: usize,
    pub emulator: String,
    pub tenant: String,
    pub root: PathBuf,
}

impl Role {
    pub fn set_env(&self, command: &mut Command) {
        let value = format!(
            "{}|{}|{}|{}|{}",
            self.id,
            self.writes,
            self.emulator,
            self.tenant,
            self.root.display()
        );
        command.env(ENV, value);
    }

    pub fn from_env() -> Option<Role> {
        let value = std::env::var(ENV).ok()?;
        let parts: Vec<&str> = value.splitn(5, '|').collect();
        Some(Role {
            id: parts[0].parse().unwrap(),
            writes: parts[1].parse().unwrap(),
            emulator: parts[2].to_string(),
            tenant: parts[3].to_string(),
            root: PathBuf::from(parts[4]),
        })
    }

    fn connect_options(&self) -> ConnectOptions {
        let mut options = sign_in_options(&self.emulator, &self.tenant, &client_id(self.id));
        options.account = Some(format!("{}@contoso.onmicrosoft.com", USERS[self.id]));
        options
    }

    pub fn run(self) {
        logs::install();
        let state = StateFolder::at(self.root.clone());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let cache = TokenCache::open_with_key_store(state.options(), Box::new(state.key_store())).unwrap();
        let auth = Authenticator::with_token_cache(crate::support::http(), cache);
        let mine = client_id(self.id);
        let mut last: Option<String> = None;
        // Another process's write must never undo one of ours; ours must always land.
        let step = |what: &str, last: &mut Option<String>, expect_entry: bool| {
            state.check_invariants();
            let now = state.stored_tokens().remove(&mine);
            match (expect_entry, &now) {
                (true, Some(token)) => assert_ne!(Some(token), last.as_ref(), "{what}: the new token was not stored"),
                (false, None) => {}
                _ => panic!("{what}: expected an entry {expect_entry}, found {:?}", now.is_some()),
            }
            *last = now;
        };
        state.wait_for_go();
        loop {
            self.check_unchanged(&state, &mine, &last, "sign-in");
            let events = EventSink::buffered();
            let browser = {
                let _inside = runtime.enter();
                play_browser(events.clone())
            };
            runtime.block_on(auth.connect(self.connect_options(), &events)).unwrap();
            browser.abort();
            step("sign-in", &mut last, true);
            for _ in 0..REFRESHES {
                self.check_unchanged(&state, &mine, &last, "refresh");
                auth.invalidate(Resource::Graph);
                runtime
                    .block_on(auth.access_token(Resource::Graph, None, &events, false))
                    .unwrap();
                step("refresh", &mut last, true);
            }
            if logs::count(SAVED) + self.removed() >= self.writes {
                break;
            }
            self.check_unchanged(&state, &mine, &last, "sign-out");
            let report = runtime.block_on(auth.disconnect(DisconnectOptions::default())).unwrap();
            assert_eq!(report.removed_entries, 1, "sign-out removes this process's entry");
            REMOVED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            step("sign-out", &mut last, false);
        }
        let log = logs::text();
        assert!(
            !log.contains(TOKEN_MARKER) && !log.contains("eyJ"),
            "token text in the log"
        );
        let writes = logs::count(SAVED) + self.removed();
        println!(
            "{}",
            Report {
                writes,
                last_token: last.expect("the last cycle stays signed in")
            }
        );
    }

    /// Between two writes of this process, its entry is what it last saw (others wrote around it).
    fn check_unchanged(&self, state: &StateFolder, mine: &str, last: &Option<String>, what: &str) {
        let now = state.stored_tokens().remove(mine);
        assert_eq!(&now, last, "before {what}: a write of process {} was lost", self.id);
    }

    fn removed(&self) -> usize {
        REMOVED.load(std::sync::atomic::Ordering::Relaxed)
    }
}

static REMOVED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The line a child prints last, for the parent.
pub struct Report {
    pub writes: usize,
    pub last_token: String,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "child report: writes={} last={}", self.writes, self.last_token)
    }
}

impl Report {
    pub fn find(stdout: &str) -> Option<Report> {
        // The test harness may print its own text in front of the line.
        let line = stdout
            .lines()
            .find_map(|l| l.split_once("child report: ").map(|(_, r)| r))?;
        let mut writes = None;
        let mut last = None;
        for part in line.split(' ') {
            match part.split_once('=') {
                Some(("writes", n)) => writes = n.parse().ok(),
                Some(("last", t)) => last = Some(t.to_string()),
                _ => {}
            }
        }
        Some(Report {
            writes: writes?,
            last_token: last?,
        })
    }
}
