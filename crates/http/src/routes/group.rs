//! `group/addprivilege`, `group/removeprivilege`.

use axum::Json;
use axum::extract::State;
use axum::response::Response;

use super::no_content;
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::error::ErrorBody;
use crate::openapi::examples;
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

/// The form of `group/addprivilege` and `group/removeprivilege`.
#[derive(utoipa::ToSchema)]
#[allow(non_snake_case)]
pub struct PrivilegeForm {
    #[schema(schema_with = crate::openapi::privilege_schema)]
    pub privilege: String,
    /// The groups, as a list (`["Analyst","Finance"]`) or one bare name; `ALL_GROUP` is the
    /// All group.
    #[schema(example = "[\"All\"]")]
    pub groupNames: String,
}

/// `POST group/addprivilege` (admin): `privilege`, `groupNames`. 200 with the updated
/// groups.
#[utoipa::path(
    post,
    path = "/group/addprivilege",
    tag = "group",
    summary = "Grant a privilege to groups",
    description = "Every member of the groups, direct or nested, holds the privilege. \
        Administrators only. Nothing changes when a group or the privilege is unknown.",
    request_body(content(
        (PrivilegeForm = "multipart/form-data"),
        (PrivilegeForm = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "The updated groups with all their privileges.",
            body = Vec<GroupInfo>, example = examples::groups),
        (status = 400, description = "A parameter is missing, or the privilege or a group is unknown.",
            body = ErrorBody<'static>, example = examples::unknown_privilege),
        (status = 401, description = "No valid session.",
            body = ErrorBody<'static>, example = examples::not_logged_in),
        (status = 403, description = "The caller is not an administrator.",
            body = ErrorBody<'static>, example = examples::not_admin),
        (status = 415, description = "A body in a content type that holds no parameters.",
            body = ErrorBody<'static>, example = examples::unsupported_media),
    ),
)]
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
#[utoipa::path(
    post,
    path = "/group/removeprivilege",
    tag = "group",
    summary = "Revoke a privilege from groups",
    description = "Administrators only. The Administrator group always keeps ADMINISTRATION.",
    request_body(content(
        (PrivilegeForm = "multipart/form-data"),
        (PrivilegeForm = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 204, description = "Revoked."),
        (status = 400, description = "A parameter is missing, or the privilege or a group is unknown.",
            body = ErrorBody<'static>, example = examples::unknown_privilege),
        (status = 401, description = "No valid session.",
            body = ErrorBody<'static>, example = examples::not_logged_in),
        (status = 403, description = "The caller is not an administrator.",
            body = ErrorBody<'static>, example = examples::not_admin),
        (status = 415, description = "A body in a content type that holds no parameters.",
            body = ErrorBody<'static>, example = examples::unsupported_media),
    ),
)]
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
