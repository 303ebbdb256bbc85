//! TML import: parse → resolve → validate → write, under an import policy.
//!
//! Documents are processed in dependency order (connections, tables, worksheets and models,
//! answers, pinboards), whatever order they arrive in. A reference resolves to a document of
//! the same import first, then to a stored object, by `fqn` (GUID) or by name. Every problem
//! is reported against the document it is in, with the path inside the document. Nothing is
//! written unless the policy says so, and what is written is written in one transaction.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::Utc;
use serde_json::Value;

use searchlight_errors::{Error, Result};
use searchlight_search::{DataType, SearchContext};
use searchlight_store::{ExpectedObject, ObjectRecord, ObjectWrite, SharePermission};

mod answer;
mod worksheet;

use crate::Catalog;
use crate::files::{DatabaseProbeError, FileColumn, FileScope, FileType, format_of};
use crate::join_on::{self, ColumnRef};
use crate::model::*;
use crate::source::{ConnectionPassword, FileFormat, JoinType, PostgresConnection, PostgresTable};
use crate::tml::*;

/// What to do when some documents fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportPolicy {
    /// Store nothing if any document fails (the default).
    AllOrNone,
    /// Store the documents that pass.
    Partial,
    /// Check everything, store nothing.
    ValidateOnly,
}

impl FromStr for ImportPolicy {
    type Err = Error;

    fn from_str(value: &str) -> Result<Self> {
        match value.trim().to_ascii_uppercase().as_str() {
            "ALL_OR_NONE" => Ok(Self::AllOrNone),
            "PARTIAL" => Ok(Self::Partial),
            "VALIDATE_ONLY" => Ok(Self::ValidateOnly),
            _ => Err(Error::invalid_parameter(
                "import_policy",
                value,
                "ALL_OR_NONE, PARTIAL or VALIDATE_ONLY",
            )),
        }
    }
}

/// A document to import.
#[derive(Debug, Clone)]
pub struct SourceDocument {
    /// Where it came from, for messages: a file path or `import_objects[3]`.
    pub origin: String,
    pub content: DocumentContent,
    /// The folder relative connection paths start from.
    pub base_dir: PathBuf,
}

#[derive(Debug, Clone)]
pub enum DocumentContent {
    /// YAML or JSON text.
    Text(String),
    /// An already parsed document (TML sent as a JSON object).
    Tree(Value),
}

/// An import request.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub documents: Vec<SourceDocument>,
    pub policy: ImportPolicy,
    /// Create new objects even when a document's GUID or name matches an existing one.
    pub force_create: bool,
    /// Owner (and author) of the objects this import creates; existing objects keep theirs.
    pub owner_id: String,
    /// Recorded as `modifiedBy`.
    pub importer_id: String,
    /// Principals new objects are shared with, read-only (All, unless imported as private).
    pub share_with: Vec<String>,
    /// Who imports, when existing objects may change only with their permission (an API
    /// caller); `None` for the server's operator (`searchlight import`, `--model-dir`).
    pub editor: Option<searchlight_store::Viewer>,
}

/// The result of one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStatus {
    Ok,
    /// Imported, with something the user should know (formula columns not searchable …).
    Warning,
    Error,
}

impl ImportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "OK",
            Self::Warning => "WARNING",
            Self::Error => "ERROR",
        }
    }
}

/// What happened to one document.
#[derive(Debug, Clone)]
pub struct ImportOutcome {
    pub origin: String,
    pub kind: Option<DocumentKind>,
    pub name: Option<String>,
    pub id: Option<String>,
    pub status: ImportStatus,
    pub messages: Vec<String>,
    /// A new object (rather than an update of an existing one).
    pub created: bool,
    /// An existing object the document matches exactly: nothing was written for it.
    pub unchanged: bool,
}

/// The outcome of every document, in request order.
#[derive(Debug, Clone)]
pub struct ImportReport {
    pub outcomes: Vec<ImportOutcome>,
    /// Whether anything was written.
    pub stored: bool,
}

impl ImportReport {
    pub fn failed(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.status == ImportStatus::Error)
            .count()
    }
}

/// The namespace of the stable GUIDs Searchlight derives (columns, visualizations).
const GUID_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x5e4c_a11f_7a3b_4c8e_9d21_0b6f_1e2d_3c4b);

/// A GUID derived from a parent GUID and a key: the same every time.
pub fn derived_guid(parent: &str, key: &str) -> String {
    uuid::Uuid::new_v5(&GUID_NAMESPACE, format!("{parent}/{key}").as_bytes()).to_string()
}

/// What a planner resolved about one document; [`Catalog::finish`] makes it a write.
struct Resolved<'a> {
    doc_index: usize,
    doc: &'a Document,
    name: String,
    description: Option<String>,
    id: String,
    created: bool,
    existing: Option<ObjectRecord>,
    definition: Definition,
    /// An answer's or pinboard's visualizations.
    visualizations: Option<Vec<searchlight_store::VisualizationRecord>>,
    warnings: Vec<String>,
}

/// Who an object is: its GUID, name, description and the stored object it updates.
struct ObjectHead<'a> {
    id: &'a str,
    name: &'a str,
    description: Option<String>,
    existing: Option<&'a ObjectRecord>,
}

/// A document that resolved, ready to write.
struct Planned {
    doc: usize,
    kind: DocumentKind,
    id: String,
    name: String,
    definition: Definition,
    write: ObjectWrite,
    warnings: Vec<String>,
    created: bool,
    /// The stored object this document updates.
    existing: Option<ObjectRecord>,
}

impl Planned {
    /// The document says exactly what is stored: same name, description, TML and resolved
    /// definition (which covers the files' schemas and everything the columns and
    /// visualizations derive from). Re-importing it writes nothing, so `modified` stays.
    fn is_unchanged(&self) -> bool {
        self.existing.as_ref().is_some_and(|stored| {
            let new = &self.write.object;
            stored.name == new.name
                && stored.description == new.description
                && stored.definition == new.definition
                && stored.tml == new.tml
        })
    }
}

/// A reference target found in the batch or the store.
struct Found {
    id: String,
    name: String,
    definition: Definition,
}

/// Import state: what has been planned so far, for references inside the batch.
struct Batch<'a> {
    catalog: &'a Catalog,
    request: &'a ImportRequest,
    planned: Vec<Planned>,
    /// `(kind, lower-case name)` of documents that failed, to explain references to them.
    failed: Vec<(DocumentKind, String)>,
    now: i64,
}

fn kinds_for(object_type: &str) -> &'static [DocumentKind] {
    match object_type {
        "DATA_SOURCE" => &[DocumentKind::Connection],
        "TABLE" => &[DocumentKind::Table],
        _ => &[
            DocumentKind::Table,
            DocumentKind::Worksheet,
            DocumentKind::Model,
        ],
    }
}

impl Batch<'_> {
    /// Finds what a reference names: `fqn` (GUID) first, then the name (or `id`, which
    /// legacy TML uses for names). `wanted` is `DATA_SOURCE`, `TABLE` (a table only) or
    /// `SOURCE` (a table, worksheet or model).
    async fn find(&self, reference: &Reference, wanted: &str, what: &str) -> Result<Found, String> {
        let kinds = kinds_for(wanted);
        if let Some(fqn) = reference.fqn.as_deref().filter(|f| !f.is_empty()) {
            if let Some(p) = self
                .planned
                .iter()
                .find(|p| p.id == fqn && kinds.contains(&p.kind))
            {
                return Ok(Found {
                    id: p.id.clone(),
                    name: p.name.clone(),
                    definition: p.definition.clone(),
                });
            }
            if let Some(found) = self.stored_by_id(fqn, kinds).await? {
                return Ok(found);
            }
            if reference.name.is_none() {
                return Err(format!("no {what} has the GUID {fqn}"));
            }
        }
        let name = reference
            .name
            .as_deref()
            .or(reference.id.as_deref())
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| format!("the {what} reference has neither name nor fqn"))?;
        let lower = name.to_lowercase();
        if let Some(p) = self
            .planned
            .iter()
            .find(|p| p.name.to_lowercase() == lower && kinds.contains(&p.kind))
        {
            return Ok(Found {
                id: p.id.clone(),
                name: p.name.clone(),
                definition: p.definition.clone(),
            });
        }
        if self
            .failed
            .iter()
            .any(|(k, n)| kinds.contains(k) && *n == lower)
        {
            return Err(format!(
                "the {what} '{name}' failed to import (see its own error)"
            ));
        }
        let object_type = if wanted == "DATA_SOURCE" {
            "DATA_SOURCE"
        } else {
            "LOGICAL_TABLE"
        };
        let candidates = self
            .catalog
            .store
            .objects_named(object_type, name)
            .await
            .map_err(|e| e.to_string())?;
        let mut matches = Vec::new();
        for record in candidates {
            if let Some(found) = found_from_record(&record, kinds)
                && self.may_read(&record).await?
            {
                matches.push(found);
            }
        }
        match matches.len() {
            0 => Err(format!(
                "no {what} named '{name}' exists or is in this import"
            )),
            1 => Ok(matches.remove(0)),
            n => Err(format!(
                "{n} objects are named '{name}'; refer to one by its GUID with fqn"
            )),
        }
    }

    async fn stored_by_id(
        &self,
        id: &str,
        kinds: &[DocumentKind],
    ) -> Result<Option<Found>, String> {
        let record = self
            .catalog
            .store
            .object(id)
            .await
            .map_err(|e| e.to_string())?;
        match record {
            Some(record) if self.may_read(&record).await? => Ok(found_from_record(&record, kinds)),
            _ => Ok(None),
        }
    }

    /// Whether the importer may refer to a stored object: what it cannot read does not
    /// exist for it (an operator's import reads everything).
    async fn may_read(&self, record: &ObjectRecord) -> Result<bool, String> {
        match &self.request.editor {
            None => Ok(true),
            Some(editor) => self
                .catalog
                .store
                .can_read(&record.id, editor)
                .await
                .map_err(|e| e.to_string()),
        }
    }

    /// A table's definition by GUID (batch first, then store).
    async fn table(&self, id: &str) -> Result<(String, TableDef), String> {
        if let Some(p) = self.planned.iter().find(|p| p.id == id)
            && let Definition::Table(def) = &p.definition
        {
            return Ok((p.name.clone(), def.clone()));
        }
        match self.stored_by_id(id, &[DocumentKind::Table]).await? {
            Some(Found {
                name,
                definition: Definition::Table(def),
                ..
            }) => Ok((name, def)),
            _ => Err(format!("no table has the GUID {id}")),
        }
    }

    async fn connection(&self, id: &str) -> Result<NamedConnection, String> {
        if let Some(p) = self.planned.iter().find(|p| p.id == id)
            && let Definition::Connection(def) = &p.definition
        {
            return Ok((p.name.clone(), def.clone()));
        }
        match self.stored_by_id(id, &[DocumentKind::Connection]).await? {
            Some(Found {
                name,
                definition: Definition::Connection(def),
                ..
            }) => Ok((name, def)),
            _ => Err(format!("no connection has the GUID {id}")),
        }
    }

    /// The GUID a document's object gets, whether it is new, and the object it updates.
    async fn assign_id(
        &self,
        doc: &Document,
        name: &str,
    ) -> Result<(String, bool, Option<ObjectRecord>), String> {
        let object_type = doc.kind.object_type();
        if self.request.force_create {
            return Ok((uuid::Uuid::new_v4().to_string(), true, None));
        }
        let lower = name.to_lowercase();
        if let Some(other) = self.planned.iter().find(|p| {
            p.kind.object_type() == object_type
                && p.kind.subtype() == doc.kind.subtype()
                && p.name.to_lowercase() == lower
        }) {
            return Err(format!(
                "another document of this import ({}) also defines the {} '{name}'",
                self.request.documents[other.doc].origin, doc.kind
            ));
        }
        if let Some(guid) = &doc.guid {
            let existing = self
                .catalog
                .store
                .object(guid)
                .await
                .map_err(|e| e.to_string())?;
            let Some(record) = existing else {
                return Ok((guid.clone(), true, None));
            };
            // What the importer cannot read is not described to it.
            if !self.may_read(&record).await? {
                return Err(format!(
                    "guid {guid} is already used by an object you have no access to; leave the \
                     guid out, or import with force_create=true, to create a new {}",
                    doc.kind
                ));
            }
            if record.object_type != object_type || record.parent_id.is_some() {
                return Err(format!(
                    "guid {guid} belongs to a {} named '{}', not to a {}",
                    record.object_type, record.name, doc.kind
                ));
            }
            self.may_update(&record).await?;
            return Ok((guid.clone(), false, Some(record)));
        }
        let existing = self
            .catalog
            .store
            .objects_named(object_type, name)
            .await
            .map_err(|e| e.to_string())?;
        // By name, a document updates only an object the importer may read: one it cannot
        // read does not exist for it (the document makes a new object of the same name).
        let mut same_kind = None;
        for record in existing {
            if record.subtype.as_deref() == doc.kind.subtype()
                && record.parent_id.is_none()
                && self.may_read(&record).await?
            {
                same_kind = Some(record);
                break;
            }
        }
        Ok(match same_kind {
            Some(record) => {
                self.may_update(&record).await?;
                (record.id.clone(), false, Some(record))
            }
            None => (uuid::Uuid::new_v4().to_string(), true, None),
        })
    }

    /// Whether the importer may change a stored object (one it may read): administrators and
    /// the owner may, and principals it is shared with MODIFY (directly or through a group).
    async fn may_update(&self, record: &ObjectRecord) -> Result<(), String> {
        let Some(editor) = &self.request.editor else {
            return Ok(());
        };
        let may_modify = self
            .catalog
            .may_modify(editor, record)
            .await
            .map_err(|e| e.to_string())?;
        if may_modify {
            Ok(())
        } else {
            Err(format!(
                "the {} '{}' ({}) exists and is not shared with you with MODIFY; ask its owner \
                 to share it with MODIFY, or import with force_create=true to make a copy",
                record.object_type, record.name, record.id
            ))
        }
    }
}

fn found_from_record(record: &ObjectRecord, kinds: &[DocumentKind]) -> Option<Found> {
    let definition = Definition::from_json(record.definition.as_deref()?).ok()?;
    let kind = match (&definition, record.subtype.as_deref()) {
        (Definition::Connection(_), _) => DocumentKind::Connection,
        (Definition::Table(_), _) => DocumentKind::Table,
        (Definition::Worksheet(_), Some("model")) => DocumentKind::Model,
        (Definition::Worksheet(_), _) => DocumentKind::Worksheet,
        _ => return None,
    };
    kinds.contains(&kind).then(|| Found {
        id: record.id.clone(),
        name: record.name.clone(),
        definition,
    })
}

/// Resolves a column's semantics: explicit properties win over `inherited` (a worksheet
/// column inherits from its table column), then the type's defaults.
fn semantics(
    properties: &ColumnProperties,
    data_type: Option<DataType>,
    inherited: Option<&ColumnSemantics>,
    path: &str,
) -> Result<ColumnSemantics, String> {
    let column_type = match properties
        .column_type
        .as_deref()
        .map(|t| t.trim().to_ascii_uppercase())
    {
        Some(t) if t == "ATTRIBUTE" || t == "MEASURE" => t,
        Some(other) => {
            return Err(format!(
                "{path}.properties.column_type: '{other}' is not ATTRIBUTE or MEASURE"
            ));
        }
        None => match inherited {
            Some(i) => i.column_type.clone(),
            None if data_type.is_some_and(|t| t.is_numeric()) => "MEASURE".into(),
            None => "ATTRIBUTE".into(),
        },
    };
    let aggregation = match properties.aggregation.as_deref() {
        Some(a) => {
            searchlight_search::Aggregation::from_tml(a).ok_or_else(|| {
                format!(
                    "{path}.properties.aggregation: '{a}' is not one of SUM, AVERAGE, COUNT, \
                     COUNT_DISTINCT, MIN, MAX, STD_DEVIATION, VARIANCE, NONE"
                )
            })?;
            a.trim().to_ascii_uppercase()
        }
        None => match inherited {
            Some(i) if i.column_type == column_type => i.aggregation.clone(),
            _ if column_type == "MEASURE" => "SUM".into(),
            _ => "NONE".into(),
        },
    };
    let synonyms = if properties.synonyms.is_empty() {
        inherited.map(|i| i.synonyms.clone()).unwrap_or_default()
    } else {
        properties.synonyms.clone()
    };
    Ok(ColumnSemantics {
        column_type,
        aggregation,
        synonyms,
        default_date_bucket: properties
            .default_date_bucket
            .clone()
            .or_else(|| inherited.and_then(|i| i.default_date_bucket.clone())),
        hidden: properties
            .is_hidden
            .or_else(|| inherited.map(|i| i.hidden))
            .unwrap_or(false),
    })
}

/// Whether a column declared as `declared` can present a file column of type `file`.
fn holds(declared: DataType, file: &FileType) -> bool {
    matches!(
        (declared, file),
        (DataType::Text, FileType::Text)
            | (DataType::Integer, FileType::Integer)
            | (DataType::Float, FileType::Float | FileType::Integer)
            | (DataType::Boolean, FileType::Boolean)
            | (DataType::Date, FileType::Date | FileType::Timestamp)
            | (DataType::DateTime, FileType::Timestamp | FileType::Date)
    )
}

fn type_of_file(file: &FileType) -> Option<DataType> {
    Some(match file {
        FileType::Text => DataType::Text,
        FileType::Integer => DataType::Integer,
        FileType::Float => DataType::Float,
        FileType::Boolean => DataType::Boolean,
        FileType::Date => DataType::Date,
        FileType::Timestamp => DataType::DateTime,
        FileType::Other(_) => return None,
    })
}

/// A search-language literal for a model filter value.
fn filter_literal(value: &str, numeric: bool) -> Result<String, String> {
    if numeric && value.trim().parse::<f64>().is_ok() {
        return Ok(value.trim().to_string());
    }
    if value.contains('\'') {
        return Err(format!(
            "filter value {value:?} contains a quote, which search values cannot"
        ));
    }
    Ok(format!("'{value}'"))
}

/// Writes a TML model filter as search-language filter text.
fn filter_text(
    filter: &FilterTml,
    column: &str,
    numeric: bool,
    path: &str,
) -> Result<String, String> {
    let col = format!("[{column}]");
    if let Some(date) = &filter.date_filter {
        return date_filter_text(date, &col, path);
    }
    let oper = filter
        .oper
        .as_deref()
        .unwrap_or("in")
        .trim()
        .to_ascii_lowercase();
    let values: Vec<String> = filter
        .values
        .iter()
        .map(|v| filter_literal(v, numeric))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{path}.values: {e}"))?;
    let need = |n: usize| -> Result<(), String> {
        if values.len() == n {
            Ok(())
        } else {
            Err(format!(
                "{path}: operator '{oper}' takes {n} value(s), got {}",
                values.len()
            ))
        }
    };
    Ok(match oper.as_str() {
        "in" | "=" | "==" => {
            if values.is_empty() {
                return Err(format!("{path}.values: a filter needs at least one value"));
            }
            format!("{col} = {}", values.join(", "))
        }
        "not in" | "!=" | "<>" => {
            if values.is_empty() {
                return Err(format!("{path}.values: a filter needs at least one value"));
            }
            values
                .iter()
                .map(|v| format!("{col} != {v}"))
                .collect::<Vec<_>>()
                .join(" ")
        }
        "between" => {
            need(2)?;
            format!("{col} between {} and {}", values[0], values[1])
        }
        "<" | "<=" | ">" | ">=" | "=<" | "=>" => {
            need(1)?;
            let op = match oper.as_str() {
                "=<" => "<=",
                "=>" => ">=",
                other => other,
            };
            format!("{col} {op} {}", values[0])
        }
        "contains" | "begins_with" | "ends_with" | "not_contains" => {
            if values.is_empty() {
                return Err(format!("{path}.values: a filter needs at least one value"));
            }
            let op = oper.replace('_', " ");
            values
                .iter()
                .map(|v| format!("{col} {op} {v}"))
                .collect::<Vec<_>>()
                .join(" ")
        }
        other => {
            return Err(format!(
                "{path}.oper: unsupported filter operator '{other}'"
            ));
        }
    })
}

fn date_filter_text(date: &DateFilterTml, col: &str, path: &str) -> Result<String, String> {
    let kind = date
        .filter_type
        .as_deref()
        .unwrap_or("")
        .trim()
        .to_ascii_uppercase();
    let period = |p: &Option<String>| -> Result<String, String> {
        p.as_deref()
            .map(|p| p.trim().to_ascii_lowercase())
            .filter(|p| ["day", "week", "month", "quarter", "year"].contains(&p.as_str()))
            .ok_or_else(|| {
                format!(
                    "{path}.date_filter.date_period: expected DAY, WEEK, MONTH, QUARTER or YEAR"
                )
            })
    };
    let phrase = match kind.as_str() {
        "TODAY" => "today".to_string(),
        "YESTERDAY" => "yesterday".to_string(),
        "THIS_PERIOD" => format!("this {}", period(&date.date_period)?),
        "LAST_PERIOD" => format!("last {}", period(&date.date_period)?),
        "NEXT_PERIOD" => format!("next {}", period(&date.date_period)?),
        "LAST_N_PERIOD" | "NEXT_N_PERIOD" | "N_PERIOD_AGO" => {
            let n = date
                .number
                .ok_or_else(|| format!("{path}.date_filter.number: required for {kind}"))?;
            let p = period(&date.date_period)?;
            match kind.as_str() {
                "LAST_N_PERIOD" => format!("last {n} {p}s"),
                "NEXT_N_PERIOD" => format!("next {n} {p}s"),
                _ => format!("{n} {p}s ago"),
            }
        }
        "PERIOD_TO_DATE" => format!("{} to date", period(&date.date_period)?),
        "EXACT_DATE" => {
            let value = date
                .date
                .as_deref()
                .ok_or_else(|| format!("{path}.date_filter.date: required for EXACT_DATE"))?;
            let op = date.oper.as_deref().unwrap_or("=").trim();
            return Ok(format!("{col} {op} {}", filter_literal(value, false)?));
        }
        other => {
            return Err(format!(
                "{path}.date_filter.type: '{other}' is not supported yet"
            ));
        }
    };
    Ok(format!("{col} = '{phrase}'"))
}

impl Catalog {
    /// Imports TML documents. See the module documentation.
    pub async fn import(&self, request: &ImportRequest) -> Result<ImportReport> {
        // Another import (on this server or another sharing the store) may write one of
        // these objects between planning and writing: the write then changes nothing, and
        // the documents are planned again once, on what is stored now.
        match self.import_once(request).await {
            Err(err) if err.is_concurrent_change() => self.import_once(request).await,
            result => result,
        }
    }

    async fn import_once(&self, request: &ImportRequest) -> Result<ImportReport> {
        let now = crate::now_millis();
        let mut outcomes: Vec<ImportOutcome> = request
            .documents
            .iter()
            .map(|d| ImportOutcome {
                origin: d.origin.clone(),
                kind: None,
                name: None,
                id: None,
                status: ImportStatus::Error,
                messages: Vec::new(),
                created: false,
                unchanged: false,
            })
            .collect();

        let mut parsed: Vec<(usize, Document)> = Vec::new();
        for (i, source) in request.documents.iter().enumerate() {
            let doc = match &source.content {
                DocumentContent::Text(text) => Document::parse(text),
                DocumentContent::Tree(tree) => Document::from_tree(tree.clone()),
            };
            match doc {
                Ok(doc) => {
                    outcomes[i].kind = Some(doc.kind);
                    outcomes[i].name = doc.name().map(str::to_string);
                    parsed.push((i, doc));
                }
                Err(err) => outcomes[i]
                    .messages
                    .push(format!("{}: {err}", source.origin)),
            }
        }
        parsed.sort_by_key(|(i, doc)| (doc.kind, *i));

        let mut batch = Batch {
            catalog: self,
            request,
            planned: Vec::new(),
            failed: Vec::new(),
            now,
        };
        // Tables may join tables that come later in the batch, so their joins are linked once
        // every table is planned, before anything that uses tables.
        let (early, late): (Vec<_>, Vec<_>) = parsed
            .iter()
            .partition(|(_, doc)| doc.kind <= DocumentKind::Table);
        for (i, doc) in early {
            self.plan_into(&mut batch, *i, doc, &mut outcomes).await;
        }
        let tables: Vec<usize> = (0..batch.planned.len())
            .filter(|&p| batch.planned[p].kind == DocumentKind::Table)
            .collect();
        self.link_table_joins(&mut batch, &tables, &mut outcomes)
            .await;
        for (i, doc) in late {
            self.plan_into(&mut batch, *i, doc, &mut outcomes).await;
        }

        for planned in &batch.planned {
            let outcome = &mut outcomes[planned.doc];
            outcome.id = Some(planned.id.clone());
            outcome.name = Some(planned.name.clone());
            outcome.created = planned.created;
            outcome.unchanged = planned.is_unchanged();
            outcome.status = if planned.warnings.is_empty() {
                ImportStatus::Ok
            } else {
                ImportStatus::Warning
            };
            outcome.messages.extend(planned.warnings.iter().cloned());
        }

        let failures: Vec<String> = outcomes
            .iter()
            .filter(|o| o.status == ImportStatus::Error)
            .map(|o| o.origin.clone())
            .collect();
        let writes: Vec<&Planned> = match request.policy {
            ImportPolicy::ValidateOnly => Vec::new(),
            ImportPolicy::AllOrNone if !failures.is_empty() => {
                for planned in &batch.planned {
                    let outcome = &mut outcomes[planned.doc];
                    outcome.status = ImportStatus::Error;
                    outcome.messages.push(format!(
                        "{}: not imported: with import_policy ALL_OR_NONE nothing is stored when a \
                         document fails ({} failed: {})",
                        outcome.origin,
                        failures.len(),
                        failures.join(", ")
                    ));
                }
                Vec::new()
            }
            _ => batch
                .planned
                .iter()
                .filter(|planned| !planned.is_unchanged())
                .collect(),
        };
        let stored = !writes.is_empty();
        if stored {
            // Each object is written only if it is still as planned: absent, or stored with
            // the `modified` time read (a GUID twice in the batch: as the first left it).
            let mut seen = HashSet::new();
            let writes: Vec<(ObjectWrite, ExpectedObject)> = writes
                .into_iter()
                .map(|p| {
                    let first = seen.insert(p.id.as_str());
                    let expected = match &p.existing {
                        _ if !first => ExpectedObject::Anything,
                        Some(record) => ExpectedObject::Modified(record.modified),
                        None => ExpectedObject::Absent,
                    };
                    (p.write.clone(), expected)
                })
                .collect();
            self.store.write_objects_expecting(&writes).await?;
        }
        Ok(ImportReport { outcomes, stored })
    }

    /// Plans one document into the batch, or records why it failed.
    async fn plan_into(
        &self,
        batch: &mut Batch<'_>,
        index: usize,
        doc: &Document,
        outcomes: &mut [ImportOutcome],
    ) {
        match self.plan_document(batch, index, doc).await {
            Ok(planned) => batch.planned.push(planned),
            Err(err) => {
                outcomes[index]
                    .messages
                    .push(format!("{}: {err}", batch.request.documents[index].origin));
                if let Some(name) = doc.name() {
                    batch.failed.push((doc.kind, name.to_lowercase()));
                }
            }
        }
    }

    async fn plan_document(
        &self,
        batch: &Batch<'_>,
        doc_index: usize,
        doc: &Document,
    ) -> Result<Planned, String> {
        let source = &batch.request.documents[doc_index];
        match doc.kind {
            DocumentKind::Connection => {
                self.plan_connection(batch, doc_index, doc, &source.base_dir)
                    .await
            }
            DocumentKind::Table => self.plan_table(batch, doc_index, doc).await,
            DocumentKind::Worksheet | DocumentKind::Model => {
                self.plan_worksheet(batch, doc_index, doc).await
            }
            DocumentKind::Answer => self.plan_answer(batch, doc_index, doc).await,
            DocumentKind::Liveboard | DocumentKind::Pinboard => {
                self.plan_pinboard(batch, doc_index, doc).await
            }
        }
    }

    fn object_record(
        &self,
        batch: &Batch<'_>,
        doc: &Document,
        head: ObjectHead<'_>,
        definition: &Definition,
    ) -> ObjectRecord {
        let ObjectHead {
            id,
            name,
            description,
            existing,
        } = head;
        let mut tree = doc.tree.clone();
        if let Some(object) = tree.as_object_mut() {
            object.insert("guid".into(), Value::String(id.to_string()));
        }
        // Passwords and other secrets never reach the stored TML (nor so any export): a
        // connection's password is sealed in its definition.
        if doc.kind == DocumentKind::Connection {
            crate::secrets::redact_connection_tree(&mut tree);
        }
        ObjectRecord {
            id: id.to_string(),
            object_type: doc.kind.object_type().to_string(),
            subtype: doc.kind.subtype().map(str::to_string),
            name: name.to_string(),
            description,
            owner_id: existing
                .map(|e| e.owner_id.clone())
                .unwrap_or_else(|| batch.request.owner_id.clone()),
            created: existing.map(|e| e.created).unwrap_or(batch.now),
            modified: batch.now,
            modified_by: batch.request.importer_id.clone(),
            is_auto_created: false,
            parent_id: None,
            position: 0,
            definition: Some(definition.to_json()),
            tml: Some(tree.to_string()),
        }
    }

    /// The object, its column objects and its visualizations, ready to write.
    fn finish(&self, batch: &Batch<'_>, resolved: Resolved<'_>) -> Planned {
        let Resolved {
            doc_index,
            doc,
            name,
            description,
            id,
            created,
            existing,
            definition,
            visualizations,
            warnings,
        } = resolved;
        let head = ObjectHead {
            id: &id,
            name: &name,
            description,
            existing: existing.as_ref(),
        };
        let object = self.object_record(batch, doc, head, &definition);
        let columns = self.column_records(&object, &definition.column_objects());
        Planned {
            doc: doc_index,
            kind: doc.kind,
            name,
            write: ObjectWrite {
                object,
                columns,
                visualizations,
                initial_shares: self.initial_shares(batch),
            },
            id,
            definition,
            warnings,
            created,
            existing,
        }
    }

    fn column_records(
        &self,
        parent: &ObjectRecord,
        columns: &[(String, String, Option<String>)],
    ) -> Vec<ObjectRecord> {
        columns
            .iter()
            .enumerate()
            .map(|(position, (id, name, description))| ObjectRecord {
                id: id.clone(),
                object_type: "LOGICAL_COLUMN".into(),
                subtype: None,
                name: name.clone(),
                description: description.clone(),
                owner_id: parent.owner_id.clone(),
                created: parent.created,
                modified: parent.modified,
                modified_by: parent.modified_by.clone(),
                is_auto_created: false,
                parent_id: Some(parent.id.clone()),
                position: position as i64,
                definition: None,
                tml: None,
            })
            .collect()
    }

    fn initial_shares(&self, batch: &Batch<'_>) -> Vec<(String, SharePermission)> {
        batch
            .request
            .share_with
            .iter()
            .map(|p| (p.clone(), SharePermission::ReadOnly))
            .collect()
    }

    async fn plan_connection(
        &self,
        batch: &Batch<'_>,
        doc_index: usize,
        doc: &Document,
        base_dir: &Path,
    ) -> Result<Planned, String> {
        let tml: ConnectionTml = doc.body()?;
        let kind = tml
            .kind
            .as_deref()
            .unwrap_or("")
            .trim()
            .to_ascii_uppercase();
        let mut definition = match kind.as_str() {
            "LOCAL_FILES" => {
                let path = tml
                    .property("path")
                    .ok_or("connection.properties: LOCAL_FILES needs a 'path' property")?;
                let path = Path::new(path);
                let absolute = if path.is_absolute() {
                    path.to_path_buf()
                } else {
                    base_dir.join(path)
                };
                let root = self
                    .roots
                    .admit(&absolute)
                    .map_err(|e| format!("connection.properties.path: {e}"))?;
                if !root.is_dir() {
                    return Err(format!(
                        "connection.properties.path: {} is not a folder",
                        root.display()
                    ));
                }
                let in_memory = match tml
                    .property("in_memory")
                    .map(|v| v.trim().to_ascii_lowercase())
                {
                    None => false,
                    Some(v) if v == "true" => true,
                    Some(v) if v == "false" => false,
                    Some(v) => {
                        return Err(format!(
                            "connection.properties.in_memory: '{v}' is not true or false"
                        ));
                    }
                };
                ConnectionDef::LocalFiles { root, in_memory }
            }
            "RDBMS_POSTGRES" => {
                let required = |key: &str| {
                    tml.property(key).map(str::to_string).ok_or_else(|| {
                        format!("connection.properties: RDBMS_POSTGRES needs a '{key}' property")
                    })
                };
                let port = match tml.property("port") {
                    None => 5432,
                    Some(p) => p.trim().parse().map_err(|_| {
                        format!("connection.properties.port: '{p}' is not a port number")
                    })?,
                };
                ConnectionDef::Postgres(PostgresConnection {
                    host: required("host")?,
                    port,
                    database: required("database")?,
                    user: required("user")?,
                    // Sealed below, once the stored connection (if any) is known.
                    password: None,
                    password_env: tml.property("password_env").map(str::to_string),
                })
            }
            "" => {
                return Err(
                    "connection.type: missing; expected LOCAL_FILES or RDBMS_POSTGRES".into(),
                );
            }
            other => {
                return Err(format!(
                    "connection.type: '{other}' is not supported; Searchlight reads LOCAL_FILES \
                     (Parquet/CSV files) and RDBMS_POSTGRES connections"
                ));
            }
        };
        let (id, created, existing) = batch.assign_id(doc, &tml.name).await?;
        if let ConnectionDef::Postgres(connection) = &mut definition {
            connection.password =
                self.resolve_password(connection, tml.property("password"), existing.as_ref())?;
        }
        let definition = Definition::Connection(definition);
        Ok(self.finish(
            batch,
            Resolved {
                doc_index,
                doc,
                name: tml.name.clone(),
                description: tml.description.clone(),
                id,
                created,
                existing,
                definition,
                visualizations: None,
                warnings: Vec::new(),
            },
        ))
    }

    async fn plan_table(
        &self,
        batch: &Batch<'_>,
        doc_index: usize,
        doc: &Document,
    ) -> Result<Planned, String> {
        let tml: TableTml = doc.body()?;
        let connection_ref = tml
            .connection
            .clone()
            .ok_or("table.connection: a table must name its connection")?;
        let connection = batch
            .find(&connection_ref, "DATA_SOURCE", "connection")
            .await
            .map_err(|e| format!("table.connection: {e}"))?;
        let Definition::Connection(connection_def) = &connection.definition else {
            return Err("table.connection: not a connection".into());
        };
        let db_table = tml
            .db_table
            .clone()
            .filter(|t| !t.trim().is_empty())
            .ok_or("table.db_table: missing")?;

        let (location, file_columns) = match connection_def {
            ConnectionDef::LocalFiles { root, .. } => {
                // Kept as written: a link it names is followed on every search, not once.
                let path = self
                    .roots
                    .admit_as_written(&root.join(&db_table))
                    .map_err(|e| format!("table.db_table: {e}"))?;
                let format = if path.is_dir() {
                    folder_format(&path)
                } else {
                    format_of(&path, FileFormat::Parquet)
                };
                // The probe checks every file it opens against the roots, links resolved.
                let scope = FileScope::new(root.clone(), self.roots.clone());
                let columns = self
                    .probe
                    .probe(&path, format, &scope)
                    .await
                    .map_err(|e| format!("table.db_table: {e}"))?;
                (TableLocationDef::Files { path, format }, columns)
            }
            ConnectionDef::Postgres(postgres) => {
                let schema = tml.schema.clone().filter(|s| !s.trim().is_empty());
                // The database is asked now: it must be reachable with the connection's
                // credentials and hold the schema, the table and its columns.
                let password = self.secrets.connection_password(postgres).map_err(|err| {
                    format!(
                        "table.connection: the password of '{}' cannot be read: {err}",
                        connection.name
                    )
                })?;
                let table = PostgresTable {
                    connection: postgres.clone(),
                    connection_id: connection.id.clone(),
                    connection_name: connection.name.clone(),
                    password: password.map(ConnectionPassword::new),
                    schema: schema.clone(),
                    table: db_table.clone(),
                };
                let columns = self
                    .probe
                    .probe_database(&table)
                    .await
                    .map_err(|err| match err {
                        DatabaseProbeError::Connection(reason) => format!(
                            "table.connection: connection '{}' cannot be used: {reason}",
                            connection.name
                        ),
                        DatabaseProbeError::Schema(reason) => format!("table.schema: {reason}"),
                        DatabaseProbeError::Table(reason) => format!("table.db_table: {reason}"),
                    })?;
                (
                    TableLocationDef::Database {
                        schema,
                        table: db_table.clone(),
                    },
                    columns,
                )
            }
        };

        let (id, created, existing) = batch.assign_id(doc, &tml.name).await?;
        let mut names = BTreeSet::new();
        let mut columns = Vec::with_capacity(tml.columns.len());
        for (i, column) in tml.columns.iter().enumerate() {
            let path = format!("table.columns[{i}]");
            if column.name.trim().is_empty() {
                return Err(format!("{path}.name: empty"));
            }
            if !names.insert(column.name.to_lowercase()) {
                return Err(format!(
                    "{path}.name: the table already has a column named '{}' (names are case-insensitive)",
                    column.name
                ));
            }
            let wanted = column
                .db_column_name
                .clone()
                .unwrap_or_else(|| column.name.clone());
            let declared = match column.db_column_properties.data_type.as_deref() {
                Some(t) => Some(DataType::from_tml(t).ok_or_else(|| {
                    format!("{path}.db_column_properties.data_type: '{t}' is not one of VARCHAR, INT64, INT32, DOUBLE, FLOAT, BOOL, DATE, DATE_TIME")
                })?),
                None => None,
            };
            let found = file_column(&file_columns, &wanted).ok_or_else(|| {
                format!(
                    "{path}.db_column_name: '{wanted}' is not a column of {} (its columns: {})",
                    db_table,
                    file_columns
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
            let data_type = match declared {
                Some(declared) if !holds(declared, &found.file_type) => {
                    return Err(format!(
                        "{path}.db_column_properties.data_type: {} cannot hold column '{}', which holds {} values in {db_table}",
                        declared.tml_name(),
                        found.name,
                        found.file_type
                    ));
                }
                Some(declared) => declared,
                None => type_of_file(&found.file_type).ok_or_else(|| {
                    format!("{path}: column '{}' holds {} values; declare db_column_properties.data_type", found.name, found.file_type)
                })?,
            };
            let physical = found.name.clone();
            let semantics = semantics(&column.properties, Some(data_type), None, &path)?;
            columns.push(ColumnDef {
                id: derived_guid(&id, &format!("column/{}", column.name.to_lowercase())),
                name: column.name.clone(),
                description: column.description.clone(),
                physical_name: physical,
                data_type: data_type.tml_name().to_string(),
                semantics,
            });
        }
        if columns.is_empty() {
            return Err("table.columns: a table needs at least one column".into());
        }
        let definition = Definition::Table(TableDef {
            connection_id: connection.id,
            location,
            columns,
            joins: Vec::new(),
        });
        Ok(self.finish(
            batch,
            Resolved {
                doc_index,
                doc,
                name: tml.name.clone(),
                description: tml.description.clone(),
                id,
                created,
                existing,
                definition,
                visualizations: None,
                warnings: Vec::new(),
            },
        ))
    }

    /// Resolves the `joins_with` of the tables planned so far, once every table of the batch
    /// is known. A table whose joins do not resolve fails.
    async fn link_table_joins(
        &self,
        batch: &mut Batch<'_>,
        tables: &[usize],
        outcomes: &mut [ImportOutcome],
    ) {
        let mut failed = Vec::new();
        for &index in tables {
            let planned = &batch.planned[index];
            let doc = &batch.request.documents[planned.doc];
            let tree = match &doc.content {
                DocumentContent::Text(text) => Document::parse(text),
                DocumentContent::Tree(tree) => Document::from_tree(tree.clone()),
            };
            let Ok(tml) = tree.and_then(|d| d.body::<TableTml>()) else {
                continue;
            };
            let mut joins = Vec::new();
            let mut error = None;
            for (j, relation) in tml.joins_with.iter().enumerate() {
                match self
                    .resolve_table_join(batch, index, &tml.name, relation)
                    .await
                {
                    Ok(join) => joins.push(join),
                    Err(err) => {
                        error = Some(format!("table.joins_with[{j}]: {err}"));
                        break;
                    }
                }
            }
            match error {
                Some(err) => failed.push((index, err)),
                None => {
                    let planned = &mut batch.planned[index];
                    if let Definition::Table(def) = &mut planned.definition {
                        def.joins = joins;
                        planned.write.object.definition = Some(planned.definition.to_json());
                    }
                }
            }
        }
        // Remove failed tables (highest index first so the others keep their places).
        failed.sort_by_key(|(index, _)| std::cmp::Reverse(*index));
        for (index, err) in failed {
            let planned = batch.planned.remove(index);
            let outcome = &mut outcomes[planned.doc];
            outcome.messages.push(format!("{}: {err}", outcome.origin));
            batch
                .failed
                .push((planned.kind, planned.name.to_lowercase()));
        }
    }

    async fn resolve_table_join(
        &self,
        batch: &Batch<'_>,
        index: usize,
        table_name: &str,
        relation: &RelationTml,
    ) -> Result<TableJoinDef, String> {
        let destination = batch
            .find(&relation.destination, "TABLE", "table")
            .await
            .map_err(|e| format!("destination: {e}"))?;
        let Definition::Table(dest_def) = &destination.definition else {
            return Err("destination: not a table".into());
        };
        let Definition::Table(this_def) = &batch.planned[index].definition else {
            return Err("not a table".into());
        };
        let on = relation.on.as_deref().ok_or("on: missing join condition")?;
        let pairs = join_on::parse(on).map_err(|e| format!("on: {e}"))?;
        let mut keys = Vec::new();
        for (left, right) in pairs {
            let is_this = |r: &ColumnRef| r.table.eq_ignore_ascii_case(table_name);
            let is_dest = |r: &ColumnRef| r.table.eq_ignore_ascii_case(&destination.name);
            let (mine, theirs) = if is_this(&left) && is_dest(&right) {
                (left, right)
            } else if is_dest(&left) && is_this(&right) {
                (right, left)
            } else {
                return Err(format!(
                    "on: '{on}' must compare columns of '{table_name}' and '{}'",
                    destination.name
                ));
            };
            let mine_col = this_def.column(&mine.column).ok_or_else(|| {
                format!("on: table '{table_name}' has no column '{}'", mine.column)
            })?;
            let theirs_col = dest_def.column(&theirs.column).ok_or_else(|| {
                format!(
                    "on: table '{}' has no column '{}'",
                    destination.name, theirs.column
                )
            })?;
            keys.push((mine_col.name.clone(), theirs_col.name.clone()));
        }
        Ok(TableJoinDef {
            name: relation.name.clone(),
            destination_id: destination.id,
            on: keys,
            join_type: JoinType::from_tml(relation.join_type.as_deref()).ok_or_else(|| {
                format!(
                    "type: '{}' is not INNER, LEFT_OUTER, RIGHT_OUTER or OUTER",
                    relation.join_type.clone().unwrap_or_default()
                )
            })?,
        })
    }
}

/// A file column by name: exact first, then ignoring case.
fn file_column<'a>(columns: &'a [FileColumn], name: &str) -> Option<&'a FileColumn> {
    columns
        .iter()
        .find(|c| c.name == name)
        .or_else(|| columns.iter().find(|c| c.name.eq_ignore_ascii_case(name)))
}

/// The format of the files in a folder: Parquet unless it holds only CSV files.
fn folder_format(path: &Path) -> FileFormat {
    let Ok(entries) = std::fs::read_dir(path) else {
        return FileFormat::Parquet;
    };
    let mut csv = false;
    for entry in entries.flatten() {
        match format_of(&entry.path(), FileFormat::Parquet) {
            FileFormat::Parquet if entry.path().extension().is_some_and(|e| e == "parquet") => {
                return FileFormat::Parquet;
            }
            FileFormat::Csv => csv = true,
            _ => {}
        }
    }
    if csv {
        FileFormat::Csv
    } else {
        FileFormat::Parquet
    }
}

/// The context answers are bound in at import ("now" only matters for date keywords, which
/// bind the same way whatever the day).
pub(crate) fn search_context() -> SearchContext {
    SearchContext::utc(Utc::now())
}
