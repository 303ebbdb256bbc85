//! `metadata/listobjectheaders`, `metadata/listvizheaders`, `metadata/tml/import`,
//! `metadata/tml/export`, `metadata/assigntag`, `security/share`.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;

use super::no_content;
use crate::AppState;
use crate::auth::{CallerExt, CurrentUser};
use crate::error::ApiError;
use crate::error::ErrorBody;
use crate::openapi::{Category, SortKey, examples};
use crate::params::Params;
use crate::pyliteral;
use searchlight_catalog::export::Exported;
use searchlight_catalog::listing::{Header, HeaderRequest, VizHeader, parse_category, parse_sort};
use searchlight_catalog::share::parse_permissions;
use searchlight_catalog::tml::TmlFormat;
use searchlight_catalog::{
    DocumentContent, ImportPolicy, ImportReport, ImportRequest, SourceDocument,
};
use searchlight_errors::{Error, Result};
use searchlight_identity::Privilege;
use searchlight_identity::builtin::ALL_GROUP_ID;

/// The parameters of `metadata/listobjectheaders`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListObjectHeadersQuery {
    /// The metadata type.
    #[param(schema_with = crate::openapi::object_type_schema)]
    pub r#type: String,
    /// Subtypes of the type (a list). LOGICAL_TABLE: ONE_TO_ONE_LOGICAL, WORKSHEET,
    /// USER_DEFINED, AGGR_WORKSHEET, PRIVATE_WORKSHEET, SQL_VIEW; LOGICAL_COLUMN: FORMULA,
    /// CALENDAR_TYPE, CALENDAR_TABLE.
    #[param(schema_with = crate::openapi::list_schema, example = "[\"WORKSHEET\"]")]
    pub subtypes: Option<String>,
    /// Which objects: ALL (default) or MY (owned by the caller).
    #[param(inline)]
    pub category: Option<Category>,
    /// The sort key; DEFAULT sorts by name.
    #[param(inline)]
    pub sort: Option<SortKey>,
    /// Ascending (default) or descending.
    #[param(default = true)]
    pub sortascending: Option<bool>,
    /// The first item to answer (0-based); -1 = 0.
    #[param(default = -1, minimum = -1)]
    pub offset: Option<i64>,
    /// How many items; -1 = all.
    #[param(default = -1, minimum = -1)]
    pub batchsize: Option<i64>,
    /// Only objects carrying these tags (a list of tag names).
    #[param(schema_with = crate::openapi::list_schema)]
    pub tagname: Option<String>,
    /// Name pattern, case-insensitive, `%` is the wildcard; also matches the author's name.
    #[param(example = "%sales%")]
    pub pattern: Option<String>,
    /// Leave out these ids (a list).
    #[param(schema_with = crate::openapi::list_schema)]
    pub skipids: Option<String>,
    /// Only these ids (a list).
    #[param(schema_with = crate::openapi::list_schema)]
    pub fetchids: Option<String>,
    /// Only auto-created objects (`true`) or only the others (`false`).
    pub auto_created: Option<bool>,
}

/// `GET metadata/listobjectheaders`: every parameter of the v1 API.
#[utoipa::path(
    get,
    path = "/metadata/listobjectheaders",
    tag = "metadata",
    summary = "List object headers",
    description = "The headers of the objects of a type the caller may see: administrators see \
        everything, others what they own and what is shared with them or their groups.",
    params(ListObjectHeadersQuery),
    responses(
        (status = 200, description = "One page of headers.", body = Vec<Header>,
            example = examples::headers),
        (status = 400, description = "Missing or unknown type or subtype, or a bad parameter value.",
            body = ErrorBody<'static>, example = examples::invalid_metadata_type),
        (status = 401, description = "No valid session.",
            body = ErrorBody<'static>, example = examples::not_logged_in),
        (status = 415, description = "A body in a content type that holds no parameters.",
            body = ErrorBody<'static>, example = examples::unsupported_media),
    ),
)]
pub async fn list_object_headers(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    params: Params,
) -> Result<Json<Vec<Header>>, ApiError> {
    let object_type = params.required(&["type"])?;
    let mut request =
        HeaderRequest::new(object_type, params.list(&["subtypes"]).unwrap_or_default())?;
    if let Some(category) = params.text(&["category"]) {
        request.category = parse_category(category)?;
    }
    if let Some(sort) = params.text(&["sort"]) {
        request.sort = parse_sort(sort)?;
    }
    request.ascending = params.bool(&["sortascending"], true)?;
    request.offset = non_negative(&params, "offset")?.unwrap_or(0);
    request.batch_size = non_negative(&params, "batchsize")?;
    request.tag_names = params.list(&["tagname"]).unwrap_or_default();
    request.pattern = params.text(&["pattern"]).map(str::to_string);
    request.skip_ids = id_list(&params, "skipids")?.unwrap_or_default();
    request.fetch_ids = id_list(&params, "fetchids")?;
    request.auto_created = match params.text(&["auto_created"]) {
        None => None,
        Some(_) => Some(params.bool(&["auto_created"], false)?),
    };
    Ok(Json(
        state
            .catalog
            .list_headers(&caller.actor(), &request)
            .await?,
    ))
}

/// An integer parameter that must be ≥ 0 when given (`-1` means not given).
fn non_negative(params: &Params, name: &str) -> Result<Option<usize>> {
    match params.int(&[name])? {
        None => Ok(None),
        Some(n) if n >= 0 => Ok(Some(n as usize)),
        Some(n) => Err(Error::invalid_parameter(
            name,
            n.to_string(),
            "a number ≥ 0, or -1 for the default",
        )),
    }
}

/// The most ids `fetchids` or `skipids` may name in one call.
const MAX_IDS: usize = 10_000;

/// A list of object ids, at most [`MAX_IDS`] long (the store binds each id as a statement
/// parameter, and a listing is no place for an unbounded list).
fn id_list(params: &Params, name: &str) -> Result<Option<Vec<String>>> {
    match params.list(&[name]) {
        Some(ids) if ids.len() > MAX_IDS => Err(Error::invalid_parameter(
            name,
            format!("{} ids", ids.len()),
            format!("at most {MAX_IDS} ids"),
        )),
        ids => Ok(ids),
    }
}

/// The parameters of `metadata/listvizheaders`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListVizHeadersQuery {
    /// The GUID of a pinboard or a saved answer.
    #[param(example = "5c7d8e9f-0a1b-4c2d-8e3f-405162738495")]
    pub id: String,
}

/// `GET metadata/listvizheaders?id=`: the visualizations of a pinboard or answer.
#[utoipa::path(
    get,
    path = "/metadata/listvizheaders",
    tag = "metadata",
    summary = "List the visualizations of a pinboard or answer",
    description = "One entry per visualization, with its `vizType`: CHART, TABLE or HEADLINE. \
        The ids are pinboarddata's `vizid`.",
    params(ListVizHeadersQuery),
    responses(
        (status = 200, description = "The visualizations, in order.", body = Vec<VizHeader>,
            example = examples::viz_headers),
        (status = 400, description = "`id` is missing, unknown, or not visible to the caller.",
            body = ErrorBody<'static>, example = examples::unknown_object),
        (status = 401, description = "No valid session.",
            body = ErrorBody<'static>, example = examples::not_logged_in),
        (status = 415, description = "A body in a content type that holds no parameters.",
            body = ErrorBody<'static>, example = examples::unsupported_media),
    ),
)]
pub async fn list_viz_headers(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    params: Params,
) -> Result<Json<Vec<VizHeader>>, ApiError> {
    let id = params.required(&["id"])?;
    Ok(Json(
        state.catalog.list_viz_headers(&caller.actor(), id).await?,
    ))
}

/// Reads `import_objects`: a JSON array, or Python's `str()` of a list, of TML documents,
/// each a YAML/JSON string or an already parsed object.
fn import_objects(raw: &str) -> Result<Vec<DocumentContent>> {
    let unreadable = |reason: String| Error::ImportObjectsUnreadable { reason };
    let value = match serde_json::from_str::<Value>(raw) {
        Ok(value) => value,
        Err(json_error) => pyliteral::parse(raw)
            .map_err(|e| unreadable(format!("{e} (and as JSON: {json_error})")))?,
    };
    let items = match value {
        Value::Array(items) => items,
        Value::String(text) => vec![Value::String(text)],
        other => return Err(unreadable(format!("got {}", kind_of(&other)))),
    };
    if items.is_empty() {
        return Err(unreadable("the list is empty".into()));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::String(text) => Ok(DocumentContent::Text(text)),
            Value::Object(_) => Ok(DocumentContent::Tree(item)),
            other => Err(unreadable(format!(
                "item {i} is {}, not a TML document",
                kind_of(&other)
            ))),
        })
        .collect()
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The outcome of one document.
#[derive(Serialize, utoipa::ToSchema)]
struct ImportStatusBody {
    /// `OK`, `WARNING` or `ERROR`.
    #[schema(example = "OK")]
    status_code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_code: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<String>,
}

/// The object a document created or updated.
#[derive(Serialize, utoipa::ToSchema)]
struct ImportHeaderBody {
    id_guid: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    metadata_type: String,
}

#[derive(Serialize, utoipa::ToSchema)]
struct ImportResponseBody {
    status: ImportStatusBody,
    #[serde(skip_serializing_if = "Option::is_none")]
    header: Option<ImportHeaderBody>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct ImportEntry {
    response: ImportResponseBody,
}

/// The v1 shape of an import's outcome, one entry per document in request order.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ImportResponse {
    object: Vec<ImportEntry>,
}

impl From<ImportReport> for ImportResponse {
    fn from(report: ImportReport) -> Self {
        let object = report
            .outcomes
            .into_iter()
            .map(|o| {
                let error = o.status == searchlight_catalog::ImportStatus::Error;
                ImportEntry {
                    response: ImportResponseBody {
                        status: ImportStatusBody {
                            status_code: o.status.as_str(),
                            error_code: error.then_some(searchlight_errors::code::BAD_REQUEST),
                            error_message: (!o.messages.is_empty()).then(|| o.messages.join("\n")),
                        },
                        header: o.id.map(|id| ImportHeaderBody {
                            id_guid: id,
                            name: o.name.unwrap_or_default(),
                            kind: o.kind.map(|k| k.key().to_string()).unwrap_or_default(),
                            metadata_type: o
                                .kind
                                .map(|k| k.object_type().to_string())
                                .unwrap_or_default(),
                        }),
                    },
                }
            })
            .collect();
        Self { object }
    }
}

/// The form of `metadata/tml/import`.
#[derive(utoipa::ToSchema)]
pub struct TmlImportForm {
    /// The TML documents: a JSON array of YAML or JSON strings (Python's `str()` of a list
    /// works too).
    #[schema(example = "[\"tag:\\n  name: Finance\\n\"]")]
    pub import_objects: String,
    #[schema(required = false, schema_with = crate::openapi::import_policy_schema)]
    pub import_policy: String,
    /// Create new objects even for documents carrying the GUID of an existing one.
    #[schema(required = false, default = false)]
    pub force_create: bool,
    /// Do not share the new objects with the All group (they are shared with All only when
    /// the caller holds SHAREWITHALL or ADMINISTRATION).
    #[schema(required = false, default = false)]
    pub private: bool,
}

/// `POST metadata/tml/import` (ADMINISTRATION or DATAMANAGEMENT): `import_objects`,
/// `import_policy` (ALL_OR_NONE), `force_create`, `private`. 200 with each document's
/// outcome; the caller owns what it creates.
#[utoipa::path(
    post,
    path = "/metadata/tml/import",
    tag = "metadata",
    summary = "Import TML",
    description = "Creates or updates connections, tables, worksheets, answers and pinboards \
        from TML. Needs ADMINISTRATION or DATAMANAGEMENT. The caller owns what it creates, \
        shared read-only with All unless `private` or the caller lacks SHAREWITHALL (and \
        ADMINISTRATION). A connection's `password` is stored encrypted, apart from its TML, \
        which keeps `********` in its place; `password_env` (an environment variable the \
        server reads) is preferred.",
    request_body(content(
        (TmlImportForm = "application/x-www-form-urlencoded"),
        (TmlImportForm = "multipart/form-data"),
    )),
    responses(
        (status = 200, description = "Each document's outcome, in request order.",
            body = ImportResponse, example = examples::tml_import),
        (status = 400, description = "`import_objects` is missing or not a list of documents.",
            body = ErrorBody<'static>, example = examples::import_unreadable),
        (status = 401, description = "No valid session.",
            body = ErrorBody<'static>, example = examples::not_logged_in),
        (status = 403, description = "The caller holds neither ADMINISTRATION nor DATAMANAGEMENT.",
            body = ErrorBody<'static>, example = examples::not_admin),
        (status = 415, description = "A body in a content type that holds no parameters.",
            body = ErrorBody<'static>, example = examples::unsupported_media),
    ),
)]
pub async fn tml_import(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    params: Params,
) -> Result<Json<ImportResponse>, ApiError> {
    if !(caller.is_admin() || caller.has(Privilege::DataManagement)) {
        return Err(Error::PrivilegeRequired {
            user: caller.name.clone(),
            privilege: "DATAMANAGEMENT (or ADMINISTRATION)".into(),
            action: "import TML".into(),
        }
        .into());
    }
    let documents = import_objects(params.required(&["import_objects"])?)?
        .into_iter()
        .enumerate()
        .map(|(i, content)| SourceDocument {
            origin: format!("import_objects[{i}]"),
            content,
            base_dir: state.settings.data_dir.clone(),
        })
        .collect();
    let policy = match params.text(&["import_policy"]) {
        Some(p) => p.parse::<ImportPolicy>()?,
        None => ImportPolicy::AllOrNone,
    };
    let private = params.bool(&["private"], false)?;
    let request = ImportRequest {
        documents,
        policy,
        force_create: params.bool(&["force_create"], false)?,
        owner_id: caller.user_id.clone(),
        importer_id: caller.user_id.clone(),
        // New objects are shared with All only by those who may share with All; for the
        // others an import is private (docs/DECISIONS.md, "Hardening").
        share_with: if private || !may_share_with_all(&caller) {
            Vec::new()
        } else {
            vec![ALL_GROUP_ID.to_string()]
        },
        editor: Some(caller.actor().viewer),
    };
    Ok(Json(state.catalog.import(&request).await?.into()))
}

#[derive(Serialize, utoipa::ToSchema)]
struct ExportInfo {
    id: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    status: ImportStatusBody,
}

#[derive(Serialize, utoipa::ToSchema)]
struct ExportEntry {
    /// The TML document.
    info: ExportInfo,
    edoc: String,
}

/// The v1 shape of an export.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ExportResponse {
    object: Vec<ExportEntry>,
}

impl From<Vec<Exported>> for ExportResponse {
    fn from(exported: Vec<Exported>) -> Self {
        Self {
            object: exported
                .into_iter()
                .map(|e| ExportEntry {
                    info: ExportInfo {
                        id: e.id,
                        name: e.name,
                        kind: e.kind,
                        status: ImportStatusBody {
                            status_code: "OK",
                            error_code: None,
                            error_message: None,
                        },
                    },
                    edoc: e.text,
                })
                .collect(),
        }
    }
}

/// The form of `metadata/tml/export`.
#[derive(utoipa::ToSchema)]
pub struct TmlExportForm {
    /// The objects to export (a list of GUIDs).
    #[schema(schema_with = crate::openapi::list_schema)]
    pub export_ids: String,
    #[schema(required = false, schema_with = crate::openapi::tml_format_schema)]
    pub formattype: String,
}

/// `POST metadata/tml/export`: `export_ids`, `formattype` (YAML or JSON).
#[utoipa::path(
    post,
    path = "/metadata/tml/export",
    tag = "metadata",
    summary = "Export TML",
    description = "The TML of objects the caller may see (at most 1000 distinct ids; repeats \
        are exported once). Connection passwords and other secrets show as `********`, which \
        an import of the export keeps.",
    request_body(content(
        (TmlExportForm = "application/x-www-form-urlencoded"),
        (TmlExportForm = "multipart/form-data"),
    )),
    responses(
        (status = 200, description = "One document per object.", body = ExportResponse,
            example = examples::tml_export),
        (status = 400, description = "`export_ids` is missing or too long, or an object is unknown or not visible.",
            body = ErrorBody<'static>, example = examples::missing_export_ids),
        (status = 401, description = "No valid session.",
            body = ErrorBody<'static>, example = examples::not_logged_in),
        (status = 415, description = "A body in a content type that holds no parameters.",
            body = ErrorBody<'static>, example = examples::unsupported_media),
    ),
)]
pub async fn tml_export(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    params: Params,
) -> Result<Json<ExportResponse>, ApiError> {
    let ids = params
        .list(&["export_ids"])
        .ok_or_else(|| Error::missing_parameter("export_ids"))?;
    let format = match params
        .text(&["formattype"])
        .map(|f| f.trim().to_ascii_uppercase())
    {
        None => TmlFormat::Yaml,
        Some(f) if f == "YAML" => TmlFormat::Yaml,
        Some(f) if f == "JSON" => TmlFormat::Json,
        Some(other) => {
            return Err(Error::invalid_parameter("formattype", other, "YAML or JSON").into());
        }
    };
    Ok(Json(
        state
            .catalog
            .export(&caller.actor(), &ids, format)
            .await?
            .into(),
    ))
}

/// The form of `security/share`.
#[derive(utoipa::ToSchema)]
pub struct ShareForm {
    #[schema(schema_with = crate::openapi::share_type_schema)]
    pub r#type: String,
    /// The objects (a list of GUIDs).
    #[schema(schema_with = crate::openapi::list_schema)]
    pub id: String,
    /// `{"permissions": {"<principal id>": {"shareMode": "READ_ONLY"}}}`; share modes
    /// READ_ONLY, MODIFY, NO_ACCESS (removes access).
    #[schema(
        example = "{\"permissions\": {\"b25ee394-9d13-49e3-9385-cd97f5b253b4\": {\"shareMode\": \"READ_ONLY\"}}}"
    )]
    pub permission: String,
}

/// `POST security/share`: `type`, `id` (list), `permission` (JSON). 204.
#[utoipa::path(
    post,
    path = "/security/share",
    tag = "metadata",
    summary = "Share objects",
    description = "Changes who may see objects. Only an object's owner or an administrator may; \
        sharing with the All group needs SHAREWITHALL (or ADMINISTRATION). At most 1000 \
        distinct ids, 1000 principals and 10000 object and principal pairs per call.",
    request_body(content(
        (ShareForm = "application/x-www-form-urlencoded"),
        (ShareForm = "multipart/form-data"),
    )),
    responses(
        (status = 204, description = "Shared."),
        (status = 400, description = "A parameter is missing or invalid, or an object or principal is unknown.",
            body = ErrorBody<'static>, example = examples::invalid_share),
        (status = 401, description = "No valid session.",
            body = ErrorBody<'static>, example = examples::not_logged_in),
        (status = 403, description = "The caller neither owns the object nor is an administrator, or shares with All without SHAREWITHALL.",
            body = ErrorBody<'static>, example = examples::not_admin),
        (status = 415, description = "A body in a content type that holds no parameters.",
            body = ErrorBody<'static>, example = examples::unsupported_media),
    ),
)]
pub async fn share(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    params: Params,
) -> Result<Response, ApiError> {
    let object_type = params.required(&["type"])?;
    let ids = params
        .list(&["id"])
        .ok_or_else(|| Error::missing_parameter("id"))?;
    let changes = parse_permissions(params.required(&["permission"])?)?;
    let grants_all = changes
        .iter()
        .any(|(principal, mode)| principal == ALL_GROUP_ID && mode.is_some());
    if grants_all && !may_share_with_all(&caller) {
        return Err(Error::PrivilegeRequired {
            user: caller.name.clone(),
            privilege: "SHAREWITHALL (or ADMINISTRATION)".into(),
            action: "share objects with the All group".into(),
        }
        .into());
    }
    state
        .catalog
        .share(&caller.actor(), object_type, &ids, &changes)
        .await?;
    Ok(no_content())
}

/// Whether the caller may share objects with the All group: administrators and holders of
/// SHAREWITHALL, as in ThoughtSpot ("Only users with either the Can administer ThoughtSpot or
/// Can share with all users privilege can share an object with the All group").
fn may_share_with_all(caller: &searchlight_identity::Caller) -> bool {
    caller.is_admin() || caller.has(Privilege::ShareWithAll)
}

/// The form of `metadata/assigntag`.
#[derive(utoipa::ToSchema)]
pub struct AssignTagForm {
    /// The objects (a list of GUIDs).
    #[schema(schema_with = crate::openapi::list_schema)]
    pub id: String,
    /// The objects' type (informational).
    #[schema(required = false)]
    pub r#type: String,
    /// The tags (a list of names). Tags that do not exist are created, which only
    /// administrators may do.
    #[schema(schema_with = crate::openapi::list_schema)]
    pub tagname: String,
}

/// `POST metadata/assigntag`: `id` (list), `type`, `tagname` (list; new tags are created,
/// by administrators only). The caller must be allowed to change every object. 204.
#[utoipa::path(
    post,
    path = "/metadata/assigntag",
    tag = "metadata",
    summary = "Tag objects",
    description = "Attaches tags to objects the caller may change: its own, any as an \
        administrator, or those shared with the caller (or a group of theirs) with MODIFY. Only \
        administrators create tags that do not exist yet. At most 1000 distinct ids, 1000 tag \
        names and 10000 object and tag pairs per call.",
    request_body(content(
        (AssignTagForm = "application/x-www-form-urlencoded"),
        (AssignTagForm = "multipart/form-data"),
    )),
    responses(
        (status = 204, description = "Tagged."),
        (status = 400, description = "A parameter is missing, or an object is unknown or not visible.",
            body = ErrorBody<'static>, example = examples::missing_id),
        (status = 401, description = "No valid session.",
            body = ErrorBody<'static>, example = examples::not_logged_in),
        (status = 403, description = "The caller may not change the object, or names a new tag without being an administrator.",
            body = ErrorBody<'static>, example = examples::not_admin),
        (status = 415, description = "A body in a content type that holds no parameters.",
            body = ErrorBody<'static>, example = examples::unsupported_media),
    ),
)]
pub async fn assign_tag(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    params: Params,
) -> Result<Response, ApiError> {
    let ids = params
        .list(&["id"])
        .ok_or_else(|| Error::missing_parameter("id"))?;
    let tags = params
        .list(&["tagname"])
        .ok_or_else(|| Error::missing_parameter("tagname"))?;
    state
        .catalog
        .assign_tags(&caller.actor(), &ids, &tags)
        .await?;
    Ok(no_content())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_objects_accepts_json_python_and_objects() {
        assert_eq!(
            import_objects(r#"["table: {name: a}", "answer: {name: b}"]"#)
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            import_objects("['table:\\n  name: a\\n']").unwrap().len(),
            1
        );
        assert!(matches!(
            import_objects(r#"[{"table": {"name": "a"}}]"#).unwrap()[0],
            DocumentContent::Tree(_)
        ));
        assert_eq!(
            import_objects("[]").unwrap_err().name(),
            "ImportObjectsUnreadable"
        );
        assert_eq!(
            import_objects("[1]").unwrap_err().name(),
            "ImportObjectsUnreadable"
        );
        assert_eq!(
            import_objects("{oops").unwrap_err().name(),
            "ImportObjectsUnreadable"
        );
    }
}
