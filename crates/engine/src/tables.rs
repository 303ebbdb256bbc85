//! Opening a source's table instances for one query, and the per-connection in-memory cache.
//!
//! Files are listed on every query (so changes are visible at once), and each is checked
//! against the table's file scope as it is listed (see `files`). A connection with
//! `in_memory` keeps each table as Arrow batches keyed by the fingerprint of its files (path,
//! size, modification time, device, inode and change time of every file) and the schema they
//! are read with: when any file changes, appears or disappears, the next query reads the
//! table again. A table in memory keeps per-batch statistics, so that its scans skip the
//! batches a filter rules out (see `memory_source`). Without `in_memory`, what DataFusion caches about a file that changed
//! unnoticed by it (same size and modification time) is forgotten before the query.
//!
//! A load runs as its own task and is shared: concurrent first queries of a table wait for
//! the same load instead of each reading the files, and a load outlives a query that timed
//! out or was abandoned, so a table slower to load than the query timeout still ends up in
//! memory for the next query.
//!
//! The cache holds at most its limit in bytes (`memory_table_cache_mb`): after a load, the
//! least recently used tables are dropped until the rest fit. A table larger than the whole
//! limit is not kept, and while its files stay the same searches read them directly.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::TableProvider;
use datafusion::datasource::listing::ListingTable;
use datafusion::prelude::SessionContext;
use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use searchlight_catalog::files::FileScope;
use searchlight_catalog::source::{FileFormat, PostgresTable, SourceTable, TableLocation};
use searchlight_errors::{Error, Result};

use crate::files::{
    FileEntry, FileReader, FileVersions, ListError, csv_read_schema, list_files_async,
    readable_error,
};
use crate::memory_source::{MemoryTable, ScanCounters};
use crate::postgres::PostgresPools;

/// A table instance ready to scan.
pub(crate) struct OpenedTable {
    pub provider: Arc<dyn TableProvider>,
    /// The columns as read from the files (before presenting them as their declared types).
    pub schema: SchemaRef,
    /// Where the files are, for messages: as the TML names them, never absolute.
    pub path: String,
    /// The table in memory, when it is (what it knows of its columns' values).
    pub memory: Option<Arc<MemoryTable>>,
    /// The table lives in a database, where the search may run (see `postgres`).
    pub remote: bool,
}

/// Identifies a cached table: the connection and what the table reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    connection_id: String,
    path: PathBuf,
    extension: &'static str,
}

/// A table held in memory, and the file versions and schema it was read with.
struct Loaded {
    files: Vec<FileEntry>,
    schema: SchemaRef,
    table: Arc<MemoryTable>,
    /// The memory its batches and their statistics hold.
    bytes: usize,
    /// When a query last used it (a tick of [`MemoryCache::tick`]).
    last_used: AtomicU64,
}

impl Loaded {
    fn is_for(&self, files: &[FileEntry], schema: &SchemaRef) -> bool {
        self.files == files && self.schema == *schema
    }
}

/// A load in progress, awaited by every query that needs it. The error is a sentence for
/// [`Error::TableFilesUnavailable`].
type SharedLoad = Shared<BoxFuture<'static, std::result::Result<Arc<Loaded>, String>>>;

/// What the cache knows about one table.
#[derive(Default)]
struct SlotState {
    loaded: Option<Arc<Loaded>>,
    /// The load under way: the files and schema it reads, and its result.
    loading: Option<(Vec<FileEntry>, SchemaRef, SharedLoad)>,
    /// Files whose table was larger than the whole cache: read from the files, not loaded.
    too_large: Option<Vec<FileEntry>>,
}

type Slot = Arc<Mutex<SlotState>>;

/// Locks a mutex whose data stays consistent even if a holder panicked (every update is a
/// single assignment).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Tables of `in_memory` connections.
pub(crate) struct MemoryCache {
    slots: Mutex<HashMap<CacheKey, Slot>>,
    /// Tables read into memory so far (a diagnostic, and how tests see that concurrent first
    /// queries load once).
    loads: Arc<AtomicU64>,
    /// The most bytes of tables kept.
    limit: usize,
    /// Ticks for the least-recently-used order.
    clock: AtomicU64,
    /// The file versions searches read last (for every table, in memory or not).
    versions: FileVersions,
    /// Batches read and skipped by the scans of the tables held, shared with each table.
    counters: Arc<ScanCounters>,
}

impl MemoryCache {
    /// A cache that keeps at most `limit` bytes of tables, whose scans count their batches
    /// in `counters`.
    pub fn new(limit: usize, counters: Arc<ScanCounters>) -> Self {
        Self {
            slots: Mutex::default(),
            loads: Arc::default(),
            limit,
            clock: AtomicU64::new(0),
            versions: FileVersions::default(),
            counters,
        }
    }

    /// Batches read and skipped by the scans of in-memory tables since the cache started.
    pub fn scan_counters(&self) -> &ScanCounters {
        &self.counters
    }

    fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// The bytes of the tables held now.
    pub fn bytes(&self) -> usize {
        let slots: Vec<Slot> = lock(&self.slots).values().cloned().collect();
        slots
            .iter()
            .filter_map(|slot| lock(slot).loaded.as_ref().map(|loaded| loaded.bytes))
            .sum()
    }

    /// Drops the least recently used tables until the ones held fit the limit. A dropped
    /// table larger than the whole limit is remembered with its files' versions, so that
    /// searches read those files instead of loading the table again.
    fn enforce_limit(&self) {
        let slots: Vec<Slot> = lock(&self.slots).values().cloned().collect();
        let mut held: Vec<(u64, usize, Slot)> = Vec::new();
        for slot in slots {
            let entry = lock(&slot)
                .loaded
                .as_ref()
                .map(|loaded| (loaded.last_used.load(Ordering::Relaxed), loaded.bytes));
            if let Some((used, bytes)) = entry {
                held.push((used, bytes, slot));
            }
        }
        let mut total: usize = held.iter().map(|(_, bytes, _)| *bytes).sum();
        if total <= self.limit {
            return;
        }
        // Tables larger than the whole limit first (they cannot stay), then the least
        // recently used.
        held.sort_by_key(|(used, bytes, _)| (*bytes <= self.limit, *used));
        for (used, bytes, slot) in held {
            if total <= self.limit {
                break;
            }
            let mut state = lock(&slot);
            // Skipped if used or replaced since it was counted.
            let unchanged = state
                .loaded
                .as_ref()
                .is_some_and(|loaded| loaded.last_used.load(Ordering::Relaxed) == used);
            if !unchanged {
                continue;
            }
            if let Some(dropped) = state.loaded.take() {
                if dropped.bytes > self.limit {
                    state.too_large = Some(dropped.files.clone());
                }
                total = total.saturating_sub(bytes);
                tracing::info!(
                    bytes,
                    limit = self.limit,
                    "dropped a table from memory (memory_table_cache_mb)"
                );
            }
        }
    }

    fn slot(&self, key: CacheKey) -> Slot {
        Arc::clone(lock(&self.slots).entry(key).or_default())
    }

    /// Forgets every table of a connection (e.g. when the connection is deleted).
    pub fn evict_connection(&self, connection_id: &str) {
        lock(&self.slots).retain(|key, _| key.connection_id != connection_id);
    }

    /// How many times a table was read into memory.
    pub fn loads(&self) -> u64 {
        self.loads.load(Ordering::Relaxed)
    }

    /// Number of tables currently cached (loaded or loading).
    pub fn len(&self) -> usize {
        lock(&self.slots).len()
    }
}

/// A table instance as listed for one query: the version of every input the search reads
/// (the answer cache's key holds them), or `live` when its rows have no version to check
/// (a database's).
pub(crate) struct ListedTable<'a> {
    pub table: &'a SourceTable,
    pub files: Vec<FileEntry>,
    pub live: bool,
}

/// Where a table's rows are, as this module reads them.
enum Location<'a> {
    Files(FileLocation<'a>),
    Postgres(&'a PostgresTable),
}

fn location(table: &SourceTable) -> Location<'_> {
    match &table.location {
        TableLocation::Files {
            path,
            format,
            in_memory,
            connection_id,
            scope,
        } => Location::Files(FileLocation {
            path,
            format: *format,
            in_memory: *in_memory,
            connection_id,
            scope,
            // Messages name the files as the TML does; the log has where they are.
            shown: scope.shown(path),
        }),
        TableLocation::Postgres(postgres) => Location::Postgres(postgres),
    }
}

/// The parts of a [`TableLocation::Files`].
struct FileLocation<'a> {
    path: &'a PathBuf,
    format: FileFormat,
    in_memory: bool,
    connection_id: &'a String,
    scope: &'a FileScope,
    shown: String,
}

impl FileLocation<'_> {
    /// The files cannot be read, for `reason` (which names paths only as the scope shows
    /// them; the log has the real path).
    fn unavailable(&self, table: &SourceTable, reason: String) -> Error {
        tracing::debug!(
            table = %table.name,
            path = %self.path.display(),
            %reason,
            "table files unavailable"
        );
        Error::TableFilesUnavailable {
            table: table.name.clone(),
            path: self.shown.clone(),
            reason: self.scope.redact(&reason),
        }
    }
}

/// Lists the files of one table instance now, each checked against its file scope. A
/// database table has none: it is live.
pub(crate) async fn list_table(table: &SourceTable) -> Result<ListedTable<'_>> {
    let Location::Files(location) = location(table) else {
        return Ok(ListedTable {
            table,
            files: Vec::new(),
            live: true,
        });
    };
    let files = list_files_async(location.path, location.format, location.scope)
        .await
        .map_err(|err| match err {
            ListError::Outside { file } => Error::TableFileOutsideRoots {
                table: table.name.clone(),
                path: location.shown.clone(),
                file: location.scope.shown(&file),
            },
            ListError::Unavailable(reason) => location.unavailable(table, reason),
        })?;
    Ok(ListedTable {
        table,
        files,
        live: false,
    })
}

/// Opens one listed table instance for a query: exactly the files listed, or the database
/// table as it is now.
pub(crate) async fn open_table(
    ctx: &SessionContext,
    cache: &MemoryCache,
    databases: &PostgresPools,
    listed: ListedTable<'_>,
) -> Result<OpenedTable> {
    let ListedTable { table, files, .. } = listed;
    let location = match location(table) {
        Location::Files(location) => location,
        Location::Postgres(postgres) => return databases.open(table, postgres).await,
    };
    let (path, format, shown) = (location.path, location.format, location.shown.clone());
    let unavailable = |reason: String| location.unavailable(table, reason);
    let state = ctx.state();
    cache.versions.forget_changed(&state, &files);
    let reader = FileReader::new(&state, format, path);
    let inferred = reader
        .infer_schema(&state, &files, 0)
        .await
        .map_err(unavailable)?;
    let schema = match format {
        FileFormat::Parquet => inferred,
        FileFormat::Csv => csv_read_schema(&inferred, &table.columns),
    };
    let listing = reader
        .table(&files, Arc::clone(&schema))
        .map_err(unavailable)?;
    if !location.in_memory {
        return Ok(OpenedTable {
            provider: Arc::new(listing),
            schema,
            path: shown,
            memory: None,
            remote: false,
        });
    }

    let slot = cache.slot(CacheKey {
        connection_id: location.connection_id.clone(),
        path: path.clone(),
        extension: format.extension(),
    });
    let load = {
        let mut current = lock(&slot);
        if let Some(loaded) = current
            .loaded
            .as_ref()
            .filter(|l| l.is_for(&files, &schema))
        {
            loaded.last_used.store(cache.tick(), Ordering::Relaxed);
            return Ok(in_memory_table(loaded, shown));
        }
        if current.too_large.as_ref() == Some(&files) {
            return Ok(OpenedTable {
                provider: Arc::new(listing),
                schema,
                path: shown,
                memory: None,
                remote: false,
            });
        }
        match &current.loading {
            Some((loading_files, loading_schema, load))
                if *loading_files == files && *loading_schema == schema =>
            {
                load.clone()
            }
            _ => {
                tracing::info!(table = %table.name, path = %shown, files = files.len(), "loading table into memory");
                cache.loads.fetch_add(1, Ordering::Relaxed);
                let load = start_load(
                    ctx.clone(),
                    Arc::clone(&slot),
                    listing,
                    files.clone(),
                    Arc::clone(&schema),
                    Arc::clone(&cache.counters),
                );
                current.loading = Some((files, schema, load.clone()));
                load
            }
        }
    };
    let loaded = load.await.map_err(unavailable)?;
    loaded.last_used.store(cache.tick(), Ordering::Relaxed);
    cache.enforce_limit();
    Ok(in_memory_table(&loaded, shown))
}

fn in_memory_table(loaded: &Loaded, path: String) -> OpenedTable {
    OpenedTable {
        provider: Arc::clone(&loaded.table) as Arc<dyn TableProvider>,
        schema: Arc::clone(&loaded.schema),
        path,
        memory: Some(Arc::clone(&loaded.table)),
        remote: false,
    }
}

/// Reads a table into memory on its own task and installs it in `slot` when done (unless a
/// newer load took its place meanwhile).
fn start_load(
    ctx: SessionContext,
    slot: Slot,
    listing: ListingTable,
    files: Vec<FileEntry>,
    schema: SchemaRef,
    counters: Arc<ScanCounters>,
) -> SharedLoad {
    let task = tokio::spawn(async move {
        let batches = async {
            ctx.read_table(Arc::new(listing))?
                .collect_partitioned()
                .await
        }
        .await;
        let table = memory_table(Arc::clone(&schema), batches, counters).await;
        let mut current = lock(&slot);
        let still_wanted = current
            .loading
            .as_ref()
            .is_some_and(|(loading, loading_schema, _)| {
                *loading == files && *loading_schema == schema
            });
        if still_wanted {
            current.loading = None;
        }
        let (table, bytes) = table?;
        let loaded = Arc::new(Loaded {
            files,
            schema,
            table: Arc::new(table),
            bytes,
            last_used: AtomicU64::new(0),
        });
        if still_wanted {
            current.loaded = Some(Arc::clone(&loaded));
        }
        Ok(loaded)
    });
    async move {
        task.await
            .map_err(|err| format!("reading the table into memory stopped: {err}"))?
    }
    .boxed()
    .shared()
}

/// The batches read as a [`MemoryTable`], and the bytes it holds. Its statistics take a pass
/// over every value, so they are computed on the blocking pool, not on an async worker.
async fn memory_table(
    schema: SchemaRef,
    batches: datafusion::error::Result<Vec<Vec<RecordBatch>>>,
    counters: Arc<ScanCounters>,
) -> std::result::Result<(MemoryTable, usize), String> {
    let batches = batches.map_err(|err| readable_error(&err.to_string()))?;
    let table =
        tokio::task::spawn_blocking(move || MemoryTable::try_new(schema, batches, counters))
            .await
            .map_err(|err| format!("computing the table's statistics stopped: {err}"))?
            .map_err(|err| readable_error(&err.to_string()))?;
    let bytes = table.memory_size();
    Ok((table, bytes))
}
