//! `user/list`, `user/updatepassword`, `user/transfer/ownership`, `user/sync`.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::no_content;
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::params::Params;
use searchlight_identity::{SyncReport, SyncRequest};

/// `GET user/list` (admin): every user and group with its direct groups.
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
) -> Result<Response, ApiError> {
    let listed = state.identity.list_principals(&caller).await?;
    // Serialised here, from the shared list the identity service caches.
    Ok(Json(listed.as_slice()).into_response())
}

/// `POST user/updatepassword`: `name`, `currentpassword`, new password in `password` or
/// `newpassword` (the PyPI client's spelling). 204.
pub async fn update_password(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    params: Params,
) -> Result<Response, ApiError> {
    let name = params.required(&["name"])?;
    let current = params.required(&["currentpassword"])?;
    let new = params.required(&["password", "newpassword"])?;
    state
        .identity
        .update_password(&caller, name, current, new)
        .await?;
    Ok(no_content())
}

/// `POST user/transfer/ownership` (admin): `fromUserName`, `toUserName`, optional
/// `objectsID` (or `objectid`). 204.
pub async fn transfer_ownership(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    params: Params,
) -> Result<Response, ApiError> {
    let from = params.required(&["fromUserName"])?;
    let to = params.required(&["toUserName"])?;
    let objects = params.list(&["objectsID", "objectid"]);
    state
        .identity
        .transfer_ownership(&caller, from, to, objects.as_deref())
        .await?;
    Ok(no_content())
}

/// `POST user/sync` (admin): `principals` (JSON array), `applyChanges` (default false: a
/// dry run), `removeDeleted` (default true; `remoteDeleted` and `removeDelete` are
/// aliases), `password` for new users. 200 with the six change lists.
pub async fn sync(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    params: Params,
) -> Result<Json<SyncReport>, ApiError> {
    let request = SyncRequest {
        principals: params.required(&["principals"])?.to_string(),
        apply: params.bool(&["applyChanges"], false)?,
        remove_deleted: params.bool(&["removeDeleted", "remoteDeleted", "removeDelete"], true)?,
        password: params.text(&["password"]).map(str::to_string),
    };
    Ok(Json(state.identity.sync(&caller, &request).await?))
}
