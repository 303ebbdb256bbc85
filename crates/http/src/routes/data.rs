//! `searchdata` and `pinboarddata`: answers in the v1 COMPACT or FULL shape.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::AppState;
use crate::auth::{CallerExt, CurrentUser};
use crate::error::ApiError;
use crate::error::ErrorBody;
use crate::openapi::{DataFormat, examples};
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
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AnswerData, example = json!({
    "columnNames": ["Region", "Total Revenue"],
    "data": [["east", 18200.5], ["north", 120345.5]],
    "samplingRatio": 1, "totalRowCount": 5, "rowCount": 2, "pageSize": 2, "offset": 0
}))]
pub(crate) struct AnswerBody<'a> {
    /// The visualization's name (pinboarddata only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    name: Option<&'a str>,
    /// The columns' display names, in order.
    #[schema(value_type = Vec<String>)]
    column_names: &'a [String],
    #[schema(schema_with = crate::openapi::rows_schema)]
    data: Rows<'a>,
    /// Always 1: every row is computed.
    #[schema(value_type = u8, example = 1)]
    sampling_ratio: u8,
    /// Rows in the whole result.
    total_row_count: usize,
    /// Rows in this page.
    row_count: usize,
    /// The effective page size (the row cap when `batchsize` is -1).
    page_size: usize,
    /// The effective 0-based offset of this page.
    offset: usize,
    /// Why a visualization has no data (pinboarddata only; the others still answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// The answer of pinboarddata, for the OpenAPI document: visualization id → its data.
pub struct PinboardData;

impl utoipa::PartialSchema for PinboardData {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::openapi::pinboard_data_schema().into()
    }
}

impl utoipa::ToSchema for PinboardData {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        schemas.push((
            <AnswerBody<'static> as utoipa::ToSchema>::name().into_owned(),
            <AnswerBody<'static> as utoipa::PartialSchema>::schema(),
        ));
        <AnswerBody<'static> as utoipa::ToSchema>::schemas(schemas);
    }
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

/// The answer when every turn to search is taken and the queue is full.
fn searches_busy_example() -> serde_json::Value {
    examples::error(Error::Overloaded {
        what: "run more searches".into(),
        retry_after_secs: 1,
    })
}

/// The parameters of `searchdata`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchDataQuery {
    /// The search, in ThoughtSpot's search language: columns in brackets, keywords as in
    /// the search bar.
    #[param(example = "[Revenue] [Region] top 5")]
    pub query_string: String,
    /// The worksheet or table searched: its GUID (or a one-element list).
    #[param(example = "7d2f0c61-3b8e-4e51-a0e4-91c2d8e7f610")]
    pub data_source_guid: String,
    /// Rows per page: -1 = as many as allowed (the row cap), otherwise ≥ 1.
    #[param(default = -1, minimum = -1)]
    pub batchsize: Option<i64>,
    /// 1-based page number; when given it wins over `offset`: offset = (pagenumber-1)×batchsize.
    #[param(default = -1, minimum = -1)]
    pub pagenumber: Option<i64>,
    /// 0-based row offset; -1 = 0.
    #[param(default = -1, minimum = -1)]
    pub offset: Option<i64>,
    /// COMPACT (rows as arrays, default) or FULL (rows as objects).
    #[param(inline)]
    pub formattype: Option<DataFormat>,
}

/// `POST searchdata`: `query_string`, `data_source_guid` (a GUID or a one-element list),
/// `batchsize`, `pagenumber`, `offset`, `formattype`; from the query string or the body.
#[utoipa::path(
    post,
    path = "/searchdata",
    tag = "data",
    summary = "Search a worksheet or table",
    description = "Runs a search over the current data. The parameters go in the query \
        string (as ThoughtSpot documents it) or a form body. A client paging by \
        `offset += rowCount` until `rowCount < pageSize` gets every row once.",
    params(SearchDataQuery),
    responses(
        (status = 200, description = "One page of the answer.", body = AnswerBody<'static>,
            example = examples::search_data),
        (status = 400, description = "A parameter is missing or invalid, the source is unknown \
            or not readable by the caller, or the search is invalid (the message names the \
            token and, for an unknown column, the closest names), longer than the server \
            accepts, or needed more time or memory than searches may use.",
            body = ErrorBody<'static>, example = examples::unknown_column),
        (status = 401, description = "No valid session.",
            body = ErrorBody<'static>, example = examples::not_logged_in),
        (status = 415, description = "A body in a content type that holds no parameters.",
            body = ErrorBody<'static>, example = examples::unsupported_media),
        (status = 503, description = "As many searches as the server runs at once are running \
            and the queue for a turn is full (or the wait ran out): try again later.",
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again")),
            body = ErrorBody<'static>, example = searches_busy_example),
    ),
)]
pub async fn search_data(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    params: Params,
) -> Result<Json<serde_json::Value>, ApiError> {
    let query = params.text(&["query_string"]).unwrap_or("");
    let source = one_source(&params)?;
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

/// The one worksheet or table of `data_source_guid` (a GUID or a one-element list).
pub(crate) fn one_source(params: &Params) -> Result<String> {
    let mut sources = params
        .list(&["data_source_guid"])
        .ok_or_else(|| Error::missing_parameter("data_source_guid"))?;
    if sources.len() != 1 {
        return Err(Error::invalid_parameter(
            "data_source_guid",
            sources.join(", "),
            "one worksheet or table GUID (searches use a single data source)",
        ));
    }
    Ok(sources.remove(0))
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

/// The parameters of `pinboarddata`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PinboardDataQuery {
    /// The pinboard's GUID (or a saved answer's).
    #[param(example = "5c7d8e9f-0a1b-4c2d-8e3f-405162738495")]
    pub id: String,
    /// Only these visualizations (a list of ids from listvizheaders); absent or `[]` = all.
    #[param(schema_with = crate::openapi::list_schema)]
    pub vizid: Option<String>,
    /// Rows per page of every visualization: -1 = as many as allowed, otherwise ≥ 1.
    #[param(default = -1, minimum = -1)]
    pub batchsize: Option<i64>,
    /// 1-based page number; when given it wins over `offset`.
    #[param(default = -1, minimum = -1)]
    pub pagenumber: Option<i64>,
    /// 0-based row offset; -1 = 0.
    #[param(default = -1, minimum = -1)]
    pub offset: Option<i64>,
    /// COMPACT (rows as arrays, default) or FULL (rows as objects).
    #[param(inline)]
    pub formattype: Option<DataFormat>,
    /// Runtime filter 1: a column's display name. Filters 2, 3, … are `col2`/`op2`/`val2`,
    /// and so on. A filter applies to every visualization whose source has the column.
    #[param(example = "Region")]
    pub col1: Option<String>,
    /// Runtime filter 1's operator (case-insensitive): EQ, NE, LT, LE, GT, GE, CONTAINS,
    /// BEGINS_WITH, ENDS_WITH, BW_INC_MAX, BW_INC_MIN, BW_INC, BW, IN.
    #[param(example = "EQ")]
    pub op1: Option<String>,
    /// Runtime filter 1's value; repeat it for IN and the BW operators.
    #[param(example = "West")]
    pub val1: Option<String>,
}

/// `vizid`: a list in any spelling [`Params::list`] reads, a bare comma-separated list
/// (`a,b`), or the key repeated (`vizid=a&vizid=b`), in the order given; `None` when not
/// given (absent, `""`, `[]`, `-1`). Visualization GUIDs never contain commas or quotes.
fn viz_ids(params: &Params) -> Option<Vec<String>> {
    let ids: Vec<String> = params
        .all("vizid")
        .iter()
        .flat_map(|raw| crate::params::parse_list(raw))
        .flat_map(|item| {
            item.split(',')
                .map(|id| id.trim().trim_matches(['"', '\'']).trim().to_string())
                .collect::<Vec<_>>()
        })
        .filter(|id| !id.is_empty())
        .collect();
    (!ids.is_empty()).then_some(ids)
}

/// `POST pinboarddata`: `id`, `vizid` (list; absent or `[]` = all), paging, `formattype`,
/// runtime filters. 200 with an object keyed by visualization id, in order.
#[utoipa::path(
    post,
    path = "/pinboarddata",
    tag = "data",
    summary = "The data of a pinboard's visualizations",
    description = "Computes every visualization of a pinboard (or the chosen ones, each once \
        however often its id is given) over the current data. A visualization that cannot be \
        computed carries an `error` and no rows; the others still answer.",
    params(PinboardDataQuery),
    responses(
        (status = 200, description = "An object keyed by visualization id.",
            body = inline(PinboardData), example = examples::pinboard_data),
        (status = 400, description = "`id` is missing, a pinboard or visualization id is \
            unknown or not visible, or a parameter or runtime filter is invalid.",
            body = ErrorBody<'static>, example = examples::unknown_object),
        (status = 401, description = "No valid session.",
            body = ErrorBody<'static>, example = examples::not_logged_in),
        (status = 415, description = "A body in a content type that holds no parameters.",
            body = ErrorBody<'static>, example = examples::unsupported_media),
        (status = 503, description = "As many searches as the server runs at once are running \
            and the queue for a turn is full (or the wait ran out): try again later.",
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again")),
            body = ErrorBody<'static>, example = searches_busy_example),
    ),
)]
pub async fn pinboard_data(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    params: Params,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = params.required(&["id"])?;
    let viz_ids = viz_ids(&params);
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
            Err(err) if !err.is_internal() => (Vec::new(), &empty, Some(err.to_string())),
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
