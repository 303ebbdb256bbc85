//! Files behind LOCAL_FILES connections: where they may be, and what is in them.
//!
//! Importing TML must never expose files the server owner did not mean to serve, so every
//! path a connection or table names is resolved to an absolute, canonical path and must lie
//! under one of the configured [`FileRoots`] (by default the data dir and the model dir).
//! What a file holds is read through a [`FileSchemaProbe`], which the engine implements.

use std::path::{Component, Path, PathBuf};

use async_trait::async_trait;

use crate::source::FileFormat;

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
    /// extension, or a glob. `Err` carries a message for the person importing (no such file,
    /// not a Parquet file, …).
    async fn probe(&self, path: &Path, format: FileFormat) -> Result<Vec<FileColumn>, String>;
}

/// The folders LOCAL_FILES paths must lie under.
#[derive(Debug, Clone, Default)]
pub struct FileRoots {
    roots: Vec<PathBuf>,
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
        }
    }

    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// `path` made absolute and canonical, if it lies under a root.
    pub fn admit(&self, path: &Path) -> Result<PathBuf, String> {
        let resolved = canonical_or_absolute(path);
        if self.roots.iter().any(|root| resolved.starts_with(root)) {
            Ok(resolved)
        } else {
            Err(format!(
                "{} is outside the folders this server may read files from ({}); add its folder \
                 to file_roots in the configuration",
                resolved.display(),
                self.roots
                    .iter()
                    .map(|r| r.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
    }
}

/// The canonical path where it exists; otherwise the longest existing ancestor canonicalised
/// with the rest appended (lexically normalised), so `..` cannot escape a root even for a
/// path that does not exist yet, and globs keep their pattern part.
pub fn canonical_or_absolute(path: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|cwd| cwd.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let normalised = normalise(&absolute);
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
        assert!(roots.admit(Path::new("/etc/passwd")).is_err());
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
