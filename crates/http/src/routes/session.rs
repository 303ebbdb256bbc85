//! `session/login`, `session/logout`.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::auth::{CurrentUser, cleared_session_cookie, session_cookie};
use crate::error::ApiError;
use crate::error::ErrorBody;
use crate::openapi::examples;
use crate::params::Params;

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

/// `POST session/login`: form `username`, `password`, `rememberme`. 204 and the session
/// cookie; 401 for wrong credentials.
#[utoipa::path(
    post,
    path = "/session/login",
    tag = "session",
    summary = "Log in",
    description = "Opens a session. The answer sets the `JSESSIONID` cookie \
        (`Path=/; HttpOnly; SameSite=Lax`, plus `Secure` behind TLS), which later calls send back.",
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
        (status = 415, description = "A body in a content type that holds no parameters.",
            body = ErrorBody<'static>, example = examples::unsupported_media),
    ),
    security(()),
)]
pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response, ApiError> {
    let username = params.required(&["username"])?;
    let password = params.required(&["password"])?;
    let remember_me = params.bool(&["rememberme"], false)?;
    let session = state
        .identity
        .login(username, password, remember_me)
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
