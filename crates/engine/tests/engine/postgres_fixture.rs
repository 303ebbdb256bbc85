//! The data set of `fixture` loaded into PostgreSQL (the real server the project's scripts
//! start), in a schema of its own per test, and the worksheet over it.
//!
//! Every table is created with the column types the files have and filled with exactly their
//! rows (COPY, NULL kept apart from the empty string). Text columns use an ICU collation
//! ("en-x-icu", where `'a' < 'B'`), as most databases' default collations order text by
//! language rules rather than by bytes: answers must not depend on it.

use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::csv::WriterBuilder;
use datafusion::arrow::datatypes::{DataType as ArrowType, Field, Schema};
use searchlight_catalog::source::{PostgresConnection, PostgresTable, SearchSource, TableLocation};
use sqlx::PgPool;
use sqlx::postgres::{PgPoolCopyExt, PgPoolOptions};

use crate::fixture::DataSet;

/// The database the tests use (`SEARCHLIGHT_TEST_POSTGRES_URL`, as the API tests read it).
pub fn database_url() -> String {
    std::env::var("SEARCHLIGHT_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// The connection to the test database, as a TML connection would describe it.
pub fn connection() -> PostgresConnection {
    let url = url::Url::parse(&database_url()).expect("SEARCHLIGHT_TEST_POSTGRES_URL is a URL");
    PostgresConnection {
        host: url.host_str().unwrap_or("127.0.0.1").to_owned(),
        port: url.port().unwrap_or(5432),
        database: url.path().trim_start_matches('/').to_owned(),
        user: url.username().to_owned(),
        password: None,
        password_env: None,
    }
}

/// The data set's tables in a PostgreSQL schema of their own.
pub struct PostgresData {
    pub pool: PgPool,
    pub schema: String,
}

impl PostgresData {
    /// Loads `data`'s four tables into a new schema.
    pub async fn load(data: &DataSet) -> Self {
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .connect(&database_url())
            .await
            .expect("the test PostgreSQL is running (scripts/ensure-postgres)");
        let schema = format!("engine_{}", uuid_like());
        run_sql(&pool, &format!(r#"CREATE SCHEMA "{schema}""#)).await;
        let reference = data.reference().await;
        for table in ["sales", "customers", "products", "stores"] {
            let frame = reference
                .sql(&format!("SELECT * FROM {table}"))
                .await
                .unwrap();
            let batches: Vec<RecordBatch> = frame
                .collect()
                .await
                .unwrap()
                .into_iter()
                .map(plain_text)
                .collect();
            load_table(&pool, &schema, table, &batches).await;
        }
        Self { pool, schema }
    }

    /// `source` (the data set's worksheet) with every table read from PostgreSQL instead.
    pub fn over(&self, mut source: SearchSource) -> SearchSource {
        for table in &mut source.tables {
            let name = match table.alias.as_str() {
                alias @ ("sales" | "customers" | "products" | "stores") => alias.to_owned(),
                other => panic!("no table for alias {other}"),
            };
            table.location = TableLocation::Postgres(self.table(&name));
        }
        source
    }

    /// One of the loaded tables as a search reads it.
    pub fn table(&self, name: &str) -> PostgresTable {
        PostgresTable {
            connection: connection(),
            connection_id: "warehouse".to_owned(),
            connection_name: "Warehouse".to_owned(),
            password: None,
            schema: Some(self.schema.clone()),
            table: name.to_owned(),
        }
    }

    /// Runs a statement in the data set's schema.
    pub async fn execute(&self, statement: &str) {
        let statement = format!(r#"SET search_path TO "{}"; {statement}"#, self.schema);
        run_sql(&self.pool, &statement).await;
    }

    /// Drops the schema.
    pub async fn drop(self) {
        let statement = format!(r#"DROP SCHEMA "{}" CASCADE"#, self.schema);
        run_sql(&self.pool, &statement).await;
        self.pool.close().await;
    }
}

/// A name no other test run uses at the same time.
fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{}_{nanos}", std::process::id())
}

/// Text as `Utf8` (the CSV writer's and PostgreSQL's plain text).
fn plain_text(batch: RecordBatch) -> RecordBatch {
    let mut fields = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        if matches!(
            field.data_type(),
            ArrowType::Utf8View | ArrowType::LargeUtf8
        ) {
            fields.push(Field::new(field.name(), ArrowType::Utf8, true));
            columns.push(cast(column, &ArrowType::Utf8).unwrap());
        } else {
            fields.push(field.as_ref().clone().with_nullable(true));
            columns.push(column.clone());
        }
    }
    RecordBatch::try_new(std::sync::Arc::new(Schema::new(fields)), columns).unwrap()
}

/// The PostgreSQL type of a column of the data set.
fn postgres_type(data_type: &ArrowType) -> &'static str {
    match data_type {
        ArrowType::Int32 => "integer",
        ArrowType::Int64 => "bigint",
        ArrowType::Float64 => "double precision",
        ArrowType::Utf8 => r#"text COLLATE "en-x-icu""#,
        ArrowType::Boolean => "boolean",
        ArrowType::Date32 => "date",
        ArrowType::Timestamp(_, None) => "timestamp",
        ArrowType::Timestamp(_, Some(_)) => "timestamptz",
        other => panic!("no PostgreSQL type for {other}"),
    }
}

async fn load_table(pool: &PgPool, schema: &str, table: &str, batches: &[RecordBatch]) {
    let arrow_schema = batches[0].schema();
    let columns: Vec<String> = arrow_schema
        .fields()
        .iter()
        .map(|field| format!(r#""{}" {}"#, field.name(), postgres_type(field.data_type())))
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
            writer.write(batch).unwrap();
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

/// Runs SQL text (one or more statements) in the test database.
async fn run_sql(pool: &PgPool, sql: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(pool)
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"));
}
