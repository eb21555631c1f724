//! Name rules: DNS labels, duplicates, environment-variable names.

use super::Resolver;
use crate::diagnostic::Diagnostic;
use crate::spec::Spanned;

/// Why `name` is not a DNS label (lowercase letters, digits and `-`,
/// starting with a letter, ending with a letter or digit, at most 63
/// characters), or `None` if it is one.
pub fn dns_label_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("it is empty".into());
    }
    if name.len() > 63 {
        return Some(format!("it has {} characters (at most 63)", name.len()));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Some(if c.is_ascii_uppercase() {
            format!("it contains the uppercase letter `{c}`")
        } else {
            format!("it contains `{}`", c.escape_debug())
        });
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Some("it does not start with a letter".into());
    }
    if name.ends_with('-') {
        return Some("it ends with `-`".into());
    }
    None
}

/// A DNS-label version of `name` to suggest.
pub fn to_dns_label(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let trimmed: String = out.trim_matches('-').chars().take(63).collect();
    let trimmed = trimmed.trim_end_matches('-').to_string();
    if trimmed.starts_with(|c: char| c.is_ascii_lowercase()) {
        trimmed
    } else {
        format!("x-{trimmed}")
            .chars()
            .take(63)
            .collect::<String>()
            .trim_end_matches('-')
            .to_string()
    }
}

/// `UPPER_SNAKE` of a name (`jwt-signing-key` → `JWT_SIGNING_KEY`).
pub fn upper_snake(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// `snake_case` of a name (`user-service` → `user_service`).
pub fn snake(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// A POSIX environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_env_var_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Resolver<'_> {
    /// Reports `name` unless it is a DNS label. `what` names the thing ("service name").
    pub fn check_label(&mut self, name: &Spanned<String>, what: &str) -> bool {
        let Some(problem) = dns_label_problem(&name.value) else {
            return true;
        };
        let fixed = to_dns_label(&name.value);
        let help = if fixed.is_empty() || fixed == name.value {
            "use lowercase letters, digits and `-`, starting with a letter, at most 63 characters"
                .to_string()
        } else {
            format!(
                "use lowercase letters, digits and `-`, starting with a letter, at most 63 characters, e.g. `{fixed}`"
            )
        };
        self.push(
            Diagnostic::error(
                "invalid-name",
                name.span,
                format!("invalid {what} `{}`: {problem}", name.value.escape_debug()),
            )
            .label("not a DNS label")
            .help(help),
        );
        false
    }

    /// Reports every name declared twice among `names` (pointing at both).
    pub fn check_unique<'n>(
        &mut self,
        names: impl IntoIterator<Item = &'n Spanned<String>>,
        what: &str,
    ) {
        let mut seen: Vec<&Spanned<String>> = Vec::new();
        for n in names {
            if let Some(first) = seen.iter().find(|s| s.value == n.value) {
                let first_span = first.span;
                self.push(
                    Diagnostic::error(
                        "duplicate-name",
                        n.span,
                        format!("{what} `{}` is declared twice", n.value),
                    )
                    .label("declared again here")
                    .related(first_span, "first declared here")
                    .help(format!(
                        "rename or remove one of the two; {what}s must be unique"
                    )),
                );
            } else {
                seen.push(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(dns_label_problem("user-service"), None);
        assert!(dns_label_problem("User").is_some());
        assert!(dns_label_problem("1abc").is_some());
        assert!(dns_label_problem("abc-").is_some());
        assert!(dns_label_problem("a_b").is_some());
        assert!(dns_label_problem(&"a".repeat(64)).is_some());
        assert_eq!(to_dns_label("User_Service"), "user-service");
        assert_eq!(to_dns_label("9lives"), "x-9lives");
    }

    #[test]
    fn cases() {
        assert_eq!(upper_snake("jwt-signing-key"), "JWT_SIGNING_KEY");
        assert_eq!(snake("user-service"), "user_service");
        assert!(is_env_var_name("LOG_LEVEL"));
        assert!(!is_env_var_name("1X"));
        assert!(!is_env_var_name("A-B"));
    }
}
