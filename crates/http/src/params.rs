//! Lenient v1 parameter decoding.
//!
//! ThoughtSpot clients put parameters in the query string, in urlencoded bodies and in
//! multipart bodies (some as file parts named after themselves), and spell lists four ways.
//! [`Params`] reads all of these into one map (the body wins over the query string) and its
//! accessors apply the v1 conventions: `-1`, `""` and `[]` mean "not given", booleans are
//! `true`/`false` in any case, and list parameters accept a JSON array, `['a','b']`,
//! `[a, b]`, `"a"` and a bare `a`.

use std::collections::HashMap;

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;
use bytes::Bytes;
use serde_json::Value;

use crate::error::ApiError;
use searchlight_errors::{Error, Result};

/// The merged parameters of a request. Every value is kept as text; a name may repeat
/// (`val1=a&val1=b`).
#[derive(Debug, Default, Clone)]
pub struct Params {
    values: HashMap<String, Vec<String>>,
}

impl Params {
    /// Parameters from an urlencoded string (`+` is a space).
    pub fn from_urlencoded(input: &[u8]) -> Self {
        let mut params = Self::default();
        for (name, value) in form_urlencoded::parse(input) {
            params.push(name.into_owned(), value.into_owned());
        }
        params
    }

    fn push(&mut self, name: String, value: String) {
        self.values.entry(name).or_default().push(value);
    }

    /// Adds `body`'s parameters; a name given in the body replaces the query string's, in
    /// whatever case either spells it.
    fn merge_body(&mut self, body: Params) {
        for (name, values) in body.values {
            self.values
                .retain(|existing, _| !existing.eq_ignore_ascii_case(&name));
            self.values.insert(name, values);
        }
    }

    /// Refuses a NUL character anywhere, also as the JSON escape `\u0000` that list and
    /// JSON parameters decode later: it is never valid text in a v1 parameter, and
    /// PostgreSQL can neither store nor compare it (the request would fail as a 500).
    fn reject_nul(&self) -> Result<()> {
        for (name, values) in &self.values {
            if name.contains('\0')
                || values
                    .iter()
                    .any(|v| v.contains('\0') || has_escaped_nul(v))
            {
                // The value is not echoed: it may be a password or a whole TML document.
                return Err(Error::invalid_parameter(
                    name.replace('\0', "\\0"),
                    "(not shown)",
                    "text without NUL characters (also not as the JSON escape \\u0000)",
                ));
            }
        }
        Ok(())
    }

    /// Every value of the first of `names` that is present. Names match exactly first,
    /// then ignoring ASCII case.
    fn lookup(&self, names: &[&str]) -> Option<(&str, &[String])> {
        for name in names {
            if let Some((key, values)) = self.values.get_key_value(*name) {
                return Some((key.as_str(), values.as_slice()));
            }
        }
        for name in names {
            if let Some((key, values)) = self
                .values
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
            {
                return Some((key.as_str(), values.as_slice()));
            }
        }
        None
    }

    /// The raw value of the first of `names` present (the last one if it repeats).
    pub fn raw(&self, names: &[&str]) -> Option<&str> {
        self.lookup(names)
            .and_then(|(_, values)| values.last())
            .map(String::as_str)
    }

    /// Every value of a repeatable parameter (`val1=a&val1=b`).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.lookup(&[name])
            .map(|(_, values)| values.to_vec())
            .unwrap_or_default()
    }

    /// The parameter names present, for parameters numbered by clients (`col1`, `col2`, …).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// A text parameter; `None` when absent or empty.
    pub fn text(&self, names: &[&str]) -> Option<&str> {
        self.raw(names).filter(|v| !v.is_empty())
    }

    /// A required text parameter (`names[0]` is the documented name, the rest aliases).
    pub fn required(&self, names: &[&str]) -> Result<&str> {
        self.text(names)
            .ok_or_else(|| Error::missing_parameter(names[0]))
    }

    /// A boolean: `true`/`false` in any case; `default` when absent, empty or `-1`.
    pub fn bool(&self, names: &[&str], default: bool) -> Result<bool> {
        match self
            .lookup(names)
            .and_then(|(name, values)| Some((name, values.last()?)))
        {
            None => Ok(default),
            Some((name, value)) => match value.trim() {
                "" | "-1" => Ok(default),
                v if v.eq_ignore_ascii_case("true") => Ok(true),
                v if v.eq_ignore_ascii_case("false") => Ok(false),
                other => Err(Error::invalid_parameter(name, other, "true or false")),
            },
        }
    }

    /// An integer; `None` when absent, empty or `-1`.
    pub fn int(&self, names: &[&str]) -> Result<Option<i64>> {
        match self
            .lookup(names)
            .and_then(|(name, values)| Some((name, values.last()?)))
        {
            None => Ok(None),
            Some((name, value)) => match value.trim() {
                "" | "-1" => Ok(None),
                v => v
                    .parse::<i64>()
                    .map(Some)
                    .map_err(|_| Error::invalid_parameter(name, v, "an integer")),
            },
        }
    }

    /// A list parameter; `None` when absent or "not given" (`""`, `[]`, `-1`).
    pub fn list(&self, names: &[&str]) -> Option<Vec<String>> {
        let items = parse_list(self.raw(names)?);
        (!items.is_empty()).then_some(items)
    }
}

/// Whether `text` holds a JSON `\u0000` escape (an odd run of backslashes before `u0000`;
/// `\\u0000` is an escaped backslash followed by plain text).
fn has_escaped_nul(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(at) = text[from..].find("u0000").map(|i| i + from) {
        let backslashes = bytes[..at]
            .iter()
            .rev()
            .take_while(|b| **b == b'\\')
            .count();
        if backslashes % 2 == 1 {
            return true;
        }
        from = at + 1;
    }
    false
}

/// Parses a v1 list value: a JSON array, `['a','b']`, `[a, b]`, a JSON string `"a"` or a
/// bare token. `""`, `[]` and `-1` give an empty list.
pub fn parse_list(raw: &str) -> Vec<String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || trimmed == "-1" {
        return Vec::new();
    }
    if trimmed.starts_with('[') {
        if let Ok(items) = serde_json::from_str::<Vec<Value>>(trimmed) {
            return items
                .into_iter()
                .filter_map(|item| match item {
                    Value::String(s) => Some(s.trim().to_string()),
                    Value::Null => None,
                    other => Some(other.to_string()),
                })
                .filter(|s| !s.is_empty())
                .collect();
        }
        let inner = trimmed.trim_start_matches('[').trim_end_matches(']');
        return inner
            .split(',')
            .map(|item| strip_quotes(item.trim()).trim().to_string())
            .filter(|item| !item.is_empty())
            .collect();
    }
    if let Ok(Value::String(s)) = serde_json::from_str::<Value>(trimmed) {
        return if s.trim().is_empty() {
            Vec::new()
        } else {
            vec![s.trim().to_string()]
        };
    }
    vec![strip_quotes(trimmed).to_string()]
}

fn strip_quotes(item: &str) -> &str {
    for quote in ['\'', '"'] {
        if item.len() >= 2 && item.starts_with(quote) && item.ends_with(quote) {
            return &item[1..item.len() - 1];
        }
    }
    item
}

/// The largest request body any endpoint reads: TML imports and 10,000-principal syncs fit.
pub const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// The largest body of endpoints that take a few parameters (every endpoint but the bulk
/// ones): ample for any real call, small enough that a flood of bodies costs little memory.
pub const SMALL_BODY_LIMIT: usize = 1024 * 1024;

/// The largest login body: a name, a password and a flag.
pub const LOGIN_BODY_LIMIT: usize = 16 * 1024;

/// How large a body the endpoint at `path` reads.
pub fn body_limit(path: &str) -> usize {
    let endpoint = path
        .strip_prefix(crate::context::API_PREFIX)
        .unwrap_or(path)
        .trim_end_matches('/');
    match endpoint {
        "/metadata/tml/import" | "/user/sync" => BODY_LIMIT,
        "/session/login" => LOGIN_BODY_LIMIT,
        _ => SMALL_BODY_LIMIT,
    }
}

/// "64 MiB", "16 KiB": a limit as messages show it.
fn human_size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// How long a body may take to arrive once its headers have: a client trickling a body a
/// byte at a time would otherwise hold its connection and buffer for ever.
pub const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// How much of a refused body is still read (and thrown away) before the 413 is sent. A
/// client writes its whole body before it reads the answer: if the server closed the
/// connection at the limit, the client would meet a broken pipe instead of the 413 that
/// says what was wrong. Past this much more, the connection is closed anyway.
pub const REFUSED_BODY_DRAIN: usize = 16 * 1024 * 1024;

/// The whole body, refused with 413 past `limit` bytes (checked as it arrives, so a
/// longer body is never held: the rest of it is read and dropped, up to
/// [`REFUSED_BODY_DRAIN`] more, so that the client gets to read the answer) and with 408
/// when it takes longer than [`BODY_READ_TIMEOUT`].
async fn read_body(body: axum::body::Body, limit: usize) -> Result<Bytes> {
    use http_body_util::BodyExt;
    let reading = async move {
        let mut body = body;
        let mut kept = bytes::BytesMut::new();
        let mut received: usize = 0;
        while let Some(frame) = body.frame().await {
            let Ok(data) = frame?.into_data() else {
                continue;
            };
            received = received.saturating_add(data.len());
            if received <= limit {
                kept.extend_from_slice(&data);
            } else {
                // Over the limit: nothing more is kept, and what was kept goes.
                kept = bytes::BytesMut::new();
                if received > limit.saturating_add(REFUSED_BODY_DRAIN) {
                    break;
                }
            }
        }
        Ok::<_, axum::Error>((kept, received))
    };
    let Ok(read) = tokio::time::timeout(BODY_READ_TIMEOUT, reading).await else {
        return Err(Error::BodyTimeout {
            seconds: BODY_READ_TIMEOUT.as_secs(),
        });
    };
    match read {
        Ok((_, received)) if received > limit => Err(Error::BodyTooLarge {
            limit: human_size(limit),
        }),
        Ok((kept, _)) => Ok(kept.freeze()),
        Err(err) => Err(Error::MalformedBody {
            content_type: "request".into(),
            reason: format!("the body could not be read: {err}"),
        }),
    }
}

/// A JSON object body, for callers that send parameters as JSON: each value as text.
fn params_from_json(body: &[u8]) -> Result<Params> {
    let object: serde_json::Map<String, Value> =
        serde_json::from_slice(body).map_err(|err| Error::MalformedBody {
            content_type: "application/json".into(),
            reason: format!(
                "{err}; send parameters as a JSON object, a form or in the query string"
            ),
        })?;
    let mut params = Params::default();
    for (name, value) in object {
        let text = match value {
            Value::String(s) => s,
            Value::Null => continue,
            other => other.to_string(),
        };
        params.push(name, text);
    }
    Ok(params)
}

impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let mut params = Params::from_urlencoded(req.uri().query().unwrap_or("").as_bytes());
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let media_type = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        let limit = body_limit(req.uri().path());
        let (parts, body) = req.into_parts();
        let bytes = read_body(body, limit).await?;

        let body = match media_type.as_str() {
            "multipart/form-data" => {
                let req = Request::from_parts(parts, axum::body::Body::from(bytes));
                let mut multipart = Multipart::from_request(req, state).await.map_err(|err| {
                    Error::MalformedBody {
                        content_type: media_type.clone(),
                        reason: err.body_text(),
                    }
                })?;
                let mut body = Params::default();
                let malformed =
                    |err: axum::extract::multipart::MultipartError| Error::MalformedBody {
                        content_type: "multipart/form-data".into(),
                        reason: err.body_text(),
                    };
                // Every part is a parameter, whether or not it carries a filename.
                while let Some(field) = multipart.next_field().await.map_err(malformed)? {
                    let Some(name) = field.name().map(str::to_string) else {
                        continue;
                    };
                    let bytes = field.bytes().await.map_err(malformed)?;
                    body.push(name, String::from_utf8_lossy(&bytes).into_owned());
                }
                body
            }
            "application/x-www-form-urlencoded" => Params::from_urlencoded(&bytes),
            _ => {
                if bytes.iter().all(u8::is_ascii_whitespace) {
                    // No body, or an empty one under any content type (clients send
                    // `application/json` with nothing in it).
                    Params::default()
                } else if media_type.ends_with("json") {
                    params_from_json(&bytes)?
                } else {
                    return Err(Error::UnsupportedContentType {
                        content_type: if media_type.is_empty() {
                            "(none)".into()
                        } else {
                            media_type
                        },
                        expected: "the query string, an application/x-www-form-urlencoded or a \
                                   multipart/form-data body"
                            .into(),
                    }
                    .into());
                }
            }
        };
        params.merge_body(body);
        params.reject_nul()?;
        Ok(params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_accept_every_spelling() {
        let expected = vec!["a".to_string(), "b c".to_string()];
        assert_eq!(parse_list(r#"["a", "b c"]"#), expected);
        assert_eq!(parse_list("['a','b c']"), expected);
        assert_eq!(parse_list("[a, b c]"), expected);
        assert_eq!(parse_list(r#""a""#), vec!["a"]);
        assert_eq!(parse_list("a"), vec!["a"]);
        for empty in ["", "[]", "-1", " [ ] ", r#""""#] {
            assert!(parse_list(empty).is_empty(), "{empty:?}");
        }
    }

    #[test]
    fn plus_is_a_space_and_minus_one_is_absent() {
        let params = Params::from_urlencoded(
            b"query_string=%5BSales%5D+%5BRegion%5D&offset=-1&batchsize=10&x=TRUE",
        );
        assert_eq!(params.text(&["query_string"]), Some("[Sales] [Region]"));
        assert_eq!(params.int(&["offset"]).unwrap(), None);
        assert_eq!(params.int(&["batchsize"]).unwrap(), Some(10));
        assert!(params.bool(&["x"], false).unwrap());
        assert!(params.bool(&["missing"], true).unwrap());
        assert_eq!(params.int(&["x"]).unwrap_err().name(), "InvalidParameter");
    }

    #[test]
    fn aliases_and_case_insensitive_names() {
        let params = Params::from_urlencoded(b"removeDelete=false&NEWPASSWORD=x");
        assert!(
            !params
                .bool(&["removeDeleted", "remoteDeleted", "removeDelete"], true)
                .unwrap()
        );
        assert_eq!(params.text(&["password", "newpassword"]), Some("x"));
    }

    #[test]
    fn nul_characters_are_refused() {
        let params = Params::from_urlencoded(b"username=a%00b&password=x");
        let err = params.reject_nul().unwrap_err();
        assert_eq!(err.name(), "InvalidParameter");
        assert!(err.to_string().contains("username"), "{err}");
        assert!(Params::from_urlencoded(b"a=1").reject_nul().is_ok());
        let escaped = Params::from_urlencoded(br#"fetchids=["a\u0000b"]"#);
        assert_eq!(escaped.reject_nul().unwrap_err().name(), "InvalidParameter");
        let escaped = Params::from_urlencoded(br#"fetchids=["a\U0000b"]"#);
        assert!(
            escaped.reject_nul().is_ok(),
            "JSON escapes are lowercase u only"
        );
        let backslash = Params::from_urlencoded(br#"fetchids=["a\\u0000b"]"#);
        assert!(
            backslash.reject_nul().is_ok(),
            "an escaped backslash, then text"
        );
    }

    #[test]
    fn bulk_endpoints_read_large_bodies_and_the_rest_small_ones() {
        assert_eq!(body_limit("/callosum/v1/tspublic/v1/user/sync"), BODY_LIMIT);
        assert_eq!(
            body_limit("/callosum/v1/tspublic/v1/metadata/tml/import/"),
            BODY_LIMIT
        );
        assert_eq!(
            body_limit("/callosum/v1/tspublic/v1/session/login"),
            LOGIN_BODY_LIMIT
        );
        assert_eq!(
            body_limit("/callosum/v1/tspublic/v1/searchdata"),
            SMALL_BODY_LIMIT
        );
        assert_eq!(human_size(BODY_LIMIT), "64 MiB");
        assert_eq!(human_size(LOGIN_BODY_LIMIT), "16 KiB");
    }

    #[test]
    fn body_wins_over_query() {
        let mut params = Params::from_urlencoded(b"a=1&b=2&applyChanges=false");
        params.merge_body(Params::from_urlencoded(b"a=3&applychanges=true"));
        assert_eq!(params.text(&["a"]), Some("3"));
        assert_eq!(params.text(&["b"]), Some("2"));
        assert!(
            params.bool(&["applyChanges"], false).unwrap(),
            "body wins whatever the case"
        );
    }
}
