//! The pages a person opens in a browser: the login page, the API explorer (Swagger UI over
//! the OpenAPI document, for administrators) and the embedding example.
//!
//! Everything here is in the binary (Swagger UI comes from `utoipa-swagger-ui`'s vendored
//! copy), except the built embedding example, which is served from a folder when one is
//! configured and present: `cargo build` never depends on npm.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;
use crate::auth::session_id;
use crate::error::ApiError;
use searchlight_errors::Error;
use searchlight_identity::Caller;

/// Where the API explorer lives.
pub const PORTAL_PATH: &str = "/external/swagger";
/// The OpenAPI document's address.
pub const OPENAPI_PATH: &str = "/external/swagger/openapi.json";
/// The login page.
pub const LOGIN_PATH: &str = "/login";
/// Where the built embedding example is served.
pub const EMBED_PATH: &str = "/examples/embed/";

const LOGIN_HTML: &str = include_str!("../assets/login.html");
const LOGIN_JS: &str = include_str!("../assets/login.js");
const FORBIDDEN_JS: &str = include_str!("../assets/forbidden.js");
const PORTAL_HTML: &str = include_str!("../assets/portal.html");
const PORTAL_JS: &str = include_str!("../assets/portal.js");
const FORBIDDEN_HTML: &str = include_str!("../assets/forbidden.html");
const EMBED_MISSING_HTML: &str = include_str!("../assets/embed-missing.html");

/// The routes of this module.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(LOGIN_PATH, get(login_page))
        .route(PORTAL_PATH, get(portal_page))
        .route("/external/swagger/", get(portal_page))
        .route("/external/swagger/index.html", get(portal_page))
        .route(OPENAPI_PATH, get(openapi_json))
        .route("/external/swagger/searchlight-portal.js", get(portal_js))
        .route("/external/swagger/{*file}", get(swagger_asset))
        .route("/examples/embed", get(embed_redirect))
        .route(EMBED_PATH, get(embed_index))
        .route("/examples/embed/{*file}", get(embed_file))
        .route("/assets/login.js", get(|| async { javascript(LOGIN_JS) }))
        .route(
            "/assets/forbidden.js",
            get(|| async { javascript(FORBIDDEN_JS) }),
        )
        .layer(axum::middleware::map_response(security_headers))
}

/// What every page may load and who may frame it. Scripts come only from this server (the
/// pages' own scripts are files, not inline); Swagger UI and the embedding example set inline
/// styles. No site may frame these pages (the login form would be a clickjacking target).
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Adds the browser security headers to every page and file of the portal.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

fn javascript(source: &'static str) -> Response {
    (
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        source,
    )
        .into_response()
}

/// Who is asking, if anyone: `None` without a valid session.
async fn visitor(state: &AppState, headers: &HeaderMap) -> Option<Caller> {
    let session = session_id(headers)?;
    state.identity.authenticate(&session).await.ok()
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a path and query for the `next` parameter.
fn encode_component(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The login page's address that comes back to `uri` afterwards.
fn login_redirect(uri: &Uri) -> Response {
    let next = uri
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or(PORTAL_PATH);
    let location = format!("{LOGIN_PATH}?next={}", encode_component(next));
    (
        StatusCode::SEE_OTHER,
        [(LOCATION, location)],
        "Log in first: redirecting to the login page",
    )
        .into_response()
}

async fn login_page() -> Response {
    html(StatusCode::OK, LOGIN_HTML.to_string())
}

/// `/external/swagger`: administrators get the explorer, others a 403 page, anonymous
/// visitors the login page (and back).
async fn portal_page(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    match visitor(&state, &headers).await {
        None => login_redirect(&uri),
        Some(caller) if !caller.is_admin() => forbidden(&caller),
        Some(caller) => html(
            StatusCode::OK,
            PORTAL_HTML.replace("{{user}}", &escape(&caller.name)),
        ),
    }
}

fn forbidden(caller: &Caller) -> Response {
    html(
        StatusCode::FORBIDDEN,
        FORBIDDEN_HTML.replace("{{user}}", &escape(&caller.name)),
    )
}

/// The OpenAPI document, for administrators (the same rule as the explorer); API-style
/// errors for others, since tools fetch it.
async fn openapi_json(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match visitor(&state, &headers).await {
        None => ApiError(Error::NotLoggedIn).into_response(),
        Some(caller) => match caller.require_admin("read the API description") {
            Err(err) => ApiError(err).into_response(),
            Ok(()) => (
                [
                    (CONTENT_TYPE, HeaderValue::from_static("application/json")),
                    (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
                ],
                crate::openapi::document_json(),
            )
                .into_response(),
        },
    }
}

async fn portal_js() -> Response {
    javascript(PORTAL_JS)
}

/// Swagger UI's own files (scripts, styles, icons), from the binary.
async fn swagger_asset(UrlPath(file): UrlPath<String>) -> Response {
    static CONFIG: OnceLock<Arc<utoipa_swagger_ui::Config<'static>>> = OnceLock::new();
    let config = CONFIG
        .get_or_init(|| Arc::new(utoipa_swagger_ui::Config::new([OPENAPI_PATH])))
        .clone();
    match utoipa_swagger_ui::serve(&file, config) {
        Ok(Some(asset)) => {
            let mut response = (
                [
                    (CONTENT_TYPE, asset.content_type),
                    (CACHE_CONTROL, "public, max-age=3600".to_string()),
                ],
                asset.bytes.into_owned(),
            )
                .into_response();
            if asset.gzpipped {
                response
                    .headers_mut()
                    .insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            response
        }
        Ok(None) => not_found(),
        Err(err) => ApiError(Error::internal(err.to_string())).into_response(),
    }
}

fn not_found() -> Response {
    html(
        StatusCode::NOT_FOUND,
        "<!doctype html><title>Not found</title><p>Not found.</p>".to_string(),
    )
}

// ---- the embedding example ------------------------------------------------------------------

async fn embed_redirect() -> Response {
    (StatusCode::PERMANENT_REDIRECT, [(LOCATION, EMBED_PATH)]).into_response()
}

async fn embed_index(State(state): State<AppState>) -> Response {
    serve_embed_file(&state, "index.html").await
}

async fn embed_file(State(state): State<AppState>, UrlPath(file): UrlPath<String>) -> Response {
    serve_embed_file(&state, &file).await
}

/// A file of the built example, when the folder is there; a page that says how to build it
/// otherwise.
async fn serve_embed_file(state: &AppState, file: &str) -> Response {
    let Some(dir) = state
        .settings
        .embed_example_dir
        .as_deref()
        .filter(|dir| dir.join("index.html").is_file())
    else {
        return html(StatusCode::NOT_FOUND, EMBED_MISSING_HTML.to_string());
    };
    let Some(path) = safe_join(dir, file) else {
        return not_found();
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => (
            [
                (CONTENT_TYPE, content_type(&path)),
                (CACHE_CONTROL, "no-cache"),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => not_found(),
    }
}

/// `dir/file` when `file` is a plain relative path (no `..`, no root, no drive).
fn safe_join(dir: &Path, file: &str) -> Option<PathBuf> {
    let relative = Path::new(file);
    if file.is_empty()
        || file.contains('\\')
        || !relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let path = dir.join(relative);
    path.is_file().then_some(path)
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_join() {
        let dir = std::env::temp_dir();
        for bad in ["../etc/passwd", "/etc/passwd", "a/../../b", "", "a\\b"] {
            assert!(safe_join(&dir, bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
