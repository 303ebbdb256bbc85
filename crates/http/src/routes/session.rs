//! `session/login`, `session/logout`.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::auth::{CurrentUser, cleared_session_cookie, session_cookie};
use crate::error::ApiError;
use crate::params::Params;

/// `POST session/login`: form `username`, `password`, `rememberme`. 204 and the session
/// cookie; 401 for wrong credentials.
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
