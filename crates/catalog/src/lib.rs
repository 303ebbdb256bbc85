//! The catalog: metadata objects defined in TML.
//!
//! Connections, tables, worksheets and models, answers and pinboards (liveboards) with their
//! visualizations, columns and tags. The catalog imports and exports TML ([`import`],
//! [`export`]), keeps objects in the store with their owner and sharing, lists their headers
//! for `metadata/listobjectheaders` and `metadata/listvizheaders` ([`listing`]), and resolves
//! a worksheet or table into a [`source::SearchSource`] for the engine.
//!
//! Layout: [`tml`] (documents) → [`import`] (resolve and validate) → [`model`] (stored
//! definitions) → [`source`] (what the engine runs against). [`files`] guards file paths;
//! [`secrets`] keeps connection passwords out of stored and exported TML.

mod access;
pub mod export;
pub mod files;
pub mod import;
pub mod join_on;
pub mod listing;
pub mod model;
pub mod resolve;
pub mod secrets;
pub mod share;
pub mod source;
pub mod tml;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use searchlight_errors::{Error, Result};
use searchlight_store::Store;

pub use access::Actor;
pub use files::{FileRoots, FileSchemaProbe};
pub use import::{
    DocumentContent, ImportOutcome, ImportPolicy, ImportReport, ImportRequest, ImportStatus,
    SourceDocument,
};
pub use secrets::Secrets;

/// The catalog service. Cheap to clone.
#[derive(Clone)]
pub struct Catalog {
    store: Arc<dyn Store>,
    probe: Arc<dyn FileSchemaProbe>,
    roots: FileRoots,
    secrets: Secrets,
}

impl Catalog {
    /// A catalog without a secret key: it stores no connection password (an import that
    /// gives one fails and says so) until [`Catalog::with_secrets`] gives it one.
    pub fn new(store: Arc<dyn Store>, probe: Arc<dyn FileSchemaProbe>, roots: FileRoots) -> Self {
        Self {
            store,
            probe,
            roots,
            secrets: Secrets::none(),
        }
    }

    /// The same catalog with the key connection passwords are encrypted with.
    pub fn with_secrets(self, secrets: Secrets) -> Self {
        Self { secrets, ..self }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn roots(&self) -> &FileRoots {
        &self.roots
    }

    /// The same catalog with more folders files may be read from (the folders an operator
    /// names on the command line).
    pub fn with_more_roots(&self, roots: impl IntoIterator<Item = std::path::PathBuf>) -> Self {
        let mut all = self.roots.roots().to_vec();
        all.extend(roots);
        Self {
            roots: FileRoots::new(all),
            ..self.clone()
        }
    }
}

/// The most distinct entries one list parameter of `security/share` (`id`, the principals
/// of `permission`), `metadata/assigntag` (`id`, `tagname`) or `metadata/tml/export`
/// (`export_ids`) may hold. Checked before any store work: a longer list is a 400.
pub const MAX_LIST_ENTRIES: usize = 1_000;

/// The most (object, principal) or (object, tag) pairs one `security/share` or
/// `metadata/assigntag` call may change: it is one transaction, which holds the store's
/// write lock (SQLite's, for every writer) while it runs.
pub const MAX_CHANGED_PAIRS: usize = 10_000;

/// A list parameter without repeats (the first spelling of each entry kept; `key` says which
/// entries are the same), at most [`MAX_LIST_ENTRIES`] long: a longer one is a 400 that
/// names the parameter and the limit.
pub(crate) fn distinct(
    parameter: &str,
    values: &[String],
    key: impl Fn(&str) -> String,
) -> Result<Vec<String>> {
    let mut seen = HashSet::with_capacity(values.len().min(MAX_LIST_ENTRIES + 1));
    let mut kept = Vec::new();
    for value in values {
        if seen.insert(key(value.as_str())) {
            kept.push(value.clone());
        }
    }
    if kept.len() > MAX_LIST_ENTRIES {
        return Err(Error::invalid_parameter(
            parameter,
            format!("a list of {} distinct entries", kept.len()),
            format!(
                "at most {MAX_LIST_ENTRIES} distinct entries in one call (repeats count once); \
                 split the list over several calls"
            ),
        ));
    }
    Ok(kept)
}

/// Object ids without repeats, at most [`MAX_LIST_ENTRIES`] of them.
pub(crate) fn distinct_ids(parameter: &str, ids: &[String]) -> Result<Vec<String>> {
    distinct(parameter, ids, str::to_string)
}

/// Refuses a call that would change more than [`MAX_CHANGED_PAIRS`] pairs of `objects`
/// objects and `others` principals or tags (`what`, plural).
pub(crate) fn check_pairs(objects: usize, others: usize, what: &str) -> Result<()> {
    if objects.saturating_mul(others) > MAX_CHANGED_PAIRS {
        return Err(Error::invalid_parameter(
            "id",
            format!("{objects} objects with {others} {what}"),
            format!(
                "at most {MAX_CHANGED_PAIRS} object and {what} pairs in one call; split it \
                 over several calls"
            ),
        ));
    }
    Ok(())
}

/// The current time in epoch milliseconds.
pub(crate) fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}
