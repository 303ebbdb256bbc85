//! Shared pieces of the data API tests (`searchdata`, `pinboarddata`, `searchlight query`):
//! calling the endpoints, computing expected answers independently with plain DataFusion SQL
//! over the same files the server reads, comparing rows, and extra test-only model objects.

#![allow(dead_code)] // Each data test module uses a different part.

use std::path::Path;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{
    DataType as ArrowType, Field, Float64Type, Int64Type, Schema, TimeUnit,
};
use datafusion::prelude::{CsvReadOptions, ParquetReadOptions, SessionContext};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

use crate::fixtures::guid;
use crate::helpers::TestApp;

/// The worksheet "Retail Sales" as SQL: the fixture tables joined as its joins say, its
/// model filter applied (`Status not in ('test')`). Columns keep their file names.
pub const WORKSHEET_SQL: &str = "SELECT s.*, st.store_name, st.city, st.region, \
     p.product_name, p.category \
     FROM sales s LEFT JOIN stores st ON s.store_id = st.store_id \
     JOIN products p ON s.product_id = p.product_id \
     WHERE s.status NOT IN ('test')";

/// A paging case's parameters: `batchsize`, `pagenumber`, `offset`, each left out when `None`.
pub fn paging_params(paging: [Option<&str>; 3]) -> Vec<(&'static str, &str)> {
    ["batchsize", "pagenumber", "offset"]
        .into_iter()
        .zip(paging)
        .filter_map(|(name, value)| Some((name, value?)))
        .collect()
}

/// `WITH ws AS (<worksheet>) <query>`.
pub fn over_worksheet(query: &str) -> String {
    format!("WITH ws AS ({WORKSHEET_SQL}) {query}")
}

/// A DataFusion context over the fixture files in the app's data dir (`data/`), registered
/// as `sales`, `stores` and `products`.
pub async fn reference(app: &TestApp) -> SessionContext {
    reference_at(&app.data_dir.join("data")).await
}

pub async fn reference_at(data: &Path) -> SessionContext {
    let ctx = SessionContext::new();
    ctx.register_parquet(
        "sales",
        data.join("sales.parquet").to_str().unwrap(),
        ParquetReadOptions::default(),
    )
    .await
    .expect("register sales");
    ctx.register_parquet(
        "products",
        data.join("products.parquet").to_str().unwrap(),
        ParquetReadOptions::default(),
    )
    .await
    .expect("register products");
    let stores = Schema::new(vec![
        Field::new("store_id", ArrowType::Int64, true),
        Field::new("store_name", ArrowType::Utf8, true),
        Field::new("city", ArrowType::Utf8, true),
        Field::new("region", ArrowType::Utf8, true),
    ]);
    ctx.register_csv(
        "stores",
        data.join("stores.csv").to_str().unwrap(),
        CsvReadOptions::new().has_header(true).schema(&stores),
    )
    .await
    .expect("register stores");
    ctx
}

/// Runs `query` and returns its rows as the API spells values: integers as JSON integers,
/// floats as JSON floats, DATE and timestamps as epoch seconds, NULL as `null`.
pub async fn sql(ctx: &SessionContext, query: &str) -> Vec<Vec<Value>> {
    let batches = ctx
        .sql(query)
        .await
        .unwrap_or_else(|err| panic!("reference SQL {query}: {err}"))
        .collect()
        .await
        .unwrap_or_else(|err| panic!("reference SQL {query}: {err}"));
    let mut rows = Vec::new();
    for batch in &batches {
        rows.extend(batch_rows(batch));
    }
    rows
}

/// A single value computed by SQL.
pub async fn sql_value(ctx: &SessionContext, query: &str) -> Value {
    let rows = sql(ctx, query).await;
    assert_eq!(rows.len(), 1, "{query} gives one row");
    rows[0][0].clone()
}

fn batch_rows(batch: &RecordBatch) -> Vec<Vec<Value>> {
    (0..batch.num_rows())
        .map(|row| {
            batch
                .columns()
                .iter()
                .map(|column| cell(column.as_ref(), row))
                .collect()
        })
        .collect()
}

fn cell(array: &dyn Array, row: usize) -> Value {
    if array.is_null(row) {
        return Value::Null;
    }
    let cast = |to: &ArrowType| {
        datafusion::arrow::compute::cast(&datafusion::arrow::array::make_array(array.to_data()), to)
            .expect("cast reference value")
    };
    match array.data_type() {
        ArrowType::Boolean => json!(array.as_boolean().value(row)),
        ArrowType::Int8
        | ArrowType::Int16
        | ArrowType::Int32
        | ArrowType::Int64
        | ArrowType::UInt8
        | ArrowType::UInt16
        | ArrowType::UInt32
        | ArrowType::UInt64 => json!(
            cast(&ArrowType::Int64)
                .as_primitive::<Int64Type>()
                .value(row)
        ),
        ArrowType::Float32 | ArrowType::Float64 | ArrowType::Decimal128(..) => json!(
            cast(&ArrowType::Float64)
                .as_primitive::<Float64Type>()
                .value(row)
        ),
        ArrowType::Date32 => {
            json!(
                i64::from(
                    array
                        .as_primitive::<datafusion::arrow::datatypes::Date32Type>()
                        .value(row)
                ) * 86_400
            )
        }
        ArrowType::Timestamp(_, _) => {
            let micros = cast(&ArrowType::Timestamp(TimeUnit::Microsecond, None));
            let value = micros
                .as_primitive::<datafusion::arrow::datatypes::TimestampMicrosecondType>()
                .value(row);
            json!(value.div_euclid(1_000_000))
        }
        ArrowType::Utf8 | ArrowType::LargeUtf8 | ArrowType::Utf8View => {
            let text = cast(&ArrowType::Utf8);
            json!(text.as_string::<i32>().value(row))
        }
        other => panic!("reference value of type {other} not handled"),
    }
}

/// Whether two API values are equal: floats to 1e-9 relative, and an integer only equals an
/// integer (integers must stay integers on the wire).
pub fn same_value(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Number(a), Value::Number(e)) => {
            if e.is_f64() {
                let (a, e) = (a.as_f64().unwrap(), e.as_f64().unwrap());
                a == e || (a - e).abs() <= 1e-9 * a.abs().max(e.abs())
            } else {
                a.is_i64() && a.as_i64() == e.as_i64()
            }
        }
        (a, e) => a == e,
    }
}

/// Asserts that `data` (COMPACT rows) equals `expected` row by row.
#[track_caller]
pub fn assert_rows(data: &Value, expected: &[Vec<Value>], what: &str) {
    let rows = data
        .as_array()
        .unwrap_or_else(|| panic!("{what}: data is an array: {data}"));
    assert_eq!(
        rows.len(),
        expected.len(),
        "{what}: row count\nactual:   {data}\nexpected: {expected:?}"
    );
    for (i, (row, want)) in rows.iter().zip(expected).enumerate() {
        let cells = row
            .as_array()
            .unwrap_or_else(|| panic!("{what}: row {i} is an array: {row}"));
        let equal =
            cells.len() == want.len() && cells.iter().zip(want).all(|(a, e)| same_value(a, e));
        assert!(
            equal,
            "{what}: row {i}\nactual:   {row}\nexpected: {want:?}\nall actual rows: {data}"
        );
    }
}

/// Asserts rows equal ignoring their order (for answers whose order the contract leaves to
/// ties).
#[track_caller]
pub fn assert_rows_any_order(data: &Value, expected: &[Vec<Value>], what: &str) {
    let mut actual: Vec<Value> = data.as_array().expect("data is an array").clone();
    let key = |v: &Value| v.to_string();
    actual.sort_by_key(key);
    let mut want: Vec<Vec<Value>> = expected.to_vec();
    want.sort_by_key(|row| Value::from(row.clone()).to_string());
    // Floats may differ in the last digits, so sort keys may differ: fall back to matching.
    let mut remaining: Vec<Vec<Value>> = want;
    for row in &actual {
        let cells = row.as_array().expect("row is an array");
        let found = remaining.iter().position(|w| {
            w.len() == cells.len() && cells.iter().zip(w).all(|(a, e)| same_value(a, e))
        });
        match found {
            Some(i) => {
                remaining.remove(i);
            }
            None => panic!(
                "{what}: unexpected row {row}\nall actual rows: {data}\nexpected: {expected:?}"
            ),
        }
    }
    assert!(
        remaining.is_empty(),
        "{what}: missing rows {remaining:?}\nactual: {data}"
    );
}

// ---- calling the endpoints ---------------------------------------------------------------

/// POSTs `endpoint` with every parameter in the query string and an empty body, the way the
/// PyPI client does. Returns the status and the body as JSON.
pub async fn post_query(
    app: &TestApp,
    client: &Client,
    endpoint: &str,
    params: &[(&str, &str)],
) -> Response {
    client
        .post(app.url(endpoint))
        .header("X-Requested-By", "ThoughtSpot")
        .query(params)
        .send()
        .await
        .expect("request sent")
}

/// `searchdata` with the parameters in the query string; asserts 200 and returns the body.
pub async fn search_ok(app: &TestApp, client: &Client, params: &[(&str, &str)]) -> Value {
    ok_json(post_query(app, client, "searchdata", params).await).await
}

/// `searchdata` of `query` over the fixture worksheet, everything else by default.
pub async fn search_ws(app: &TestApp, client: &Client, query: &str) -> Value {
    search_ok(
        app,
        client,
        &[
            ("query_string", query),
            ("data_source_guid", guid::WORKSHEET),
        ],
    )
    .await
}

/// `pinboarddata` with the parameters in the query string; asserts 200 and returns the body.
pub async fn pinboard_ok(app: &TestApp, client: &Client, params: &[(&str, &str)]) -> Value {
    ok_json(post_query(app, client, "pinboarddata", params).await).await
}

/// Asserts a 200 JSON answer and returns it.
pub async fn ok_json(response: Response) -> Value {
    let status = response.status();
    let text = response.text().await.expect("response body");
    assert_eq!(status, StatusCode::OK, "status; body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("JSON body ({err}): {text}"))
}

/// The keys of a JSON object, in order.
pub fn keys(value: &Value) -> Vec<String> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("an object: {value}"))
        .keys()
        .cloned()
        .collect()
}

/// The visualization ids of a pinboard, in order, from `listvizheaders`.
pub async fn viz_ids(app: &TestApp, client: &Client, pinboard: &str) -> Vec<String> {
    viz_headers(app, client, pinboard)
        .await
        .iter()
        .map(|v| v["id"].as_str().expect("viz id").to_string())
        .collect()
}

pub async fn viz_headers(app: &TestApp, client: &Client, id: &str) -> Vec<Value> {
    let response = app
        .get(client, &format!("metadata/listvizheaders?id={id}"))
        .await;
    let body = ok_json(response).await;
    body.as_array()
        .expect("listvizheaders answers a list")
        .clone()
}

// ---- importing test-only TML -------------------------------------------------------------

/// Imports TML documents as `client`; asserts every one is OK and returns their GUIDs.
pub async fn import_ok(
    app: &TestApp,
    client: &Client,
    documents: &[String],
    extra: &[(&str, &str)],
) -> Vec<String> {
    let response = crate::fixtures::import(app, client, documents, extra).await;
    let body = ok_json(response).await;
    body["object"]
        .as_array()
        .expect("object list")
        .iter()
        .map(|entry| {
            assert_eq!(entry["response"]["status"]["status_code"], "OK", "{entry}");
            entry["response"]["header"]["id_guid"]
                .as_str()
                .expect("id_guid")
                .to_string()
        })
        .collect()
}

/// Creates the user `name` (in the All group) with `password`, as tsadmin.
pub async fn create_user(app: &TestApp, admin: &Client, name: &str, password: &str) {
    let principals = json!([crate::helpers::user_json(name, &[])]);
    crate::helpers::sync_ok(app, admin, &principals, true, false, Some(password)).await;
}

/// The epoch seconds of midnight UTC of a date.
pub fn day(year: i32, month: u32, day: u32) -> i64 {
    chrono::NaiveDate::from_ymd_opt(year, month, day)
        .expect("valid date")
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp()
}

/// A TML table over a file of the "Retail Files" connection (the app's `data/`): `columns`
/// are `(name, db column, data type, column type)`; `extra` is appended (e.g. `joins_with`).
pub fn table_tml(
    name: &str,
    file: &str,
    columns: &[(&str, &str, &str, &str)],
    extra: &str,
) -> String {
    let mut tml = format!(
        "table:\n  name: {name}\n  db_table: {file}\n  connection:\n    name: Retail Files\n  columns:\n"
    );
    for (column, db_column, data_type, column_type) in columns {
        tml.push_str(&format!(
            "  - name: {column}\n    db_column_name: {db_column}\n    properties:\n      column_type: {column_type}\n    db_column_properties:\n      data_type: {data_type}\n"
        ));
    }
    tml.push_str(extra);
    tml
}

/// A "join explosion" model for slow searches from tiny files: two CSV tables of `rows` rows
/// that all share one key, joined on it, so a search over both reads `rows²` joined rows.
/// Writes `data/<prefix>_left.csv` and `data/<prefix>_right.csv` and returns the TML of the
/// two tables and of the worksheet `<prefix> Slow` (columns `Slow A`, a SUM measure of
/// `i % 7`, and `Slow B`, an attribute with the 5 values `i % 5`).
pub fn slow_model(app: &TestApp, prefix: &str, rows: usize) -> Vec<String> {
    let data = app.data_dir.join("data");
    std::fs::create_dir_all(&data).expect("data dir");
    let mut left = String::from("k,a\n");
    let mut right = String::from("k,b\n");
    for i in 0..rows {
        left.push_str(&format!("1,{}\n", i % 7));
        right.push_str(&format!("1,{}\n", i % 5));
    }
    std::fs::write(data.join(format!("{prefix}_left.csv")), left).expect("write left");
    std::fs::write(data.join(format!("{prefix}_right.csv")), right).expect("write right");
    let left_name = format!("{prefix}_left");
    let right_name = format!("{prefix}_right");
    let joins = format!(
        "  joins_with:\n  - name: {prefix}_join\n    destination:\n      name: {right_name}\n    \"on\": \"[{left_name}::Key] = [{right_name}::Key]\"\n    type: INNER\n"
    );
    vec![
        table_tml(
            &right_name,
            &format!("{prefix}_right.csv"),
            &[
                ("Key", "k", "INT64", "ATTRIBUTE"),
                ("Value B", "b", "INT64", "ATTRIBUTE"),
            ],
            "",
        ),
        table_tml(
            &left_name,
            &format!("{prefix}_left.csv"),
            &[
                ("Key", "k", "INT64", "ATTRIBUTE"),
                ("Value A", "a", "INT64", "MEASURE"),
            ],
            &joins,
        ),
        format!(
            "worksheet:\n  name: {prefix} Slow\n  tables:\n  - name: {left_name}\n  - name: {right_name}\n  joins:\n  - name: {prefix}_join\n    source: {left_name}\n    destination: {right_name}\n    type: INNER\n  table_paths:\n  - id: l\n    table: {left_name}\n    join_path:\n    - {{}}\n  - id: r\n    table: {right_name}\n    join_path:\n    - join:\n      - {prefix}_join\n  worksheet_columns:\n  - name: Slow A\n    column_id: l::Value A\n    properties:\n      column_type: MEASURE\n      aggregation: SUM\n  - name: Slow B\n    column_id: r::Value B\n    properties:\n      column_type: ATTRIBUTE\n"
        ),
    ]
}

/// Shortens a long JSON value for messages.
pub fn brief(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 600 {
        format!("{}…", text.chars().take(600).collect::<String>())
    } else {
        text
    }
}

/// A liveboard over any sources: `(name, source name, search)` per visualization.
pub fn liveboard_tml(id: &str, name: &str, vizzes: &[(&str, &str, &str)]) -> String {
    let mut tml = format!("guid: {id}\nliveboard:\n  name: {name}\n  visualizations:\n");
    for (n, (viz, source, query)) in vizzes.iter().enumerate() {
        tml.push_str(&format!(
            "  - id: Viz_{}\n    answer:\n      name: {viz}\n      tables:\n      - id: {source}\n        name: {source}\n      search_query: \"{query}\"\n      display_mode: TABLE_MODE\n",
            n + 1
        ));
    }
    tml
}

/// The rows of `[Slow A] [Slow B]` over [`slow_model`] with `rows` rows per side, by
/// arithmetic: every left row joins every right row, so the group `b` sums every `a` once per
/// right row with that `b`.
pub fn slow_answer(rows: i64) -> Vec<Vec<Value>> {
    let sum_a: i64 = (0..rows).map(|i| i % 7).sum();
    (0..5)
        .map(|b| {
            let count_b = (0..rows).filter(|j| j % 5 == b).count() as i64;
            vec![json!(b), json!(count_b * sum_a)]
        })
        .collect()
}

/// Imports a copy of the fixture worksheet as "Private Sales" under `id`, shared with no one:
/// only tsadmin (its owner) may read it.
pub async fn import_private_worksheet(app: &TestApp, admin: &Client, id: &str) {
    let text = std::fs::read_to_string(app.data_dir.join("Retail Sales.worksheet.tml")).unwrap();
    let private = text
        .replace(guid::WORKSHEET, id)
        .replace("name: Retail Sales", "name: Private Sales");
    import_ok(app, admin, &[private], &[("private", "true")]).await;
}
