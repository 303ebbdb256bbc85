//! `session/login`, `session/logout`.

use std::net::SocketAddr;

use axum::Extension;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::AppState;
use crate::auth::{CurrentUser, cleared_session_cookie, session_cookie};
use crate::error::ApiError;
use crate::error::ErrorBody;
use crate::openapi::examples;
use crate::params::Params;
use searchlight_errors::Error;

/// The `session/login` form.
#[derive(utoipa::ToSchema)]
pub struct LoginForm {
    /// The user's name.
    #[schema(example = "tsadmin")]
    pub username: String,
    /// The user's password.
    #[schema(format = Password, example = "searchlight")]
    pub password: String,
    /// `true`: the cookie lasts 7 days; otherwise it ends with the browser session. Idle
    /// sessions end after 3 hours.
    #[schema(required = false, default = false)]
    pub rememberme: bool,
}

/// The answer to a login while the account is locked after failed logins.
fn login_throttled_example() -> Value {
    examples::error(Error::TooManyLoginAttempts {
        subject: "for user tsadmin".into(),
        retry_after_secs: 4,
    })
}

/// The answer to a login when every password check slot is busy.
fn hashing_busy_example() -> Value {
    examples::error(Error::Overloaded {
        what: "check a password".into(),
        retry_after_secs: 2,
    })
}

/// The answer to a login body over the login limit.
fn login_body_too_large_example() -> Value {
    examples::error(Error::BodyTooLarge {
        limit: "16 KiB".into(),
    })
}

/// `POST session/login`: form `username`, `password`, `rememberme`. 204 and the session
/// cookie; 401 for wrong credentials; 429 while the account or the client's address is
/// locked after failed logins; 503 when no password check could start in time.
#[utoipa::path(
    post,
    path = "/session/login",
    tag = "session",
    summary = "Log in",
    description = "Opens a session. The answer sets the `JSESSIONID` cookie \
        (`Path=/; HttpOnly; SameSite=Lax`, plus `Secure` behind TLS), which later calls send back. \
        Failed logins are throttled per account and per client address: past a few, each \
        further failure locks the account (or address) for a time that doubles, and logins \
        are refused with 429 until `Retry-After` seconds have passed, the right password \
        included.",
    request_body(content(
        (LoginForm = "application/x-www-form-urlencoded"),
        (LoginForm = "multipart/form-data"),
    )),
    responses(
        (status = 204, description = "Logged in.",
            headers(("Set-Cookie" = String, description = "`JSESSIONID=<uuid>; Path=/; HttpOnly; SameSite=Lax`"))),
        (status = 400, description = "`username` or `password` is missing.",
            body = ErrorBody<'static>, example = examples::missing_username),
        (status = 401, description = "Wrong username or password.",
            body = ErrorBody<'static>, example = examples::wrong_credentials),
        (status = 413, description = "The body is larger than a login needs (16 KiB).",
            body = ErrorBody<'static>, example = login_body_too_large_example),
        (status = 415, description = "A body in a content type that holds no parameters.",
            body = ErrorBody<'static>, example = examples::unsupported_media),
        (status = 429, description = "Too many failed logins for this account or from this \
            client address: the login is refused until the lock ends.",
            headers(("Retry-After" = u64, description = "Seconds until the lock ends")),
            body = ErrorBody<'static>, example = login_throttled_example),
        (status = 503, description = "The server is busy checking other passwords: try again \
            later.",
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again")),
            body = ErrorBody<'static>, example = hashing_busy_example),
    ),
    security(()),
)]
pub async fn login(
    State(state): State<AppState>,
    connect_info: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response, ApiError> {
    let username = params.required(&["username"])?;
    let password = params.required(&["password"])?;
    let remember_me = params.bool(&["rememberme"], false)?;
    // Served by `run`, every request knows its client; a router driven directly (tests)
    // may not, and then only the account is throttled.
    let client = connect_info.map(|Extension(ConnectInfo(address))| address.ip());
    let session = state
        .identity
        .login_from(username, password, remember_me, client)
        .await?;
    let max_age = remember_me.then_some(state.settings.remember_me.as_secs() as i64);
    let cookie = session_cookie(&headers, &session.id, max_age);
    Ok((StatusCode::NO_CONTENT, [(SET_COOKIE, cookie)]).into_response())
}

/// `POST session/logout`: ends the caller's session. 204; 401 without a session.
#[utoipa::path(
    post,
    path = "/session/logout",
    tag = "session",
    summary = "Log out",
    description = "Ends the caller's session on every server sharing the store and clears the cookie.",
    responses(
        (status = 204, description = "Logged out.",
            headers(("Set-Cookie" = String, description = "`JSESSIONID=; Max-Age=0`: removes the cookie"))),
        (status = 401, description = "No valid session.",
            body = ErrorBody<'static>, example = examples::not_logged_in),
    ),
)]
pub async fn logout(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
) -> Result<Response, ApiError> {
    state.identity.logout(&caller.session_id).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(SET_COOKIE, cleared_session_cookie())],
    )
        .into_response())
}
