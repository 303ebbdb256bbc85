//! A searchable source as the engine sees it: the binder's [`SourceModel`] plus where every
//! column physically lives, how the tables join, and the model's own filters.
//!
//! The catalog builds a [`SearchSource`] from a worksheet, model or table; the engine turns
//! a [`searchlight_search::SearchPlan`] over it into a query. Column ids of the plan index
//! [`SearchSource::bindings`] exactly as they index `model.columns`.

use std::path::PathBuf;

use searchlight_search::{DataType, SourceModel};

use crate::files::{FileRoots, FileScope};
use crate::secrets::{SealedSecret, SecretError, Secrets};

/// A searchable source.
#[derive(Debug, Clone)]
pub struct SearchSource {
    /// GUID of the worksheet, model or table.
    pub id: String,
    pub name: String,
    /// Changes whenever the definition changes (the object's `modified`), for caches.
    pub version: i64,
    /// What the binder resolves `[column]` tokens against.
    pub model: SourceModel,
    /// Where each model column lives: `bindings[i]` is `model.columns[i]`.
    pub bindings: Vec<ColumnBinding>,
    /// The table instances the source draws from (a table may appear twice under two
    /// aliases).
    pub tables: Vec<SourceTable>,
    /// The join tree between table instances.
    pub joins: Vec<SourceJoin>,
    /// The instance every join path starts from (the fact table of a star schema).
    pub root: usize,
    /// Model filters, as search-language filter text (`[Region] != 'test'`), applied to every
    /// search; bind them with `searchlight_search::bind_row_filters`.
    pub filters: Vec<String>,
    /// Join only the tables a search touches (TML `join_progressive`, default true); when
    /// false, every join applies to every search.
    pub progressive: bool,
}

impl SearchSource {
    /// The source with `roots` as the file roots of every LOCAL_FILES table: what a search
    /// checks each file against when it opens it (see [`FileScope`]).
    pub fn with_file_roots(mut self, roots: &FileRoots) -> Self {
        for table in &mut self.tables {
            if let TableLocation::Files { scope, .. } = &mut table.location {
                scope.roots = roots.clone();
            }
        }
        self
    }

    /// The source with the password of every PostgreSQL table's connection opened (from
    /// its `password_env` variable or the sealed stored password), for the engine to connect
    /// with. Opened on every resolve, so that a changed variable takes effect at once.
    pub fn with_passwords(mut self, secrets: &Secrets) -> Result<Self, SecretError> {
        for table in &mut self.tables {
            if let TableLocation::Postgres(postgres) = &mut table.location {
                postgres.password = secrets
                    .connection_password(&postgres.connection)?
                    .map(ConnectionPassword::new);
            }
        }
        Ok(self)
    }
}

/// Where a model column's values come from.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnBinding {
    /// Index into [`SearchSource::tables`].
    pub table: usize,
    /// The column's name in the file or database table.
    pub physical_column: String,
}

/// One table instance of a source.
#[derive(Debug, Clone)]
pub struct SourceTable {
    /// Unique within the source (the worksheet's table path id or model alias).
    pub alias: String,
    /// GUID of the table object.
    pub table_id: String,
    /// The table object's name, for messages.
    pub name: String,
    pub location: TableLocation,
    /// Every column of the table the model may use, with its declared type.
    pub columns: Vec<PhysicalColumn>,
}

/// A column of a table as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct PhysicalColumn {
    pub physical_name: String,
    /// The TML `data_type` (what the engine presents the column as).
    pub data_type: DataType,
}

/// Where a table's rows are.
#[derive(Debug, Clone, PartialEq)]
pub enum TableLocation {
    /// Parquet or CSV files on the server: one file, every matching file of a folder, or a
    /// glob. Paths are absolute and were checked against the file roots at import; every
    /// file is checked against `scope` again, links resolved, each time a search opens it.
    Files {
        path: PathBuf,
        format: FileFormat,
        /// The connection asks to keep the table in memory (re-read when a file changes).
        in_memory: bool,
        /// Identifies the connection, for per-connection caches.
        connection_id: String,
        /// What the table may read, and how messages name its files.
        scope: FileScope,
    },
    /// A table in PostgreSQL (searches pushed down to the database).
    Postgres(PostgresTable),
}

/// A table of an `RDBMS_POSTGRES` connection.
#[derive(Debug, Clone, PartialEq)]
pub struct PostgresTable {
    pub connection: PostgresConnection,
    /// Identifies the connection, for its pool of database connections.
    pub connection_id: String,
    /// The connection's name, for messages.
    pub connection_name: String,
    /// The password to connect with, once the catalog has opened it
    /// ([`SearchSource::with_passwords`]); `None` when the connection has none.
    pub password: Option<ConnectionPassword>,
    /// The schema (`None`: the user's search path, normally `public`).
    pub schema: Option<String>,
    pub table: String,
}

impl PostgresTable {
    /// The table as messages name it: `schema.table`.
    pub fn shown(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{schema}.{}", self.table),
            None => self.table.clone(),
        }
    }
}

/// A connection password in the clear, for the engine's connection pool only: its `Debug`
/// shows nothing of it, so a logged or hashed source never holds it.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectionPassword(String);

impl ConnectionPassword {
    pub fn new(password: String) -> Self {
        Self(password)
    }

    /// The password itself: for the database driver, never for a message or a log line.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ConnectionPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConnectionPassword(***)")
    }
}

/// File formats a LOCAL_FILES table can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    Parquet,
    Csv,
}

impl FileFormat {
    /// The file extension (without the dot).
    pub fn extension(self) -> &'static str {
        match self {
            Self::Parquet => "parquet",
            Self::Csv => "csv",
        }
    }
}

/// How to reach a PostgreSQL database (an `RDBMS_POSTGRES` connection).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PostgresConnection {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    /// The password when the TML gives one, sealed under the server's key (the stored and
    /// exported TML hold a placeholder). Read it with
    /// [`crate::secrets::Secrets::connection_password`], never directly.
    #[serde(
        default,
        rename = "sealed_password",
        skip_serializing_if = "Option::is_none"
    )]
    pub password: Option<SealedSecret>,
    /// The environment variable holding the password (`password_env`), preferred over
    /// storing a password.
    pub password_env: Option<String>,
}

/// A join between two table instances.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceJoin {
    /// Index into [`SearchSource::tables`] of the left (source) side.
    pub left: usize,
    /// Index into [`SearchSource::tables`] of the right (destination) side.
    pub right: usize,
    /// Equality conditions, `(left physical column, right physical column)`, AND-ed.
    pub on: Vec<(String, String)>,
    pub join_type: JoinType,
}

/// TML join types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JoinType {
    Inner,
    LeftOuter,
    RightOuter,
    /// Full outer join (`OUTER`).
    Outer,
}

impl JoinType {
    /// The join type for a TML `type`, case-insensitively; `INNER` when absent.
    pub fn from_tml(value: Option<&str>) -> Option<Self> {
        Some(
            match value.map(|v| v.trim().to_ascii_uppercase()).as_deref() {
                None | Some("") | Some("INNER") => Self::Inner,
                Some("LEFT_OUTER") | Some("LEFT") => Self::LeftOuter,
                Some("RIGHT_OUTER") | Some("RIGHT") => Self::RightOuter,
                Some("OUTER") | Some("FULL_OUTER") | Some("FULL") => Self::Outer,
                Some(_) => return None,
            },
        )
    }

    /// The same join seen from the other side.
    pub fn flipped(self) -> Self {
        match self {
            Self::LeftOuter => Self::RightOuter,
            Self::RightOuter => Self::LeftOuter,
            other => other,
        }
    }
}
