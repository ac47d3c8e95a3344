//! A damaged cache file — corrupted, truncated, encrypted with a foreign key, or a plaintext file
//! where an encrypted one belongs — gives a clear warning and a fresh sign-in: never a crash, and
//! never a silent read of plaintext. The next write replaces it with a sound encrypted file.

use crate::fixtures::decrypt_independently;
use crate::logs;
use crate::state::StateFolder;
use crate::support::sandbox::play_browser;
use crate::worker::{sign_in_options, start_emulator};
use pimrust_core::auth::authenticator::Authenticator;
use pimrust_core::auth::cache::{BLOB_FILE, MAGIC_PLAINTEXT, TokenCache};
use pimrust_core::events::EventSink;
use pimrust_emulator::RunningEmulator;

const CLIENT: &str = "00000000-0000-4000-8000-000000000900";
/// The start of the core's warning for a cache file it cannot read.
const WARNING: &str = "cached sign-ins could not be decrypted";

#[derive(Debug, Clone, Copy)]
enum Damage {
    Corrupted,
    Truncated,
    HeaderOnly,
    ForeignKey,
    PlaintextFile,
}

impl Damage {
    fn apply(self, state: &StateFolder) {
        let blob = state.cache_dir().join(BLOB_FILE);
        let mut bytes = std::fs::read(&blob).unwrap();
        match self {
            Damage::Corrupted => {
                let middle = bytes.len() / 2;
                bytes[middle] ^= 0x5a;
            }
            Damage::Truncated => bytes.truncate(bytes.len() / 2),
            Damage::HeaderOnly => bytes.truncate(7),
            Damage::ForeignKey => std::fs::write(&state.key_store().0, [0x42u8; 32]).unwrap(),
            Damage::PlaintextFile => {
                // The very sign-in the file held, readable: a silent fallback would use it.
                let json = decrypt_independently(&bytes, &state.key_store());
                bytes = MAGIC_PLAINTEXT.to_vec();
                bytes.extend_from_slice(&[0, 1]);
                bytes.extend_from_slice(json.to_string().as_bytes());
            }
        }
        std::fs::write(&blob, bytes).unwrap();
    }
}

fn authenticator(state: &StateFolder) -> Authenticator {
    let cache = TokenCache::open_with_key_store(state.options(), Box::new(state.key_store())).unwrap();
    Authenticator::with_token_cache(crate::support::http(), cache)
}

fn browser_sign_ins(emulator: &RunningEmulator) -> usize {
    emulator
        .request_log()
        .iter()
        .filter(|e| e.path.ends_with("/oauth2/v2.0/token") && e.body["grant_type"] == "authorization_code")
        .count()
}

/// Signs in (with the browser player) as a new process would, with a fresh authenticator.
fn sign_in(runtime: &tokio::runtime::Runtime, emulator: &RunningEmulator, state: &StateFolder) {
    let auth = authenticator(state);
    let events = EventSink::buffered();
    let browser = {
        let _inside = runtime.enter();
        play_browser(events.clone())
    };
    let options = sign_in_options(&emulator.base_url(), &emulator.tenant_id(), CLIENT);
    runtime.block_on(auth.connect(options, &events)).unwrap();
    browser.abort();
}

#[test]
fn a_damaged_cache_file_warns_and_signs_in_afresh() {
    logs::install();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let emulator = runtime.block_on(start_emulator());
    for damage in [
        Damage::Corrupted,
        Damage::Truncated,
        Damage::HeaderOnly,
        Damage::ForeignKey,
        Damage::PlaintextFile,
    ] {
        let state = StateFolder::new();
        sign_in(&runtime, &emulator, &state);
        assert_eq!(state.stored_tokens().len(), 1);
        // A second process start uses the cached sign-in: no browser.
        let before = browser_sign_ins(&emulator);
        sign_in(&runtime, &emulator, &state);
        assert_eq!(
            browser_sign_ins(&emulator),
            before,
            "{damage:?}: the sound cache was used"
        );

        damage.apply(&state);
        sign_in(&runtime, &emulator, &state);
        assert_eq!(
            browser_sign_ins(&emulator),
            before + 1,
            "{damage:?}: a damaged cache means a fresh sign-in"
        );
        let path = state.cache_dir().join(BLOB_FILE).display().to_string();
        let warned = logs::text()
            .lines()
            .any(|line| line.contains(WARNING) && line.contains(&path));
        assert!(warned, "{damage:?}: no warning naming {path}");
        // Replaced by a sound encrypted file holding the new sign-in, and no token text anywhere.
        state.check_invariants();
        assert_eq!(state.stored_tokens().len(), 1, "{damage:?}");
    }
    println!("reliability_cache: 5 kinds of damage, 5 warnings, 5 fresh sign-ins, 0 crashes");
}
