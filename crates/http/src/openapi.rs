//! The OpenAPI 3 document of the v1 API, generated from the code.
//!
//! Every handler in [`crate::routes`] carries a `#[utoipa::path]` describing its parameters,
//! request bodies and answers, and the response types derive `ToSchema`. [`crate::api_router`]
//! registers each handler together with its description (utoipa-axum), so the router serves
//! exactly the paths the document lists. [`document`] adds what every operation shares: the
//! session cookie, the `X-Requested-By` header on POST and the internal-error answer.
//!
//! The document is served at `/external/swagger/openapi.json` and drives the Swagger UI at
//! `/external/swagger`.

use std::sync::OnceLock;

use serde_json::{Value, json};
use utoipa::openapi::path::{HttpMethod, Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{
    ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type,
};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as OpenApiDoc, RefOr, Required};
use utoipa::{OpenApi, ToSchema};

use crate::auth::SESSION_COOKIE;
use crate::error::{ErrorBody, client_message};
use searchlight_errors::Error;

/// The name of the session-cookie security scheme.
pub const SESSION_SCHEME: &str = "session";

const INTRO: &str = "\
ThoughtSpot's public REST API v1, as Searchlight serves it.

**Authentication.** Log in with `POST session/login` (form `username`, `password`): the answer \
sets the `JSESSIONID` cookie, which every other call sends back. In this page the browser \
sends it for you once you are logged in.

**Parameters** may be given in the query string, an `application/x-www-form-urlencoded` body \
or a `multipart/form-data` body, merged (the body wins). List parameters accept a JSON array \
`[\"a\",\"b\"]`, `['a','b']`, `[a, b]` or a single bare value; `\"\"`, `[]` and `-1` mean \
\"not given\". Booleans are `true`/`false` in any case.

**Every POST** must carry the `X-Requested-By` header (any value); this page sends \
`X-Requested-By: ThoughtSpot`.

**Errors** answer with a JSON body: `code` (10002 bad request, 10003 authentication or \
authorization, 10000 internal), `incident_id_guid`, `trace_id_guid` and `debug`, a string \
holding a JSON array of messages.";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Searchlight: ThoughtSpot REST API v1",
        version = env!("CARGO_PKG_VERSION"),
        description = INTRO,
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    tags(
        (name = "session", description = "Log in and out (the `JSESSIONID` cookie)."),
        (name = "user", description = "Users and groups: list, passwords, ownership, sync from an external directory."),
        (name = "group", description = "Group privileges."),
        (name = "metadata", description = "Object headers, visualizations, TML import and export, tags, sharing."),
        (name = "data", description = "Search answers and pinboard data, live."),
        (name = "searchlight", description = "Searchlight's own operations beside the v1 API: the engine's statistics."),
    ),
    components(schemas(ErrorBody<'static>)),
)]
struct ApiDoc;

/// The document's starting point: info, tags and the shared schemas, before the routes add
/// their operations.
pub(crate) fn base() -> OpenApiDoc {
    ApiDoc::openapi()
}

/// The complete OpenAPI document of the API the server serves.
pub fn document() -> &'static OpenApiDoc {
    static DOCUMENT: OnceLock<OpenApiDoc> = OnceLock::new();
    DOCUMENT.get_or_init(|| complete(crate::api_router().into_openapi()))
}

/// The document as JSON text.
pub fn document_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        // A document built from typed values always serialises.
        document().to_pretty_json().unwrap_or_default()
    })
}

/// The endpoints that write users, groups, privileges, ownership or objects under the
/// store's lock, and so may answer 409 when another writer holds it too long.
const STORE_WRITERS: [&str; 9] = [
    "/user/sync",
    "/user/transfer/ownership",
    "/user/ownership",
    "/user/updatepassword",
    "/group/addprivilege",
    "/group/removeprivilege",
    "/metadata/tml/import",
    "/metadata/assigntag",
    "/security/share",
];

/// Adds what every operation shares.
fn complete(mut doc: OpenApiDoc) -> OpenApiDoc {
    let components = doc.components.get_or_insert_with(Default::default);
    components.security_schemes.insert(
        SESSION_SCHEME.to_string(),
        RefOr::T(SecurityScheme::ApiKey(ApiKey::Cookie(
            ApiKeyValue::with_description(
                SESSION_COOKIE,
                "The session cookie `session/login` sets. Browsers send it by themselves; \
                 other clients keep it in a cookie jar.",
            ),
        ))),
    );
    doc.security = Some(vec![SecurityRequirement::new(
        SESSION_SCHEME,
        Vec::<String>::new(),
    )]);

    for (path, item) in doc.paths.paths.iter_mut() {
        let writes_store = STORE_WRITERS.iter().any(|writer| path.ends_with(writer));
        for (method, operation) in operations(item) {
            if method == HttpMethod::Post {
                let header = ParameterBuilder::new()
                    .name("X-Requested-By")
                    .parameter_in(ParameterIn::Header)
                    .required(Required::True)
                    .description(Some(
                        "Required on every POST, any value (ThoughtSpot clients send \
                         `ThoughtSpot`). Without it the answer is 400 and nothing changes.",
                    ))
                    .schema(Some(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .default(Some(json!("ThoughtSpot")))
                            .examples([json!("ThoughtSpot")]),
                    ))
                    .build();
                operation
                    .parameters
                    .get_or_insert_with(Vec::new)
                    .insert(0, header.into());
            }
            let responses = &mut operation.responses.responses;
            if method == HttpMethod::Post && !responses.contains_key("413") {
                responses.insert(
                    "413".to_string(),
                    error_response(
                        "The body is larger than this endpoint reads (64 MiB for \
                         `metadata/tml/import` and `user/sync`, 1 MiB for the others); the \
                         connection ends with this answer.",
                        examples::error(Error::BodyTooLarge {
                            limit: "1 MiB".into(),
                        }),
                    )
                    .into(),
                );
            }
            if writes_store {
                responses.insert(
                    "409".to_string(),
                    error_response(
                        "Another request (on this server or a replica sharing the store) was \
                         changing the same users, groups or objects, and this one still could \
                         not write after one more try: nothing changed; send it again.",
                        examples::error(Error::concurrent_change("the users and groups")),
                    )
                    .into(),
                );
            }
            operation.responses.responses.insert(
                "500".to_string(),
                error_response(
                    "An internal fault (never bad input); the server log has the details \
                     under the incident id.",
                    internal_error(),
                )
                .into(),
            );
        }
    }
    doc
}

fn operations(item: &mut utoipa::openapi::PathItem) -> Vec<(HttpMethod, &mut Operation)> {
    let mut found = Vec::new();
    if let Some(op) = item.get.as_mut() {
        found.push((HttpMethod::Get, op));
    }
    if let Some(op) = item.post.as_mut() {
        found.push((HttpMethod::Post, op));
    }
    if let Some(op) = item.put.as_mut() {
        found.push((HttpMethod::Put, op));
    }
    if let Some(op) = item.delete.as_mut() {
        found.push((HttpMethod::Delete, op));
    }
    if let Some(op) = item.patch.as_mut() {
        found.push((HttpMethod::Patch, op));
    }
    found
}

fn error_response(description: &str, example: Value) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                    "ErrorBody",
                ))))
                .example(Some(example))
                .build(),
        )
        .build()
}

// ---- schemas the derive cannot express ---------------------------------------------------

/// One cell of an answer: a string, a number (integers stay integers), a boolean or null;
/// dates as epoch seconds.
fn cell_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::Array(vec![
            Type::String,
            Type::Number,
            Type::Boolean,
            Type::Null,
        ]))
        .description(Some(
            "A value: text, a number (integers stay integers), a boolean or null. DATE and \
             DATE_TIME values are epoch seconds (UTC).",
        ))
}

/// The rows of an answer: arrays in column order (COMPACT) or objects keyed by column name
/// (FULL).
pub(crate) fn rows_schema() -> Schema {
    let compact = ArrayBuilder::new()
        .items(cell_schema())
        .description(Some("COMPACT: the row's values in column order."));
    let full = ObjectBuilder::new()
        .additional_properties(Some(cell_schema()))
        .description(Some("FULL: the row's values keyed by column name."));
    ArrayBuilder::new()
        .items(OneOfBuilder::new().item(compact).item(full))
        .description(Some(
            "The rows of this page: arrays (formattype COMPACT) or objects (FULL).",
        ))
        .into()
}

/// `privilege`: the 11 documented names.
pub(crate) fn privilege_schema() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(
            searchlight_identity::Privilege::ALL
                .iter()
                .map(|p| p.as_str()),
        ))
        .description(Some("A group privilege (case-insensitive)."))
        .examples([json!("DATADOWNLOADING")])
        .into()
}

/// `type` of listobjectheaders.
pub(crate) fn object_type_schema() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(
            searchlight_catalog::listing::TYPES.iter().map(|(t, _)| *t),
        ))
        .description(Some("A metadata object type (case-insensitive)."))
        .examples([json!("PINBOARD_ANSWER_BOOK")])
        .into()
}

/// A string that takes one of `values`.
fn string_enum(values: &[&str], description: &str, default: Option<&str>) -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
        .description(Some(description))
        .default(default.map(|d| json!(d)))
        .into()
}

/// `type` of security/share.
pub(crate) fn share_type_schema() -> Schema {
    string_enum(
        &[
            "QUESTION_ANSWER_BOOK",
            "PINBOARD_ANSWER_BOOK",
            "LOGICAL_TABLE",
        ],
        "The type of the objects.",
        None,
    )
}

/// `import_policy` of metadata/tml/import.
pub(crate) fn import_policy_schema() -> Schema {
    string_enum(
        &["ALL_OR_NONE", "PARTIAL", "VALIDATE_ONLY"],
        "ALL_OR_NONE stores nothing if any document fails; PARTIAL stores the documents that \
         pass; VALIDATE_ONLY only checks.",
        Some("ALL_OR_NONE"),
    )
}

/// `formattype` of metadata/tml/export.
pub(crate) fn tml_format_schema() -> Schema {
    string_enum(&["YAML", "JSON"], "The TML format.", Some("YAML"))
}

/// An object of answers keyed by visualization id (pinboarddata).
pub(crate) fn pinboard_data_schema() -> Schema {
    ObjectBuilder::new()
        .additional_properties(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
            "AnswerData",
        ))))
        .description(Some(
            "One entry per visualization, keyed by its id, in the pinboard's order (or the \
             order of `vizid`).",
        ))
        .into()
}

/// A `string` that holds a v1 list.
pub(crate) fn list_schema() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "A list: a JSON array `[\"a\",\"b\"]`, `['a','b']`, `[a, b]` or one bare value.",
        ))
        .into()
}

// ---- doc-only enums (the handlers parse these leniently, case-insensitive) ---------------

/// `formattype` of searchdata and pinboarddata.
#[derive(ToSchema)]
#[allow(clippy::upper_case_acronyms)]
pub enum DataFormat {
    /// Rows as arrays, with `columnNames`.
    COMPACT,
    /// Rows as objects keyed by column name.
    FULL,
}

/// `category` of listobjectheaders.
#[derive(ToSchema)]
#[allow(clippy::upper_case_acronyms)]
pub enum Category {
    /// Everything the caller may see.
    ALL,
    /// What the caller owns.
    MY,
    /// Always empty (no favorites in Searchlight).
    FAVORITE,
    /// Always empty (no requests in Searchlight).
    REQUESTED,
}

/// `sort` of listobjectheaders.
#[derive(ToSchema)]
#[allow(non_camel_case_types, clippy::upper_case_acronyms)]
pub enum SortKey {
    /// By name.
    DEFAULT,
    NAME,
    DISPLAY_NAME,
    AUTHOR,
    CREATED,
    MODIFIED,
}

// ---- examples ------------------------------------------------------------------------------

/// The example error bodies, built from the error table itself.
pub mod examples {
    use super::*;

    const INCIDENT: &str = "0d6c2d2e-6f1a-4a55-9a3e-2f7f5c1b9e11";
    const TRACE: &str = "7b1e0c55-2f4d-4b8e-9c3a-5d6e7f8091a2";

    /// The body the server sends for `err`.
    pub fn error(err: Error) -> Value {
        json!({
            "code": err.code(),
            "incident_id_guid": INCIDENT,
            "trace_id_guid": TRACE,
            "debug": serde_json::to_string(&[client_message(&err, INCIDENT)]).unwrap_or_default(),
        })
    }

    pub fn missing_parameter(name: &str) -> Value {
        error(Error::missing_parameter(name))
    }

    pub fn not_logged_in() -> Value {
        error(Error::NotLoggedIn)
    }

    pub fn wrong_credentials() -> Value {
        error(Error::WrongCredentials {
            username: "tsadmin".into(),
        })
    }

    pub fn not_admin() -> Value {
        error(Error::PrivilegeRequired {
            user: "analyst".into(),
            privilege: "ADMINISTRATION".into(),
            action: "list users and groups".into(),
        })
    }

    pub fn unsupported_media() -> Value {
        error(Error::UnsupportedContentType {
            content_type: "text/plain".into(),
            expected: "the query string, an application/x-www-form-urlencoded or a \
                       multipart/form-data body"
                .into(),
        })
    }

    pub fn unknown_user() -> Value {
        error(Error::UnknownUser {
            name: "guest9".into(),
        })
    }

    pub fn unknown_object() -> Value {
        error(Error::UnknownObject {
            kind: "pinboard".into(),
            id: "5c7d8e9f-0a1b-4c2d-8e3f-405162738495".into(),
        })
    }

    pub fn unknown_privilege() -> Value {
        error(Error::UnknownPrivilege {
            name: "DATAUPLOADING".into(),
            allowed: searchlight_identity::Privilege::names(),
        })
    }

    pub fn unknown_column() -> Value {
        error(Error::SearchUnknownColumn {
            token: "revenu".into(),
            suggestions: " Did you mean: Revenue?".into(),
        })
    }

    pub fn wrong_current_password() -> Value {
        error(Error::WrongCurrentPassword {
            name: "jdoe".into(),
        })
    }

    pub fn invalid_sync() -> Value {
        error(Error::SyncUnknownParent {
            principal: "mlee".into(),
            group: "Finance".into(),
        })
    }

    pub fn invalid_metadata_type() -> Value {
        error(Error::UnknownMetadataType {
            value: "PINBOARD".into(),
            allowed: searchlight_catalog::listing::TYPES
                .iter()
                .map(|(t, _)| *t)
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    pub fn import_unreadable() -> Value {
        error(Error::ImportObjectsUnreadable {
            reason: "the list is empty".into(),
        })
    }

    pub fn missing_username() -> Value {
        missing_parameter("username")
    }

    pub fn missing_data_source() -> Value {
        missing_parameter("data_source_guid")
    }

    pub fn missing_export_ids() -> Value {
        missing_parameter("export_ids")
    }

    pub fn missing_id() -> Value {
        missing_parameter("id")
    }

    pub fn invalid_share() -> Value {
        error(Error::InvalidSharePermission {
            reason: "expected an object of principal ids to share modes".into(),
        })
    }

    pub fn search_data() -> Value {
        json!({
            "columnNames": ["Region", "Total Revenue"],
            "data": [["east", 18200.5], ["north", 120345.5]],
            "samplingRatio": 1,
            "totalRowCount": 5,
            "rowCount": 2,
            "pageSize": 2,
            "offset": 0
        })
    }

    pub fn pinboard_data() -> Value {
        json!({
            "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b": {
                "name": "Revenue by Region",
                "columnNames": ["Region", "Total Revenue"],
                "data": [["north", 120345.5], ["south", 98012.0], ["west", 45500.25]],
                "samplingRatio": 1,
                "totalRowCount": 3,
                "rowCount": 3,
                "pageSize": 100000,
                "offset": 0
            }
        })
    }

    pub fn engine_stats() -> Value {
        json!({
            "answerCache": {"hits": 1840, "misses": 212, "bytes": 1_572_864,
                            "limitBytes": 268_435_456},
            "memoryTables": {"tables": 3, "bytes": 104_857_600, "loads": 3,
                             "batchesScanned": 5120, "batchesSkipped": 20480},
            "maxConcurrentSearches": 4
        })
    }

    pub fn search_explanation() -> Value {
        json!({
            "logicalPlan": "Sort: o0 ASC NULLS LAST\n  Federated\n Projection: ...",
            "physicalPlan": "SortExec: expr=[o0@0 ASC NULLS LAST]\n  VirtualExecutionPlan name=postgres ...",
            "statements": ["SELECT \"t1\".\"region\" AS \"o0\", sum(\"t0\".\"revenue\") AS \"a0\" FROM ... GROUP BY \"t1\".\"region\""]
        })
    }

    pub fn user_list() -> Value {
        json!([
            {"id": "0e5f8c3a-5b0e-4c7e-9a43-1a2b3c4d5e6f", "name": "Administrator",
             "displayName": "Administration Group", "created": 1354006445722_i64,
             "modified": 1354006445722_i64, "principalTypeEnum": "LOCAL_GROUP",
             "groupNames": [], "visibility": "DEFAULT"},
            {"id": "59481331-ee53-42be-a548-bd87be6ddd4a", "name": "tsadmin",
             "displayName": "Administrator", "mail": "", "created": 1354006445722_i64,
             "modified": 1354006445722_i64, "principalTypeEnum": "LOCAL_USER",
             "groupNames": ["Administrator", "All"], "visibility": "DEFAULT"}
        ])
    }

    pub fn groups() -> Value {
        json!([{"id": "b25ee394-9d13-49e3-9385-cd97f5b253b4", "name": "All",
                "displayName": "All Group", "privileges": ["DATADOWNLOADING"]}])
    }

    pub fn sync_report() -> Value {
        json!({"usersAdded": ["mlee"], "usersDeleted": [], "usersUpdated": [],
               "groupsAdded": ["Finance"], "groupsDeleted": [], "groupsUpdated": []})
    }

    pub fn headers() -> Value {
        json!([{
            "id": "5c7d8e9f-0a1b-4c2d-8e3f-405162738495", "name": "Sales Overview",
            "author": "59481331-ee53-42be-a548-bd87be6ddd4a", "authorName": "tsadmin",
            "created": 1618000000000_i64, "modified": 1619900000000_i64,
            "modifiedBy": "59481331-ee53-42be-a548-bd87be6ddd4a",
            "owner": "59481331-ee53-42be-a548-bd87be6ddd4a", "type": "PINBOARD_ANSWER_BOOK",
            "isAutoCreated": false, "isAutoDelete": false, "tags": []
        }])
    }

    pub fn viz_headers() -> Value {
        json!([
            {"id": "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b", "name": "Total Revenue",
             "author": "59481331-ee53-42be-a548-bd87be6ddd4a", "created": 1619000000000_i64,
             "modified": 1619000500000_i64, "modifiedBy": "59481331-ee53-42be-a548-bd87be6ddd4a",
             "owner": "5c7d8e9f-0a1b-4c2d-8e3f-405162738495", "vizType": "HEADLINE"},
            {"id": "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9", "name": "Revenue by Region",
             "author": "59481331-ee53-42be-a548-bd87be6ddd4a", "created": 1619000000000_i64,
             "modified": 1619000500000_i64, "modifiedBy": "59481331-ee53-42be-a548-bd87be6ddd4a",
             "owner": "5c7d8e9f-0a1b-4c2d-8e3f-405162738495", "vizType": "CHART"}
        ])
    }

    pub fn tml_import() -> Value {
        json!({"object": [{"response": {
            "status": {"status_code": "OK"},
            "header": {"id_guid": "7d2f0c61-3b8e-4e51-a0e4-91c2d8e7f610", "name": "Retail Sales",
                       "type": "worksheet", "metadata_type": "LOGICAL_TABLE"}
        }}]})
    }

    pub fn tml_export() -> Value {
        json!({"object": [{
            "info": {"id": "7d2f0c61-3b8e-4e51-a0e4-91c2d8e7f610", "name": "Retail Sales",
                     "type": "worksheet", "status": {"status_code": "OK"}},
            "edoc": "guid: 7d2f0c61-3b8e-4e51-a0e4-91c2d8e7f610\nworksheet:\n  name: Retail Sales\n"
        }]})
    }

    pub fn internal() -> Value {
        error(Error::internal("example"))
    }
}

fn internal_error() -> Value {
    examples::internal()
}
