//! What a host does around each call: clients, buffers, driving an op to its envelope, and the
//! checks that every answer is defined.

use pimrust::*;
use serde_json::Value;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A config that keeps every test client off the disk, the OS key store and the network.
pub const CONFIG: &str = r#"{"tokenCache":"disabled","logLevel":"trace","workerThreads":2}"#;

pub fn empty() -> PimBuffer {
    PimBuffer {
        ptr: std::ptr::null_mut(),
        len: 0,
        cap: 0,
    }
}

/// Copies a buffer the library wrote as UTF-8 text and frees it.
pub fn take_text(buffer: PimBuffer) -> Option<String> {
    let text = (!buffer.ptr.is_null()).then(|| {
        let bytes = unsafe { std::slice::from_raw_parts(buffer.ptr, buffer.len) };
        String::from_utf8(bytes.to_vec()).expect("the library writes UTF-8")
    });
    unsafe { pim_buffer_free(buffer) };
    text
}

/// A client created with [`CONFIG`]; freed on drop unless the test freed it.
pub struct Client(pub u64);

impl Client {
    pub fn new() -> Self {
        let mut handle = 0;
        let status = unsafe { pim_client_new(CONFIG.as_ptr(), CONFIG.len(), &mut handle, std::ptr::null_mut()) };
        assert_eq!(status, PimStatus::Ok);
        Client(handle)
    }

    pub fn start(&self, request: &[u8]) -> (PimStatus, u64) {
        let mut op = 0;
        let status = unsafe { pim_op_start(self.0, request.as_ptr(), request.len(), &mut op) };
        (status, op)
    }

    /// Waits briefly, drains events, cancels, and collects the envelope (which must come promptly).
    pub fn finish(&self, op: u64, patience: Duration) -> Value {
        let started = Instant::now();
        let mut cancelled = false;
        loop {
            let status = pim_op_wait(self.0, op, 5);
            assert_defined(status);
            loop {
                let mut out = empty();
                let status = unsafe { pim_op_next_event(self.0, op, &mut out) };
                let text = take_text(out);
                match status {
                    PimStatus::Ok => check_json_object(&text.expect("an event")),
                    PimStatus::Pending => break,
                    other => panic!("next_event on a live op: {other:?}"),
                }
            }
            if status == PimStatus::Ok {
                let mut out = empty();
                assert_eq!(unsafe { pim_op_result(self.0, op, &mut out) }, PimStatus::Ok);
                let envelope: Value = serde_json::from_str(&take_text(out).unwrap()).unwrap();
                check_envelope(&envelope);
                return envelope;
            }
            if !cancelled && started.elapsed() >= patience {
                assert_eq!(pim_op_cancel(self.0, op), PimStatus::Ok);
                cancelled = true;
            }
            assert!(
                started.elapsed() < patience + Duration::from_secs(10),
                "op {op} did not finish within 10 s of its cancellation"
            );
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        pim_client_free(self.0);
    }
}

/// One client shared by the properties that need a live handle with history (stale ops).
pub fn shared() -> &'static Client {
    static SHARED: OnceLock<Client> = OnceLock::new();
    SHARED.get_or_init(Client::new)
}

/// Every status the ABI defines: anything else read from the return register would be UB.
pub fn assert_defined(status: PimStatus) {
    let code = status as i32;
    assert!((-7..=1).contains(&code), "undefined status {code}");
    assert_ne!(status, PimStatus::Panic, "a panic was caught at the boundary");
}

fn check_json_object(text: &str) {
    let value: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    assert!(value.is_object(), "not a JSON object: {text}");
}

/// A result envelope: `ok` true with data, or false with an error kind and message; never a panic
/// inside an operation (the barrier's own test method `sys.panic` aside).
pub fn check_envelope(envelope: &Value) {
    match envelope["ok"].as_bool() {
        Some(true) => {}
        Some(false) => {
            let error = &envelope["error"];
            assert!(error["kind"].is_string(), "{envelope}");
            let message = error["message"].as_str().unwrap_or_default();
            assert!(
                !message.contains("panic inside the operation") || message.contains("sys.panic was called"),
                "an operation panicked: {envelope}"
            );
        }
        None => panic!("not an envelope: {envelope}"),
    }
}

/// The method names the core knows, read from its own "unknown method" error (no list kept here).
pub fn method_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let client = shared();
        let (status, op) = client.start(br#"{"method":"no.such.method"}"#);
        assert_eq!(status, PimStatus::Ok);
        let envelope = client.finish(op, Duration::from_secs(5));
        let message = envelope["error"]["message"].as_str().unwrap().to_string();
        let known = message
            .split("known methods: ")
            .nth(1)
            .expect("the error lists the methods");
        let names: Vec<String> = known.split(", ").map(|n| n.trim().to_string()).collect();
        assert!(names.iter().any(|n| n == "pim.activate"), "{names:?}");
        names
    })
}
