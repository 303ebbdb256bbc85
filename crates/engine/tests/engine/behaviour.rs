//! Paging, live files, the in-memory cache, the timeout and the errors a search can meet.

use std::sync::Arc;
use std::time::Duration;

use datafusion::arrow::array::{Float64Array, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType as ArrowType, Field, Schema};
use searchlight_catalog::source::{
    FileFormat, PostgresConnection, PostgresTable, SearchSource, TableLocation,
};
use searchlight_engine::{Cell, Engine, EngineConfig, Page, SearchResult};
use searchlight_search::{Aggregation, DataType};

use crate::fixture::{DataSet, single_table_source, write_parquet_file};
use crate::{context, engine};

async fn search(engine: &Engine, source: &SearchSource, query: &str, page: Page) -> SearchResult {
    try_search(engine, source, query, page).await.unwrap()
}

async fn try_search(
    engine: &Engine,
    source: &SearchSource,
    query: &str,
    page: Page,
) -> searchlight_errors::Result<SearchResult> {
    let ctx = context();
    let plan = searchlight_search::compile(&source.model, query, &ctx)?;
    engine.search(source, &plan, &ctx, page).await
}

/// `id` 1..=n, `amount` = id * 1.5, `name` = "n<id>".
fn amounts(n: i64) -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", ArrowType::Int64, false),
        Field::new("amount", ArrowType::Float64, false),
        Field::new("name", ArrowType::Utf8, false),
    ]));
    RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from_iter_values(1..=n)),
            Arc::new(Float64Array::from_iter_values(
                (1..=n).map(|i| i as f64 * 1.5),
            )),
            Arc::new(StringArray::from_iter_values(
                (1..=n).map(|i| format!("n{i}")),
            )),
        ],
    )
    .unwrap()
}

fn amounts_source(path: &std::path::Path, in_memory: bool) -> SearchSource {
    single_table_source(
        path,
        FileFormat::Parquet,
        in_memory,
        &[
            ("Id", "id", DataType::Integer, None),
            ("Amount", "amount", DataType::Float, Some(Aggregation::Sum)),
            ("Name", "name", DataType::Text, None),
        ],
    )
}

fn total(result: &SearchResult) -> f64 {
    match result.rows[0][0] {
        Cell::Float(value) => value,
        ref other => panic!("expected a float, got {other:?}"),
    }
}

#[tokio::test]
async fn pages_count_every_row_and_keep_only_their_rows() {
    let data = DataSet::write();
    let source = data.worksheet();
    let engine = engine();
    let all = search(&engine, &source, "[Customer] [Region]", Page::first_rows()).await;
    assert_eq!(all.total_rows, 120);
    assert_eq!(all.rows.len(), 120);

    let page = search(&engine, &source, "[Customer] [Region]", Page::new(10, 25)).await;
    assert_eq!(page.total_rows, 120);
    assert_eq!(page.rows, all.rows[10..35].to_vec());
    assert_eq!(page.columns, all.columns);

    let last = search(&engine, &source, "[Customer] [Region]", Page::new(119, 10)).await;
    assert_eq!(last.rows, all.rows[119..].to_vec());
    let beyond = search(&engine, &source, "[Customer] [Region]", Page::new(500, 10)).await;
    assert!(beyond.rows.is_empty());
    assert_eq!(beyond.total_rows, 120);

    let capped = Engine::new(EngineConfig {
        row_cap: 7,
        ..EngineConfig::default()
    })
    .unwrap();
    let first = search(&capped, &source, "[Customer] [Region]", Page::first_rows()).await;
    assert_eq!(first.rows, all.rows[..7].to_vec());
    assert_eq!(first.total_rows, 120);
    assert_eq!(capped.config().row_cap, 7);
}

#[tokio::test]
async fn result_columns_carry_names_and_types() {
    let data = DataSet::write();
    let result = search(
        &engine(),
        &data.worksheet(),
        "[Revenue] [Order Date].monthly [Order Date].'day of week' [Orders] [Order Date] = '2024'",
        Page::new(0, 1),
    )
    .await;
    let columns: Vec<(&str, DataType)> = result
        .columns
        .iter()
        .map(|column| (column.name.as_str(), column.data_type))
        .collect();
    assert_eq!(
        columns,
        vec![
            ("Month(Order Date)", DataType::Date),
            ("Day of week(Order Date)", DataType::Integer),
            ("Total Revenue", DataType::Float),
            ("Number of Orders", DataType::Integer),
        ]
    );
    // January 2024, a Monday, as epoch seconds and integers.
    assert_eq!(result.rows[0][0], Cell::Date(1_704_067_200));
    assert_eq!(result.rows[0][1], Cell::Integer(1));
    assert!(matches!(result.rows[0][3], Cell::Integer(_)));
    let json = serde_json::to_string(&result.rows[0]).unwrap();
    assert!(json.starts_with("[1704067200,1,"), "{json}");
}

#[tokio::test]
async fn files_are_live_without_memory() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("amounts");
    std::fs::create_dir_all(&folder).unwrap();
    write_parquet_file(&folder.join("a.parquet"), &amounts(4));
    let source = amounts_source(&folder, false);
    let engine = engine();
    assert_eq!(
        total(&search(&engine, &source, "[Amount]", Page::first_rows()).await),
        15.0
    );
    write_parquet_file(&folder.join("b.parquet"), &amounts(2));
    assert_eq!(
        total(&search(&engine, &source, "[Amount]", Page::first_rows()).await),
        19.5
    );
    std::fs::remove_file(folder.join("a.parquet")).unwrap();
    assert_eq!(
        total(&search(&engine, &source, "[Amount]", Page::first_rows()).await),
        4.5
    );
    assert_eq!(engine.table_loads(), 0);
}

#[tokio::test]
async fn in_memory_tables_reload_when_a_file_changes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("amounts.parquet");
    write_parquet_file(&file, &amounts(4));
    let source = amounts_source(&file, true);
    let engine = engine();
    assert_eq!(
        total(&search(&engine, &source, "[Amount]", Page::first_rows()).await),
        15.0
    );
    assert_eq!(
        total(&search(&engine, &source, "[Amount]", Page::first_rows()).await),
        15.0
    );
    assert_eq!(engine.table_loads(), 1, "the second query reads memory");
    assert_eq!(engine.cached_tables(), 1);

    write_parquet_file(&file, &amounts(6));
    assert_eq!(
        total(&search(&engine, &source, "[Amount]", Page::first_rows()).await),
        31.5
    );
    assert_eq!(engine.table_loads(), 2);

    // Same size, different content: the modification time tells.
    write_parquet_file(&file, &amounts(4));
    let earlier = std::time::SystemTime::now() - Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(earlier)
        .unwrap();
    assert_eq!(
        total(&search(&engine, &source, "[Amount]", Page::first_rows()).await),
        15.0
    );
    assert_eq!(engine.table_loads(), 3);

    engine.evict_connection("conn");
    assert_eq!(engine.cached_tables(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_queries_load_a_table_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("amounts.parquet");
    write_parquet_file(&file, &amounts(1000));
    let source = Arc::new(amounts_source(&file, true));
    let engine = engine();
    let searches: Vec<_> = (0..6)
        .map(|_| {
            let engine = engine.clone();
            let source = Arc::clone(&source);
            tokio::spawn(async move {
                total(&search(&engine, &source, "[Amount] [Id] < 11", Page::first_rows()).await)
            })
        })
        .collect();
    for handle in searches {
        assert_eq!(handle.await.unwrap(), 82.5);
    }
    assert_eq!(engine.table_loads(), 1);
}

#[tokio::test]
async fn a_slow_search_times_out_with_a_400() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.csv");
    let mut text = String::from("id,name,amount\n");
    for i in 0..300_000 {
        text.push_str(&format!("{i},name {},{}\n", i % 977, i % 13));
    }
    std::fs::write(&file, text).unwrap();
    let source = single_table_source(
        &file,
        FileFormat::Csv,
        false,
        &[
            ("Id", "id", DataType::Integer, None),
            ("Name", "name", DataType::Text, None),
            (
                "Amount",
                "amount",
                DataType::Integer,
                Some(Aggregation::Sum),
            ),
        ],
    );
    let engine = Engine::new(EngineConfig {
        query_timeout: Duration::from_millis(1),
        ..EngineConfig::default()
    })
    .unwrap();
    let err = try_search(&engine, &source, "[Name] [Id] [Amount]", Page::first_rows())
        .await
        .unwrap_err();
    assert_eq!(err.name(), "QueryTimeout");
    assert_eq!(err.status(), 400);
    assert!(
        err.to_string()
            .starts_with("The search took longer than 0.001 s and was cancelled"),
        "{err}"
    );

    // Without the tight limit the same search completes.
    let result = search(
        &crate::engine(),
        &source,
        "[Amount] [Name] = 'name 5'",
        Page::first_rows(),
    )
    .await;
    assert!(matches!(result.rows[0][0], Cell::Integer(_)));
}

#[tokio::test]
async fn missing_files_name_the_table_and_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("gone.parquet");
    let source = amounts_source(&missing, false);
    let err = try_search(&engine(), &source, "[Amount]", Page::first_rows())
        .await
        .unwrap_err();
    assert_eq!(err.name(), "TableFilesUnavailable");
    assert_eq!(err.status(), 400);
    let message = err.to_string();
    assert!(message.contains("'Single'"), "{message}");
    // The location as the TML names it, relative to the connection's folder, never the
    // server's absolute path.
    assert!(message.contains("from gone.parquet: "), "{message}");
    assert!(
        !message.contains(&dir.path().display().to_string()),
        "{message}"
    );
    assert!(message.contains("no file or folder"), "{message}");

    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let err = try_search(
        &engine(),
        &amounts_source(&empty, true),
        "[Amount]",
        Page::first_rows(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("holds no .parquet files"), "{err}");
}

#[tokio::test]
async fn a_missing_or_unreadable_column_is_a_400() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("amounts.parquet");
    write_parquet_file(&file, &amounts(3));
    let source = single_table_source(
        &file,
        FileFormat::Parquet,
        false,
        &[("Price", "price", DataType::Float, Some(Aggregation::Sum))],
    );
    let err = try_search(&engine(), &source, "[Price]", Page::first_rows())
        .await
        .unwrap_err();
    assert_eq!(err.name(), "TableColumnUnavailable");
    assert!(
        err.to_string().contains("they have: id, amount, name"),
        "{err}"
    );

    // A text column declared as a number cannot be read as one.
    let source = single_table_source(
        &file,
        FileFormat::Parquet,
        false,
        &[("Name", "name", DataType::Integer, Some(Aggregation::Sum))],
    );
    let err = try_search(&engine(), &source, "[Name]", Page::first_rows())
        .await
        .unwrap_err();
    assert_eq!(err.status(), 400, "{err}");
}

#[tokio::test]
async fn csv_columns_are_matched_by_header_name_and_typed_as_declared() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("orders.csv");
    std::fs::write(
        &file,
        // A byte-order mark before the header, as some spreadsheets write it.
        "\u{feff}id,note,Amount,day\n1,first,2,2024-01-31\n2,,3,2024-02-01\n3,third,,2024-02-02\n4,fourth,7,2024-03-01\n",
    )
    .unwrap();
    let source = single_table_source(
        &file,
        FileFormat::Csv,
        false,
        &[
            ("Id", "id", DataType::Integer, None),
            ("Day", "day", DataType::Date, None),
            // Declared DOUBLE, written as integers; matched case-insensitively.
            ("Amount", "amount", DataType::Float, Some(Aggregation::Sum)),
        ],
    );
    let result = search(
        &engine(),
        &source,
        "[Day].monthly [Amount] [Id] < 4",
        Page::first_rows(),
    )
    .await;
    assert_eq!(
        result.rows,
        vec![
            vec![Cell::Date(1_704_067_200), Cell::Float(2.0)],
            vec![Cell::Date(1_706_745_600), Cell::Float(3.0)],
        ]
    );

    std::fs::write(&file, "id,note,Amount,day\n1,x,abc,2024-01-31\n").unwrap();
    let err = try_search(&engine(), &source, "[Amount]", Page::first_rows())
        .await
        .unwrap_err();
    assert_eq!(err.name(), "SearchDataUnreadable", "{err}");
    assert_eq!(err.status(), 400);
}

#[tokio::test]
async fn unreachable_databases_and_unjoined_tables_are_400s() {
    let data = DataSet::write();
    let mut source = data.worksheet();
    source.tables[1].location = TableLocation::Postgres(PostgresTable {
        connection: PostgresConnection {
            host: "127.0.0.1".into(),
            // Nothing listens there.
            port: 1,
            database: "db".into(),
            user: "u".into(),
            password: None,
            password_env: None,
        },
        connection_id: "c".into(),
        connection_name: "Warehouse".into(),
        password: None,
        schema: None,
        table: "customers".into(),
    });
    let err = try_search(&engine(), &source, "[Region]", Page::first_rows())
        .await
        .unwrap_err();
    assert_eq!(err.name(), "DataSourceUnavailable", "{err}");
    // Tables the search does not touch do not matter (progressive joins).
    search(&engine(), &source, "[Revenue]", Page::first_rows()).await;

    let mut source = data.worksheet();
    source.joins.retain(|join| join.right != 1);
    let err = try_search(&engine(), &source, "[Revenue] [Region]", Page::first_rows())
        .await
        .unwrap_err();
    assert_eq!(err.name(), "SourceTablesNotJoined");
    assert!(err.to_string().contains("'Customers'"), "{err}");
    // Alone, the unjoined table is searchable.
    let regions = search(&engine(), &source, "[Region]", Page::first_rows()).await;
    assert!(regions.total_rows > 3);
}

#[tokio::test]
async fn a_bad_model_filter_is_a_400() {
    let data = DataSet::write();
    let source = data.worksheet_with(vec!["[Revenue] top 5".to_owned()], true, false);
    let err = try_search(&engine(), &source, "[Revenue]", Page::first_rows())
        .await
        .unwrap_err();
    assert_eq!(err.status(), 400);
    assert_eq!(err.name(), "SearchNotAFilter");
}
