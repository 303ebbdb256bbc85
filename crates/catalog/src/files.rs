//! Files behind LOCAL_FILES connections: where they may be, and what is in them.
//!
//! Importing TML must never expose files the server owner did not mean to serve, so every
//! path a connection or table names must lead, once resolved to an absolute, canonical path,
//! under one of the configured [`FileRoots`] (by default the data dir and the model dir). A
//! connection's folder is stored resolved; a table's path is stored as written, so that a
//! link it names (`current.parquet` → today's file) is followed anew by every search.
//! That check alone is not enough: a glob or folder can reach a symbolic link that leads
//! elsewhere, and a file can be swapped for such a link after the import. So every file is
//! checked again, after resolving links, each time it is opened (by the import's probe and by
//! every search), against the table's [`FileScope`].
//!
//! Messages shown to searchers never hold an absolute server path: a table's location is
//! shown as its TML names it, relative to its connection's folder ([`FileScope::shown`]),
//! and [`FileScope::redact`] takes server folders out of messages from the file readers.
//! What a file holds is read through a [`FileSchemaProbe`], which the engine implements.

use std::path::{Component, Path, PathBuf};

use async_trait::async_trait;

use crate::source::{FileFormat, PostgresTable};

/// The type a file column holds, as far as validation needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileType {
    Text,
    Integer,
    Float,
    Boolean,
    Date,
    Timestamp,
    /// Anything else (lists, binary, decimals of unusual shape …), with the file's own name
    /// for the type.
    Other(String),
}

impl std::fmt::Display for FileType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Text => f.write_str("text"),
            Self::Integer => f.write_str("integer"),
            Self::Float => f.write_str("floating point"),
            Self::Boolean => f.write_str("boolean"),
            Self::Date => f.write_str("date"),
            Self::Timestamp => f.write_str("timestamp"),
            Self::Other(name) => f.write_str(name),
        }
    }
}

/// A column found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileColumn {
    pub name: String,
    pub file_type: FileType,
}

/// Reads the columns of the files a table names.
#[async_trait]
pub trait FileSchemaProbe: Send + Sync {
    /// The columns of the data at `path`: one file, every file of a folder with the format's
    /// extension, or a glob. Every file must resolve (after following links) inside `scope`.
    /// `Err` carries a message for the person importing (no such file, not a Parquet file, a
    /// file outside the folders this server may read, …) that names paths as `scope` shows
    /// them.
    async fn probe(
        &self,
        path: &Path,
        format: FileFormat,
        scope: &FileScope,
    ) -> Result<Vec<FileColumn>, String>;

    /// The columns of a PostgreSQL table as the database's catalog describes them now,
    /// typed as searches read them (a type searches cannot read is
    /// [`FileType::Other`] with the database's name for it).
    async fn probe_database(
        &self,
        table: &PostgresTable,
    ) -> Result<Vec<FileColumn>, DatabaseProbeError>;
}

/// Why a database table's columns could not be read, by the TML property at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseProbeError {
    /// The database cannot be reached, or refuses the connection's user or password.
    Connection(String),
    /// The table's schema does not exist.
    Schema(String),
    /// The table does not exist (or the user may not see it), or its columns cannot be read.
    Table(String),
}

/// The folders LOCAL_FILES paths must lie under.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileRoots {
    roots: Vec<PathBuf>,
    /// Files under the roots that no table may read: the server's own (the SQLite store
    /// with its password hashes and sessions, the secret key), canonical or absolute.
    private: Vec<PathBuf>,
}

impl FileRoots {
    /// Roots from folders; each is made absolute and canonical (folders that do not exist
    /// yet are kept as absolute paths).
    pub fn new(roots: impl IntoIterator<Item = PathBuf>) -> Self {
        Self {
            roots: roots
                .into_iter()
                .map(|root| canonical_or_absolute(&root))
                .collect(),
            private: Vec::new(),
        }
    }

    /// These roots, with `files` never readable by a table, wherever they lie.
    pub fn with_private_files(mut self, files: impl IntoIterator<Item = PathBuf>) -> Self {
        self.private
            .extend(files.into_iter().map(|file| canonical_or_absolute(&file)));
        self
    }

    /// Whether a canonical path is one of the server's own files.
    pub fn is_private(&self, canonical: &Path) -> bool {
        self.private.iter().any(|file| file == canonical)
    }

    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// Whether a canonical path (links resolved) lies under a root.
    pub fn contains(&self, canonical: &Path) -> bool {
        !self.is_private(canonical)
            && self
                .roots
                .iter()
                .any(|root| root.is_absolute() && canonical.starts_with(root))
    }

    /// `path` made absolute and canonical, if it lies under a root. The error names the
    /// resolved path (what the importer's own path leads to) but never the roots.
    pub fn admit(&self, path: &Path) -> Result<PathBuf, String> {
        let resolved = canonical_or_absolute(path);
        if self.contains(&resolved) {
            Ok(resolved)
        } else {
            Err(format!("{} is {OUTSIDE}", resolved.display()))
        }
    }

    /// `path` as written (absolute, `.` and `..` taken out lexically), if what it leads to
    /// now lies under a root: a table's path, whose links are followed again on every search
    /// (a link swapped for another file is then read, and every file is checked against the
    /// roots when it is listed). The error is [`FileRoots::admit`]'s.
    pub fn admit_as_written(&self, path: &Path) -> Result<PathBuf, String> {
        self.admit(path)?;
        Ok(normalise(&absolute(path)))
    }
}

/// How messages say that a path lies outside every file root (without listing them).
pub const OUTSIDE: &str =
    "outside the folders this server may read (see file_roots in the configuration)";

/// What one LOCAL_FILES table may read, checked each time one of its files is opened: a
/// file's canonical path (links resolved) must lie under one of the file roots or under the
/// connection's folder.
///
/// The connection's folder is the canonical path it had when the connection was imported,
/// when it lay under a root (the configured ones, or a folder named to `searchlight import`
/// on the command line). It is never resolved again, so a folder swapped for a link later
/// does not move what may be read; and it keeps tables imported from the command line
/// readable by a server whose `file_roots` do not name their folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileScope {
    /// The connection's folder (absolute and canonical; an empty path admits nothing).
    pub folder: PathBuf,
    /// The file roots of the server that reads the files.
    pub roots: FileRoots,
}

impl FileScope {
    pub fn new(folder: PathBuf, roots: FileRoots) -> Self {
        Self { folder, roots }
    }

    /// Whether a canonical path (links resolved) may be read.
    pub fn admits(&self, canonical: &Path) -> bool {
        !self.roots.is_private(canonical)
            && ((self.folder.is_absolute() && canonical.starts_with(&self.folder))
                || self.roots.contains(canonical))
    }

    /// `path` as a TML names it: relative to the connection's folder (`orders.csv`,
    /// `sales/*.parquet`, `../shared/x.csv`), never absolute.
    pub fn shown(&self, path: &Path) -> String {
        if self.folder.is_absolute() && path.is_absolute() {
            let from: Vec<Component<'_>> = self.folder.components().collect();
            let to: Vec<Component<'_>> = path.components().collect();
            let common = from
                .iter()
                .zip(&to)
                .take_while(|(folder, file)| folder == file)
                .count();
            if common > 0 {
                let mut relative = PathBuf::new();
                for _ in common..from.len() {
                    relative.push("..");
                }
                for part in &to[common..] {
                    relative.push(part.as_os_str());
                }
                return if relative.as_os_str().is_empty() {
                    ".".to_owned()
                } else {
                    relative.display().to_string()
                };
            }
        }
        path.file_name().map_or_else(
            || "the table's files".to_owned(),
            |name| name.to_string_lossy().into_owned(),
        )
    }

    /// `text` (a message from a file reader) without the server's folders: paths under the
    /// connection's folder or a root lose that prefix, whether written as file system paths
    /// (`/srv/data/x.csv`) or as object-store locations (`srv/data/x.csv`).
    pub fn redact(&self, text: &str) -> String {
        let mut folders: Vec<(String, &str)> = std::iter::once((&self.folder, "."))
            .chain(self.roots.roots().iter().map(|root| (root, "[file root]")))
            // Never the file system's root: every path starts with it.
            .filter(|(folder, _)| folder.is_absolute() && folder.parent().is_some())
            .map(|(folder, label)| {
                let text = folder.to_string_lossy();
                (text.trim_end_matches('/').to_owned(), label)
            })
            .filter(|(folder, _)| !folder.is_empty())
            .collect();
        // Deeper folders first: the connection's folder is usually inside a root.
        folders.sort_by_key(|(folder, _)| std::cmp::Reverse(folder.len()));
        let mut text = text.to_owned();
        // File system paths first, then object-store locations (the same text without the
        // leading `/`); for each folder, `FOLDER/…` and then a bare `FOLDER`.
        for (folder, label) in &folders {
            text = replace_path(&text, &format!("{folder}/"), "", false, false);
            text = replace_path(&text, folder, label, false, true);
        }
        for (folder, label) in &folders {
            let location = folder.trim_start_matches('/');
            text = replace_path(&text, &format!("{location}/"), "", true, false);
            text = replace_path(&text, location, label, true, true);
        }
        text
    }
}

/// Whether a character can be part of a path as messages write it.
fn in_path(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '~' | '%' | '+' | '@')
}

/// `text` with occurrences of `from` replaced by `to`; with `word_start`, only where no path
/// character comes before, and with `word_end`, only where none comes after.
fn replace_path(text: &str, from: &str, to: &str, word_start: bool, word_end: bool) -> String {
    if from.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(from) {
        out.push_str(&rest[..at]);
        let after = &rest[at + from.len()..];
        let starts = !word_start || out.chars().next_back().is_none_or(|c| !in_path(c));
        let ends = !word_end || after.chars().next().is_none_or(|c| !in_path(c));
        out.push_str(if starts && ends { to } else { from });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The canonical path where it exists; otherwise the longest existing ancestor canonicalised
/// with the rest appended (lexically normalised), so `..` cannot escape a root even for a
/// path that does not exist yet, and globs keep their pattern part.
pub fn canonical_or_absolute(path: &Path) -> PathBuf {
    let normalised = normalise(&absolute(path));
    let mut existing = normalised.clone();
    let mut rest = Vec::new();
    loop {
        if let Ok(canonical) = existing.canonicalize() {
            let mut result = canonical;
            for part in rest.iter().rev() {
                result.push(part);
            }
            return result;
        }
        match (
            existing.file_name().map(|n| n.to_os_string()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return normalised,
        }
    }
}

/// `path` made absolute against the working folder (as it is, if that cannot be read).
fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|cwd| cwd.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    }
}

/// Removes `.` and resolves `..` lexically.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The format a table's file(s) are in, from the extension of `db_table` (a folder or glob
/// without one is Parquet unless the connection says otherwise).
pub fn format_of(path: &Path, default: FileFormat) -> FileFormat {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("csv") | Some("tsv") => FileFormat::Csv,
        Some("parquet") | Some("pq") => FileFormat::Parquet,
        _ => default,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_outside_the_roots_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(data.join("a.parquet"), b"x").unwrap();
        let roots = FileRoots::new([data.clone()]);
        assert!(roots.admit(&data.join("a.parquet")).is_ok());
        assert!(
            roots.admit(&data.join("sub/*.parquet")).is_ok(),
            "globs under a root"
        );
        assert!(roots.admit(&data.join("../data/a.parquet")).is_ok());
        let escape = roots.admit(&data.join("../../etc/passwd")).unwrap_err();
        assert!(escape.contains("outside"), "{escape}");
        assert!(
            !escape.contains(&data.display().to_string()),
            "the roots are not listed: {escape}"
        );
        assert!(roots.admit(Path::new("/etc/passwd")).is_err());
    }

    #[test]
    fn a_scope_admits_its_roots_and_its_folder_only() {
        let roots = FileRoots::new([PathBuf::from("/srv/data")]);
        let scope = FileScope::new(PathBuf::from("/imports/shop"), roots.clone());
        assert!(scope.admits(Path::new("/srv/data/x.csv")));
        assert!(scope.admits(Path::new("/imports/shop/orders/a.csv")));
        assert!(!scope.admits(Path::new("/imports/other.csv")));
        assert!(!scope.admits(Path::new("/srv/database.csv")));
        assert!(!scope.admits(Path::new("/etc/passwd")));
        // An empty folder (a scope nobody filled in) admits nothing by itself.
        let empty = FileScope::default();
        assert!(!empty.admits(Path::new("/etc/passwd")));
        assert!(!FileScope::new(PathBuf::new(), roots).admits(Path::new("/etc/passwd")));
    }

    #[test]
    fn paths_are_shown_relative_to_the_connection_folder() {
        let scope = FileScope::new(PathBuf::from("/srv/data/shop"), FileRoots::default());
        assert_eq!(
            scope.shown(Path::new("/srv/data/shop/orders.csv")),
            "orders.csv"
        );
        assert_eq!(
            scope.shown(Path::new("/srv/data/shop/sales/*.parquet")),
            "sales/*.parquet"
        );
        assert_eq!(
            scope.shown(Path::new("/srv/data/shared/x.csv")),
            "../shared/x.csv"
        );
        assert_eq!(scope.shown(Path::new("/srv/data/shop")), ".");
        assert_eq!(FileScope::default().shown(Path::new("/a/b/c.csv")), "c.csv");
    }

    #[test]
    fn messages_lose_the_server_folders() {
        let roots = FileRoots::new([PathBuf::from("/srv/data")]);
        let scope = FileScope::new(PathBuf::from("/srv/data/shop"), roots);
        let redact = |text: &str| scope.redact(text);
        assert_eq!(
            redact("Unable to open file /srv/data/shop/sales/a.parquet: denied"),
            "Unable to open file sales/a.parquet: denied"
        );
        assert_eq!(
            redact("Object at location srv/data/shop/a.csv not found"),
            "Object at location a.csv not found"
        );
        assert_eq!(
            redact("cannot read /srv/data/other/b.csv"),
            "cannot read other/b.csv"
        );
        assert_eq!(
            redact("the folder /srv/data/shop is gone"),
            "the folder . is gone"
        );
        // Text that merely contains the same letters stays.
        assert_eq!(
            redact("value 'xsrv/data/shop/1' in /srv/database"),
            "value 'xsrv/data/shop/1' in /srv/database"
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_a_root_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        std::os::unix::fs::symlink("/etc", data.join("etc")).unwrap();
        let roots = FileRoots::new([data.clone()]);
        assert!(roots.admit(&data.join("etc/hostname")).is_err());
    }
}
