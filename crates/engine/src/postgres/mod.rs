//! Tables of `RDBMS_POSTGRES` connections: live data, searched inside PostgreSQL.
//!
//! A PostgreSQL table opens as a table provider of `datafusion-table-providers` (its
//! connection pool, its type mapping, its row → Arrow conversion), made federated with
//! `datafusion-federation`: the engine's session runs the federation optimizer rule, which
//! finds the largest part of a plan whose tables all live in one database and replaces it
//! with one SQL statement, written by DataFusion's unparser in [`SearchlightPostgres`]'s
//! dialect. A search over one PostgreSQL connection therefore runs as one statement (joins,
//! filters, GROUP BY, HAVING, ORDER BY, LIMIT), and only the answer's rows travel; a
//! worksheet that also joins files runs the database's part there and the rest here.
//!
//! One pool per connection ([`PostgresPools`]), created on first use and replaced when the
//! connection's address, user or password changes. Every session of a pool runs with
//! `TimeZone = UTC` (timestamps mean what they mean in files) and a `statement_timeout` equal
//! to the engine's query timeout, so that a search the engine gives up on is cancelled in the
//! database too. Nothing of a PostgreSQL table is cached: every search reads the rows as they
//! are now, and the answer cache never keeps such an answer.

mod dialect;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;
use datafusion::common::{Statistics, TableReference};
use datafusion::error::{DataFusionError, Result as DataFusionResult};
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::{PhysicalExpr, SendableRecordBatchStream};
use datafusion::sql::unparser::dialect::Dialect;
use datafusion_federation::FederatedTableProviderAdaptor;
use datafusion_federation::sql::{
    AstAnalyzer, RemoteTableRef, SQLExecutor, SQLFederationProvider, SQLTableSource,
};
use datafusion_table_providers::UnsupportedTypeAction;
use datafusion_table_providers::postgres::DynPostgresConnectionPool;
use datafusion_table_providers::sql::db_connection_pool::postgrespool::PostgresConnectionPool;
use datafusion_table_providers::sql::sql_provider_datafusion::SqlTable;
use datafusion_table_providers::util::secrets::to_secret_map;
use searchlight_catalog::files::{DatabaseProbeError, FileColumn, FileType};
use searchlight_catalog::source::{PostgresTable, SourceTable};
use searchlight_errors::{Error, Result};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

pub(crate) use dialect::text_order;
use dialect::{SearchlightPostgres, rename_aggregates};

use crate::files::file_type;
use crate::tables::OpenedTable;

/// The executor's name in plans and explanations.
const EXECUTOR: &str = "postgres";

/// How the engine reaches PostgreSQL databases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PostgresSettings {
    /// The most connections a pool holds to one database (idle ones are closed after 10
    /// minutes, as bb8 does by default).
    pub pool_size: u32,
    /// How long connecting to a database may take before the search or import fails.
    pub connect_timeout: Duration,
    /// The database cancels a statement running longer (the engine's query timeout).
    pub statement_timeout: Duration,
}

/// A pool, or the one being created.
type PoolCell = Arc<OnceCell<Arc<PostgresConnectionPool>>>;

/// The connection pools, one per connection (and per address, user and password it had).
pub(crate) struct PostgresPools {
    settings: PostgresSettings,
    pools: Mutex<HashMap<String, (Vec<u8>, PoolCell)>>,
}

impl PostgresPools {
    pub fn new(settings: PostgresSettings) -> Self {
        Self {
            settings,
            pools: Mutex::default(),
        }
    }

    /// Closes the pool of a connection (deleted or changed).
    pub fn evict_connection(&self, connection_id: &str) {
        crate::tables::lock(&self.pools).remove(connection_id);
    }

    /// The pool of `table`'s connection, created (and a first connection made) when there is
    /// none yet for the connection as it is now.
    async fn pool(
        &self,
        table: &PostgresTable,
    ) -> std::result::Result<Arc<PostgresConnectionPool>, String> {
        let version = pool_version(table);
        let cell = {
            let mut pools = crate::tables::lock(&self.pools);
            let entry = pools
                .entry(table.connection_id.clone())
                .or_insert_with(|| (version.clone(), PoolCell::default()));
            if entry.0 != version {
                *entry = (version, PoolCell::default());
            }
            Arc::clone(&entry.1)
        };
        let created = cell
            .get_or_try_init(|| async {
                let pool = tokio::time::timeout(
                    self.settings.connect_timeout,
                    PostgresConnectionPool::new(to_secret_map(self.parameters(table))),
                )
                .await
                .map_err(|_| {
                    format!(
                        "{}:{} did not answer within {} s",
                        table.connection.host,
                        table.connection.port,
                        self.settings.connect_timeout.as_secs_f64()
                    )
                })?
                .map_err(|err| connection_error(table, &err.to_string()))?;
                Ok::<_, String>(Arc::new(
                    pool.with_unsupported_type_action(UnsupportedTypeAction::Ignore),
                ))
            })
            .await?;
        Ok(Arc::clone(created))
    }

    /// The pool's parameters, as `datafusion-table-providers` names them.
    fn parameters(&self, table: &PostgresTable) -> HashMap<String, String> {
        let connection = &table.connection;
        let settings = &self.settings;
        let mut parameters = HashMap::from([
            ("host".to_owned(), connection.host.clone()),
            ("port".to_owned(), connection.port.to_string()),
            ("db".to_owned(), connection.database.clone()),
            ("user".to_owned(), connection.user.clone()),
            // TLS when the server offers it, as libpq does by default.
            ("sslmode".to_owned(), "prefer".to_owned()),
            (
                "connection_pool_size".to_owned(),
                settings.pool_size.max(1).to_string(),
            ),
            ("application_name".to_owned(), "searchlight".to_owned()),
            (
                "options".to_owned(),
                format!(
                    "-c TimeZone=UTC -c statement_timeout={}",
                    settings.statement_timeout.as_millis().max(1)
                ),
            ),
        ]);
        if let Some(password) = &table.password {
            parameters.insert("pass".to_owned(), password.expose().to_owned());
        }
        parameters
    }

    /// Opens a PostgreSQL table for one search: its columns as the database has them now,
    /// as a federated provider.
    pub async fn open(
        &self,
        source_table: &SourceTable,
        table: &PostgresTable,
    ) -> Result<OpenedTable> {
        let unavailable = |reason: String| unavailable(source_table, table, reason);
        let pool = self.pool(table).await.map_err(unavailable)?;
        let provider =
            tokio::time::timeout(self.settings.connect_timeout, federated_table(pool, table))
                .await
                .map_err(|_| {
                    unavailable(format!(
                        "the database did not answer within {} s",
                        self.settings.connect_timeout.as_secs_f64()
                    ))
                })?
                .map_err(unavailable)?;
        Ok(OpenedTable {
            schema: provider.schema(),
            provider,
            path: table.shown(),
            memory: None,
            remote: true,
        })
    }

    /// The columns of a PostgreSQL table, for import: the connection must be reachable with
    /// its credentials, and the schema and table must exist. A column whose type Searchlight
    /// cannot read is listed with the database's name for the type.
    pub async fn probe(
        &self,
        table: &PostgresTable,
    ) -> std::result::Result<Vec<FileColumn>, DatabaseProbeError> {
        let pool = self
            .pool(table)
            .await
            .map_err(DatabaseProbeError::Connection)?;
        let schema = table.schema.as_deref().unwrap_or("public");
        let described = tokio::time::timeout(self.settings.connect_timeout, async {
            let connection = pool.connect_direct().await.map_err(|err| {
                DatabaseProbeError::Connection(connection_error(table, &err.to_string()))
            })?;
            let catalog_error = |err: &dyn std::fmt::Display| {
                DatabaseProbeError::Table(format!("reading the database's catalog failed: {err}"))
            };
            let client = &connection.conn;
            let found = client
                .query("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[&schema])
                .await
                .map_err(|err| catalog_error(&err))?;
            if found.is_empty() {
                return Err(DatabaseProbeError::Schema(format!(
                    "schema '{schema}' does not exist in database '{}'",
                    table.connection.database
                )));
            }
            let rows = client
                .query(
                    "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod) \
                     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
                     JOIN pg_namespace n ON n.oid = c.relnamespace \
                     WHERE n.nspname = $1 AND c.relname = $2 \
                     AND c.relkind IN ('r', 'v', 'm', 'p', 'f') \
                     AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                    &[&schema, &table.table],
                )
                .await
                .map_err(|err| catalog_error(&err))?;
            if rows.is_empty() {
                return Err(DatabaseProbeError::Table(format!(
                    "table '{}' does not exist in schema '{schema}' of database '{}' (or \
                     user '{}' may not see it)",
                    table.table, table.connection.database, table.connection.user
                )));
            }
            Ok(rows
                .iter()
                .map(|row| (row.get::<_, String>(0), row.get::<_, String>(1)))
                .collect::<Vec<_>>())
        })
        .await
        .map_err(|_| {
            DatabaseProbeError::Connection(format!(
                "PostgreSQL at {}:{} did not answer within {} s",
                table.connection.host,
                table.connection.port,
                self.settings.connect_timeout.as_secs_f64()
            ))
        })??;
        let readable = federated_table(pool, table)
            .await
            .map_err(DatabaseProbeError::Table)?
            .schema();
        Ok(described
            .into_iter()
            .map(|(name, database_type)| {
                let file_type = readable
                    .field_with_name(&name)
                    .map(|field| file_type(field.data_type()))
                    .unwrap_or(FileType::Other(database_type));
                FileColumn { name, file_type }
            })
            .collect())
    }
}

/// Changes whenever what the pool connects with changes (a digest, so that the password is
/// not kept as a key).
fn pool_version(table: &PostgresTable) -> Vec<u8> {
    let connection = &table.connection;
    let mut digest = Sha256::new();
    for part in [
        connection.host.as_str(),
        &connection.port.to_string(),
        &connection.database,
        &connection.user,
        table
            .password
            .as_ref()
            .map_or("", |password| password.expose()),
    ] {
        digest.update(part.len().to_le_bytes());
        digest.update(part.as_bytes());
    }
    digest.finalize().to_vec()
}

/// The driver's message about a failed connection, in a sentence, without the password.
fn connection_error(table: &PostgresTable, message: &str) -> String {
    let message = readable(message);
    let message = match &table.password {
        Some(password) if !password.expose().is_empty() => {
            message.replace(password.expose(), "***")
        }
        _ => message,
    };
    format!(
        "connecting to PostgreSQL at {}:{} (database '{}', user '{}') failed: {message}",
        table.connection.host,
        table.connection.port,
        table.connection.database,
        table.connection.user
    )
}

fn unavailable(source_table: &SourceTable, table: &PostgresTable, reason: String) -> Error {
    tracing::info!(table = %source_table.name, connection = %table.connection_name, %reason, "PostgreSQL table unavailable");
    Error::DataSourceUnavailable {
        table: source_table.name.clone(),
        connection: table.connection_name.clone(),
        reason,
    }
}

/// The table as a federated provider over `pool`.
async fn federated_table(
    pool: Arc<PostgresConnectionPool>,
    table: &PostgresTable,
) -> std::result::Result<Arc<dyn TableProvider>, String> {
    let reference = match &table.schema {
        Some(schema) => TableReference::partial(schema.as_str(), table.table.as_str()),
        None => TableReference::bare(table.table.as_str()),
    };
    let pool: Arc<DynPostgresConnectionPool> = pool;
    let sql_table = SqlTable::new(EXECUTOR, &pool, reference.clone())
        .await
        .map_err(|err| format!("reading the columns of {} failed: {err}", table.shown()))?
        .with_dialect(Arc::new(SearchlightPostgres));
    let sql_table = Arc::new(sql_table);
    let schema = sql_table.schema();
    let executor = Arc::new(Executor {
        inner: Arc::clone(&sql_table),
    });
    let source = SQLTableSource::new_with_schema(
        Arc::new(SQLFederationProvider::new(executor)),
        RemoteTableRef::from(reference),
        schema,
    );
    Ok(Arc::new(FederatedTableProviderAdaptor::new_with_provider(
        Arc::new(source),
        sql_table,
    )))
}

/// The table provider's executor, in Searchlight's dialect, logging every statement sent.
struct Executor<E> {
    inner: Arc<E>,
}

#[async_trait]
impl<E: SQLExecutor + 'static> SQLExecutor for Executor<E> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn compute_context(&self) -> Option<String> {
        self.inner.compute_context()
    }

    fn dialect(&self) -> Arc<dyn Dialect> {
        Arc::new(SearchlightPostgres)
    }

    fn ast_analyzer(&self) -> Option<AstAnalyzer> {
        Some(Box::new(rename_aggregates))
    }

    fn execute(
        &self,
        query: &str,
        schema: SchemaRef,
        filters: &[Arc<dyn PhysicalExpr>],
    ) -> DataFusionResult<SendableRecordBatchStream> {
        tracing::debug!(sql = %query, "statement sent to PostgreSQL");
        self.inner.execute(query, schema, filters)
    }

    async fn statistics(&self, plan: &LogicalPlan) -> DataFusionResult<Statistics> {
        self.inner.statistics(plan).await
    }

    async fn table_names(&self) -> DataFusionResult<Vec<String>> {
        self.inner.table_names().await
    }

    async fn get_table_schema(&self, table_name: &str) -> DataFusionResult<SchemaRef> {
        self.inner.get_table_schema(table_name).await
    }
}

/// A message of the PostgreSQL provider or driver on one line, without its advice lines
/// (links to the manual, pool tuning) and the wrappers' prefixes.
pub(crate) fn readable(message: &str) -> String {
    message
        .split('\n')
        .map(str::trim)
        .filter(|line| {
            !line.is_empty()
                && !line.starts_with("For details")
                && !line.starts_with("Adjust")
                && !line.starts_with("SQLSTATE")
        })
        .map(|line| {
            ["Execution error: ", "External error: ", "ERROR: "]
                .iter()
                .fold(line, |line, prefix| {
                    line.strip_prefix(prefix).unwrap_or(line)
                })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a DataFusion error came from PostgreSQL (the statement failed there, or the
/// connection did).
pub(crate) fn is_database_error(err: &DataFusionError) -> bool {
    let text = err.to_string();
    text.contains("postgres") || text.contains("Postgres") || text.contains("db error")
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_messages_read_on_one_line_without_advice() {
        let message = "Execution error: Failed to execute query.\nQuery execution failed.\n\
                       ERROR: relation \"sales\" does not exist\nSQLSTATE: 42P01\n\
                       For details, refer to the PostgreSQL manual: https://www.postgresql.org/";
        assert_eq!(
            super::readable(message),
            "Failed to execute query. Query execution failed. relation \"sales\" does not exist"
        );
    }
}
