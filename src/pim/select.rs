//! Choosing roles by name and scope: exact, case-insensitive matches unless the pattern has
//! wildcards (`*`, `?`); every match is returned, never "the first one". A name matches the role's
//! name or the name tables show for a group (`Finance Approvers (member)`); a scope matches the
//! scope id or its display name.

use super::model::EligibleRole;

/// Whether `pattern` has wildcard characters.
pub fn has_wildcards(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

/// `value` matches `pattern`: equal ignoring case, or by wildcards (`*` any run, `?` one character).
pub fn matches(value: &str, pattern: &str) -> bool {
    if !has_wildcards(pattern) {
        return value.to_lowercase() == pattern.to_lowercase();
    }
    let value: Vec<char> = value.to_lowercase().chars().collect();
    let pattern: Vec<char> = pattern.to_lowercase().chars().collect();
    wildcard(&value, &pattern)
}

/// Iterative glob match with backtracking to the last `*`.
fn wildcard(value: &[char], pattern: &[char]) -> bool {
    let (mut v, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while v < value.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, v));
                p += 1;
            }
            Some(c) if *c == '?' || *c == value[v] => {
                v += 1;
                p += 1;
            }
            _ => match star {
                Some((star_p, star_v)) => {
                    p = star_p + 1;
                    v = star_v + 1;
                    star = Some((star_p, star_v + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

/// The name tables show: the role's name, with the group access in brackets.
pub fn display_name(role: &EligibleRole) -> String {
    match &role.access_id {
        Some(access) => format!("{} ({access})", role.role_name),
        None => role.role_name.clone(),
    }
}

pub fn name_matches(role: &EligibleRole, pattern: &str) -> bool {
    matches(&role.role_name, pattern) || (role.access_id.is_some() && matches(&display_name(role), pattern))
}

pub fn scope_matches(role: &EligibleRole, pattern: &str) -> bool {
    matches(&role.scope, pattern) || matches(&role.scope_display_name, pattern)
}

/// The roles in any of `scopes` (all roles when none is given).
pub fn in_scopes<'a>(roles: &'a [EligibleRole], scopes: &[String]) -> Vec<&'a EligibleRole> {
    roles
        .iter()
        .filter(|role| scopes.is_empty() || scopes.iter().any(|scope| scope_matches(role, scope)))
        .collect()
}

/// Up to five names like `pattern` (one contains the other), for a "no role is named" message.
pub fn similar_names(roles: &[&EligibleRole], pattern: &str) -> Vec<String> {
    let wanted = pattern.to_lowercase();
    let mut similar: Vec<String> = Vec::new();
    for name in roles.iter().map(|role| display_name(role)) {
        let lower = name.to_lowercase();
        let alike = lower.contains(&wanted) || wanted.contains(&lower);
        if alike && !similar.iter().any(|s| s.to_lowercase() == lower) && similar.len() < 5 {
            similar.push(name);
        }
    }
    similar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_unless_wildcards_and_ignoring_case() {
        assert!(matches("Global Reader", "global reader"));
        assert!(!matches("Global Reader", "Global"));
        assert!(matches("Global Reader", "global*"));
        assert!(matches("Global Reader", "*READER"));
        assert!(matches("Global Reader", "Gl?bal*er"));
        assert!(matches("a*b", "a*b"));
        assert!(!matches("Global Reader", "*Writer"));
        assert!(matches("", "*"));
        assert!(!matches("abc", "a?"));
        assert!(matches("aXbXc", "*X*c"));
    }
}
