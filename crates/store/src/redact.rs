//! Store URLs as they may be shown: in logs, errors and `searchlight config`.

/// What a secret is shown as.
pub const REDACTED: &str = "***";

/// `url` with its password (in the user info, or a query parameter whose name holds
/// `password`) shown as `***`. The user info ends at the last `@` before the query, so a
/// password with an unencoded `/` or `@` is hidden too.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[scheme_end..];
    let (location, tail) = rest.split_at(rest.find(['?', '#']).unwrap_or(rest.len()));
    let mut shown = String::with_capacity(url.len());
    shown.push_str(&url[..scheme_end]);
    match location.rfind('@') {
        Some(at) => {
            let (user_info, host) = location.split_at(at);
            match user_info.split_once(':') {
                Some((user, _)) => {
                    shown.push_str(user);
                    shown.push(':');
                    shown.push_str(REDACTED);
                }
                None => shown.push_str(user_info),
            }
            shown.push_str(host);
        }
        None => shown.push_str(location),
    }
    let Some(query) = tail.strip_prefix('?') else {
        shown.push_str(tail);
        return shown;
    };
    let (query, fragment) = match query.split_once('#') {
        Some((query, fragment)) => (query, Some(fragment)),
        None => (query, None),
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if name.to_ascii_lowercase().contains("password") => {
                format!("{name}={REDACTED}")
            }
            _ => pair.to_string(),
        })
        .collect();
    shown.push('?');
    shown.push_str(&pairs.join("&"));
    if let Some(fragment) = fragment {
        shown.push('#');
        shown.push_str(fragment);
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_store_urls_are_hidden() {
        for (url, shown) in [
            (
                "postgres://sl:s3cret@db:5432/sl",
                "postgres://sl:***@db:5432/sl",
            ),
            (
                "postgres://sl:p@ss@db/sl?sslmode=require&password=x#f",
                "postgres://sl:***@db/sl?sslmode=require&password=***#f",
            ),
            ("postgres://sl@db/sl", "postgres://sl@db/sl"),
            ("postgres://u:pa/ss@h/d", "postgres://u:***@h/d"),
            (
                "postgres://db/sl?user=a&sslpassword=b",
                "postgres://db/sl?user=a&sslpassword=***",
            ),
            ("sqlite:///tmp/x.db", "sqlite:///tmp/x.db"),
            ("not a url", "not a url"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }
}
