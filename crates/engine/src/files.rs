//! The files behind a LOCAL_FILES table: which files a table path names, their fingerprint,
//! how DataFusion reads them, and what columns they hold.
//!
//! A table path is one file, a folder (every file directly in it with the format's extension)
//! or a glob. The engine lists the files itself on every query, so a new, changed or removed
//! file is visible to the next search; DataFusion's own listing cache is disabled for the same
//! reason (see `Engine::new`).
//!
//! Listing is where files are kept safe:
//! * every file is resolved (links followed) and must lie inside the table's
//!   [`FileScope`] (the file roots and the connection's folder) each time it is listed, for
//!   the import's probe and for every search; one that does not is refused with the table
//!   named, never skipped (a search must not silently answer from fewer files). DataFusion
//!   then reads the resolved path, so a link swapped in after the check is not followed;
//! * listing is bounded: `**` does not descend into links to folders (two links to `.` would
//!   make the walk endless), and no listing looks at more than [`MAX_ENTRIES`] folder entries
//!   or names more than [`MAX_FILES`] files;
//! * a file's version is its size, modification time, device, inode and change time: a file
//!   rewritten with its size and modification time kept (`cp -p`, `rsync -t`) is another
//!   version, because user space cannot set the change time back.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use datafusion::arrow::datatypes::{DataType as ArrowType, Field, Schema, SchemaRef};
use datafusion::common::config::{CsvOptions, TableParquetOptions};
use datafusion::datasource::file_format::FileFormat as DataFusionFormat;
use datafusion::datasource::file_format::csv::CsvFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::execution::cache::cache_manager::TableScopedPath;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::execution::session_state::SessionState;
use datafusion::object_store::ObjectMeta;
use datafusion::object_store::path::Path as StorePath;
use searchlight_catalog::files::{
    DatabaseProbeError, FileColumn, FileSchemaProbe, FileScope, FileType, OUTSIDE,
};
use searchlight_catalog::source::{
    FileFormat, PhysicalColumn, PostgresTable, SearchSource, TableLocation,
};

use crate::Engine;
use crate::types::engine_type;

/// Rows read to infer the column types of a CSV file for [`FileSchemaProbe`].
const CSV_INFER_ROWS: usize = 1000;

/// The most folder entries listing one table's files may look at.
pub(crate) const MAX_ENTRIES: usize = 100_000;

/// The most files one table may read.
pub(crate) const MAX_FILES: usize = 10_000;

/// The most file versions [`FileVersions`] remembers before it starts again.
const MAX_REMEMBERED: usize = 100_000;

/// One file of a table, with what identifies its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileEntry {
    /// The file's canonical path (links resolved), inside the table's scope: what
    /// DataFusion reads.
    pub path: PathBuf,
    pub size: u64,
    pub modified: SystemTime,
    pub identity: FileIdentity,
}

/// What identifies a version of a file besides its size and modification time: its device
/// and inode (a file replaced by a rename is another inode) and its change time, which every
/// write and every change of metadata (setting the modification time back included) moves
/// to the current time, and which user space cannot set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FileIdentity {
    device: u64,
    inode: u64,
    changed_secs: i64,
    changed_nanos: i64,
}

impl FileIdentity {
    #[cfg(unix)]
    fn of(metadata: &std::fs::Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        Self {
            device: metadata.dev(),
            inode: metadata.ino(),
            changed_secs: metadata.ctime(),
            changed_nanos: metadata.ctime_nsec(),
        }
    }

    #[cfg(not(unix))]
    fn of(_metadata: &std::fs::Metadata) -> Self {
        Self::default()
    }
}

impl FileEntry {
    /// The object-store location of the file (how DataFusion and its caches name it).
    fn location(&self) -> Result<StorePath, String> {
        StorePath::from_absolute_path(&self.path)
            .map_err(|err| format!("{} is not a usable path: {err}", self.path.display()))
    }

    /// The object-store view of the file, for DataFusion's format readers.
    fn object_meta(&self) -> Result<ObjectMeta, String> {
        Ok(ObjectMeta {
            location: self.location()?,
            last_modified: DateTime::<Utc>::from(self.modified),
            size: self.size,
            e_tag: None,
            version: None,
        })
    }

    /// The URL of exactly this file (never interpreted as a glob, whatever its name holds).
    fn url(&self) -> Result<ListingTableUrl, String> {
        let url = url::Url::from_file_path(&self.path)
            .map_err(|()| format!("{} is not an absolute path", self.path.display()))?;
        ListingTableUrl::try_new(url, None).map_err(|err| err.to_string())
    }
}

/// Forgets what DataFusion's caches hold for a file: its Parquet metadata and statistics.
/// DataFusion trusts them while the file's size and modification time are unchanged, which
/// is not enough (see [`FileIdentity`]).
pub(crate) fn forget_cached(state: &SessionState, file: &FileEntry) {
    let Ok(location) = file.location() else {
        return;
    };
    let caches = &state.runtime_env().cache_manager;
    caches.get_file_metadata_cache().remove(&location);
    if let Some(statistics) = caches.get_file_statistic_cache() {
        statistics.remove(&TableScopedPath {
            table: None,
            path: location,
        });
    }
}

/// The version of every file searches have read, so that what DataFusion caches about a
/// file is forgotten when the file changes in a way DataFusion does not notice.
#[derive(Default)]
pub(crate) struct FileVersions {
    seen: Mutex<HashMap<PathBuf, FileEntry>>,
}

impl FileVersions {
    /// Notes the versions of `files`, forgetting DataFusion's cached metadata of each file
    /// whose version is not the one noted last (or was never noted).
    pub fn forget_changed(&self, state: &SessionState, files: &[FileEntry]) {
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if seen.len() > MAX_REMEMBERED {
            seen.clear();
        }
        for file in files {
            if seen.get(&file.path) != Some(file) {
                forget_cached(state, file);
                seen.insert(file.path.clone(), file.clone());
            }
        }
    }
}

/// Why a table's files cannot be listed.
#[derive(Debug)]
pub(crate) enum ListError {
    /// `file` (as listed, not resolved) leads outside the table's scope.
    Outside { file: PathBuf },
    /// Anything else: a sentence that names paths only as the scope shows them.
    Unavailable(String),
}

impl ListError {
    /// The sentence for people: no absolute path, no roots.
    pub fn reason(&self, scope: &FileScope) -> String {
        match self {
            Self::Outside { file } => format!("{} leads {OUTSIDE}", scope.shown(file)),
            Self::Unavailable(reason) => reason.clone(),
        }
    }
}

/// Whether a path is a glob pattern rather than a file or folder name.
fn is_glob(path: &Path) -> bool {
    !path.exists() && has_wildcards(&path.to_string_lossy())
}

fn has_wildcards(text: &str) -> bool {
    text.chars().any(|c| matches!(c, '*' | '?' | '['))
}

/// Whether a path component holds a wildcard.
fn is_wildcard(component: &Component<'_>) -> bool {
    match component {
        Component::Normal(name) => has_wildcards(&name.to_string_lossy()),
        _ => false,
    }
}

/// How glob parts match names: case-sensitively, and `*` matches no leading dot.
const MATCHING: glob::MatchOptions = glob::MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: true,
};

/// One part of a glob after its first wildcard.
enum GlobPart {
    /// A name without wildcards.
    Literal(OsString),
    /// A name with wildcards (`*.csv`, `2024-??`, `[ab]*`).
    Wildcard(glob::Pattern),
    /// `**`: any number of folders, not hidden ones, and never through a link to a folder.
    AnyFolders,
}

/// Counts what listing looks at, and stops it past the bounds.
#[derive(Default)]
struct Budget {
    entries: usize,
    files: usize,
}

impl Budget {
    fn entry(&mut self) -> Result<(), ListError> {
        self.entries += 1;
        if self.entries > MAX_ENTRIES {
            return Err(ListError::Unavailable(format!(
                "finding its files means looking at more than {MAX_ENTRIES} folder entries; \
                 name them with a narrower folder or pattern"
            )));
        }
        Ok(())
    }

    fn file(&mut self) -> Result<(), ListError> {
        self.files += 1;
        if self.files > MAX_FILES {
            return Err(ListError::Unavailable(format!(
                "it names more than {MAX_FILES} files; name fewer with a narrower folder or \
                 pattern"
            )));
        }
        Ok(())
    }
}

/// The entries of a folder (none when it is not a folder), counted against the budget.
fn folder_entries(
    folder: &Path,
    scope: &FileScope,
    budget: &mut Budget,
) -> Result<Vec<std::fs::DirEntry>, ListError> {
    if !folder.is_dir() {
        return Ok(Vec::new());
    }
    let unreadable = |err: std::io::Error| {
        ListError::Unavailable(format!(
            "the folder {} cannot be read: {err}",
            scope.shown(folder)
        ))
    };
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(folder).map_err(unreadable)? {
        budget.entry()?;
        entries.push(entry.map_err(unreadable)?);
    }
    Ok(entries)
}

/// The files a glob matches (unsorted). Parts before the first wildcard name the folder the
/// walk starts from; a wildcard part follows links (it reads one level); `**` descends only
/// into real folders, so the walk ends however links point.
/// A path the glob's part matched: a file when it was the last part, else a folder whose
/// entries the `next` part must match.
fn take(
    path: PathBuf,
    last: bool,
    next: usize,
    budget: &mut Budget,
    found: &mut Vec<PathBuf>,
    todo: &mut Vec<(PathBuf, usize)>,
) -> Result<(), ListError> {
    if last {
        if path.is_file() {
            budget.file()?;
            found.push(path);
        }
    } else if path.is_dir() {
        todo.push((path, next));
    }
    Ok(())
}

fn glob_files(
    pattern: &Path,
    scope: &FileScope,
    budget: &mut Budget,
) -> Result<Vec<PathBuf>, ListError> {
    let mut components = pattern.components().peekable();
    let mut start = PathBuf::new();
    while let Some(component) = components.next_if(|component| !is_wildcard(component)) {
        start.push(component.as_os_str());
    }
    let mut parts: Vec<GlobPart> = Vec::new();
    for component in components {
        let name = component.as_os_str();
        let text = name.to_string_lossy();
        let part = if text == "**" {
            if matches!(parts.last(), Some(GlobPart::AnyFolders)) {
                continue;
            }
            GlobPart::AnyFolders
        } else if has_wildcards(&text) {
            GlobPart::Wildcard(glob::Pattern::new(&text).map_err(|err| {
                ListError::Unavailable(format!("the pattern is not a valid glob: {err}"))
            })?)
        } else {
            GlobPart::Literal(name.to_os_string())
        };
        parts.push(part);
    }

    let mut found = Vec::new();
    // (a folder, the index of the part its entries must match)
    let mut todo = vec![(start, 0usize)];
    while let Some((folder, index)) = todo.pop() {
        let Some(part) = parts.get(index) else {
            continue;
        };
        let last = index + 1 == parts.len();
        match part {
            GlobPart::Literal(name) => {
                budget.entry()?;
                take(
                    folder.join(name),
                    last,
                    index + 1,
                    budget,
                    &mut found,
                    &mut todo,
                )?;
            }
            GlobPart::Wildcard(wildcard) => {
                for entry in folder_entries(&folder, scope, budget)? {
                    let name = entry.file_name();
                    // Names that are not UTF-8 never match a wildcard (as with `glob`).
                    let Some(name) = name.to_str() else {
                        continue;
                    };
                    if !wildcard.matches_with(name, MATCHING) {
                        continue;
                    }
                    take(entry.path(), last, index + 1, budget, &mut found, &mut todo)?;
                }
            }
            // A trailing `**` matches folders, never files.
            GlobPart::AnyFolders if last => {}
            GlobPart::AnyFolders => {
                // No folder at all, then each real subfolder in turn.
                todo.push((folder.clone(), index + 1));
                for entry in folder_entries(&folder, scope, budget)? {
                    let hidden = entry.file_name().to_string_lossy().starts_with('.');
                    // `file_type` does not follow links: a link to a folder is not a folder.
                    let real_folder = entry.file_type().is_ok_and(|kind| kind.is_dir());
                    if real_folder && !hidden {
                        todo.push((entry.path(), index));
                    }
                }
            }
        }
    }
    if found.is_empty() {
        return Err(ListError::Unavailable(
            "no file matches the pattern".to_owned(),
        ));
    }
    Ok(found)
}

/// The files directly in a folder with the format's extension (not hidden ones).
fn folder_files(
    folder: &Path,
    format: FileFormat,
    scope: &FileScope,
    budget: &mut Budget,
) -> Result<Vec<PathBuf>, ListError> {
    let extension = format.extension();
    let mut found = Vec::new();
    for entry in folder_entries(folder, scope, budget)? {
        let file = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        let matches_extension = file
            .extension()
            .is_some_and(|found| found.eq_ignore_ascii_case(extension));
        if !hidden && matches_extension && file.is_file() {
            budget.file()?;
            found.push(file);
        }
    }
    if found.is_empty() {
        return Err(ListError::Unavailable(format!(
            "the folder holds no .{extension} files"
        )));
    }
    Ok(found)
}

/// The files a table path names, sorted by path, each resolved and checked against `scope`.
/// Blocking (file system calls): run it on a blocking thread. Empty files are skipped (they
/// hold no rows and no schema).
pub(crate) fn list_files(
    path: &Path,
    format: FileFormat,
    scope: &FileScope,
) -> Result<Vec<FileEntry>, ListError> {
    let mut budget = Budget::default();
    let mut paths: Vec<PathBuf> = if is_glob(path) {
        glob_files(path, scope, &mut budget)?
    } else {
        let metadata = std::fs::metadata(path).map_err(|err| {
            ListError::Unavailable(match err.kind() {
                std::io::ErrorKind::NotFound => "no file or folder exists at this path".to_owned(),
                _ => format!("the path cannot be read: {err}"),
            })
        })?;
        if metadata.is_dir() {
            folder_files(path, format, scope, &mut budget)?
        } else {
            vec![path.to_path_buf()]
        }
    };
    paths.sort();
    paths.dedup();
    let mut files = Vec::with_capacity(paths.len());
    for listed in paths {
        let unreadable = |err: std::io::Error| {
            ListError::Unavailable(format!("{} cannot be read: {err}", scope.shown(&listed)))
        };
        let resolved = std::fs::canonicalize(&listed).map_err(unreadable)?;
        if !scope.admits(&resolved) {
            tracing::warn!(
                file = %listed.display(),
                resolved = %resolved.display(),
                "refused a table file that leads outside the file roots"
            );
            return Err(ListError::Outside { file: listed });
        }
        let metadata = std::fs::metadata(&resolved).map_err(unreadable)?;
        if !metadata.is_file() {
            return Err(ListError::Unavailable(format!(
                "{} is not a regular file",
                scope.shown(&listed)
            )));
        }
        if metadata.len() > 0 {
            files.push(FileEntry {
                path: resolved,
                size: metadata.len(),
                modified: metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                identity: FileIdentity::of(&metadata),
            });
        }
    }
    if files.is_empty() {
        return Err(ListError::Unavailable("every file is empty".to_owned()));
    }
    Ok(files)
}

/// [`list_files`] on a blocking thread.
pub(crate) async fn list_files_async(
    path: &Path,
    format: FileFormat,
    scope: &FileScope,
) -> Result<Vec<FileEntry>, ListError> {
    let owned = path.to_path_buf();
    let scope = scope.clone();
    tokio::task::spawn_blocking(move || list_files(&owned, format, &scope))
        .await
        .map_err(|err| ListError::Unavailable(format!("listing the files failed: {err}")))?
}

/// `text` without the server folders of any of `source`'s file tables (see
/// [`FileScope::redact`]), for messages to searchers.
pub(crate) fn redact_source_paths(source: &SearchSource, text: &str) -> String {
    let mut text = text.to_owned();
    for table in &source.tables {
        if let TableLocation::Files { scope, .. } = &table.location {
            text = scope.redact(&text);
        }
    }
    text
}

/// The CSV delimiter for a path: tab for `.tsv`, else comma.
fn csv_delimiter(path: &Path) -> u8 {
    let is_tsv = path
        .extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("tsv"));
    if is_tsv { b'\t' } else { b',' }
}

/// How DataFusion reads one table's files.
pub(crate) enum FileReader {
    Parquet(Box<TableParquetOptions>),
    Csv(CsvOptions),
}

impl FileReader {
    pub fn new(state: &SessionState, format: FileFormat, path: &Path) -> Self {
        match format {
            FileFormat::Parquet => Self::Parquet(Box::new(state.table_options().parquet.clone())),
            FileFormat::Csv => Self::Csv(CsvOptions {
                has_header: Some(true),
                delimiter: csv_delimiter(path),
                ..state.table_options().csv.clone()
            }),
        }
    }

    fn format(&self) -> Arc<dyn DataFusionFormat> {
        match self {
            Self::Parquet(options) => {
                Arc::new(ParquetFormat::default().with_options(options.as_ref().clone()))
            }
            Self::Csv(options) => Arc::new(CsvFormat::default().with_options(options.clone())),
        }
    }

    /// The schema DataFusion infers for the files: Parquet's own schema (merged over the
    /// files), or for CSV the header names with types inferred from up to `csv_rows` rows
    /// (0: every column as text).
    pub async fn infer_schema(
        &self,
        state: &SessionState,
        files: &[FileEntry],
        csv_rows: usize,
    ) -> Result<SchemaRef, String> {
        let store = state
            .runtime_env()
            .object_store(ObjectStoreUrl::local_filesystem())
            .map_err(|err| err.to_string())?;
        let metas = files
            .iter()
            .map(FileEntry::object_meta)
            .collect::<Result<Vec<_>, String>>()?;
        let format: Arc<dyn DataFusionFormat> = match self {
            Self::Parquet(_) => self.format(),
            Self::Csv(options) => Arc::new(
                CsvFormat::default()
                    .with_options(options.clone())
                    .with_schema_infer_max_rec(csv_rows),
            ),
        };
        let inferred = format.infer_schema(state, &store, &metas).await;
        inferred.map_err(|err| readable_error(&err.to_string()))
    }

    /// A table over exactly `files`, read with `schema`.
    pub fn table(&self, files: &[FileEntry], schema: SchemaRef) -> Result<ListingTable, String> {
        let urls = files
            .iter()
            .map(FileEntry::url)
            .collect::<Result<Vec<_>, String>>()?;
        // The files are already chosen: no extension filter.
        let options = ListingOptions::new(self.format()).with_file_extension("");
        let config = ListingTableConfig::new_with_multi_paths(urls)
            .with_listing_options(options)
            .with_schema(schema);
        ListingTable::try_new(config).map_err(|err| err.to_string())
    }
}

/// The schema a CSV table is read with: the header's columns in file order, each with the
/// engine type of its declared column (matched by name, exactly or else case-insensitively),
/// text for columns the model does not declare.
pub(crate) fn csv_read_schema(header: &Schema, declared: &[PhysicalColumn]) -> SchemaRef {
    let fields: Vec<Field> = header
        .fields()
        .iter()
        .map(|field| {
            let declared_type = declared
                .iter()
                .find(|column| column.physical_name == header_name(field.name()))
                .or_else(|| {
                    declared.iter().find(|column| {
                        column
                            .physical_name
                            .eq_ignore_ascii_case(header_name(field.name()))
                    })
                })
                .map_or(ArrowType::Utf8, |column| engine_type(column.data_type));
            Field::new(field.name(), declared_type, true)
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// A column name as written in a file, without the byte-order mark some tools put before a
/// CSV header.
pub(crate) fn header_name(name: &str) -> &str {
    name.trim_start_matches('\u{feff}')
}

/// A DataFusion/Arrow/Parquet error message shortened for people: the innermost cause.
pub(crate) fn readable_error(message: &str) -> String {
    let message = message.trim();
    let cut = [
        "Arrow error: ",
        "Parquet error: ",
        "External error: ",
        "Execution error: ",
        "Object Store error: ",
        "IO error: ",
    ];
    let mut rest = message;
    loop {
        let before = rest;
        for prefix in cut {
            if let Some(stripped) = rest.strip_prefix(prefix) {
                rest = stripped;
            }
        }
        if rest == before {
            break;
        }
    }
    rest.to_owned()
}

/// The probe's name for a file (or database) column type.
pub(crate) fn file_type(data_type: &ArrowType) -> FileType {
    match data_type {
        ArrowType::Utf8 | ArrowType::LargeUtf8 | ArrowType::Utf8View => FileType::Text,
        ArrowType::Dictionary(_, value)
            if matches!(
                **value,
                ArrowType::Utf8 | ArrowType::LargeUtf8 | ArrowType::Utf8View
            ) =>
        {
            FileType::Text
        }
        ArrowType::Int8
        | ArrowType::Int16
        | ArrowType::Int32
        | ArrowType::Int64
        | ArrowType::UInt8
        | ArrowType::UInt16
        | ArrowType::UInt32
        | ArrowType::UInt64 => FileType::Integer,
        ArrowType::Float16
        | ArrowType::Float32
        | ArrowType::Float64
        | ArrowType::Decimal32(..)
        | ArrowType::Decimal64(..)
        | ArrowType::Decimal128(..)
        | ArrowType::Decimal256(..) => FileType::Float,
        ArrowType::Boolean => FileType::Boolean,
        ArrowType::Date32 | ArrowType::Date64 => FileType::Date,
        ArrowType::Timestamp(_, _) => FileType::Timestamp,
        other => FileType::Other(other.to_string()),
    }
}

#[async_trait]
impl FileSchemaProbe for Engine {
    /// The columns of the files at `path`, typed as the files store them (Parquet) or as
    /// inferred from the first rows (CSV: header names; integers, decimals, booleans, ISO
    /// dates and timestamps are recognised, everything else is text).
    async fn probe(
        &self,
        path: &Path,
        format: FileFormat,
        scope: &FileScope,
    ) -> Result<Vec<FileColumn>, String> {
        let shown = scope.shown(path);
        let files = list_files_async(path, format, scope)
            .await
            .map_err(|err| format!("{shown}: {}", err.reason(scope)))?;
        let state = self.session_state();
        // An import is rare: read every file's metadata afresh.
        for file in &files {
            forget_cached(&state, file);
        }
        let reader = FileReader::new(&state, format, path);
        let schema = reader
            .infer_schema(&state, &files, CSV_INFER_ROWS)
            .await
            .map_err(|reason| {
                let reason = scope.redact(&reason);
                match format {
                    FileFormat::Parquet => {
                        format!("{shown} cannot be read as Parquet: {reason}")
                    }
                    FileFormat::Csv => format!("{shown} cannot be read as CSV: {reason}"),
                }
            })?;
        Ok(schema
            .fields()
            .iter()
            .map(|field| FileColumn {
                name: header_name(field.name()).to_owned(),
                file_type: file_type(field.data_type()),
            })
            .collect())
    }

    async fn probe_database(
        &self,
        table: &PostgresTable,
    ) -> Result<Vec<FileColumn>, DatabaseProbeError> {
        self.postgres_pools().probe(table).await
    }
}
