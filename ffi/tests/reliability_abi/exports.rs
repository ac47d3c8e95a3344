//! One property per export: whatever the host passes, the answer is a defined status (and, for ops,
//! an envelope), and a later call sees a consistent state.

use crate::host::{self, Client, assert_defined, empty, shared, take_text};
use crate::inputs::{config_bytes, request_bytes};
use crate::{cases, config, report};
use pimrust::*;
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::Value;
use std::sync::OnceLock;
use std::time::Duration;

/// How long an op may run before the host cancels it.
const PATIENCE: Duration = Duration::from_millis(10);

/// Which handle a call names.
#[derive(Debug, Clone, Copy)]
enum Handle {
    Live,
    /// Created and freed before the test.
    Freed,
    Random(u64),
}

impl Handle {
    fn value(self) -> u64 {
        match self {
            Handle::Live => shared().0,
            Handle::Freed => freed_client(),
            Handle::Random(n) => n,
        }
    }
}

fn handle() -> impl Strategy<Value = Handle> {
    prop_oneof![
        6 => Just(Handle::Live),
        1 => Just(Handle::Freed),
        // Above any handle this process will create, so never a live one by chance.
        1 => (1u64 << 32..=u64::MAX).prop_map(Handle::Random),
        1 => Just(Handle::Random(0)),
    ]
}

fn freed_client() -> u64 {
    static FREED: OnceLock<u64> = OnceLock::new();
    *FREED.get_or_init(|| {
        let client = Client::new();
        let handle = client.0;
        drop(client);
        handle
    })
}

/// An op id of the shared client that finished and was collected.
fn collected_op() -> u64 {
    static COLLECTED: OnceLock<u64> = OnceLock::new();
    *COLLECTED.get_or_init(|| {
        let (status, op) = shared().start(br#"{"method":"sys.echo"}"#);
        assert_eq!(status, PimStatus::Ok);
        shared().finish(op, PATIENCE);
        op
    })
}

/// Which op a call names, on a live client.
#[derive(Debug, Clone, Copy)]
enum OpKind {
    /// Started by this case: a sleep that outlives it, or an echo that finishes at once.
    Sleeping,
    Finished,
    Collected,
    Random(u64),
}

fn op_kind() -> impl Strategy<Value = OpKind> {
    prop_oneof![
        2 => Just(OpKind::Sleeping),
        2 => Just(OpKind::Finished),
        1 => Just(OpKind::Collected),
        1 => (1u64 << 40..=u64::MAX).prop_map(OpKind::Random),
        1 => Just(OpKind::Random(0)),
    ]
}

/// The op for `kind` on the shared client, and whether it is still live.
fn op_for(kind: OpKind) -> (u64, bool) {
    let start = |request: &[u8]| {
        let (status, op) = shared().start(request);
        assert_eq!(status, PimStatus::Ok);
        op
    };
    match kind {
        OpKind::Sleeping => (start(br#"{"method":"sys.sleep","params":{"ms":600000}}"#), true),
        OpKind::Finished => {
            let op = start(br#"{"method":"sys.echo","params":[1,2,3]}"#);
            while pim_op_wait(shared().0, op, 100) != PimStatus::Ok {}
            (op, true)
        }
        OpKind::Collected => (collected_op(), false),
        OpKind::Random(n) => (n, false),
    }
}

/// The status a call on (`handle`, op) must answer when the handle or the op is not live.
fn dead_status(handle: Handle, live_op: bool) -> Option<PimStatus> {
    match handle {
        Handle::Live if live_op => None,
        Handle::Live => Some(PimStatus::UnknownOp),
        _ => Some(PimStatus::InvalidHandle),
    }
}

fn run<S: Strategy>(export: &str, strategy: S, test: impl Fn(S::Value)) {
    host::method_names(); // before the runner: shared set-up is not a case
    let mut runner = TestRunner::new(config());
    runner
        .run(&strategy, |input| {
            test(input);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{export}: {e}"));
    report(export, u64::from(cases()));
}

#[test]
fn pim_client_new_answers_any_config() {
    let strategy = (config_bytes(), any::<bool>(), 0u8..8, any::<bool>());
    run(
        "pim_client_new",
        strategy,
        |(config, null_config, null_out, want_error)| {
            let mut handle = 0;
            let mut error = empty();
            let (ptr, len) = if null_config {
                (std::ptr::null(), config.len())
            } else {
                (config.as_ptr(), config.len())
            };
            let out: *mut u64 = if null_out == 0 {
                std::ptr::null_mut()
            } else {
                &mut handle
            };
            let out_error: *mut PimBuffer = if want_error { &mut error } else { std::ptr::null_mut() };
            let status = unsafe { pim_client_new(ptr, len, out, out_error) };
            assert_defined(status);
            let error_text = take_text(error);
            let expected = if out.is_null() || (null_config && len > 0) {
                Some(PimStatus::NullPointer)
            } else if !null_config && std::str::from_utf8(&config).is_err() {
                Some(PimStatus::InvalidUtf8)
            } else {
                None
            };
            match expected {
                Some(expected) => assert_eq!(status, expected),
                None if status == PimStatus::Ok => assert_eq!(pim_client_free(handle), PimStatus::Ok),
                None => {
                    assert_eq!(status, PimStatus::InvalidArgument);
                    if want_error {
                        let envelope: Value =
                            serde_json::from_str(error_text.as_deref().expect("an error envelope")).unwrap();
                        assert_eq!(envelope["error"]["kind"], "InvalidArgument", "{envelope}");
                    }
                }
            }
            if status != PimStatus::InvalidArgument {
                assert!(error_text.is_none(), "an error envelope without an error");
            }
        },
    );
}

#[test]
fn pim_op_start_answers_any_request_for_every_method() {
    let strategy = (request_bytes(host::method_names()), handle(), 0u8..16);
    run("pim_op_start", strategy, |(request, handle, null_out)| {
        let mut op = 0;
        let out: *mut u64 = if null_out == 0 { std::ptr::null_mut() } else { &mut op };
        let status = unsafe { pim_op_start(handle.value(), request.as_ptr(), request.len(), out) };
        assert_defined(status);
        let expected = match handle {
            Handle::Live if out.is_null() => PimStatus::NullPointer,
            Handle::Live if std::str::from_utf8(&request).is_err() => PimStatus::InvalidUtf8,
            Handle::Live => PimStatus::Ok,
            _ => PimStatus::InvalidHandle,
        };
        assert_eq!(status, expected);
        if status == PimStatus::Ok {
            shared().finish(op, PATIENCE);
        }
    });
}

/// After a case, the live op it started is collected so that no op outlives its case.
fn retire(op: u64, live: bool) {
    if live {
        pim_op_cancel(shared().0, op);
        shared().finish(op, Duration::ZERO);
    }
}

#[test]
fn pim_op_wait_answers_any_handle_op_and_timeout() {
    let strategy = (handle(), op_kind(), any::<u32>());
    run("pim_op_wait", strategy, |(handle, kind, timeout)| {
        let (op, live) = op_for(kind);
        // Only a dead id may be waited on for long: it must answer at once anyway.
        let timeout = if live { timeout % 3 } else { timeout };
        let status = pim_op_wait(handle.value(), op, timeout);
        assert_defined(status);
        match dead_status(handle, live) {
            Some(expected) => assert_eq!(status, expected),
            None => assert!(matches!(status, PimStatus::Ok | PimStatus::Pending), "{status:?}"),
        }
        retire(op, live);
    });
}

type TakeFn = unsafe extern "C" fn(u64, u64, *mut PimBuffer) -> PimStatus;

fn takes_a_buffer(export: &str, take: TakeFn) {
    let strategy = (handle(), op_kind(), any::<bool>());
    run(export, strategy, |(handle, kind, null_out)| {
        let (op, live) = op_for(kind);
        let mut out = empty();
        let target: *mut PimBuffer = if null_out { std::ptr::null_mut() } else { &mut out };
        let status = unsafe { take(handle.value(), op, target) };
        assert_defined(status);
        let text = take_text(out);
        if null_out {
            assert_eq!(status, PimStatus::NullPointer);
        } else if let Some(expected) = dead_status(handle, live) {
            assert_eq!(status, expected);
        } else {
            assert!(matches!(status, PimStatus::Ok | PimStatus::Pending), "{status:?}");
        }
        assert_eq!(text.is_some(), status == PimStatus::Ok, "a buffer exactly when Ok");
        if let Some(text) = text {
            let value: Value = serde_json::from_str(&text).unwrap();
            assert!(value.is_object(), "{text}");
        }
        // A result taken here retired the op; otherwise collect it.
        let collected = export == "pim_op_result" && status == PimStatus::Ok;
        retire(op, live && !collected);
    });
}

#[test]
fn pim_op_next_event_answers_any_handle_and_op() {
    takes_a_buffer("pim_op_next_event", pim_op_next_event);
}

#[test]
fn pim_op_result_answers_any_handle_and_op() {
    takes_a_buffer("pim_op_result", pim_op_result);
}

fn cancels(export: &str, call: extern "C" fn(u64, u64) -> PimStatus) {
    let strategy = (handle(), op_kind(), 1u8..4);
    run(export, strategy, |(handle, kind, times)| {
        let (op, live) = op_for(kind);
        for _ in 0..times {
            let status = call(handle.value(), op);
            assert_defined(status);
            match dead_status(handle, live) {
                Some(expected) => assert_eq!(status, expected),
                // Release retires a finished op at once; a second release then finds no op.
                None => assert!(matches!(status, PimStatus::Ok | PimStatus::UnknownOp), "{status:?}"),
            }
        }
        let live_handle = matches!(handle, Handle::Live);
        if live && live_handle && export == "pim_op_release" {
            // Generous, and sleeping between looks: under valgrind, which runs one thread at a time, a
            // busy loop here starves the runtime thread that retires the op.
            let deadline = std::time::Instant::now() + Duration::from_secs(60);
            while pim_op_wait(shared().0, op, 1) != PimStatus::UnknownOp {
                assert!(std::time::Instant::now() < deadline, "a released op was never retired");
                std::thread::sleep(Duration::from_millis(5));
            }
        } else if live && live_handle {
            let envelope = shared().finish(op, Duration::ZERO);
            if matches!(kind, OpKind::Sleeping) {
                assert_eq!(envelope["error"]["kind"], "Cancelled", "{envelope}");
            }
        } else {
            retire(op, live);
        }
    });
}

#[test]
fn pim_op_cancel_answers_any_handle_and_op() {
    cancels("pim_op_cancel", pim_op_cancel);
}

#[test]
fn pim_op_release_answers_any_handle_and_op() {
    cancels("pim_op_release", pim_op_release);
}

#[test]
fn pim_client_info_answers_any_handle() {
    run("pim_client_info", (handle(), any::<bool>()), |(handle, null_out)| {
        let mut out = empty();
        let target: *mut PimBuffer = if null_out { std::ptr::null_mut() } else { &mut out };
        let status = unsafe { pim_client_info(handle.value(), target) };
        assert_defined(status);
        let text = take_text(out);
        match (handle, null_out) {
            (Handle::Live, true) => assert_eq!(status, PimStatus::NullPointer),
            (Handle::Live, false) => {
                assert_eq!(status, PimStatus::Ok);
                let info: Value = serde_json::from_str(&text.unwrap()).unwrap();
                assert!(info["liveOps"].is_u64() && info["runningOps"].is_u64(), "{info}");
            }
            _ => assert!(
                matches!(status, PimStatus::InvalidHandle | PimStatus::NullPointer),
                "{status:?}"
            ),
        }
    });
}

#[test]
fn pim_client_free_answers_any_handle_and_frees_once() {
    let strategy = (handle(), 0usize..4, 1u8..4);
    run("pim_client_free", strategy, |(handle, ops, times)| {
        let fresh = matches!(handle, Handle::Live).then(Client::new);
        let target = fresh.as_ref().map_or(handle.value(), |c| c.0);
        for client in fresh.iter() {
            for _ in 0..ops {
                let (status, _) = client.start(br#"{"method":"sys.sleep","params":{"ms":600000}}"#);
                assert_eq!(status, PimStatus::Ok);
            }
        }
        for time in 0..times {
            let status = pim_client_free(target);
            let expected = if fresh.is_some() && time == 0 {
                PimStatus::Ok
            } else {
                PimStatus::InvalidHandle
            };
            assert_eq!(status, expected);
        }
        std::mem::forget(fresh); // freed above
    });
}

#[test]
fn pim_buffer_free_and_pim_abi_version_accept_what_the_contract_allows() {
    let strategy = (any::<usize>(), any::<usize>(), 0u8..3);
    run("pim_buffer_free", strategy, |(len, cap, source)| {
        assert_eq!(pim_abi_version(), PIM_ABI_VERSION);
        let buffer = match source {
            // A null pointer is empty whatever its length fields say.
            0 => PimBuffer {
                ptr: std::ptr::null_mut(),
                len,
                cap,
            },
            1 => {
                let mut out = empty();
                assert_eq!(unsafe { pim_client_info(shared().0, &mut out) }, PimStatus::Ok);
                out
            }
            _ => {
                let mut out = empty();
                let config = b"{\"workerThreads\":0}";
                let mut handle = 0;
                let status = unsafe { pim_client_new(config.as_ptr(), config.len(), &mut handle, &mut out) };
                assert_eq!(status, PimStatus::InvalidArgument);
                out
            }
        };
        unsafe { pim_buffer_free(buffer) };
    });
    report("pim_abi_version", u64::from(cases()));
}
