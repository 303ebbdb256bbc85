//! `group/addprivilege`, `group/removeprivilege`.

use axum::Json;
use axum::extract::State;
use axum::response::Response;

use super::no_content;
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::params::Params;
use searchlight_errors::Error;
use searchlight_identity::GroupInfo;

fn privilege_and_groups(params: &Params) -> Result<(&str, Vec<String>), Error> {
    let privilege = params.required(&["privilege"])?;
    let groups = params
        .list(&["groupNames"])
        .ok_or_else(|| Error::missing_parameter("groupNames"))?;
    Ok((privilege, groups))
}

/// `POST group/addprivilege` (admin): `privilege`, `groupNames`. 200 with the updated
/// groups.
pub async fn add_privilege(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    params: Params,
) -> Result<Json<Vec<GroupInfo>>, ApiError> {
    let (privilege, groups) = privilege_and_groups(&params)?;
    Ok(Json(
        state
            .identity
            .set_privilege(&caller, privilege, &groups, true)
            .await?,
    ))
}

/// `POST group/removeprivilege` (admin): `privilege`, `groupNames`. 204.
pub async fn remove_privilege(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    params: Params,
) -> Result<Response, ApiError> {
    let (privilege, groups) = privilege_and_groups(&params)?;
    state
        .identity
        .set_privilege(&caller, privilege, &groups, false)
        .await?;
    Ok(no_content())
}
