//! The search engine: executes a bound [`SearchPlan`] over a [`SearchSource`]'s file-backed
//! tables with Apache DataFusion and returns one page of the answer.
//!
//! ```text
//! SearchSource + SearchPlan + SearchContext
//!     │ model filters bound (searchlight_search::bind_row_filters)
//!     │ joins::plan_joins      only the instances the query reads (progressive joins)
//!     │ tables::open_table     files listed now; Parquet/CSV read as declared; in-memory cache
//!     │ translate::build       SearchPlan → LogicalPlan (WHERE, GROUP BY, HAVING, top n, ORDER BY)
//!     ▼
//! DataFusion stream ──► count every row, keep the page's rows as Cells ──► SearchResult
//! ```
//!
//! One [`Engine`] is shared by all requests (it is cheap to clone): one DataFusion session
//! (target partitions = cores), one runtime, one in-memory table cache. Every search runs
//! under the configured timeout; when it expires, or when the caller drops the future (the
//! client went away), the DataFusion work is cancelled.
//!
//! The engine also implements [`searchlight_catalog::files::FileSchemaProbe`], which TML import
//! uses to check `db_column_name`s and `data_type`s against the files.

pub mod answers;
mod cell;
mod coop;
mod files;
mod joins;
mod tables;
mod translate;
mod types;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use datafusion::arrow::error::ArrowError;
use datafusion::error::DataFusionError;
use datafusion::execution::cache::cache_manager::CacheManagerConfig;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::session_state::{SessionState, SessionStateBuilder};
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::StreamExt;
use searchlight_catalog::source::SearchSource;
use searchlight_errors::{Error, Result};
use searchlight_search::{ColumnId, DataType, Predicate, SearchContext, SearchPlan};

pub use cell::Cell;

use crate::files::readable_error;
use crate::joins::plan_joins;
use crate::tables::{MemoryCache, OpenedTable, open_table};
use crate::translate::{QueryParts, predicate_columns};

/// Engine settings.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineConfig {
    /// The most rows one page may hold (`batchsize=-1` means this many).
    pub row_cap: usize,
    /// A search running longer is cancelled with [`Error::QueryTimeout`].
    pub query_timeout: Duration,
    /// DataFusion's parallelism; `None`: the number of cores.
    pub target_partitions: Option<usize>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            row_cap: 100_000,
            query_timeout: Duration::from_secs(30),
            target_partitions: None,
        }
    }
}

/// Which rows of the answer to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// 0-based index of the first row.
    pub offset: usize,
    /// At most this many rows (never more than the row cap).
    pub limit: usize,
}

impl Page {
    pub fn new(offset: usize, limit: usize) -> Self {
        Self { offset, limit }
    }

    /// From the first row, as many rows as the row cap allows.
    pub fn first_rows() -> Self {
        Self::new(0, usize::MAX)
    }
}

/// A result column: its header (rule 9) and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultColumn {
    pub name: String,
    pub data_type: DataType,
}

/// One page of an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResult {
    pub columns: Vec<ResultColumn>,
    /// The rows of the requested page, in the answer's order.
    pub rows: Vec<Vec<Cell>>,
    /// Rows in the whole answer.
    pub total_rows: usize,
}

/// Executes searches. Cheap to clone; clones share the session and the cache.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    config: EngineConfig,
    session: SessionContext,
    memory: MemoryCache,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine with its DataFusion session.
    pub fn new(config: EngineConfig) -> Result<Self> {
        let partitions = config.target_partitions.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        // DataFusion caches directory listings forever by default; files must be live, so
        // the engine lists them itself on every query and DataFusion's listing cache is off.
        // (Its file-metadata caches check size and modification time and stay on.)
        let caches = CacheManagerConfig::default().with_list_files_cache_limit(0);
        let runtime = RuntimeEnvBuilder::new()
            .with_cache_manager(caches)
            .build_arc()
            .map_err(|err| Error::internal(format!("starting DataFusion failed: {err}")))?;
        let session_config = SessionConfig::new()
            .with_target_partitions(partitions.max(1))
            .with_information_schema(false);
        let state = SessionStateBuilder::new()
            .with_config(session_config)
            .with_runtime_env(runtime)
            .with_default_features()
            .with_physical_optimizer_rule(Arc::new(coop::CooperativeJoins))
            .build();
        let session = SessionContext::new_with_state(state);
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                session,
                memory: MemoryCache::default(),
            }),
        })
    }

    pub fn config(&self) -> &EngineConfig {
        &self.inner.config
    }

    /// Forgets the in-memory tables of a connection.
    pub fn evict_connection(&self, connection_id: &str) {
        self.inner.memory.evict_connection(connection_id);
    }

    /// Number of tables held (or being loaded) in memory.
    pub fn cached_tables(&self) -> usize {
        self.inner.memory.len()
    }

    /// How many times a table was read into memory since the engine started.
    pub fn table_loads(&self) -> u64 {
        self.inner.memory.loads()
    }

    pub(crate) fn session_state(&self) -> SessionState {
        self.inner.session.state()
    }

    /// Runs `plan` (bound against `source.model`) and returns the rows of `page`. `context`
    /// binds the model's filters (their relative dates use its "now").
    pub async fn search(
        &self,
        source: &SearchSource,
        plan: &SearchPlan,
        context: &SearchContext,
        page: Page,
    ) -> Result<SearchResult> {
        let timeout = self.inner.config.query_timeout;
        match tokio::time::timeout(timeout, self.run(source, plan, context, page)).await {
            Ok(result) => result,
            // Dropping the query's future dropped its stream, which stops DataFusion's tasks.
            Err(_) => Err(Error::QueryTimeout {
                seconds: format_seconds(timeout),
                source_name: source.name.clone(),
            }),
        }
    }

    async fn run(
        &self,
        source: &SearchSource,
        plan: &SearchPlan,
        context: &SearchContext,
        page: Page,
    ) -> Result<SearchResult> {
        validate(source, plan)?;
        let mut model_filters: Vec<Predicate> = Vec::new();
        for filter in &source.filters {
            model_filters.extend(searchlight_search::bind_row_filters(
                &source.model,
                filter,
                context,
            )?);
        }
        let mut used: BTreeSet<ColumnId> = plan.referenced_columns();
        for predicate in &model_filters {
            predicate_columns(predicate, &mut used);
        }
        validate_columns(source, &used)?;

        let needed: BTreeSet<usize> = if source.progressive {
            used.iter()
                .map(|&column| source.bindings[column].table)
                .collect()
        } else {
            (0..source.tables.len()).collect()
        };
        let joins = plan_joins(source.tables.len(), &source.joins, source.root, &needed).map_err(
            |unreachable| Error::SourceTablesNotJoined {
                source_name: source.name.clone(),
                tables: unreachable
                    .iter()
                    .map(|&table| format!("'{}'", source.tables[table].name))
                    .collect::<Vec<_>>()
                    .join(", "),
            },
        )?;

        let session = &self.inner.session;
        let opened: Vec<OpenedTable> = futures::future::try_join_all(
            joins
                .tables()
                .map(|table| open_table(session, &self.inner.memory, &source.tables[table])),
        )
        .await?;
        let tables: HashMap<usize, OpenedTable> = joins.tables().zip(opened).collect();

        let logical = translate::build(&QueryParts {
            source,
            plan,
            model_filters: &model_filters,
            joins: &joins,
            tables: &tables,
        })?;
        tracing::debug!(source = %source.name, plan = %logical.display_indent(), "search plan");

        let unreadable = |err: DataFusionError| execution_error(source, err);
        let frame = session
            .execute_logical_plan(logical)
            .await
            .map_err(unreadable)?;
        let mut stream = frame.execute_stream().await.map_err(unreadable)?;

        let limit = page.limit.min(self.inner.config.row_cap);
        let first = page.offset;
        let end = first.saturating_add(limit);
        let types: Vec<DataType> = plan.outputs.iter().map(|output| output.data_type).collect();
        let mut rows = Vec::new();
        let mut total = 0usize;
        while let Some(batch) = stream.next().await {
            let batch = batch.map_err(unreadable)?;
            let batch_rows = batch.num_rows();
            let start = first.max(total).min(total + batch_rows);
            let stop = end.min(total + batch_rows).max(start);
            if start < stop {
                cell::append_rows(
                    batch.columns(),
                    &types,
                    start - total..stop - total,
                    &mut rows,
                )?;
            }
            total += batch_rows;
        }
        Ok(SearchResult {
            columns: plan
                .outputs
                .iter()
                .map(|output| ResultColumn {
                    name: output.name.clone(),
                    data_type: output.data_type,
                })
                .collect(),
            rows,
            total_rows: total,
        })
    }
}

/// Checks the plan against the source: every output, filter and sort refers to something
/// that exists. A mismatch is a bug of the caller, not bad input.
fn validate(source: &SearchSource, plan: &SearchPlan) -> Result<()> {
    if source.bindings.len() != source.model.columns.len() {
        return Err(Error::internal(format!(
            "source '{}' binds {} columns but its model has {}",
            source.name,
            source.bindings.len(),
            source.model.columns.len()
        )));
    }
    if plan.outputs.is_empty() {
        return Err(Error::internal("a search plan without outputs"));
    }
    let outputs = plan.outputs.len();
    let bad_output = plan
        .sort
        .iter()
        .map(|key| key.output)
        .chain(plan.ranking.iter().flat_map(|ranking| {
            std::iter::once(ranking.by)
                .chain(ranking.partition_by.iter().copied())
                .chain(ranking.tie_breakers.iter().copied())
        }));
    for output in bad_output {
        if output >= outputs {
            return Err(Error::internal(format!(
                "the search plan refers to output {output} of {outputs}"
            )));
        }
    }
    Ok(())
}

/// Checks that every used column has a binding to an existing table instance.
fn validate_columns(source: &SearchSource, used: &BTreeSet<ColumnId>) -> Result<()> {
    for &column in used {
        let binding = source.bindings.get(column).ok_or_else(|| {
            Error::internal(format!(
                "the search plan uses column {column} but source '{}' has {} columns",
                source.name,
                source.bindings.len()
            ))
        })?;
        if binding.table >= source.tables.len() {
            return Err(Error::internal(format!(
                "column {column} of source '{}' is bound to table instance {} of {}",
                source.name,
                binding.table,
                source.tables.len()
            )));
        }
    }
    Ok(())
}

/// An error while the query runs: data that does not read as declared (a value that does
/// not parse, a file that vanished or is corrupt) is the data owner's problem (400); anything
/// else is a fault.
fn execution_error(source: &SearchSource, err: DataFusionError) -> Error {
    let root = err.find_root();
    let is_data_problem = match root {
        DataFusionError::ArrowError(arrow, _) => matches!(
            **arrow,
            ArrowError::CastError(_)
                | ArrowError::ParseError(_)
                | ArrowError::CsvError(_)
                | ArrowError::IoError(..)
                | ArrowError::InvalidArgumentError(_)
                | ArrowError::ComputeError(_)
        ),
        DataFusionError::ParquetError(_)
        | DataFusionError::ObjectStore(_)
        | DataFusionError::IoError(_) => true,
        _ => false,
    };
    if is_data_problem {
        Error::SearchDataUnreadable {
            source_name: source.name.clone(),
            reason: readable_error(&root.to_string()),
        }
    } else {
        Error::internal(format!("search on '{}' failed: {err}", source.name))
    }
}

/// A duration in seconds for messages: `30`, `0.5`.
fn format_seconds(duration: Duration) -> String {
    if duration.subsec_nanos() == 0 {
        duration.as_secs().to_string()
    } else {
        let text = format!("{:.3}", duration.as_secs_f64());
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Handlers run searches on a multi-threaded runtime: the future must be `Send`, and the
    /// engine shareable. (Checked at compile time.)
    #[allow(dead_code)]
    fn searches_can_run_on_any_thread(
        engine: &Engine,
        source: &SearchSource,
        plan: &SearchPlan,
        context: &SearchContext,
    ) {
        fn send<T: Send>(_: &T) {}
        fn shared<T: Send + Sync + Clone>() {}
        send(&engine.search(source, plan, context, Page::first_rows()));
        shared::<Engine>();
    }

    #[test]
    fn timeouts_read_naturally() {
        assert_eq!(format_seconds(Duration::from_secs(30)), "30");
        assert_eq!(format_seconds(Duration::from_millis(1500)), "1.5");
        assert_eq!(format_seconds(Duration::from_millis(1)), "0.001");
    }
}
