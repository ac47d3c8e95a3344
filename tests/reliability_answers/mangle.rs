//! Ways to spoil a service's answer: cut it off, drop a field everywhere, put a word the client
//! has never seen into an open-ended field, point the next-page link back at the page, or blow the
//! page up.

use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The fields whose values are open sets of words the service may extend (status words, member
/// types, assignment types, rule types, request actions).
pub const OPEN_FIELDS: [&str; 7] = [
    "status",
    "memberType",
    "assignmentType",
    "@odata.type",
    "ruleType",
    "action",
    "requestType",
];

pub const UNKNOWN_WORD: &str = "SomethingNewIn2031";

/// The answer cut off in the middle: not JSON any more.
pub fn truncated(body: &Value) -> String {
    let text = body.to_string();
    text[..text.len() / 2].to_string()
}

/// Every field name that occurs anywhere in `body`.
pub fn field_names(body: &Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    walk(body, &mut |key, _| {
        names.insert(key.to_string());
    });
    names
}

fn walk(value: &Value, visit: &mut impl FnMut(&str, &Value)) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                visit(key, inner);
                walk(inner, visit);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| walk(item, visit)),
        _ => {}
    }
}

fn edit(value: &mut Value, change: &mut impl FnMut(&mut serde_json::Map<String, Value>)) {
    match value {
        Value::Object(map) => {
            change(map);
            map.values_mut().for_each(|inner| edit(inner, change));
        }
        Value::Array(items) => items.iter_mut().for_each(|item| edit(item, change)),
        _ => {}
    }
}

/// `body` without the field `name`, wherever it occurs.
pub fn without(body: &Value, name: &str) -> Value {
    let mut body = body.clone();
    edit(&mut body, &mut |map| {
        map.remove(name);
    });
    body
}

/// `body` with every string value of the field `name` replaced by a word never seen before.
/// `None` when the field never holds a string.
pub fn with_unknown_word(body: &Value, name: &str) -> Option<Value> {
    let mut body = body.clone();
    let mut changed = false;
    edit(&mut body, &mut |map| {
        if let Some(value) = map.get_mut(name)
            && value.is_string()
        {
            let prefix = if name == "@odata.type" { "#microsoft.graph." } else { "" };
            *value = json!(format!("{prefix}{UNKNOWN_WORD}"));
            changed = true;
        }
    });
    changed.then_some(body)
}

/// `body` whose next-page link (Graph and ARM names both) is `link`.
pub fn linking_to(body: &Value, link: &str) -> Value {
    let mut body = body.clone();
    body["@odata.nextLink"] = json!(link);
    body["nextLink"] = json!(link);
    body
}

/// `body` with its first item repeated `count` times, each with its own `id`.
pub fn enormous(body: &Value, count: usize) -> Value {
    let first = body["value"][0].clone();
    let items: Vec<Value> = (0..count)
        .map(|i| {
            let mut item = first.clone();
            item["id"] = json!(format!("{}-{i}", first["id"].as_str().unwrap_or("item")));
            item
        })
        .collect();
    let mut body = body.clone();
    body["value"] = Value::Array(items);
    body
}
