//! DESIGN principle 5: a spec names secrets, it never holds them. Any string
//! in the spec that looks like a credential is rejected.

use crate::diagnostic::{Diagnostic, Sink};
use crate::spec::Spanned;

/// Why `s` looks like a credential, if it does.
pub fn looks_like_credential(s: &str) -> Option<&'static str> {
    let lower = s.to_ascii_lowercase();
    if lower.contains("-----begin") {
        return Some("a PEM key or certificate");
    }
    for key in [
        "password=",
        "passwd=",
        "pwd=",
        "accountkey=",
        "sharedaccesskey=",
        "secret=",
        "token=",
        "apikey=",
        "api_key=",
        "client_secret=",
    ] {
        if let Some(pos) = lower.find(key) {
            let rest = &s[pos + key.len()..];
            if rest
                .chars()
                .next()
                .is_some_and(|c| !c.is_whitespace() && c != ';')
            {
                return Some("a connection string or assignment with a credential");
            }
        }
    }
    // scheme://user:password@host
    if let Some(pos) = s.find("://") {
        let rest = &s[pos + 3..];
        let authority = rest.split('/').next().unwrap_or("");
        if let Some((userinfo, _)) = authority.rsplit_once('@')
            && userinfo
                .split_once(':')
                .is_some_and(|(_, pw)| !pw.is_empty())
        {
            return Some("a URL with a password");
        }
    }
    if is_jwt(s) {
        return Some("a JSON Web Token");
    }
    for prefix in [
        "ghp_",
        "gho_",
        "ghs_",
        "github_pat_",
        "xoxb-",
        "xoxp-",
        "sk_live_",
        "AKIA",
    ] {
        if let Some(pos) = s.find(prefix) {
            let tail = &s[pos + prefix.len()..];
            if tail
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .count()
                >= 16
            {
                return Some("an access token");
            }
        }
    }
    if has_token_run(s) {
        return Some("a long random-looking token (base64 or hex)");
    }
    None
}

fn is_jwt(s: &str) -> bool {
    s.split_whitespace().any(|w| {
        let parts: Vec<&str> = w.split('.').collect();
        parts.len() == 3
            && parts[0].starts_with("eyJ")
            && parts.iter().all(|p| {
                p.len() >= 4
                    && p.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '=')
            })
    })
}

/// A run of ≥ 32 hex characters, or ≥ 32 base64 characters mixing upper
/// case, lower case and digits.
fn has_token_run(s: &str) -> bool {
    let runs = s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='));
    for run in runs {
        let run = run.trim_end_matches('=');
        if run.len() < 32 {
            continue;
        }
        if run.chars().all(|c| c.is_ascii_hexdigit()) {
            return true;
        }
        // Path-like runs (a/b/c) are not tokens.
        if run.split('/').any(|seg| seg.len() >= 32) {
            let upper = run.chars().filter(|c| c.is_ascii_uppercase()).count();
            let lower = run.chars().filter(|c| c.is_ascii_lowercase()).count();
            let digit = run.chars().filter(|c| c.is_ascii_digit()).count();
            if upper >= 3 && lower >= 3 && digit >= 3 {
                return true;
            }
        }
    }
    false
}

pub(crate) fn check(strings: &[Spanned<String>], sink: &mut Sink) {
    for s in strings {
        if let Some(why) = looks_like_credential(&s.value) {
            sink.push(
                Diagnostic::error("credential-in-spec", s.span, format!("this value looks like a credential ({why})"))
                    .label("credential?")
                    .help("a spec names secrets but never holds them: declare `secret NAME` on the service and store the value in the vault"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects() {
        for s in [
            "Server=x;Password=hunter2",
            "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc==",
            "postgres://app:s3cret@db:5432/x",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcdEFGH1234",
            "-----BEGIN PRIVATE KEY-----",
            "0123456789abcdef0123456789abcdef",
            "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCd",
            "ghp_abcdefghijklmnopqrstuvwxyz012345",
        ] {
            assert!(looks_like_credential(s).is_some(), "{s}");
        }
    }

    #[test]
    fn ignores_ordinary_values() {
        for s in [
            "GP_Standard_D4s_v3",
            "Premium/P1",
            "shop.example.com",
            "octo-org/octo-eshop",
            "https://example.com/path",
            "10.0.0.0/16",
            "octo/frontend",
            "info",
            "",
            "1 2 3",
            "0 3 * * *",
            "/healthz",
            "postgres://db:5432/x",
        ] {
            assert!(looks_like_credential(s).is_none(), "{s}");
        }
    }
}
