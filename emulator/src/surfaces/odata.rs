//! Minimal OData query support: `$filter` (eq/ne/in joined by `and`), `$select`, `$expand`,
//! paging with opaque skip tokens.

use serde_json::Value;

use crate::wire::Req;

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Eq,
    Ne,
    In,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub field: String,
    pub op: Op,
    /// Values (one for eq/ne); `None` = literal `null`.
    pub values: Vec<Option<String>>,
}

/// Parses `a eq 'x' and b ne 'y' and c in ('p','q')`. Function calls (e.g. `asTarget()`) are
/// returned as a clause with op `Eq` and no values.
pub fn parse_filter(s: &str) -> Result<Vec<Clause>, String> {
    let toks = tokenize(s)?;
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let field = match &toks[i] {
            Tok::Word(w) => w.clone(),
            t => return Err(format!("expected a property name, found {t:?}")),
        };
        i += 1;
        if toks.get(i) == Some(&Tok::Open) && toks.get(i + 1) == Some(&Tok::Close) {
            out.push(Clause {
                field: format!("{field}()"),
                op: Op::Eq,
                values: vec![],
            });
            i += 2;
        } else if toks.get(i) == Some(&Tok::Open) {
            // function with one argument, e.g. assignedTo('id')
            let arg = match toks.get(i + 1) {
                Some(Tok::Str(s)) => s.clone(),
                _ => return Err(format!("unsupported function call {field}(...)")),
            };
            if toks.get(i + 2) != Some(&Tok::Close) {
                return Err("expected ')'".into());
            }
            out.push(Clause {
                field: format!("{field}()"),
                op: Op::Eq,
                values: vec![Some(arg)],
            });
            i += 3;
        } else {
            let op = match toks.get(i) {
                Some(Tok::Word(w)) if w.eq_ignore_ascii_case("eq") => Op::Eq,
                Some(Tok::Word(w)) if w.eq_ignore_ascii_case("ne") => Op::Ne,
                Some(Tok::Word(w)) if w.eq_ignore_ascii_case("in") => Op::In,
                other => {
                    return Err(format!("unsupported operator {other:?} (supported: eq, ne, in, and)"));
                }
            };
            i += 1;
            let mut values = Vec::new();
            if op == Op::In {
                if toks.get(i) != Some(&Tok::Open) {
                    return Err("expected '(' after in".into());
                }
                i += 1;
                loop {
                    match toks.get(i) {
                        Some(Tok::Str(s)) => values.push(Some(s.clone())),
                        Some(Tok::Word(w)) => values.push(literal(w)),
                        _ => return Err("expected a value in the in-list".into()),
                    }
                    i += 1;
                    match toks.get(i) {
                        Some(Tok::Comma) => i += 1,
                        Some(Tok::Close) => {
                            i += 1;
                            break;
                        }
                        _ => return Err("expected ',' or ')' in the in-list".into()),
                    }
                }
            } else {
                match toks.get(i) {
                    Some(Tok::Str(s)) => values.push(Some(s.clone())),
                    Some(Tok::Word(w)) => values.push(literal(w)),
                    _ => return Err("expected a value".into()),
                }
                i += 1;
            }
            out.push(Clause { field, op, values });
        }
        match toks.get(i) {
            None => break,
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("and") => i += 1,
            Some(t) => {
                return Err(format!(
                    "unsupported token {t:?} (only 'and' is supported between clauses)"
                ));
            }
        }
        if i >= toks.len() {
            return Err("dangling 'and'".into());
        }
    }
    if out.is_empty() {
        return Err("empty filter".into());
    }
    Ok(out)
}

fn literal(w: &str) -> Option<String> {
    if w.eq_ignore_ascii_case("null") {
        None
    } else {
        Some(w.to_string())
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Open,
    Close,
    Comma,
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                out.push(Tok::Open);
                i += 1;
            }
            ')' => {
                out.push(Tok::Close);
                i += 1;
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            '\'' => {
                let mut v = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("unterminated string literal".into()),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            v.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            v.push(*ch);
                            i += 1;
                        }
                    }
                }
                out.push(Tok::Str(v));
            }
            _ => {
                let mut w = String::new();
                while let Some(ch) = chars.get(i) {
                    if ch.is_whitespace() || matches!(ch, '(' | ')' | ',' | '\'') {
                        break;
                    }
                    w.push(*ch);
                    i += 1;
                }
                out.push(Tok::Word(w));
            }
        }
    }
    Ok(out)
}

fn get_ci<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    let o = v.as_object()?;
    o.get(key)
        .or_else(|| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

/// Looks a (possibly `a/b` nested) property up in an item.
pub fn lookup<'a>(item: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = item;
    for p in path.split('/') {
        cur = get_ci(cur, p)?;
    }
    Some(cur)
}

fn value_str(v: Option<&Value>) -> Option<String> {
    match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
    }
}

/// Evaluates clauses against an item (string comparison, case-insensitive).
pub fn matches(item: &Value, clauses: &[Clause]) -> bool {
    clauses.iter().all(|c| {
        let actual = value_str(lookup(item, &c.field));
        let eq = |v: &Option<String>| match (&actual, v) {
            (None, None) => true,
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        };
        match c.op {
            Op::Eq | Op::In => c.values.iter().any(eq),
            Op::Ne => !c.values.iter().any(eq),
        }
    })
}

/// Splits a comma-separated list at top level (ignoring commas inside parentheses).
pub fn split_top(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' => {
                depth += 1;
                cur.push(c);
            }
            ')' => {
                depth -= 1;
                cur.push(c);
            }
            ',' if depth == 0 => {
                if !cur.trim().is_empty() {
                    out.push(cur.trim().to_string());
                }
                cur.clear();
            }
            _ => cur.push(c),
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// One `$expand` item: name and its nested options text (e.g. `policy` + `$expand=rules`).
pub fn parse_expand(s: &str) -> Vec<(String, String)> {
    split_top(s)
        .into_iter()
        .map(|item| match item.find('(') {
            Some(p) => {
                let name = item[..p].trim().to_string();
                let inner = item[p + 1..].trim_end_matches(')').to_string();
                (name, inner)
            }
            None => (item, String::new()),
        })
        .collect()
}

/// Keeps only the selected properties (plus OData annotations).
pub fn select(item: &mut Value, fields: &[String], keep: &[String]) {
    if let Some(o) = item.as_object_mut() {
        o.retain(|k, _| {
            k.starts_with('@')
                || fields.iter().any(|f| f.eq_ignore_ascii_case(k))
                || keep.iter().any(|f| f.eq_ignore_ascii_case(k))
        });
    }
}

pub fn encode_skip(offset: usize) -> String {
    crate::util::b64url(format!("emu-offset:{offset}").as_bytes())
}

pub fn decode_skip(tok: &str) -> Option<usize> {
    let raw = crate::util::b64url_decode(tok)?;
    let s = String::from_utf8(raw).ok()?;
    s.strip_prefix("emu-offset:")?.parse().ok()
}

/// Builds an absolute next link: same path and query, skip token replaced.
pub fn next_link(base: &str, path: &str, query: &[(String, String)], skip_key: &str, offset: usize) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in query {
        if !k.eq_ignore_ascii_case(skip_key) {
            ser.append_pair(k, v);
        }
    }
    ser.append_pair(skip_key, &encode_skip(offset));
    let path = path.replace(' ', "%20");
    format!("{base}{path}?{}", ser.finish())
}

/// The page of `items` that starts at `offset` (at most `size` long), and the link to the next
/// page of the request when more items remain.
pub fn page_of(
    base: &str,
    req: &Req,
    items: Vec<Value>,
    offset: usize,
    size: usize,
    skip_key: &str,
) -> (Vec<Value>, Option<String>) {
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(offset).take(size).collect();
    let next = (offset.saturating_add(size) < total)
        .then(|| next_link(base, &req.path, &req.query, skip_key, offset.saturating_add(size)));
    (page, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters() {
        let c = parse_filter("scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq 'abc'").unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].values, vec![Some("/".to_string())]);
        let c = parse_filter("asTarget()").unwrap();
        assert_eq!(c[0].field, "asTarget()");
        let c = parse_filter("id in ('a', 'b')").unwrap();
        assert_eq!(c[0].values.len(), 2);
        assert!(parse_filter("status eq").is_err());
        assert!(parse_filter("a eq 'b' or c eq 'd'").is_err());
        assert!(parse_filter("a eq 'b").is_err());
        assert!(parse_filter("").is_err());
        assert_eq!(
            parse_expand("policy($expand=rules),roleDefinition"),
            vec![
                ("policy".to_string(), "$expand=rules".to_string()),
                ("roleDefinition".to_string(), String::new())
            ]
        );
    }
}
