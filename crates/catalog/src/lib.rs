//! The catalog: metadata objects defined in TML.
//!
//! Connections, tables, worksheets and models, answers and pinboards (liveboards) with their
//! visualizations, columns and tags. The catalog imports and exports TML ([`import`],
//! [`export`]), keeps objects in the store with their owner and sharing, lists their headers
//! for `metadata/listobjectheaders` and `metadata/listvizheaders` ([`listing`]), and resolves
//! a worksheet or table into a [`source::SearchSource`] for the engine.
//!
//! Layout: [`tml`] (documents) → [`import`] (resolve and validate) → [`model`] (stored
//! definitions) → [`source`] (what the engine runs against). [`files`] guards file paths.

mod access;
pub mod export;
pub mod files;
pub mod import;
pub mod join_on;
pub mod listing;
pub mod model;
pub mod resolve;
pub mod share;
pub mod source;
pub mod tml;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use searchlight_store::Store;

pub use access::Actor;
pub use files::{FileRoots, FileSchemaProbe};
pub use import::{
    DocumentContent, ImportOutcome, ImportPolicy, ImportReport, ImportRequest, ImportStatus,
    SourceDocument,
};

/// The catalog service. Cheap to clone.
#[derive(Clone)]
pub struct Catalog {
    store: Arc<dyn Store>,
    probe: Arc<dyn FileSchemaProbe>,
    roots: FileRoots,
}

impl Catalog {
    pub fn new(store: Arc<dyn Store>, probe: Arc<dyn FileSchemaProbe>, roots: FileRoots) -> Self {
        Self {
            store,
            probe,
            roots,
        }
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

/// The current time in epoch milliseconds.
pub(crate) fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}
