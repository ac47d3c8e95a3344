//! Calls the exported functions through the C ABI exactly as a host would, including the misuse a
//! host can commit: null pointers, bad UTF-8, stale ids, double frees, and a panic inside an op.

use pimrust::*;
use serde_json::Value;
use std::time::{Duration, Instant};

struct Client(u64);

impl Client {
    fn new() -> Self {
        let mut handle = 0u64;
        let status = unsafe { pim_client_new(b"{}".as_ptr(), 2, &mut handle, std::ptr::null_mut()) };
        assert_eq!(status, PimStatus::Ok);
        Client(handle)
    }

    fn start(&self, request: &str) -> u64 {
        let mut op = 0u64;
        let status = unsafe { pim_op_start(self.0, request.as_ptr(), request.len(), &mut op) };
        assert_eq!(status, PimStatus::Ok);
        op
    }

    fn take(
        &self,
        f: unsafe extern "C" fn(u64, u64, *mut PimBuffer) -> PimStatus,
        op: u64,
    ) -> (PimStatus, Option<String>) {
        let mut buffer = PimBuffer {
            ptr: std::ptr::null_mut(),
            len: 0,
            cap: 0,
        };
        let status = unsafe { f(self.0, op, &mut buffer) };
        let text = (!buffer.ptr.is_null()).then(|| {
            let bytes = unsafe { std::slice::from_raw_parts(buffer.ptr, buffer.len) };
            String::from_utf8(bytes.to_vec()).unwrap()
        });
        unsafe { pim_buffer_free(buffer) };
        (status, text)
    }

    fn run(&self, op: u64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let status = pim_op_wait(self.0, op, 250);
            while self.take(pim_op_next_event, op).0 == PimStatus::Ok {}
            if status == PimStatus::Ok {
                let (status, text) = self.take(pim_op_result, op);
                assert_eq!(status, PimStatus::Ok);
                return serde_json::from_str(&text.unwrap()).unwrap();
            }
            assert_eq!(status, PimStatus::Pending);
            assert!(Instant::now() < deadline, "op did not finish");
        }
    }

    fn info(&self) -> Value {
        let mut buffer = PimBuffer {
            ptr: std::ptr::null_mut(),
            len: 0,
            cap: 0,
        };
        assert_eq!(unsafe { pim_client_info(self.0, &mut buffer) }, PimStatus::Ok);
        let text = unsafe { std::slice::from_raw_parts(buffer.ptr, buffer.len) }.to_vec();
        unsafe { pim_buffer_free(buffer) };
        serde_json::from_slice(&text).unwrap()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        pim_client_free(self.0);
    }
}

#[test]
fn abi_version_is_exported() {
    assert_eq!(pim_abi_version(), PIM_ABI_VERSION);
}

#[test]
fn echo_round_trip_through_the_abi() {
    let client = Client::new();
    let op = client.start(r#"{"method":"sys.echo","params":{"text":"Žluťoučký kůň 🐴"}}"#);
    let envelope = client.run(op);
    assert_eq!(envelope["data"]["text"], "Žluťoučký kůň 🐴");
}

#[test]
fn null_pointers_yield_null_pointer_status() {
    let client = Client::new();
    unsafe {
        assert_eq!(
            pim_client_new(b"{}".as_ptr(), 2, std::ptr::null_mut(), std::ptr::null_mut()),
            PimStatus::NullPointer
        );
        let mut op = 0;
        assert_eq!(
            pim_op_start(client.0, std::ptr::null(), 5, &mut op),
            PimStatus::NullPointer
        );
        let request = br#"{"method":"sys.echo"}"#;
        assert_eq!(
            pim_op_start(client.0, request.as_ptr(), request.len(), std::ptr::null_mut()),
            PimStatus::NullPointer
        );
        let op = client.start(r#"{"method":"sys.echo"}"#);
        assert_eq!(
            pim_op_next_event(client.0, op, std::ptr::null_mut()),
            PimStatus::NullPointer
        );
        assert_eq!(
            pim_op_result(client.0, op, std::ptr::null_mut()),
            PimStatus::NullPointer
        );
        assert_eq!(pim_client_info(client.0, std::ptr::null_mut()), PimStatus::NullPointer);
        pim_buffer_free(PimBuffer {
            ptr: std::ptr::null_mut(),
            len: 0,
            cap: 0,
        });
    }
}

#[test]
fn a_null_out_pointer_does_not_lose_the_event_or_the_result() {
    let client = Client::new();
    // One event only: the progress report (no log events).
    let op = client.start(r#"{"method":"sys.sleep","params":{"ms":0},"logLevel":"off"}"#);
    let deadline = Instant::now() + Duration::from_secs(20);
    while pim_op_wait(client.0, op, 250) != PimStatus::Ok {
        assert!(Instant::now() < deadline, "op did not finish");
    }
    unsafe {
        assert_eq!(
            pim_op_next_event(client.0, op, std::ptr::null_mut()),
            PimStatus::NullPointer
        );
        assert_eq!(
            pim_op_result(client.0, op, std::ptr::null_mut()),
            PimStatus::NullPointer
        );
    }
    let (status, event) = client.take(pim_op_next_event, op);
    assert_eq!(status, PimStatus::Ok);
    assert!(event.unwrap().contains("progress"), "the only event is still queued");
    let (status, result) = client.take(pim_op_result, op);
    assert_eq!(status, PimStatus::Ok);
    assert!(result.unwrap().contains("sleptMs"), "the result is still there");
}

#[test]
fn invalid_utf8_is_rejected() {
    let client = Client::new();
    let bytes = [b'{', 0xff, 0xfe, b'}'];
    let mut op = 0;
    assert_eq!(
        unsafe { pim_op_start(client.0, bytes.as_ptr(), bytes.len(), &mut op) },
        PimStatus::InvalidUtf8
    );
    let mut handle = 0;
    assert_eq!(
        unsafe { pim_client_new(bytes.as_ptr(), bytes.len(), &mut handle, std::ptr::null_mut(),) },
        PimStatus::InvalidUtf8
    );
}

#[test]
fn invalid_config_returns_an_error_envelope() {
    let config = br#"{"workerThreads": 1000}"#;
    let mut handle = 0;
    let mut error = PimBuffer {
        ptr: std::ptr::null_mut(),
        len: 0,
        cap: 0,
    };
    let status = unsafe { pim_client_new(config.as_ptr(), config.len(), &mut handle, &mut error) };
    assert_eq!(status, PimStatus::InvalidArgument);
    let text = unsafe { std::slice::from_raw_parts(error.ptr, error.len) }.to_vec();
    unsafe { pim_buffer_free(error) };
    let envelope: Value = serde_json::from_slice(&text).unwrap();
    assert_eq!(envelope["error"]["kind"], "InvalidArgument");
}

#[test]
fn malformed_json_and_unknown_methods_become_error_envelopes() {
    let client = Client::new();
    assert_eq!(client.run(client.start("{{{"))["error"]["kind"], "InvalidArgument");
    assert_eq!(
        client.run(client.start(r#"{"method":"no.such"}"#))["error"]["kind"],
        "UnknownMethod"
    );
}

#[test]
fn stale_op_ids_and_unknown_handles_are_defined_errors() {
    let client = Client::new();
    let op = client.start(r#"{"method":"sys.echo"}"#);
    client.run(op);
    assert_eq!(pim_op_wait(client.0, op, 0), PimStatus::UnknownOp);
    assert_eq!(pim_op_cancel(client.0, op), PimStatus::UnknownOp);
    assert_eq!(pim_op_release(client.0, op), PimStatus::UnknownOp);
    assert_eq!(client.take(pim_op_result, op).0, PimStatus::UnknownOp);
    assert_eq!(client.take(pim_op_next_event, 987_654).0, PimStatus::UnknownOp);
    assert_eq!(pim_op_wait(u64::MAX, op, 0), PimStatus::InvalidHandle);
    assert_eq!(pim_client_free(0), PimStatus::InvalidHandle);
}

#[test]
fn double_free_of_a_client_is_a_defined_no_op() {
    let mut handle = 0;
    assert_eq!(
        unsafe { pim_client_new(std::ptr::null(), 0, &mut handle, std::ptr::null_mut()) },
        PimStatus::Ok
    );
    assert_eq!(pim_client_free(handle), PimStatus::Ok);
    assert_eq!(pim_client_free(handle), PimStatus::InvalidHandle);
    let mut op = 0;
    let request = br#"{"method":"sys.echo"}"#;
    assert_eq!(
        unsafe { pim_op_start(handle, request.as_ptr(), request.len(), &mut op) },
        PimStatus::InvalidHandle
    );
}

#[test]
fn a_panic_inside_an_op_becomes_an_internal_error_and_the_client_survives() {
    let client = Client::new();
    let envelope = client.run(client.start(r#"{"method":"sys.panic"}"#));
    assert_eq!(envelope["error"]["kind"], "Internal");
    assert!(envelope["error"]["message"].as_str().unwrap().contains("panic"));
    assert_eq!(
        client.run(client.start(r#"{"method":"sys.echo","params":7}"#))["data"],
        7
    );
}

#[test]
fn cancel_is_idempotent_and_prompt() {
    let client = Client::new();
    let op = client.start(r#"{"method":"sys.sleep","params":{"ms":60000}}"#);
    let started = Instant::now();
    assert_eq!(pim_op_cancel(client.0, op), PimStatus::Ok);
    assert_eq!(pim_op_cancel(client.0, op), PimStatus::Ok);
    let envelope = client.run(op);
    assert_eq!(envelope["error"]["kind"], "Cancelled");
    assert!(started.elapsed() < Duration::from_millis(500));
}

#[test]
fn freeing_a_client_with_running_ops_does_not_block() {
    let mut handle = 0;
    assert_eq!(
        unsafe { pim_client_new(std::ptr::null(), 0, &mut handle, std::ptr::null_mut()) },
        PimStatus::Ok
    );
    let client = Client(handle);
    for _ in 0..50 {
        client.start(r#"{"method":"sys.sleep","params":{"ms":60000}}"#);
    }
    let started = Instant::now();
    assert_eq!(pim_client_free(handle), PimStatus::Ok);
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "free took {:?}",
        started.elapsed()
    );
    std::mem::forget(client);
}

#[test]
fn a_thousand_concurrent_ops_from_eight_threads_leave_nothing_behind() {
    let client = Client::new();
    let handle = client.0;
    let threads: Vec<_> = (0..8)
        .map(|t| {
            std::thread::spawn(move || {
                let client = Client(handle);
                let ops: Vec<(u64, u64)> = (0..125u64)
                    .map(|i| {
                        let n = t * 1000 + i;
                        let request = if i % 2 == 0 {
                            format!(r#"{{"method":"sys.echo","params":{n}}}"#)
                        } else {
                            r#"{"method":"sys.sleep","params":{"ms":50,"progressIntervalMs":10}}"#.to_string()
                        };
                        (client.start(&request), n)
                    })
                    .collect();
                for (i, (op, n)) in ops.into_iter().enumerate() {
                    let envelope = client.run(op);
                    assert_eq!(envelope["ok"], true, "{envelope}");
                    if i % 2 == 0 {
                        assert_eq!(envelope["data"], n, "results must not cross between ops");
                    }
                }
                std::mem::forget(client); // the handle is owned by the outer Client
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let info = client.info();
    assert_eq!(info["liveOps"], 0, "{info}");
    assert_eq!(info["runningOps"], 0, "{info}");
}
