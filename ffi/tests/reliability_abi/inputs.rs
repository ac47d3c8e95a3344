//! Generated inputs: raw bytes, broken UTF-8, huge and deeply nested text, and JSON that is almost
//! right (the fields the core knows, with values of any type, next to fields it does not).

use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Field names the core's requests, configs and method params use, so that generated objects reach
/// past the first "unknown field" check into type and range checks.
const FIELDS: &[&str] = &[
    "method",
    "params",
    "logLevel",
    "workerThreads",
    "tokenCache",
    "tokenCacheDir",
    "text",
    "ms",
    "progressIntervalMs",
    "tenantId",
    "clientId",
    "environment",
    "useDeviceCode",
    "browser",
    "force",
    "account",
    "accessToken",
    "armAccessToken",
    "timeoutSec",
    "interactive",
    "connect",
    "sandboxUrl",
    "authorityUrl",
    "graphUrl",
    "armUrl",
    "allowPartialOverride",
    "all",
    "kinds",
    "refresh",
    "roles",
    "justification",
    "ticketNumber",
    "ticketSystem",
    "duration",
    "startAt",
    "validateOnly",
    "deactivate",
    "throttleLimit",
    "requests",
    "intervalSec",
    "requestId",
    "kind",
    "key",
    "roleName",
    "roleDefinitionId",
    "scope",
    "principalId",
    "groupId",
    "status",
    "policy",
];

/// Strings that mean something somewhere (levels, kinds, modes, durations, clouds) or break things.
const WORDS: &[&str] = &[
    "",
    "off",
    "trace",
    "debug",
    "info",
    "warn",
    "error",
    "verbose",
    "disabled",
    "plaintextFile",
    "none",
    "system",
    "Global",
    "USGov",
    "China",
    "EntraRole",
    "GroupMember",
    "GroupOwner",
    "AzureResource",
    "PT1H",
    "PT0S",
    "P9999D",
    "-PT1H",
    "2026-01-01T00:00:00Z",
    "not-a-date",
    "organizations",
    "common",
    "\u{0}",
    "\u{feff}",
    "💥",
    "\\",
    "\"",
    "eyJ.not.a.token",
    "http://127.0.0.1:9",
    "https://",
    "file:///etc/passwd",
];

fn word() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        3 => proptest::sample::select(WORDS).prop_map(str::to_string),
        2 => ".{0,24}",
        1 => proptest::sample::select(FIELDS).prop_map(str::to_string),
    ]
}

fn number() -> impl Strategy<Value = Value> + Clone {
    prop_oneof![
        4 => (0i64..100).prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        1 => any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(Value::from),
    ]
}

fn leaf() -> impl Strategy<Value = Value> + Clone {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        number(),
        word().prop_map(Value::from),
    ]
}

/// Any JSON value, a few levels deep, with object keys mostly from [`FIELDS`].
pub fn json_value() -> impl Strategy<Value = Value> + Clone {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((word(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// An object of known fields with values of any type, sometimes with an unknown field too.
pub fn almost_right_object() -> impl Strategy<Value = Map<String, Value>> + Clone {
    (
        proptest::collection::vec((proptest::sample::select(FIELDS), json_value()), 0..5),
        proptest::option::of((".{1,12}", leaf())),
    )
        .prop_map(|(known, unknown)| {
            let mut object: Map<String, Value> = known.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            if let Some((name, value)) = unknown {
                object.insert(name, value);
            }
            object
        })
}

/// `{"method":…,"params":…,"logLevel":…}` for one of the core's method names (or not), each part
/// of the right type or not.
fn structured_request(methods: &'static [String]) -> impl Strategy<Value = Value> + Clone {
    let method = prop_oneof![
        6 => proptest::sample::select(methods).prop_map(Value::from),
        1 => word().prop_map(Value::from),
        1 => leaf(),
    ];
    let params = prop_oneof![
        1 => Just(None),
        2 => json_value().prop_map(Some),
        4 => almost_right_object().prop_map(|o| Some(Value::Object(o))),
    ];
    let level = proptest::option::of(prop_oneof![3 => word().prop_map(Value::from), 1 => leaf()]);
    let unknown = proptest::option::of((".{1,12}", leaf()));
    (method, params, level, unknown).prop_map(|(method, params, level, unknown)| {
        let mut request = json!({ "method": method });
        if let Some(params) = params {
            request["params"] = params;
        }
        if let Some(level) = level {
            request["logLevel"] = level;
        }
        if let Some((name, value)) = unknown {
            request[name] = value;
        }
        never_prompt(&mut request);
        request
    })
}

/// A sign-in from a generated request must fail locally, never open a browser or wait for a user:
/// `pim.*` and `auth.connect` get `interactive: false` unless the generator put a wrong type there.
fn never_prompt(request: &mut Value) {
    let method = request["method"].as_str().unwrap_or_default();
    if !(method.starts_with("pim.") || method == "auth.connect") {
        return;
    }
    if request["params"].is_null() {
        request["params"] = json!({});
    }
    if let Some(params) = request["params"].as_object_mut() {
        let keep = params.get("interactive").is_some_and(|v| !v.is_boolean());
        if !keep {
            params.insert("interactive".into(), Value::Bool(false));
        }
        if let Some(connect) = params.get_mut("connect").and_then(Value::as_object_mut) {
            connect.insert("interactive".into(), Value::Bool(false));
        }
    }
}

/// Text of `depth` nested arrays or objects, closed or not.
fn deeply_nested() -> impl Strategy<Value = Vec<u8>> + Clone {
    (1usize..20_000, any::<bool>(), any::<bool>()).prop_map(|(depth, objects, closed)| {
        let (open, close) = if objects { (r#"{"a":"#, "}") } else { ("[", "]") };
        let mut text = r#"{"method":"sys.echo","params":"#.to_string();
        text.push_str(&open.repeat(depth));
        text.push('1');
        if closed {
            text.push_str(&close.repeat(depth));
            text.push('}');
        }
        text.into_bytes()
    })
}

/// A request (or config) carrying a string of up to 4 MiB.
fn huge() -> impl Strategy<Value = Vec<u8>> + Clone {
    (64usize << 10..4 << 20, any::<u8>()).prop_map(|(len, byte)| {
        let fill = char::from(b'a' + byte % 26).to_string().repeat(len);
        format!(r#"{{"method":"sys.echo","params":{{"text":"{fill}"}},"logLevel":"off"}}"#).into_bytes()
    })
}

/// Valid JSON text with bytes that are never UTF-8 written into it.
fn invalid_utf8(base: impl Strategy<Value = Vec<u8>> + Clone) -> impl Strategy<Value = Vec<u8>> + Clone {
    let bad: &[&[u8]] = &[b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82"];
    (base, proptest::sample::select(bad), any::<proptest::sample::Index>()).prop_map(|(mut bytes, bad, at)| {
        let at = at.index(bytes.len() + 1);
        bytes.splice(at..at, bad.iter().copied());
        bytes
    })
}

/// The bytes of a request to `pim_op_start`.
pub fn request_bytes(methods: &'static [String]) -> impl Strategy<Value = Vec<u8>> + Clone {
    let structured = structured_request(methods).prop_map(|v| v.to_string().into_bytes());
    prop_oneof![
        40 => structured.clone(),
        4 => proptest::collection::vec(any::<u8>(), 0..512),
        4 => invalid_utf8(structured),
        2 => deeply_nested(),
        1 => huge(),
    ]
}

/// The bytes of a client config for `pim_client_new`.
pub fn config_bytes() -> impl Strategy<Value = Vec<u8>> + Clone {
    let structured = almost_right_object().prop_map(|object| {
        let mut object = object;
        if let Some(Value::Number(n)) = object.get("workerThreads") {
            // Keep thread counts small: a 64-thread runtime per case would only measure the OS.
            if n.as_u64().is_some_and(|n| n > 4) {
                object.insert("workerThreads".into(), Value::from(2));
            }
        }
        Value::Object(object).to_string().into_bytes()
    });
    prop_oneof![
        20 => structured.clone(),
        4 => proptest::collection::vec(any::<u8>(), 0..256),
        4 => invalid_utf8(structured),
        2 => deeply_nested(),
        1 => huge(),
    ]
}
