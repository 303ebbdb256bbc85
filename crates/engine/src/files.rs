//! The files behind a LOCAL_FILES table: which files a table path names, their fingerprint,
//! how DataFusion reads them, and what columns they hold.
//!
//! A table path is one file, a folder (every file directly in it with the format's extension)
//! or a glob. The engine lists the files itself on every query, so a new, changed or removed
//! file is visible to the next search; DataFusion's own listing cache is disabled for the same
//! reason (see `Engine::new`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
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
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::execution::session_state::SessionState;
use datafusion::object_store::ObjectMeta;
use datafusion::object_store::path::Path as StorePath;
use searchlight_catalog::files::{FileColumn, FileSchemaProbe, FileType};
use searchlight_catalog::source::{FileFormat, PhysicalColumn};

use crate::Engine;
use crate::types::engine_type;

/// Rows read to infer the column types of a CSV file for [`FileSchemaProbe`].
const CSV_INFER_ROWS: usize = 1000;

/// One file of a table, with what identifies its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileEntry {
    pub path: PathBuf,
    pub size: u64,
    pub modified: SystemTime,
}

impl FileEntry {
    /// The object-store view of the file, for DataFusion's format readers.
    fn object_meta(&self) -> Result<ObjectMeta, String> {
        Ok(ObjectMeta {
            location: StorePath::from_absolute_path(&self.path)
                .map_err(|err| format!("{} is not a usable path: {err}", self.path.display()))?,
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

/// Whether a path is a glob pattern rather than a file or folder name.
fn is_glob(path: &Path) -> bool {
    !path.exists()
        && path
            .to_string_lossy()
            .chars()
            .any(|c| matches!(c, '*' | '?' | '['))
}

/// The files a table path names, sorted by path. Blocking (file system calls): run it on a
/// blocking thread. Empty files are skipped (they hold no rows and no schema). The error is a
/// sentence for the person who owns the files.
pub(crate) fn list_files(path: &Path, format: FileFormat) -> Result<Vec<FileEntry>, String> {
    let extension = format.extension();
    let mut paths: Vec<PathBuf> = if is_glob(path) {
        let pattern = path.to_string_lossy();
        let options = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: true,
        };
        let matches = glob::glob_with(&pattern, options)
            .map_err(|err| format!("the pattern is not a valid glob: {err}"))?;
        let mut found = Vec::new();
        for entry in matches {
            let entry = entry.map_err(|err| format!("cannot read {}", err.path().display()))?;
            if entry.is_file() {
                found.push(entry);
            }
        }
        if found.is_empty() {
            return Err("no file matches the pattern".to_owned());
        }
        found
    } else {
        let metadata = std::fs::metadata(path).map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => "no file or folder exists at this path".to_owned(),
            _ => format!("the path cannot be read: {err}"),
        })?;
        if metadata.is_dir() {
            let entries = std::fs::read_dir(path)
                .map_err(|err| format!("the folder cannot be read: {err}"))?;
            let mut found = Vec::new();
            for entry in entries {
                let entry = entry.map_err(|err| format!("the folder cannot be read: {err}"))?;
                let file = entry.path();
                let hidden = entry.file_name().to_string_lossy().starts_with('.');
                let matches_extension = file
                    .extension()
                    .is_some_and(|found| found.eq_ignore_ascii_case(extension));
                if !hidden && matches_extension && file.is_file() {
                    found.push(file);
                }
            }
            if found.is_empty() {
                return Err(format!("the folder holds no .{extension} files"));
            }
            found
        } else {
            vec![path.to_path_buf()]
        }
    };
    paths.sort();
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let metadata = std::fs::metadata(&path)
            .map_err(|err| format!("{} cannot be read: {err}", path.display()))?;
        let modified = metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        if metadata.len() > 0 {
            files.push(FileEntry {
                path,
                size: metadata.len(),
                modified,
            });
        }
    }
    if files.is_empty() {
        return Err("every file is empty".to_owned());
    }
    Ok(files)
}

/// [`list_files`] on a blocking thread.
pub(crate) async fn list_files_async(
    path: &Path,
    format: FileFormat,
) -> Result<Vec<FileEntry>, String> {
    let owned = path.to_path_buf();
    tokio::task::spawn_blocking(move || list_files(&owned, format))
        .await
        .map_err(|err| format!("listing the files failed: {err}"))?
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

/// The probe's name for a file column type.
fn file_type(data_type: &ArrowType) -> FileType {
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
    async fn probe(&self, path: &Path, format: FileFormat) -> Result<Vec<FileColumn>, String> {
        let shown = path.display();
        let files = list_files_async(path, format)
            .await
            .map_err(|reason| format!("{shown}: {reason}"))?;
        let state = self.session_state();
        let reader = FileReader::new(&state, format, path);
        let schema = reader
            .infer_schema(&state, &files, CSV_INFER_ROWS)
            .await
            .map_err(|reason| match format {
                FileFormat::Parquet => {
                    format!("{shown} cannot be read as Parquet: {reason}")
                }
                FileFormat::Csv => format!("{shown} cannot be read as CSV: {reason}"),
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
}
