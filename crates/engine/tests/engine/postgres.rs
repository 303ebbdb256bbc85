//! Issue 14: tables in PostgreSQL, against the real server. The differential suite runs over
//! PostgreSQL too (`differential::searches_equal_their_sql_over_postgres`); these are the
//! behaviours around it: the search runs in the database as one statement, live data, a
//! worksheet mixing files and a database, the timeout, lost databases and secrets.

use std::time::{Duration, Instant};

use searchlight_catalog::files::{DatabaseProbeError, FileSchemaProbe, FileType};
use searchlight_catalog::source::{ConnectionPassword, TableLocation};
use searchlight_engine::{Cell, Engine, EngineConfig, Page};
use sqlx::Row;

use crate::fixture::DataSet;
use crate::postgres_fixture::PostgresData;
use crate::{cells_to_values, context, engine};

async fn run(
    engine: &Engine,
    source: &searchlight_catalog::source::SearchSource,
    query: &str,
) -> searchlight_errors::Result<searchlight_engine::SearchResult> {
    let plan = searchlight_search::compile(&source.model, query, &context()).unwrap();
    engine
        .search(source, &plan, &context(), Page::first_rows())
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grouped_search_over_a_join_is_one_statement_in_postgres() {
    let data = DataSet::write();
    let database = PostgresData::load(&data).await;
    let source = database.over(data.worksheet());
    let engine = engine();
    let query = "[Revenue] [Region] [Category] [Revenue] > 100 top 5";
    let explanation = engine
        .explain_text(&source, query, &context())
        .await
        .unwrap();
    assert_eq!(explanation.statements.len(), 1, "{explanation:#?}");
    let statement = &explanation.statements[0];
    for part in [
        "JOIN",
        "GROUP BY",
        "HAVING",
        "ORDER BY",
        "LIMIT 5",
        "COLLATE \"C\"",
    ] {
        assert!(statement.contains(part), "{part} missing from {statement}");
    }
    assert!(
        explanation.logical_plan.contains("Federated"),
        "{}",
        explanation.logical_plan
    );

    // The rows PostgreSQL answers that statement with are the answer's rows.
    let answer = run(&engine, &source, query).await.unwrap();
    assert_eq!(answer.total_rows, 5);
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT row_to_json(s)::text FROM ({statement}) s"
    )))
    .fetch_all(&database.pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), answer.rows.len());
    for (row, cells) in rows.iter().zip(&answer.rows) {
        let json: serde_json::Value = serde_json::from_str(&row.get::<String, _>(0)).unwrap();
        let values: Vec<&serde_json::Value> = json.as_object().unwrap().values().collect();
        assert_eq!(values.len(), 3, "{json}");
        let text = |value: &serde_json::Value| match value.as_str() {
            Some(text) => Cell::Text(text.to_owned()),
            None => Cell::Null,
        };
        assert_eq!(text(values[0]), cells[0], "{json}");
        assert_eq!(text(values[1]), cells[1], "{json}");
        let Cell::Float(revenue) = cells[2] else {
            panic!("{cells:?}");
        };
        assert!(
            (values[2].as_f64().unwrap() - revenue).abs() < 1e-6,
            "{json} {cells:?}"
        );
    }
    database.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_in_postgres_is_in_the_next_answer() {
    let data = DataSet::write();
    let database = PostgresData::load(&data).await;
    let source = database.over(data.worksheet());
    let engine = engine();
    let before = run(&engine, &source, "[Quantity]").await.unwrap();
    let Cell::Integer(total) = before.rows[0][0] else {
        panic!("{:?}", before.rows);
    };
    database
        .execute("UPDATE sales SET quantity = quantity + 1000 WHERE sale_id = 1")
        .await;
    let after = run(&engine, &source, "[Quantity]").await.unwrap();
    assert_eq!(after.rows, vec![vec![Cell::Integer(total + 1000)]]);
    // Nothing was kept: two searches, no hits, no misses.
    assert_eq!(engine.answer_cache_hits(), 0);
    assert_eq!(engine.answer_cache_misses(), 0);
    database.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worksheet_joining_files_and_postgres_answers_as_files_do() {
    let data = DataSet::write();
    let database = PostgresData::load(&data).await;
    let files = data.worksheet();
    let mut mixed = data.worksheet();
    // Customers and products in the database, sales and stores in files.
    mixed.tables[1].location = TableLocation::Postgres(database.table("customers"));
    mixed.tables[2].location = TableLocation::Postgres(database.table("products"));
    let engine = engine();
    for query in [
        "[Revenue] [Region] [Category]",
        "[Orders] [Segment] [Channel] = 'online' sort by [Segment]",
        "[Customer] [Revenue] top 3",
    ] {
        let expected = run(&engine, &files, query).await.unwrap();
        let answer = run(&engine, &mixed, query).await.unwrap();
        assert_eq!(answer.columns, expected.columns, "{query}");
        assert_eq!(answer.total_rows, expected.total_rows, "{query}");
        let (a, e) = (
            cells_to_values(&answer.rows),
            cells_to_values(&expected.rows),
        );
        for (row, wanted) in a.iter().zip(&e) {
            assert!(
                row.iter().zip(wanted).all(|(x, y)| x.matches(y)),
                "{query}: {row:?} != {wanted:?}"
            );
        }
    }
    database.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numeric_columns_and_declared_types_read_as_declared() {
    let data = DataSet::write();
    let database = PostgresData::load(&data).await;
    database
        .execute(
            "CREATE TABLE prices (sku text, price numeric(12, 2), stock smallint, \
             at timestamptz, ok boolean); \
             INSERT INTO prices VALUES ('a', 10.25, 3, '2024-05-01 23:30:00-02', true), \
             ('b', 0.10, 4, '2024-05-02 00:15:00+00', false), ('c', NULL, NULL, NULL, NULL)",
        )
        .await;
    let engine = engine();
    let columns = engine
        .probe_database(&database.table("prices"))
        .await
        .unwrap();
    let types: Vec<(&str, &FileType)> = columns
        .iter()
        .map(|column| (column.name.as_str(), &column.file_type))
        .collect();
    assert_eq!(
        types,
        [
            ("sku", &FileType::Text),
            ("price", &FileType::Float),
            ("stock", &FileType::Integer),
            ("at", &FileType::Timestamp),
            ("ok", &FileType::Boolean),
        ]
    );
    let mut source = crate::fixture::single_table_source(
        std::path::Path::new("/no/such/folder/prices.parquet"),
        searchlight_catalog::source::FileFormat::Parquet,
        false,
        &[
            ("Sku", "sku", searchlight_search::DataType::Text, None),
            (
                "Price",
                "price",
                searchlight_search::DataType::Float,
                Some(searchlight_search::Aggregation::Sum),
            ),
            (
                "Stock",
                "stock",
                searchlight_search::DataType::Integer,
                Some(searchlight_search::Aggregation::Sum),
            ),
            ("At", "at", searchlight_search::DataType::DateTime, None),
            ("Ok", "ok", searchlight_search::DataType::Boolean, None),
        ],
    );
    source.tables[0].location = TableLocation::Postgres(database.table("prices"));
    let answer = run(&engine, &source, "[Price] [Stock]").await.unwrap();
    assert_eq!(
        answer.rows,
        vec![vec![Cell::Float(10.35), Cell::Integer(7)]]
    );
    // A TIMESTAMPTZ is its instant, in UTC: 2024-05-02 01:30 UTC, hourly.
    let answer = run(&engine, &source, "[Sku] [At].hourly [Ok] = true")
        .await
        .unwrap();
    assert_eq!(
        answer.rows,
        vec![vec![
            Cell::Text("a".into()),
            Cell::DateTime(1_714_613_400 - 1_800)
        ]]
    );
    database.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timeout_cancels_the_statement_in_postgres() {
    let data = DataSet::write();
    let database = PostgresData::load(&data).await;
    database
        .execute("CREATE VIEW slow_sales AS SELECT s.* FROM sales s, pg_sleep(30)")
        .await;
    let mut source = database.over(data.worksheet());
    let mut slow = database.table("slow_sales");
    slow.table = "slow_sales".into();
    source.tables[0].location = TableLocation::Postgres(slow);
    let engine = Engine::new(EngineConfig {
        query_timeout: Duration::from_secs(2),
        ..EngineConfig::default()
    })
    .unwrap();
    let started = Instant::now();
    let err = run(&engine, &source, "[Revenue]").await.unwrap_err();
    assert_eq!(err.name(), "QueryTimeout", "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
    // PostgreSQL cancelled it too: no statement of Searchlight's still sleeps there.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let running: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'searchlight' \
             AND state = 'active' AND query LIKE '%slow_sales%'",
        )
        .fetch_one(&database.pool)
        .await
        .unwrap();
        if running == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the statement still runs in PostgreSQL"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    database.drop().await;
}

/// Spoils a table's connection.
type Spoil = Box<dyn Fn(&mut searchlight_catalog::source::PostgresTable)>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_is_a_400_naming_the_connection_without_its_password() {
    let data = DataSet::write();
    let database = PostgresData::load(&data).await;
    let engine = Engine::new(EngineConfig {
        postgres_connect_timeout: Duration::from_secs(3),
        ..EngineConfig::default()
    })
    .unwrap();
    let password = "pw-that-must-not-show-7f3a";
    let cases: Vec<(&str, Spoil)> = vec![
        ("nothing listens", Box::new(|t| t.connection.port = 1)),
        (
            "no such database",
            Box::new(|t| t.connection.database = "no_such_database_here".into()),
        ),
        (
            "no such user",
            Box::new(|t| t.connection.user = "no_such_user_here".into()),
        ),
    ];
    for (label, spoil) in cases {
        let mut source = database.over(data.worksheet());
        for (index, table) in source.tables.iter_mut().enumerate() {
            if let TableLocation::Postgres(postgres) = &mut table.location {
                postgres.connection_id = format!("{label}-{index}");
                postgres.password = Some(ConnectionPassword::new(password.to_owned()));
                spoil(postgres);
            }
        }
        let started = Instant::now();
        let err = run(&engine, &source, "[Revenue] [Region]")
            .await
            .unwrap_err();
        assert_eq!(err.name(), "DataSourceUnavailable", "{label}: {err}");
        assert_eq!(err.status(), 400);
        let message = err.to_string();
        assert!(message.contains("'Warehouse'"), "{label}: {message}");
        assert!(!message.contains(password), "{label}: {message}");
        assert!(started.elapsed() < Duration::from_secs(8), "{label}");

        let TableLocation::Postgres(table) = &source.tables[0].location else {
            unreachable!()
        };
        match engine.probe_database(table).await {
            Err(DatabaseProbeError::Connection(reason)) => {
                assert!(!reason.contains(password), "{reason}")
            }
            other => panic!("{label}: {other:?}"),
        }
    }
    // The server keeps serving other sources meanwhile.
    assert!(run(&engine, &data.worksheet(), "[Revenue]").await.is_ok());
    database.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_probes_say_which_schema_or_table_is_missing() {
    let data = DataSet::write();
    let database = PostgresData::load(&data).await;
    let engine = engine();
    let mut table = database.table("sales");
    table.schema = Some("no_such_schema".into());
    match engine.probe_database(&table).await {
        Err(DatabaseProbeError::Schema(reason)) => {
            assert!(reason.contains("no_such_schema"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    let table = database.table("no_such_table");
    match engine.probe_database(&table).await {
        Err(DatabaseProbeError::Table(reason)) => {
            assert!(reason.contains("no_such_table"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    let columns = engine
        .probe_database(&database.table("sales"))
        .await
        .unwrap();
    assert_eq!(columns.len(), 11);
    database.drop().await;
}

/// A TCP proxy to the test PostgreSQL that can be cut: the database as seen through it is
/// lost when [`Proxy::cut`] is called (the listener closes and every open connection drops).
struct Proxy {
    port: u16,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(target: (String, u16)) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            let mut links = tokio::task::JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                links.spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Self { port, task }
    }

    /// Closes the listener and every connection through it.
    fn cut(&self) {
        self.task.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_lost_after_searches_is_a_400_not_a_hang() {
    let data = DataSet::write();
    let database = PostgresData::load(&data).await;
    let connection = crate::postgres_fixture::connection();
    let proxy = Proxy::start((connection.host.clone(), connection.port)).await;
    let mut source = database.over(data.worksheet());
    for table in &mut source.tables {
        if let TableLocation::Postgres(postgres) = &mut table.location {
            postgres.connection.host = "127.0.0.1".into();
            postgres.connection.port = proxy.port;
        }
    }
    let engine = Engine::new(EngineConfig {
        postgres_connect_timeout: Duration::from_secs(3),
        ..EngineConfig::default()
    })
    .unwrap();
    assert!(run(&engine, &source, "[Revenue] [Region]").await.is_ok());
    proxy.cut();
    let started = Instant::now();
    let err = run(&engine, &source, "[Revenue] [Region]")
        .await
        .unwrap_err();
    assert_eq!(err.name(), "DataSourceUnavailable", "{err}");
    assert!(err.to_string().contains("'Warehouse'"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    // Files keep answering.
    assert!(run(&engine, &data.worksheet(), "[Revenue]").await.is_ok());
    database.drop().await;
}
