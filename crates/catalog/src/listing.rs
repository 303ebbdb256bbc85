//! `metadata/listobjectheaders` and `metadata/listvizheaders`.

use serde::Serialize;

use searchlight_errors::{Error, Result};
use searchlight_store::{HeaderQuery, HeaderRow, HeaderSort, PrincipalKind, Viewer};

use crate::{Actor, Catalog};

/// The metadata types of `listobjectheaders`, with the subtypes each accepts.
pub const TYPES: &[(&str, &[&str])] = &[
    ("QUESTION_ANSWER_BOOK", &[]),
    ("PINBOARD_ANSWER_BOOK", &[]),
    (
        "LOGICAL_TABLE",
        &[
            "ONE_TO_ONE_LOGICAL",
            "WORKSHEET",
            "USER_DEFINED",
            "AGGR_WORKSHEET",
            "PRIVATE_WORKSHEET",
            "SQL_VIEW",
        ],
    ),
    (
        "LOGICAL_COLUMN",
        &["FORMULA", "CALENDAR_TYPE", "CALENDAR_TABLE"],
    ),
    ("DATA_SOURCE", &[]),
    ("TAG", &[]),
    ("USER", &[]),
    ("USER_GROUP", &[]),
];

/// Which objects a listing covers (`category`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    All,
    /// Owned by the caller.
    Mine,
    /// Favorites and requested objects: features Searchlight does not have, so always empty.
    Unsupported,
}

/// The parameters of `listobjectheaders`, parsed.
#[derive(Debug, Clone)]
pub struct HeaderRequest {
    pub object_type: String,
    pub subtypes: Vec<String>,
    pub category: Category,
    pub sort: HeaderSort,
    pub ascending: bool,
    pub offset: usize,
    pub batch_size: Option<usize>,
    pub tag_names: Vec<String>,
    pub pattern: Option<String>,
    pub skip_ids: Vec<String>,
    pub fetch_ids: Option<Vec<String>>,
    pub auto_created: Option<bool>,
}

impl HeaderRequest {
    /// Checks the type and subtypes and makes the request with the defaults.
    pub fn new(object_type: &str, subtypes: Vec<String>) -> Result<Self> {
        let object_type = object_type.trim().to_ascii_uppercase();
        let allowed = TYPES
            .iter()
            .find(|(t, _)| *t == object_type)
            .map(|(_, s)| *s)
            .ok_or_else(|| Error::UnknownMetadataType {
                value: object_type.clone(),
                allowed: TYPES.iter().map(|(t, _)| *t).collect::<Vec<_>>().join(", "),
            })?;
        let subtypes = subtypes
            .into_iter()
            .map(|s| {
                let s = s.trim().to_ascii_uppercase();
                if allowed.contains(&s.as_str()) {
                    Ok(s)
                } else {
                    Err(Error::UnknownMetadataSubtype {
                        value: s,
                        object_type: object_type.clone(),
                        allowed: if allowed.is_empty() {
                            "none (this type has no subtypes)".into()
                        } else {
                            allowed.join(", ")
                        },
                    })
                }
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            object_type,
            subtypes,
            category: Category::All,
            sort: HeaderSort::Name,
            ascending: true,
            offset: 0,
            batch_size: None,
            tag_names: Vec::new(),
            pattern: None,
            skip_ids: Vec::new(),
            fetch_ids: None,
            auto_created: None,
        })
    }
}

/// Parses `category`.
pub fn parse_category(value: &str) -> Result<Category> {
    match value.trim().to_ascii_uppercase().as_str() {
        "ALL" => Ok(Category::All),
        "MY" => Ok(Category::Mine),
        "FAVORITE" | "REQUESTED" => Ok(Category::Unsupported),
        _ => Err(Error::invalid_parameter(
            "category",
            value,
            "ALL, MY, FAVORITE or REQUESTED",
        )),
    }
}

/// Parses `sort`.
pub fn parse_sort(value: &str) -> Result<HeaderSort> {
    match value.trim().to_ascii_uppercase().as_str() {
        "DEFAULT" | "NAME" => Ok(HeaderSort::Name),
        "DISPLAY_NAME" => Ok(HeaderSort::DisplayName),
        "AUTHOR" => Ok(HeaderSort::Author),
        "CREATED" => Ok(HeaderSort::Created),
        "MODIFIED" => Ok(HeaderSort::Modified),
        _ => Err(Error::invalid_parameter(
            "sort",
            value,
            "DEFAULT, NAME, DISPLAY_NAME, AUTHOR, CREATED or MODIFIED",
        )),
    }
}

/// A tag as a header shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TagRef {
    pub id: String,
    pub name: String,
}

/// One header of `listobjectheaders`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "id": "7d2f0c61-3b8e-4e51-a0e4-91c2d8e7f610", "name": "Retail Sales",
    "author": "59481331-ee53-42be-a548-bd87be6ddd4a", "authorName": "tsadmin",
    "created": 1618000000000_i64, "modified": 1619900000000_i64,
    "modifiedBy": "59481331-ee53-42be-a548-bd87be6ddd4a",
    "owner": "59481331-ee53-42be-a548-bd87be6ddd4a", "type": "LOGICAL_TABLE",
    "subtype": "WORKSHEET", "isAutoCreated": false, "isAutoDelete": false, "tags": []
}))]
pub struct Header {
    /// The object's GUID.
    pub id: String,
    pub name: String,
    /// USER and USER_GROUP headers only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Present when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The owning user's GUID.
    pub author: String,
    pub author_name: String,
    /// Epoch milliseconds.
    pub created: i64,
    /// Epoch milliseconds.
    pub modified: i64,
    /// GUID of the user who changed the object last.
    pub modified_by: String,
    /// The owning user's GUID (the same as `author`).
    pub owner: String,
    /// The metadata type.
    #[serde(rename = "type")]
    pub object_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtype: Option<String>,
    pub is_auto_created: bool,
    pub is_auto_delete: bool,
    pub tags: Vec<TagRef>,
}

impl From<HeaderRow> for Header {
    fn from(row: HeaderRow) -> Self {
        Self {
            author: row.owner_id.clone(),
            author_name: if row.owner_name.is_empty() {
                row.name.clone()
            } else {
                row.owner_name
            },
            owner: row.owner_id,
            id: row.id,
            name: row.name,
            display_name: row.display_name,
            description: row.description.filter(|d| !d.is_empty()),
            created: row.created,
            modified: row.modified,
            modified_by: row.modified_by,
            object_type: row.object_type,
            subtype: row.subtype,
            is_auto_created: row.is_auto_created,
            is_auto_delete: false,
            tags: row
                .tags
                .into_iter()
                .map(|(id, name)| TagRef { id, name })
                .collect(),
        }
    }
}

/// One visualization of `listvizheaders`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "id": "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b", "name": "Revenue by Region",
    "author": "59481331-ee53-42be-a548-bd87be6ddd4a", "created": 1619000000000_i64,
    "modified": 1619000500000_i64, "modifiedBy": "59481331-ee53-42be-a548-bd87be6ddd4a",
    "owner": "5c7d8e9f-0a1b-4c2d-8e3f-405162738495", "vizType": "CHART"
}))]
pub struct VizHeader {
    /// The visualization's GUID (pinboarddata's `vizid`).
    pub id: String,
    pub name: String,
    /// GUID of the containing object's owner.
    pub author: String,
    /// Epoch milliseconds.
    pub created: i64,
    /// Epoch milliseconds.
    pub modified: i64,
    pub modified_by: String,
    /// The containing pinboard or answer.
    pub owner: String,
    /// `CHART`, `TABLE` or `HEADLINE`.
    #[schema(example = "CHART")]
    pub viz_type: String,
}

impl Catalog {
    /// `listobjectheaders`: one page of the headers the actor may see.
    pub async fn list_headers(
        &self,
        actor: &Actor,
        request: &HeaderRequest,
    ) -> Result<Vec<Header>> {
        if request.category == Category::Unsupported {
            return Ok(Vec::new());
        }
        let everyone_sees = matches!(request.object_type.as_str(), "TAG" | "USER" | "USER_GROUP");
        let viewer = Viewer {
            sees_everything: actor.viewer.sees_everything || everyone_sees,
            ..actor.viewer.clone()
        };
        let query = HeaderQuery {
            object_type: request.object_type.clone(),
            subtypes: request.subtypes.clone(),
            viewer,
            owner_id: (request.category == Category::Mine).then(|| actor.viewer.user_id.clone()),
            pattern: request.pattern.clone(),
            tag_names: request.tag_names.clone(),
            fetch_ids: request.fetch_ids.clone(),
            skip_ids: request.skip_ids.clone(),
            auto_created: request.auto_created,
            sort: request.sort,
            ascending: request.ascending,
            offset: request.offset,
            limit: request.batch_size,
        };
        let rows = match request.object_type.as_str() {
            "USER" | "USER_GROUP" => {
                if request.category == Category::Mine
                    || !request.tag_names.is_empty()
                    || request.auto_created == Some(true)
                {
                    return Ok(Vec::new());
                }
                let kind = if request.object_type == "USER" {
                    PrincipalKind::User
                } else {
                    PrincipalKind::Group
                };
                self.store.list_principal_headers(kind, &query).await?
            }
            _ => self.store.list_headers(&query).await?,
        };
        Ok(rows.into_iter().map(Header::from).collect())
    }

    /// `listvizheaders`: the visualizations of a pinboard or answer the actor may read.
    pub async fn list_viz_headers(&self, actor: &Actor, id: &str) -> Result<Vec<VizHeader>> {
        let object = self.readable(actor, id, "pinboard or answer").await?;
        if !matches!(
            object.object_type.as_str(),
            "PINBOARD_ANSWER_BOOK" | "QUESTION_ANSWER_BOOK"
        ) {
            return Err(Error::UnknownObject {
                kind: "pinboard or answer".into(),
                id: id.to_string(),
            });
        }
        Ok(self
            .store
            .visualizations(id)
            .await?
            .into_iter()
            .map(|v| VizHeader {
                id: v.id,
                name: v.name,
                author: object.owner_id.clone(),
                created: v.created,
                modified: v.modified,
                modified_by: v.modified_by,
                owner: object.id.clone(),
                viz_type: v.viz_type,
            })
            .collect())
    }
}
