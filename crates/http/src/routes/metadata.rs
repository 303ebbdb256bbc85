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

/// `GET metadata/listobjectheaders`: every parameter of the v1 API.
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
    request.skip_ids = params.list(&["skipids"]).unwrap_or_default();
    request.fetch_ids = params.list(&["fetchids"]);
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

/// `GET metadata/listvizheaders?id=`: the visualizations of a pinboard or answer.
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

#[derive(Serialize)]
struct ImportStatusBody {
    status_code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_code: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<String>,
}

#[derive(Serialize)]
struct ImportHeaderBody {
    id_guid: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    metadata_type: String,
}

#[derive(Serialize)]
struct ImportResponseBody {
    status: ImportStatusBody,
    #[serde(skip_serializing_if = "Option::is_none")]
    header: Option<ImportHeaderBody>,
}

#[derive(Serialize)]
struct ImportEntry {
    response: ImportResponseBody,
}

/// The v1 shape of an import's outcome, one entry per document in request order.
#[derive(Serialize)]
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

/// `POST metadata/tml/import` (ADMINISTRATION or DATAMANAGEMENT): `import_objects`,
/// `import_policy` (ALL_OR_NONE), `force_create`, `private`. 200 with each document's
/// outcome; the caller owns what it creates.
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
        share_with: if private {
            Vec::new()
        } else {
            vec![ALL_GROUP_ID.to_string()]
        },
        editor: Some(caller.actor().viewer),
    };
    Ok(Json(state.catalog.import(&request).await?.into()))
}

#[derive(Serialize)]
struct ExportInfo {
    id: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    status: ImportStatusBody,
}

#[derive(Serialize)]
struct ExportEntry {
    info: ExportInfo,
    edoc: String,
}

/// The v1 shape of an export.
#[derive(Serialize)]
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

/// `POST metadata/tml/export`: `export_ids`, `formattype` (YAML or JSON).
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

/// `POST security/share`: `type`, `id` (list), `permission` (JSON). 204.
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
    state
        .catalog
        .share(&caller.actor(), object_type, &ids, &changes)
        .await?;
    Ok(no_content())
}

/// `POST metadata/assigntag`: `id` (list), `type`, `tagname` (list; new tags are created).
/// 204.
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
