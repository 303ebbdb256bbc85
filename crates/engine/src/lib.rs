//! The search engine: executes a bound [`SearchPlan`] over a [`SearchSource`]'s tables (files,
//! or PostgreSQL tables whose part of the plan runs in the database: `postgres`) with Apache
//! DataFusion and returns one page of the answer.
//!
//! ```text
//! SearchSource + SearchPlan + SearchContext
//!     │ model filters bound (searchlight_search::bind_row_filters)
//!     │ joins::plan_joins      only the instances the query reads (progressive joins)
//!     │ tables::open_table     files listed now; Parquet/CSV read as declared; in-memory cache;
//!     │                        PostgreSQL tables as federated providers (postgres)
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
//! Everything a search may use is bounded ([`EngineConfig`]): its text (length and tokens,
//! checked before it is parsed; parsing and binding run on the blocking pool, inside the
//! timeout: [`Engine::search_text`]), the searches running at once and waiting for a turn
//! ([`Engine::admit`]), the memory DataFusion holds for all of them (one memory pool; a search
//! that needs more fails with [`Error::QueryMemoryExceeded`], nothing spills to disk) and the
//! bytes of in-memory tables (least recently used ones are dropped past the limit).
//!
//! The engine also implements [`searchlight_catalog::files::FileSchemaProbe`], which TML import
//! uses to check `db_column_name`s and `data_type`s against the files.

mod admission;
mod answer_cache;
pub mod answers;
mod cell;
mod coop;
mod date_bucket;
mod files;
mod joins;
mod memory_source;
mod postgres;
mod tables;
mod translate;
mod types;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use datafusion::arrow::error::ArrowError;
use datafusion::dataframe::DataFrame;
use datafusion::error::DataFusionError;
use datafusion::execution::cache::cache_manager::CacheManagerConfig;
use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::session_state::{SessionState, SessionStateBuilder};
use datafusion::physical_plan::displayable;
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::StreamExt;
use searchlight_catalog::source::{SearchSource, TableLocation};
use searchlight_errors::{Error, Result};
use searchlight_search::{
    ColumnId, DataType, Limits, Predicate, SearchContext, SearchPlan, SourceModel,
};

pub use admission::SearchPermit;
pub use cell::Cell;

use crate::admission::Admission;
use crate::answer_cache::{AnswerCache, AnswerKey, KeyBuilder, Lookup};
use crate::files::{readable_error, redact_source_paths};
use crate::joins::JoinPlan;
use crate::joins::plan_joins;
use crate::memory_source::ScanCounters;
use crate::postgres::{PostgresPools, PostgresSettings};
use crate::tables::{ListedTable, MemoryCache, OpenedTable, list_table, open_table};
use crate::translate::{QueryParts, predicate_columns};

/// A mebibyte, the unit of the memory settings.
pub const MB: usize = 1024 * 1024;

/// The default of [`EngineConfig::max_concurrent_searches`]: twice the number of cores, at
/// least 4.
pub fn default_max_concurrent_searches() -> usize {
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .saturating_mul(2)
        .max(4)
}

/// Engine settings.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineConfig {
    /// The most rows one page may hold (`batchsize=-1` means this many).
    pub row_cap: usize,
    /// A search running longer is cancelled with [`Error::QueryTimeout`]. Parsing and binding
    /// the search count.
    pub query_timeout: Duration,
    /// DataFusion's parallelism; `None`: the number of cores.
    pub target_partitions: Option<usize>,
    /// The longest search and the most tokens it may hold (default [`Limits::DEFAULT`]:
    /// 10,000 characters, 1,000 tokens); a longer one is a 400 before it is parsed.
    pub search_limits: Limits,
    /// The bytes DataFusion may hold for all the searches running at once (hash tables,
    /// sorts, join build sides; default 4096 MB). A search that needs more than is free fails
    /// with [`Error::QueryMemoryExceeded`]; searches never spill to disk.
    pub query_memory_limit: usize,
    /// The most searches running at once, each visualization of a pinboard counting one;
    /// `None`: twice the number of cores, at least 4.
    pub max_concurrent_searches: Option<usize>,
    /// The most requests waiting for a turn to search (default 64); one more is refused at
    /// once with [`Error::Overloaded`] (503 with `Retry-After`).
    pub max_queued_searches: usize,
    /// How long a request waits for its turn before [`Error::Overloaded`] (default 10 s).
    pub queue_timeout: Duration,
    /// The bytes of in-memory tables kept (default 4096 MB): past it the least recently used
    /// tables are dropped, and read again when a search needs them; a table larger than this
    /// is read from its files by every search instead.
    pub memory_table_cache: usize,
    /// The bytes of answers kept for identical searches (default 256 MB; 0: none are kept).
    /// See `answer_cache` for what a kept answer is keyed on.
    pub answer_cache: usize,
    /// The most connections kept open to one PostgreSQL connection's database (default 8).
    pub postgres_pool_size: u32,
    /// How long connecting to a PostgreSQL database may take (default 10 s).
    pub postgres_connect_timeout: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            row_cap: 100_000,
            query_timeout: Duration::from_secs(30),
            target_partitions: None,
            search_limits: Limits::DEFAULT,
            query_memory_limit: 4096 * MB,
            max_concurrent_searches: None,
            max_queued_searches: 64,
            queue_timeout: Duration::from_secs(10),
            memory_table_cache: 4096 * MB,
            answer_cache: 256 * MB,
            postgres_pool_size: 8,
            postgres_connect_timeout: Duration::from_secs(10),
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
    databases: PostgresPools,
    answers: AnswerCache,
    admission: Admission,
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
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let partitions = config.target_partitions.unwrap_or(cores);
        // DataFusion caches directory listings forever by default; files must be live, so
        // the engine lists them itself on every query and DataFusion's listing cache is off.
        // (Its file-metadata caches check size and modification time and stay on.)
        let caches = CacheManagerConfig::default().with_list_files_cache_limit(0);
        // One memory pool for every search: the bound on what DataFusion holds at once. No
        // spilling: a search over the limit fails with a clear error instead of filling a
        // temporary folder.
        let no_spilling = DiskManagerBuilder::default().with_mode(DiskManagerMode::Disabled);
        let runtime = RuntimeEnvBuilder::new()
            .with_cache_manager(caches)
            .with_memory_limit(config.query_memory_limit.max(1), 1.0)
            .with_disk_manager_builder(no_spilling)
            .build_arc()
            .map_err(|err| Error::internal(format!("starting DataFusion failed: {err}")))?;
        let session_config = SessionConfig::new()
            .with_target_partitions(partitions.max(1))
            .with_information_schema(false);
        let state = SessionStateBuilder::new()
            .with_config(session_config)
            .with_runtime_env(runtime)
            .with_default_features()
            // Plans over one database's tables run there, as one statement (`postgres`).
            .with_optimizer_rules(datafusion_federation::default_optimizer_rules())
            .with_query_planner(Arc::new(datafusion_federation::FederatedQueryPlanner::new()))
            .with_physical_optimizer_rule(Arc::new(coop::CooperativeJoins))
            .build();
        let session = SessionContext::new_with_state(state);
        let admission = Admission::new(
            config
                .max_concurrent_searches
                .unwrap_or_else(default_max_concurrent_searches),
            config.max_queued_searches,
            config.queue_timeout,
        );
        let memory = MemoryCache::new(config.memory_table_cache, Arc::new(ScanCounters::default()));
        let answers = AnswerCache::new(config.answer_cache);
        let databases = PostgresPools::new(PostgresSettings {
            pool_size: config.postgres_pool_size,
            connect_timeout: config.postgres_connect_timeout,
            statement_timeout: config.query_timeout,
        });
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                session,
                memory,
                databases,
                answers,
                admission,
            }),
        })
    }

    pub fn config(&self) -> &EngineConfig {
        &self.inner.config
    }

    /// Forgets the in-memory tables of a connection, and closes its database connections.
    pub fn evict_connection(&self, connection_id: &str) {
        self.inner.memory.evict_connection(connection_id);
        self.inner.databases.evict_connection(connection_id);
    }

    /// Number of tables held (or being loaded) in memory.
    pub fn cached_tables(&self) -> usize {
        self.inner.memory.len()
    }

    /// How many times a table was read into memory since the engine started.
    pub fn table_loads(&self) -> u64 {
        self.inner.memory.loads()
    }

    /// The bytes of the tables held in memory (at most the configured cache limit once a
    /// load has finished).
    pub fn memory_table_bytes(&self) -> usize {
        self.inner.memory.bytes()
    }

    /// Batches of in-memory tables that searches read since the engine started (a batch
    /// read by two searches counts twice).
    pub fn memory_batches_scanned(&self) -> u64 {
        self.inner.memory.scan_counters().scanned()
    }

    /// Batches of in-memory tables that searches skipped unread since the engine started:
    /// their per-batch min/max showed that no row could pass a filter, whether the search's
    /// own or one DataFusion derived while running it (a join's keys, a top-n's bound).
    pub fn memory_batches_skipped(&self) -> u64 {
        self.inner.memory.scan_counters().skipped()
    }

    /// Searches answered from the answer cache since the engine started.
    pub fn answer_cache_hits(&self) -> u64 {
        self.inner.answers.hits()
    }

    /// Searches computed since the engine started (no identical answer was kept).
    pub fn answer_cache_misses(&self) -> u64 {
        self.inner.answers.misses()
    }

    /// The bytes of the answers kept.
    pub fn answer_cache_bytes(&self) -> usize {
        self.inner.answers.bytes()
    }

    /// Turns for `searches` searches run together (at least one, at most
    /// [`Engine::max_concurrent_searches`]): given back when the permit is dropped. Waits in
    /// the bounded queue when they are taken; [`Error::Overloaded`] when the queue is full or
    /// the wait runs out.
    pub async fn admit(&self, searches: usize) -> Result<SearchPermit> {
        self.inner.admission.admit(searches).await
    }

    /// The most searches that run at once.
    pub fn max_concurrent_searches(&self) -> usize {
        self.inner.admission.capacity()
    }

    pub(crate) fn postgres_pools(&self) -> &PostgresPools {
        &self.inner.databases
    }

    pub(crate) fn session_state(&self) -> SessionState {
        self.inner.session.state()
    }

    /// Runs `plan` (bound against `source.model`) and returns the rows of `page`. `context`
    /// binds the model's filters (their relative dates use its "now"). Answers kept by this
    /// call are shared by every caller of it (no viewer): for in-process callers.
    pub async fn search(
        &self,
        source: &SearchSource,
        plan: &SearchPlan,
        context: &SearchContext,
        page: Page,
    ) -> Result<SearchResult> {
        self.within_timeout(source, self.run(source, plan, context, page, ""))
            .await
    }

    /// Parses and binds `query` against `source` (within the configured limits, on Tokio's
    /// blocking pool), lets `refine` add to the plan (pinboarddata's runtime filters) and runs
    /// it: all of it under the query timeout, so no part of a search escapes it. `viewer`
    /// (the user it is for) is part of the answer cache's key: answers are kept per viewer.
    pub async fn search_text<F>(
        &self,
        source: &SearchSource,
        query: &str,
        context: &SearchContext,
        page: Page,
        viewer: &str,
        refine: F,
    ) -> Result<SearchResult>
    where
        F: FnOnce(&mut SearchPlan) -> Result<()> + Send,
    {
        let work = async move {
            let mut plan = self.compile(&source.model, query, context).await?;
            refine(&mut plan)?;
            self.run(source, &plan, context, page, viewer).await
        };
        self.within_timeout(source, work).await
    }

    /// `work` under the query timeout: [`Error::QueryTimeout`] when it expires.
    async fn within_timeout<T>(
        &self,
        source: &SearchSource,
        work: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        let timeout = self.inner.config.query_timeout;
        match tokio::time::timeout(timeout, work).await {
            Ok(result) => result,
            // Dropping the query's future dropped its stream, which stops DataFusion's tasks.
            Err(_) => Err(Error::QueryTimeout {
                seconds: format_seconds(timeout),
                source_name: source.name.clone(),
            }),
        }
    }

    /// Parses and binds a search within the configured limits. A text over the length limit
    /// is refused here, at once; the rest runs on the blocking pool so that a long search
    /// never holds an async worker (if the timeout fires first, the bounded work finishes
    /// there unobserved).
    async fn compile(
        &self,
        model: &SourceModel,
        query: &str,
        context: &SearchContext,
    ) -> Result<SearchPlan> {
        let limits = self.inner.config.search_limits;
        limits.check_length(query)?;
        let model = model.clone();
        let query = query.to_owned();
        let context = *context;
        tokio::task::spawn_blocking(move || {
            searchlight_search::compile_with(&model, &query, &context, &limits)
        })
        .await
        .map_err(|err| Error::internal(format!("parsing and binding a search stopped: {err}")))?
    }

    /// Explains a search instead of running it: the plans it becomes and, for the parts
    /// that run in a database, the statements sent there. Under the query timeout, like a
    /// search (opening a database table connects to it).
    pub async fn explain_text(
        &self,
        source: &SearchSource,
        query: &str,
        context: &SearchContext,
    ) -> Result<Explanation> {
        let work = async move {
            let plan = self.compile(&source.model, query, context).await?;
            let (model_filters, joins) = self.prepare(source, &plan, context)?;
            let listed = self.list(source, &joins).await?;
            let frame = self
                .data_frame(source, &plan, &model_filters, &joins, listed)
                .await?;
            let config = &self.inner.config;
            let unreadable = |err: DataFusionError| execution_error(source, config, err);
            let optimized = frame.clone().into_optimized_plan().map_err(unreadable)?;
            let physical = frame.create_physical_plan().await.map_err(unreadable)?;
            let physical = displayable(physical.as_ref()).indent(true).to_string();
            Ok(Explanation {
                statements: pushed_down_statements(&physical),
                logical_plan: optimized.display_indent().to_string(),
                physical_plan: physical,
            })
        };
        self.within_timeout(source, work).await
    }

    /// The model filters bound, and the joins a search needs (progressive joins: only the
    /// table instances it reads).
    fn prepare(
        &self,
        source: &SearchSource,
        plan: &SearchPlan,
        context: &SearchContext,
    ) -> Result<(Vec<Predicate>, JoinPlan)> {
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
        Ok((model_filters, joins))
    }

    /// Lists the table instances `joins` reads, now.
    async fn list<'s>(
        &self,
        source: &'s SearchSource,
        joins: &JoinPlan,
    ) -> Result<Vec<ListedTable<'s>>> {
        futures::future::try_join_all(
            joins
                .tables()
                .map(|table| list_table(&source.tables[table])),
        )
        .await
    }

    /// Runs a bound plan: from the answer cache when an identical search over the same
    /// inputs was answered before (or is being answered now), else with DataFusion.
    async fn run(
        &self,
        source: &SearchSource,
        plan: &SearchPlan,
        context: &SearchContext,
        page: Page,
        viewer: &str,
    ) -> Result<SearchResult> {
        let (model_filters, joins) = self.prepare(source, plan, context)?;
        // The files are listed now, for every request: their versions are part of the key.
        let listed = self.list(source, &joins).await?;
        let page = Page::new(page.offset, page.limit.min(self.inner.config.row_cap));
        // Live data (a database's) has no version to check: such an answer is never kept.
        if listed.iter().any(|table| table.live) {
            return self
                .execute(source, plan, &model_filters, &joins, listed, page)
                .await;
        }
        let key = answer_key(source, plan, &model_filters, page, viewer, &listed);
        let flight = loop {
            match self.inner.answers.lookup(key) {
                Lookup::Hit(answer) => return Ok(SearchResult::clone(&answer)),
                // Ends when the other request is done, whether it kept an answer or not.
                Lookup::Wait(mut done) => while done.changed().await.is_ok() {},
                Lookup::Compute(flight) => break flight,
            }
        };
        let answer = self
            .execute(source, plan, &model_filters, &joins, listed, page)
            .await?;
        flight.store(&answer);
        Ok(answer)
    }

    /// Opens the listed tables and turns the plan into DataFusion's, ready to run.
    async fn data_frame(
        &self,
        source: &SearchSource,
        plan: &SearchPlan,
        model_filters: &[Predicate],
        joins: &JoinPlan,
        listed: Vec<ListedTable<'_>>,
    ) -> Result<DataFrame> {
        let session = &self.inner.session;
        let opened: Vec<OpenedTable> =
            futures::future::try_join_all(listed.into_iter().map(|listed| {
                open_table(session, &self.inner.memory, &self.inner.databases, listed)
            }))
            .await?;
        let tables: HashMap<usize, OpenedTable> = joins.tables().zip(opened).collect();
        let logical = translate::build(&QueryParts {
            source,
            plan,
            model_filters,
            joins,
            tables: &tables,
        })?;
        tracing::debug!(source = %source.name, plan = %logical.display_indent(), "search plan");
        session
            .execute_logical_plan(logical)
            .await
            .map_err(|err| execution_error(source, &self.inner.config, err))
    }

    /// Opens the listed tables, turns the plan into DataFusion's and collects the page.
    async fn execute(
        &self,
        source: &SearchSource,
        plan: &SearchPlan,
        model_filters: &[Predicate],
        joins: &JoinPlan,
        listed: Vec<ListedTable<'_>>,
        page: Page,
    ) -> Result<SearchResult> {
        let frame = self
            .data_frame(source, plan, model_filters, joins, listed)
            .await?;
        let config = &self.inner.config;
        let unreadable = |err: DataFusionError| execution_error(source, config, err);
        let mut stream = frame.execute_stream().await.map_err(unreadable)?;

        let first = page.offset;
        let end = first.saturating_add(page.limit);
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

/// What a search becomes (see [`Engine::explain_text`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// DataFusion's logical plan, optimized: a part that runs in a database is one
    /// `Federated` node.
    pub logical_plan: String,
    /// The physical plan: what runs in Searchlight, and a `VirtualExecutionPlan` per
    /// statement sent to a database.
    pub physical_plan: String,
    /// The SQL statements sent to databases, exactly as sent.
    pub statements: Vec<String>,
}

/// The statements of a physical plan's database scans, as their nodes display them (the
/// last rewrite of each is the statement sent).
fn pushed_down_statements(physical: &str) -> Vec<String> {
    const LABELS: [&str; 5] = [
        " rewritten_sql_query=",
        " rewritten_ast_analyzer=",
        " rewritten_executor_sql=",
        " rewritten_logical_sql=",
        " base_sql=",
    ];
    physical
        .lines()
        .filter(|line| line.contains("VirtualExecutionPlan"))
        .filter_map(|line| {
            LABELS.iter().find_map(|label| {
                line.rfind(label)
                    .map(|at| line[at + label.len()..].trim().to_owned())
            })
        })
        .collect()
}

/// The answer cache's key: everything the answer is computed from (see `answer_cache`).
fn answer_key(
    source: &SearchSource,
    plan: &SearchPlan,
    model_filters: &[Predicate],
    page: Page,
    viewer: &str,
    listed: &[ListedTable<'_>],
) -> AnswerKey {
    let mut key = KeyBuilder::new();
    key.part("viewer", &viewer)
        .part("source", source)
        .part("plan", plan)
        .part("model filters", &model_filters)
        .part("page", &page);
    for table in listed {
        key.part("table", &table.table.alias)
            .part("files", &table.files);
    }
    key.finish()
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

/// An error while the query runs: more memory than the pool has free is the search's size
/// (400, naming the limit); data that does not read as declared (a value that does not parse,
/// a file that vanished or is corrupt) is the data owner's problem (400); anything else is a
/// fault.
fn execution_error(source: &SearchSource, config: &EngineConfig, err: DataFusionError) -> Error {
    let root = err.find_root();
    // An operator may pass the pool's refusal on as text inside another error.
    let out_of_memory = matches!(root, DataFusionError::ResourcesExhausted(_))
        || err.to_string().contains("Resources exhausted");
    if out_of_memory {
        tracing::info!(source = %source.name, error = %root, "search stopped at the memory limit");
        return Error::QueryMemoryExceeded {
            source_name: source.name.clone(),
            limit: format_bytes(config.query_memory_limit),
        };
    }
    if let Some(error) = database_error(source, config, &err) {
        return error;
    }
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
            // A file that vanished mid-search is named without the server's folders.
            reason: redact_source_paths(source, &readable_error(&root.to_string())),
        }
    } else {
        Error::internal(format!("search on '{}' failed: {err}", source.name))
    }
}

/// The error of a search whose statement failed in a database (or lost its connection): the
/// database's timeout is the search's, anything else names the connection and says why.
fn database_error(
    source: &SearchSource,
    config: &EngineConfig,
    err: &DataFusionError,
) -> Option<Error> {
    let (table, postgres) = source
        .tables
        .iter()
        .find_map(|table| match &table.location {
            TableLocation::Postgres(postgres) => Some((table, postgres)),
            TableLocation::Files { .. } => None,
        })?;
    let message = err.find_root().to_string();
    if !postgres::is_database_error(err) {
        return None;
    }
    tracing::info!(source = %source.name, connection = %postgres.connection_name, error = %message, "a statement failed in PostgreSQL");
    if message.contains("statement timeout") {
        return Some(Error::QueryTimeout {
            seconds: format_seconds(config.query_timeout),
            source_name: source.name.clone(),
        });
    }
    let reason = postgres::readable(&message);
    Some(Error::DataSourceUnavailable {
        table: table.name.clone(),
        connection: postgres.connection_name.clone(),
        reason,
    })
}

/// A memory size for messages: `4096 MB`, `512 KB`, `100 bytes`.
fn format_bytes(bytes: usize) -> String {
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
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
        send(&engine.search_text(source, "[x]", context, Page::first_rows(), "", |_| Ok(())));
        send(&engine.admit(1));
        shared::<Engine>();
    }

    #[test]
    fn memory_sizes_read_naturally() {
        assert_eq!(format_bytes(4096 * MB), "4096 MB");
        assert_eq!(format_bytes(512 * 1024), "512 KB");
        assert_eq!(format_bytes(100), "100 bytes");
    }

    #[test]
    fn timeouts_read_naturally() {
        assert_eq!(format_seconds(Duration::from_secs(30)), "30");
        assert_eq!(format_seconds(Duration::from_millis(1500)), "1.5");
        assert_eq!(format_seconds(Duration::from_millis(1)), "0.001");
    }
}
