//! Issue 14 over HTTP: the retail fixture with its tables in PostgreSQL (an `RDBMS_POSTGRES`
//! connection, the same tables, worksheet, answers and liveboard) answers `searchdata` and
//! `pinboarddata` exactly as the fixture over files does; importing a table checks the real
//! database (reachable, credentials, schema, table, columns, types) and stores nothing when
//! it fails; `searchlight/explain` shows the statement PostgreSQL receives.

use std::collections::BTreeMap;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::compute::cast;
use datafusion::arrow::csv::WriterBuilder;
use datafusion::arrow::datatypes::DataType as ArrowType;
use reqwest::{Client, StatusCode};
use serde_json::Value;
use sqlx::PgPool;
use sqlx::postgres::PgPoolCopyExt;

use crate::both_stores;
use crate::catalog_helpers::import_ok;
use crate::catalog_helpers::*;
use crate::data_support::*;
use crate::fixtures::{fixture_app, guid, install};
use crate::helpers::*;

const CONNECTION_NAME: &str = "Retail Warehouse";

/// The fixture's three tables in a PostgreSQL schema of their own.
struct Warehouse {
    pool: PgPool,
    schema: String,
}

impl Warehouse {
    /// Loads the fixture data of `app` (installed in its data dir) into a new schema.
    async fn load(app: &TestApp) -> Self {
        let pool = PgPool::connect(&postgres_url())
            .await
            .expect("test PostgreSQL");
        let schema = format!("warehouse_{}", uuid::Uuid::new_v4().simple());
        run_sql(&pool, &format!(r#"CREATE SCHEMA "{schema}""#)).await;
        let ctx = reference(app).await;
        for table in ["sales", "stores", "products"] {
            let batches = ctx
                .sql(&format!("SELECT * FROM {table}"))
                .await
                .unwrap()
                .collect()
                .await
                .unwrap();
            copy_table(&pool, &schema, table, &batches).await;
        }
        Self { pool, schema }
    }

    async fn drop(self) {
        let statement = format!(r#"DROP SCHEMA "{}" CASCADE"#, self.schema);
        run_sql(&self.pool, &statement).await;
        self.pool.close().await;
    }
}

/// Creates `schema.table` with the batches' columns and copies their rows in (NULL apart
/// from the empty string).
async fn copy_table(pool: &PgPool, schema: &str, table: &str, batches: &[RecordBatch]) {
    let fields = batches[0].schema().fields().clone();
    let columns: Vec<String> = fields
        .iter()
        .map(|field| {
            let sql_type = match field.data_type() {
                ArrowType::Int32 => "integer",
                ArrowType::Int64 => "bigint",
                ArrowType::Float64 => "double precision",
                ArrowType::Boolean => "boolean",
                ArrowType::Date32 => "date",
                ArrowType::Timestamp(_, None) => "timestamp",
                ArrowType::Timestamp(_, Some(_)) => "timestamptz",
                _ => "text",
            };
            format!(r#""{}" {sql_type}"#, field.name())
        })
        .collect();
    let create = format!(
        r#"CREATE TABLE "{schema}"."{table}" ({})"#,
        columns.join(", ")
    );
    run_sql(pool, &create).await;
    let mut csv = Vec::new();
    {
        let mut writer = WriterBuilder::new()
            .with_header(false)
            .with_null(r"\N".to_owned())
            .build(&mut csv);
        for batch in batches {
            let plain: Vec<_> = batch
                .columns()
                .iter()
                .map(|column| match column.data_type() {
                    ArrowType::Utf8View => cast(column, &ArrowType::Utf8).unwrap(),
                    _ => column.clone(),
                })
                .collect();
            let schema = datafusion::arrow::datatypes::Schema::new(
                fields
                    .iter()
                    .zip(&plain)
                    .map(|(field, column)| {
                        field
                            .as_ref()
                            .clone()
                            .with_data_type(column.data_type().clone())
                    })
                    .collect::<Vec<_>>(),
            );
            let batch = RecordBatch::try_new(std::sync::Arc::new(schema), plain).unwrap();
            writer.write(&batch).unwrap();
        }
    }
    let mut copy = pool
        .copy_in_raw(&format!(
            r#"COPY "{schema}"."{table}" FROM STDIN (FORMAT csv, NULL '\N')"#
        ))
        .await
        .unwrap();
    copy.send(csv).await.unwrap();
    copy.finish().await.unwrap();
}

/// A PostgreSQL connection document for the test database, with extra properties.
fn connection_doc(extra: &str) -> String {
    let url = url::Url::parse(&postgres_url()).unwrap();
    format!(
        "guid: 6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e0101\nconnection:\n  name: {CONNECTION_NAME}\n  \
         type: RDBMS_POSTGRES\n  properties:\n  - key: host\n    value: {}\n  - key: port\n    \
         value: '{}'\n  - key: database\n    value: {}\n  - key: user\n    value: {}\n{extra}",
        url.host_str().unwrap(),
        url.port().unwrap_or(5432),
        url.path().trim_start_matches('/'),
        url.username(),
    )
}

/// The fixture's documents with its tables on the warehouse connection, in `schema`.
fn warehouse_docs(docs: &BTreeMap<String, String>, schema: &str) -> Vec<String> {
    let mut out = vec![connection_doc("")];
    for (file, text) in docs {
        if !file.ends_with(".connection.tml") {
            out.push(on_warehouse(text, schema));
        }
    }
    out
}

/// A fixture document with its table (if it is one) on the warehouse connection.
fn on_warehouse(text: &str, schema: &str) -> String {
    let mut text = text.replace("name: Retail Files", &format!("name: {CONNECTION_NAME}"));
    for table in ["sales.parquet", "stores.csv", "products.parquet"] {
        let name = table.split('.').next().unwrap();
        text = text.replace(
            &format!("db_table: {table}"),
            &format!("db_table: {name}\n  schema: {schema}"),
        );
    }
    text
}

/// A server with the fixture imported over the warehouse; and the warehouse.
async fn warehouse_app(store: StoreKind) -> (TestApp, Client, Warehouse) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let docs = install(&app).into_iter().collect();
    let warehouse = Warehouse::load(&app).await;
    import_ok(&app, &admin, &warehouse_docs(&docs, &warehouse.schema), &[]).await;
    (app, admin, warehouse)
}

const SEARCHES: &[&str] = &[
    "[Revenue] [Region]",
    "[Revenue] [Quantity] [Category] [Order Date].monthly",
    "[Revenue] [Store] top 3",
    "average [Discount] [Ship Mode] sort by [Ship Mode] descending",
    "[Quantity] [Order Date].weekly [Order Date] >= '2024-01-01' [Ship Mode] = 'truck'",
    "[Revenue] [City] [Store] contains 'a' [Revenue] > 1000",
    "count [Order Id] [Order Date].'day of week' [Region] != 'west'",
    "[Revenue] [Ship Time].hourly [Ship Time].'hour of day' [Category] begins with 'o'",
];

async fn postgres_worksheets_answer_as_files_do(store: StoreKind) {
    let (files, files_admin) = fixture_app(store).await;
    let (app, admin, warehouse) = warehouse_app(store).await;
    for query in SEARCHES {
        let expected = search_ws(&files, &files_admin, query).await;
        let answer = search_ws(&app, &admin, query).await;
        assert_eq!(answer["columnNames"], expected["columnNames"], "{query}");
        assert_eq!(
            answer["totalRowCount"], expected["totalRowCount"],
            "{query}"
        );
        let rows = rows_of(&expected);
        assert_rows(&answer["data"], &rows, query);
    }
    // A pinboard with a runtime filter.
    let params = [
        ("id", guid::SALES_OVERVIEW),
        ("col1", "Region"),
        ("op1", "IN"),
        ("val1", "east"),
        ("val1", "north"),
    ];
    let expected = pinboard_ok(&files, &files_admin, &params).await;
    let answer = pinboard_ok(&app, &admin, &params).await;
    assert_eq!(
        answer.as_object().unwrap().len(),
        expected.as_object().unwrap().len()
    );
    for (viz, expected) in expected.as_object().unwrap() {
        let rows = rows_of(expected);
        assert_rows(&answer[viz]["data"], &rows, viz);
    }
    warehouse.drop().await;
}

async fn a_row_changed_in_postgres_is_in_the_next_answer(store: StoreKind) {
    let (app, admin, warehouse) = warehouse_app(store).await;
    let total = |body: &Value| body["data"][0][0].as_i64().expect("an integer total");
    let before = total(&search_ws(&app, &admin, "[Quantity]").await);
    let update = format!(
        r#"UPDATE "{}".sales SET quantity = quantity + 500 WHERE order_id = (SELECT min(order_id) FROM "{}".sales WHERE status <> 'test')"#,
        warehouse.schema, warehouse.schema
    );
    run_sql(&warehouse.pool, &update).await;
    let after = total(&search_ws(&app, &admin, "[Quantity]").await);
    assert_eq!(after, before + 500);
    warehouse.drop().await;
}

async fn explain_shows_the_statement_postgres_receives(store: StoreKind) {
    let (app, admin, warehouse) = warehouse_app(store).await;
    let params = [
        ("query_string", "[Revenue] [Region] [Category]"),
        ("data_source_guid", guid::WORKSHEET),
    ];
    let body = ok_json(app.post_form(&admin, "searchlight/explain", &params).await).await;
    let statements = body["statements"].as_array().expect("statements");
    assert_eq!(statements.len(), 1, "{body}");
    let statement = statements[0].as_str().unwrap();
    for part in ["GROUP BY", "JOIN", &warehouse.schema] {
        assert!(statement.contains(part), "{part} missing: {statement}");
    }
    assert!(
        body["physicalPlan"]
            .as_str()
            .unwrap()
            .contains("VirtualExecutionPlan")
    );
    // Over files, nothing is sent anywhere.
    let (files, files_admin) = fixture_app(store).await;
    let body = ok_json(
        files
            .post_form(&files_admin, "searchlight/explain", &params)
            .await,
    )
    .await;
    assert_eq!(body["statements"], serde_json::json!([]));
    // Administrators only.
    people(&app, &admin).await;
    let viewer = as_user(&app, "sam").await;
    let response = app.post_form(&viewer, "searchlight/explain", &params).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    warehouse.drop().await;
}

/// Imports the connection and one table document, ALL_OR_NONE; returns the table's error
/// message, asserting that nothing was stored.
async fn refused_table(app: &TestApp, admin: &Client, connection: String, table: String) -> String {
    let before = of_type(app, admin, "LOGICAL_TABLE").await.len();
    let sources = of_type(app, admin, "DATA_SOURCE").await.len();
    let entries = import_entries(app, admin, &[connection, table], &[]).await;
    assert_eq!(status_of(&entries[1]), "ERROR", "{entries:?}");
    assert_eq!(of_type(app, admin, "LOGICAL_TABLE").await.len(), before);
    assert_eq!(of_type(app, admin, "DATA_SOURCE").await.len(), sources);
    message_of(&entries[1])
}

async fn importing_a_table_checks_the_database(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let docs: BTreeMap<String, String> = install(&app).into_iter().collect();
    let warehouse = Warehouse::load(&app).await;
    let stores = on_warehouse(&docs["stores.table.tml"], &warehouse.schema);
    let password = "never-shown-Pa55";

    // Nothing listens on the port.
    let unreachable = connection_doc(&format!("  - key: password\n    value: {password}\n"))
        .replace(
            &format!(
                "value: '{}'",
                url::Url::parse(&postgres_url())
                    .unwrap()
                    .port()
                    .unwrap_or(5432)
            ),
            "value: '1'",
        );
    let message = refused_table(&app, &admin, unreachable, stores.clone()).await;
    assert!(
        message.contains("table.connection") && message.contains(CONNECTION_NAME),
        "{message}"
    );
    assert!(!message.contains(password), "{message}");

    // A user the database does not know.
    let stranger = connection_doc("").replace(
        &format!(
            "value: {}\n",
            url::Url::parse(&postgres_url()).unwrap().username()
        ),
        "value: no_such_role_here\n",
    );
    let message = refused_table(&app, &admin, stranger, stores.clone()).await;
    assert!(message.contains("no_such_role_here"), "{message}");

    let good = connection_doc("");
    let cases = [
        (stores.replace(&warehouse.schema, "no_such_schema"), "table.schema"),
        (stores.replace("db_table: stores", "db_table: no_such_table"), "table.db_table"),
        (
            stores.replace("db_column_name: city", "db_column_name: town"),
            "'town' is not a column",
        ),
        (
            stores.replace(
                "db_column_name: region\n    properties:\n      column_type: ATTRIBUTE\n    db_column_properties:\n      data_type: VARCHAR",
                "db_column_name: region\n    properties:\n      column_type: ATTRIBUTE\n    db_column_properties:\n      data_type: INT64",
            ),
            "INT64 cannot hold column 'region'",
        ),
    ];
    for (table, expected) in cases {
        assert_ne!(table, stores, "the case edits the document ({expected})");
        let message = refused_table(&app, &admin, good.clone(), table).await;
        assert!(message.contains(expected), "{expected}: {message}");
    }
    warehouse.drop().await;
}

async fn the_command_line_searches_and_explains(store: StoreKind) {
    let (app, _admin, warehouse) = warehouse_app(store).await;
    let query = [
        "query",
        "--source",
        "Retail Sales",
        "--format",
        "csv",
        "[Revenue] [Region]",
    ];
    let run = crate::cli::searchlight(&app, &query).await;
    assert!(run.success, "{run:?}");
    assert!(run.stdout.starts_with("Region,Total Revenue\n"), "{run:?}");
    let explain = [
        "query",
        "--source",
        "Retail Sales",
        "--explain",
        "[Revenue] [Region]",
    ];
    let run = crate::cli::searchlight(&app, &explain).await;
    assert!(run.success, "{run:?}");
    assert!(
        run.stdout.contains("Statement 1 sent to the database:"),
        "{run:?}"
    );
    assert!(run.stdout.contains("GROUP BY"), "{run:?}");
    assert!(run.stdout.contains("Physical plan:"), "{run:?}");
    warehouse.drop().await;
}

both_stores!(
    the_command_line_searches_and_explains,
    postgres_worksheets_answer_as_files_do,
    a_row_changed_in_postgres_is_in_the_next_answer,
    explain_shows_the_statement_postgres_receives,
    importing_a_table_checks_the_database,
);

/// The rows (`data`) of a COMPACT answer.
fn rows_of(answer: &Value) -> Vec<Vec<Value>> {
    serde_json::from_value(answer["data"].clone()).expect("rows of values")
}

/// The code blocks of the README's PostgreSQL example, in order: `(language, text)`.
fn readme_example() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"),
    )
    .unwrap();
    let start = readme
        .find("<!-- postgres-example:start -->")
        .expect("start marker");
    let end = readme
        .find("<!-- postgres-example:end -->")
        .expect("end marker");
    let mut blocks = Vec::new();
    let mut rest = &readme[start..end];
    while let Some(open) = rest.find("```") {
        let after = &rest[open + 3..];
        let newline = after.find('\n').unwrap();
        let language = after[..newline].to_owned();
        let close = after[newline + 1..].find("```").unwrap();
        blocks.push((language, after[newline + 1..newline + 1 + close].to_owned()));
        rest = &after[newline + 1 + close + 3..];
    }
    blocks
}

/// The README's example, as printed: the SQL creates the schema `shop` (dropped first, so
/// that the test can run again), the TML imports, and the search answers what the README
/// says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_example_runs_as_printed() {
    let blocks = readme_example();
    let languages: Vec<&str> = blocks
        .iter()
        .map(|(language, _)| language.as_str())
        .collect();
    assert_eq!(languages, ["sql", "yaml", "yaml", "yaml", "yaml"]);
    let pool = PgPool::connect(&postgres_url()).await.unwrap();
    run_sql(&pool, "DROP SCHEMA IF EXISTS shop CASCADE").await;
    run_sql(&pool, &blocks[0].1).await;

    let app = spawn_app(StoreKind::Sqlite).await;
    let admin = app.admin().await;
    let documents: Vec<String> = blocks[1..].iter().map(|(_, text)| text.clone()).collect();
    let entries = import_ok(&app, &admin, &documents, &[]).await;
    let worksheet = guid_of(&entries[3]).to_owned();
    let body = ok_json(
        app.post_form(
            &admin,
            "searchdata",
            &[
                ("query_string", "[Revenue] [Region]"),
                ("data_source_guid", &worksheet),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(
        body["data"],
        serde_json::json!([["East", 162.75], ["West", 80.0]])
    );
    run_sql(&pool, "DROP SCHEMA shop CASCADE").await;
    pool.close().await;
}

/// Runs SQL text (one or more statements) in the test database.
async fn run_sql(pool: &PgPool, sql: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(pool)
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"));
}
