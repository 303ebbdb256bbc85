//! `searchdata` and `pinboarddata`: answers in the v1 COMPACT or FULL shape.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::AppState;
use crate::auth::{CallerExt, CurrentUser};
use crate::error::ApiError;
use crate::params::Params;
use searchlight_engine::answers::{PageRequest, PageWindow, RuntimeFilter};
use searchlight_engine::{Cell, SearchResult};
use searchlight_errors::{Error, Result};

/// `formattype`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// `columnNames` plus rows as arrays.
    Compact,
    /// Rows as objects keyed by column name.
    Full,
}

fn format(params: &Params) -> Result<Format> {
    match params
        .text(&["formattype"])
        .map(|f| f.trim().to_ascii_uppercase())
    {
        None => Ok(Format::Compact),
        Some(f) if f == "COMPACT" => Ok(Format::Compact),
        Some(f) if f == "FULL" => Ok(Format::Full),
        Some(other) => Err(Error::invalid_parameter(
            "formattype",
            other,
            "COMPACT or FULL",
        )),
    }
}

fn page_request(params: &Params) -> Result<PageRequest> {
    Ok(PageRequest {
        batch_size: params.int(&["batchsize"])?,
        page_number: params.int(&["pagenumber"])?,
        offset: params.int(&["offset"])?,
    })
}

/// One row of a FULL answer: the cells keyed by column name, in column order.
struct FullRow<'a> {
    columns: &'a [String],
    cells: &'a [Cell],
}

impl Serialize for FullRow<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.columns.len()))?;
        for (column, cell) in self.columns.iter().zip(self.cells) {
            map.serialize_entry(column, cell)?;
        }
        map.end()
    }
}

/// The rows of an answer in the requested format.
struct Rows<'a> {
    format: Format,
    columns: &'a [String],
    rows: &'a [Vec<Cell>],
}

impl Serialize for Rows<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self.format {
            Format::Compact => self.rows.serialize(serializer),
            Format::Full => serializer.collect_seq(self.rows.iter().map(|cells| FullRow {
                columns: self.columns,
                cells,
            })),
        }
    }
}

/// An answer page as v1 sends it (searchdata, and each visualization of pinboarddata).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AnswerBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    column_names: &'a [String],
    data: Rows<'a>,
    sampling_ratio: u8,
    total_row_count: usize,
    row_count: usize,
    page_size: usize,
    offset: usize,
    /// Why a visualization has no data (pinboarddata only; the others still answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl<'a> AnswerBody<'a> {
    fn new(
        name: Option<&'a str>,
        columns: &'a [String],
        result: &'a SearchResult,
        format: Format,
        window: PageWindow,
    ) -> Self {
        Self {
            name,
            column_names: columns,
            data: Rows {
                format,
                columns,
                rows: &result.rows,
            },
            sampling_ratio: 1,
            total_row_count: result.total_rows,
            row_count: result.rows.len(),
            page_size: window.size,
            offset: window.offset,
            error: None,
        }
    }
}

fn column_names(result: &SearchResult) -> Vec<String> {
    result.columns.iter().map(|c| c.name.clone()).collect()
}

/// `POST searchdata`: `query_string`, `data_source_guid` (a GUID or a one-element list),
/// `batchsize`, `pagenumber`, `offset`, `formattype`; from the query string or the body.
pub async fn search_data(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    params: Params,
) -> Result<Json<serde_json::Value>, ApiError> {
    let query = params.text(&["query_string"]).unwrap_or("");
    let mut sources = params
        .list(&["data_source_guid"])
        .ok_or_else(|| Error::missing_parameter("data_source_guid"))?;
    if sources.len() != 1 {
        return Err(Error::invalid_parameter(
            "data_source_guid",
            sources.join(", "),
            "one worksheet or table GUID (searches use a single data source)",
        )
        .into());
    }
    let source = sources.remove(0);
    let format = format(&params)?;
    let window = state.answers.window(page_request(&params)?)?;
    let result = state
        .answers
        .search(&caller.actor(), &source, query, window)
        .await?;
    let columns = column_names(&result);
    let body = AnswerBody::new(None, &columns, &result, format, window);
    Ok(Json(serde_json::to_value(body).map_err(Error::internal)?))
}

/// The runtime filters `col<n>`/`op<n>`/`val<n>` of a request, by n.
fn runtime_filters(params: &Params) -> Result<Vec<RuntimeFilter>> {
    let mut numbers: Vec<u32> = params
        .names()
        .filter_map(|name| {
            let lower = name.to_ascii_lowercase();
            lower.strip_prefix("col").and_then(|n| n.parse().ok())
        })
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    numbers
        .into_iter()
        .map(|n| {
            let column = params.required(&[&format!("col{n}")])?.to_string();
            let op = params.required(&[&format!("op{n}")])?.to_string();
            let values = params.all(&format!("val{n}"));
            if values.is_empty() {
                return Err(Error::missing_parameter(format!("val{n}")));
            }
            Ok(RuntimeFilter { column, op, values })
        })
        .collect()
}

/// `POST pinboarddata`: `id`, `vizid` (list; absent or `[]` = all), paging, `formattype`,
/// runtime filters. 200 with an object keyed by visualization id, in order.
pub async fn pinboard_data(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    params: Params,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = params.required(&["id"])?;
    let viz_ids = params.list(&["vizid"]);
    let format = format(&params)?;
    let window = state.answers.window(page_request(&params)?)?;
    let filters = runtime_filters(&params)?;
    let answers = state
        .answers
        .pinboard(&caller.actor(), id, viz_ids.as_deref(), &filters, window)
        .await?;

    let empty = SearchResult {
        columns: Vec::new(),
        rows: Vec::new(),
        total_rows: 0,
    };
    let mut body = serde_json::Map::with_capacity(answers.len());
    for answer in &answers {
        let (columns, result, error) = match &answer.result {
            Ok(result) => (column_names(result), result, None),
            Err(err) if err.is_client_error() => (Vec::new(), &empty, Some(err.to_string())),
            Err(err) => {
                tracing::error!(visualization = %answer.id, error = %err, "visualization failed");
                let message = "Internal error: this visualization could not be computed; the server log has the details";
                (Vec::new(), &empty, Some(message.to_string()))
            }
        };
        let mut entry = AnswerBody::new(Some(&answer.name), &columns, result, format, window);
        entry.error = error;
        body.insert(
            answer.id.clone(),
            serde_json::to_value(entry).map_err(Error::internal)?,
        );
    }
    Ok(Json(serde_json::Value::Object(body)))
}
