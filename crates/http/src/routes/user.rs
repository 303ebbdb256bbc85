//! `user/list`, `user/updatepassword`, `user/transfer/ownership`, `user/sync`.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::no_content;
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::error::ErrorBody;
use crate::openapi::examples;
use crate::params::Params;
use searchlight_identity::{SyncReport, SyncRequest};

/// The `user/updatepassword` form.
#[derive(utoipa::ToSchema)]
pub struct UpdatePasswordForm {
    /// The user whose password changes.
    #[schema(example = "jdoe")]
    pub name: String,
    /// That user's current password, or, when an administrator changes another user's
    /// password, the administrator's own.
    #[schema(format = Password)]
    pub currentpassword: String,
    /// The new password.
    #[schema(format = Password)]
    pub password: String,
    /// Another name for `password` (the PyPI client's); used when `password` is absent.
    #[schema(format = Password, required = false)]
    pub newpassword: String,
}

/// The parameters of `user/transfer/ownership`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(non_snake_case)]
pub struct TransferOwnershipQuery {
    /// The current owner's user name.
    #[param(example = "jdoe")]
    pub fromUserName: String,
    /// The new owner's user name.
    #[param(example = "asmith")]
    pub toUserName: String,
    /// Only these objects (GUIDs); without it, every object the user owns.
    #[param(required = false, schema_with = crate::openapi::list_schema)]
    pub objectsID: String,
    /// Another name for `objectsID`.
    #[param(required = false, schema_with = crate::openapi::list_schema)]
    pub objectid: String,
}

/// One principal of `user/sync`'s `principals`.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct SyncPrincipal {
    /// Unique per kind.
    #[schema(example = "mlee")]
    pub name: String,
    /// Defaults to the name.
    #[schema(required = false)]
    pub display_name: String,
    #[schema(required = false)]
    pub description: String,
    /// Users only.
    #[schema(required = false)]
    pub mail: String,
    /// `LOCAL_USER` or `LOCAL_GROUP` (also `LDAP_USER`, `SAML_USER`, `OIDC_USER`,
    /// `REMOTE_USER`, `LDAP_GROUP`, `TENANT_GROUP`).
    #[schema(example = "LOCAL_USER")]
    pub principal_type_enum: String,
    /// The groups the principal is directly in (All is implicit for users).
    #[schema(required = false)]
    pub group_names: Vec<String>,
    /// `DEFAULT` or `NON_SHARABLE`.
    #[schema(required = false, example = "DEFAULT")]
    pub visibility: String,
    /// A new user's password (users that exist keep theirs).
    #[schema(required = false, format = Password)]
    pub password: String,
}

/// The `user/sync` form.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct SyncForm {
    /// The complete set of users and groups of the external system (a JSON array).
    #[schema(example = json!([
        {"name": "Finance", "displayName": "Finance", "principalTypeEnum": "LOCAL_GROUP",
         "groupNames": [], "visibility": "DEFAULT"},
        {"name": "mlee", "displayName": "Min Lee", "mail": "mlee@example.com",
         "principalTypeEnum": "LOCAL_USER", "groupNames": ["Finance"], "visibility": "DEFAULT"}
    ]))]
    pub principals: Vec<SyncPrincipal>,
    /// `false`: a dry run that reports the changes and makes none.
    #[schema(required = false, default = false)]
    pub apply_changes: bool,
    /// Delete the principals that are not in `principals` (built-ins are kept).
    /// `remoteDeleted` and `removeDelete` are other names for it.
    #[schema(required = false, default = true)]
    pub remove_deleted: bool,
    /// The password of new users that carry none.
    #[schema(required = false, format = Password)]
    pub password: String,
}

/// `GET user/list` (admin): every user and group with its direct groups.
#[utoipa::path(
    get,
    path = "/user/list",
    tag = "user",
    summary = "List users and groups",
    description = "Every user and group with the groups it is directly in: groups first, then \
        users, each by name. Administrators only.",
    responses(
        (status = 200, description = "The principals.", body = Vec<searchlight_identity::PrincipalInfo>,
            example = examples::user_list),
        (status = 401, description = "No valid session.",
            body = ErrorBody<'static>, example = examples::not_logged_in),
        (status = 403, description = "The caller is not an administrator.",
            body = ErrorBody<'static>, example = examples::not_admin),
    ),
)]
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
#[utoipa::path(
    post,
    path = "/user/updatepassword",
    tag = "user",
    summary = "Change a password",
    description = "A user changes its own password with its current one; an administrator \
        changes anyone's with the administrator's own password as `currentpassword`. The \
        user's other sessions end.",
    request_body(content(
        (UpdatePasswordForm = "application/x-www-form-urlencoded"),
        (UpdatePasswordForm = "multipart/form-data"),
    )),
    responses(
        (status = 204, description = "Changed."),
        (status = 400, description = "A parameter is missing, the user is unknown or the new \
            password equals the current one.",
            body = ErrorBody<'static>, example = examples::unknown_user),
        (status = 401, description = "No valid session, or the current password is wrong.",
            body = ErrorBody<'static>, example = examples::wrong_current_password),
        (status = 403, description = "Another user's password, and the caller is not an administrator.",
            body = ErrorBody<'static>, example = examples::not_admin),
        (status = 415, description = "A body in a content type that holds no parameters.",
            body = ErrorBody<'static>, example = examples::unsupported_media),
    ),
)]
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
#[utoipa::path(
    post,
    path = "/user/transfer/ownership",
    tag = "user",
    summary = "Transfer object ownership",
    description = TRANSFER_DESCRIPTION,
    params(TransferOwnershipQuery),
    responses(
        (status = 204, description = "Transferred."),
        (status = 400, description = "A user is missing or unknown, or is `system` or `tsadmin`.",
            body = ErrorBody<'static>, example = examples::unknown_user),
        (status = 401, description = "No valid session.",
            body = ErrorBody<'static>, example = examples::not_logged_in),
        (status = 403, description = "The caller is not an administrator.",
            body = ErrorBody<'static>, example = examples::not_admin),
        (status = 415, description = "A body in a content type that holds no parameters.",
            body = ErrorBody<'static>, example = examples::unsupported_media),
    ),
)]
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

/// The same operation under the path the seed's heading names.
#[utoipa::path(
    post,
    path = "/user/ownership",
    tag = "user",
    summary = "Transfer object ownership (alias)",
    description = "The same operation as `user/transfer/ownership`, under the path the v1 \
        documentation's heading names.",
    params(TransferOwnershipQuery),
    responses(
        (status = 204, description = "Transferred."),
        (status = 400, description = "A user is missing or unknown, or is `system` or `tsadmin`.",
            body = ErrorBody<'static>, example = examples::unknown_user),
        (status = 401, description = "No valid session.",
            body = ErrorBody<'static>, example = examples::not_logged_in),
        (status = 403, description = "The caller is not an administrator.",
            body = ErrorBody<'static>, example = examples::not_admin),
        (status = 415, description = "A body in a content type that holds no parameters.",
            body = ErrorBody<'static>, example = examples::unsupported_media),
    ),
)]
pub async fn transfer_ownership_alias(
    state: State<AppState>,
    caller: CurrentUser,
    params: Params,
) -> Result<Response, ApiError> {
    transfer_ownership(state, caller, params).await
}

const TRANSFER_DESCRIPTION: &str = "Moves the objects `fromUserName` owns (or only \
    `objectsID`) to `toUserName`. Neither may be `system` or `tsadmin`. Administrators only. \
    The parameters may also come in a form body.";

/// `POST user/sync` (admin): `principals` (JSON array), `applyChanges` (default false: a
/// dry run), `removeDeleted` (default true; `remoteDeleted` and `removeDelete` are
/// aliases), `password` for new users. 200 with the six change lists.
#[utoipa::path(
    post,
    path = "/user/sync",
    tag = "user",
    summary = "Synchronise users and groups",
    description = "Makes the server's users and groups match `principals`: adds the new, \
        updates the changed (display name, mail, description, visibility, direct groups; \
        never an existing user's password), and with `removeDeleted` deletes the others \
        (their objects go to tsadmin). Built-in principals are never deleted or demoted. \
        One transaction: a bad principal rejects the whole call. Administrators only.",
    request_body(content(
        (SyncForm = "multipart/form-data"),
    )),
    responses(
        (status = 200, description = "What changed (or, in a dry run, would change), by name.",
            body = SyncReport, example = examples::sync_report),
        (status = 400, description = "`principals` is missing or invalid (no name, unknown \
            type, unknown parent group, a membership cycle); nothing changed.",
            body = ErrorBody<'static>, example = examples::invalid_sync),
        (status = 401, description = "No valid session.",
            body = ErrorBody<'static>, example = examples::not_logged_in),
        (status = 403, description = "The caller is not an administrator.",
            body = ErrorBody<'static>, example = examples::not_admin),
        (status = 415, description = "A body in a content type that holds no parameters.",
            body = ErrorBody<'static>, example = examples::unsupported_media),
    ),
)]
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
