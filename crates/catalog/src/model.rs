//! Resolved object definitions, as stored with each object (JSON), and how a worksheet or
//! table becomes a [`SearchSource`].
//!
//! References are resolved at import: a definition names other objects by GUID and columns
//! by their names inside those objects, so a definition can be used without its TML.

use std::collections::HashMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use searchlight_search::{Aggregation, Bucket, ColumnKind, DataType, ModelColumn, SourceModel};

use crate::files::{FileRoots, FileScope};
use crate::source::{
    ColumnBinding, FileFormat, JoinType, PhysicalColumn, PostgresConnection, PostgresTable,
    SearchSource, SourceJoin, SourceTable, TableLocation,
};

/// A stored definition, tagged by kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Definition {
    Connection(ConnectionDef),
    Table(TableDef),
    Worksheet(WorksheetDef),
    Answer(AnswerDef),
    Pinboard,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ConnectionDef {
    /// Files under `root` (absolute, inside the file roots).
    LocalFiles {
        root: PathBuf,
        in_memory: bool,
    },
    Postgres(PostgresConnection),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TableLocationDef {
    Files {
        path: PathBuf,
        format: FileFormat,
    },
    Database {
        schema: Option<String>,
        table: String,
    },
}

/// A column of a table.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ColumnDef {
    /// GUID of the column object (stable across re-imports).
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub physical_name: String,
    /// TML `data_type` (`VARCHAR`, `INT64`, `DOUBLE`, `BOOL`, `DATE`, `DATE_TIME`).
    pub data_type: String,
    pub semantics: ColumnSemantics,
}

/// How search treats a column: measure or attribute, default aggregation, synonyms, default
/// date bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnSemantics {
    /// `ATTRIBUTE` or `MEASURE`.
    pub column_type: String,
    /// TML `aggregation` (`SUM`, …, `NONE`).
    pub aggregation: String,
    pub synonyms: Vec<String>,
    pub default_date_bucket: Option<String>,
    pub hidden: bool,
}

/// A join declared on a table (`joins_with`), by column names.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableJoinDef {
    pub name: Option<String>,
    pub destination_id: String,
    /// `(column of this table, column of the destination)` pairs.
    pub on: Vec<(String, String)>,
    pub join_type: JoinType,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableDef {
    pub connection_id: String,
    pub location: TableLocationDef,
    pub columns: Vec<ColumnDef>,
    pub joins: Vec<TableJoinDef>,
}

impl TableDef {
    /// A column by name: exact first, then ignoring case.
    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name).or_else(|| {
            self.columns
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(name))
        })
    }
}

/// A table instance of a worksheet (a table path or model alias).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorksheetTableDef {
    pub alias: String,
    pub table_id: String,
}

/// A join between two table instances of a worksheet, by column names.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorksheetJoinDef {
    pub left: String,
    pub right: String,
    pub on: Vec<(String, String)>,
    pub join_type: JoinType,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WorksheetColumnSource {
    /// A column of one of the worksheet's table instances.
    Table { alias: String, column: String },
    /// A worksheet formula (kept, not searchable yet).
    Formula {
        formula_id: String,
        expr: Option<String>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorksheetColumnDef {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub source: WorksheetColumnSource,
    pub semantics: ColumnSemantics,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorksheetDef {
    pub tables: Vec<WorksheetTableDef>,
    pub joins: Vec<WorksheetJoinDef>,
    pub columns: Vec<WorksheetColumnDef>,
    /// Model filters as search-language filter text.
    pub filters: Vec<String>,
    pub progressive: bool,
}

/// What a visualization shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VizType {
    Table,
    Chart,
    Headline,
}

impl VizType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Table => "TABLE",
            Self::Chart => "CHART",
            Self::Headline => "HEADLINE",
        }
    }
}

/// An answer: a search over a worksheet or table. Also the definition of each pinboard
/// visualization.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnswerDef {
    pub source_id: String,
    pub search_query: String,
    pub viz_type: VizType,
    pub chart_type: Option<String>,
}

impl Definition {
    pub fn to_json(&self) -> String {
        // Definitions hold only strings, numbers, paths and enums: always serialisable.
        serde_json::to_string(self).expect("definitions serialise")
    }

    /// The column objects (GUID, name, description) a table or worksheet carries.
    pub fn column_objects(&self) -> Vec<(String, String, Option<String>)> {
        match self {
            Self::Table(table) => table
                .columns
                .iter()
                .map(|c| (c.id.clone(), c.name.clone(), c.description.clone()))
                .collect(),
            Self::Worksheet(ws) => ws
                .columns
                .iter()
                .map(|c| (c.id.clone(), c.name.clone(), c.description.clone()))
                .collect(),
            _ => Vec::new(),
        }
    }

    pub fn from_json(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|err| format!("stored definition unreadable: {err}"))
    }
}

/// The binder's view of a column.
pub fn model_column(
    name: &str,
    data_type: &str,
    semantics: &ColumnSemantics,
) -> Option<ModelColumn> {
    let data_type = DataType::from_tml(data_type)?;
    let kind = if semantics.column_type.eq_ignore_ascii_case("MEASURE") {
        ColumnKind::Measure
    } else {
        ColumnKind::Attribute
    };
    Some(ModelColumn {
        name: name.to_string(),
        synonyms: semantics.synonyms.clone(),
        data_type,
        kind,
        aggregation: Aggregation::from_tml(&semantics.aggregation).unwrap_or(match kind {
            ColumnKind::Measure => Aggregation::Sum,
            ColumnKind::Attribute => Aggregation::None,
        }),
        default_bucket: semantics
            .default_date_bucket
            .as_deref()
            .and_then(Bucket::from_tml),
    })
}

/// Everything needed to resolve a source: the object and the tables and connections it
/// uses, by GUID.
pub struct SourceParts<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub version: i64,
    pub tables: &'a HashMap<String, (String, TableDef)>,
    pub connections: &'a HashMap<String, NamedConnection>,
}

/// A connection's name (for messages) and definition.
pub type NamedConnection = (String, ConnectionDef);

fn location(
    table: &TableDef,
    connections: &HashMap<String, NamedConnection>,
) -> Result<TableLocation, String> {
    let (connection_name, connection) = connections
        .get(&table.connection_id)
        .ok_or_else(|| format!("its connection {} no longer exists", table.connection_id))?;
    let connection_id = &table.connection_id;
    Ok(match (&table.location, connection) {
        (
            TableLocationDef::Files { path, format },
            ConnectionDef::LocalFiles { root, in_memory },
        ) => TableLocation::Files {
            path: path.clone(),
            format: *format,
            in_memory: *in_memory,
            connection_id: table.connection_id.clone(),
            // The catalog adds its file roots (`SearchSource::with_file_roots`).
            scope: FileScope::new(root.clone(), FileRoots::default()),
        },
        (TableLocationDef::Database { schema, table }, ConnectionDef::Postgres(pg)) => {
            TableLocation::Postgres(PostgresTable {
                connection: pg.clone(),
                connection_id: connection_id.clone(),
                connection_name: connection_name.clone(),
                // The catalog opens it (`SearchSource::with_passwords`).
                password: None,
                schema: schema.clone(),
                table: table.clone(),
            })
        }
        _ => return Err("its location does not match its connection's type".into()),
    })
}

fn source_table<'p>(
    alias: &str,
    table_id: &str,
    parts: &'p SourceParts<'_>,
) -> Result<(SourceTable, &'p TableDef), String> {
    let (name, def) = parts
        .tables
        .get(table_id)
        .ok_or_else(|| format!("table {table_id} (alias '{alias}') no longer exists"))?;
    let columns = def
        .columns
        .iter()
        .filter_map(|c| {
            Some(PhysicalColumn {
                physical_name: c.physical_name.clone(),
                data_type: DataType::from_tml(&c.data_type)?,
            })
        })
        .collect();
    Ok((
        SourceTable {
            alias: alias.to_string(),
            table_id: table_id.to_string(),
            name: name.clone(),
            location: location(def, parts.connections)
                .map_err(|e| format!("table '{name}': {e}"))?,
            columns,
        },
        def,
    ))
}

/// The source of a plain table: every column, one table instance, no joins.
pub fn table_source(parts: &SourceParts<'_>) -> Result<SearchSource, String> {
    let (table, def) = source_table(parts.name, parts.id, parts)?;
    let mut columns = Vec::new();
    let mut bindings = Vec::new();
    for c in def.columns.iter().filter(|c| !c.semantics.hidden) {
        if let Some(column) = model_column(&c.name, &c.data_type, &c.semantics) {
            columns.push(column);
            bindings.push(ColumnBinding {
                table: 0,
                physical_column: c.physical_name.clone(),
            });
        }
    }
    Ok(SearchSource {
        id: parts.id.to_string(),
        name: parts.name.to_string(),
        version: parts.version,
        model: SourceModel::new(columns),
        bindings,
        tables: vec![table],
        joins: Vec::new(),
        root: 0,
        filters: Vec::new(),
        progressive: true,
    })
}

/// The source of a worksheet or model.
pub fn worksheet_source(
    def: &WorksheetDef,
    parts: &SourceParts<'_>,
) -> Result<SearchSource, String> {
    let mut tables = Vec::with_capacity(def.tables.len());
    let mut table_defs = Vec::with_capacity(def.tables.len());
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, t) in def.tables.iter().enumerate() {
        let (table, table_def) = source_table(&t.alias, &t.table_id, parts)?;
        index.insert(t.alias.as_str(), i);
        tables.push(table);
        table_defs.push(table_def);
    }
    let physical = |alias_index: usize, column: &str| -> Result<String, String> {
        table_defs[alias_index]
            .column(column)
            .map(|c| c.physical_name.clone())
            .ok_or_else(|| {
                format!(
                    "table '{}' has no column '{column}'",
                    tables[alias_index].name
                )
            })
    };

    let mut joins = Vec::with_capacity(def.joins.len());
    let mut is_destination = vec![false; tables.len()];
    for j in &def.joins {
        let left = *index
            .get(j.left.as_str())
            .ok_or_else(|| format!("unknown table '{}'", j.left))?;
        let right = *index
            .get(j.right.as_str())
            .ok_or_else(|| format!("unknown table '{}'", j.right))?;
        let on =
            j.on.iter()
                .map(|(l, r)| Ok((physical(left, l)?, physical(right, r)?)))
                .collect::<Result<Vec<_>, String>>()?;
        is_destination[right] = true;
        joins.push(SourceJoin {
            left,
            right,
            on,
            join_type: j.join_type,
        });
    }

    let mut columns = Vec::new();
    let mut bindings = Vec::new();
    for c in def.columns.iter().filter(|c| !c.semantics.hidden) {
        let WorksheetColumnSource::Table { alias, column } = &c.source else {
            continue; // Formulas are not searchable yet.
        };
        let table = *index
            .get(alias.as_str())
            .ok_or_else(|| format!("unknown table '{alias}'"))?;
        let table_column = table_defs[table]
            .column(column)
            .ok_or_else(|| format!("table '{}' has no column '{column}'", tables[table].name))?;
        if let Some(model) = model_column(&c.name, &table_column.data_type, &c.semantics) {
            columns.push(model);
            bindings.push(ColumnBinding {
                table,
                physical_column: table_column.physical_name.clone(),
            });
        }
    }
    // The root is the table no join leads to (the fact of a star schema).
    let root = is_destination.iter().position(|d| !d).unwrap_or(0);
    Ok(SearchSource {
        id: parts.id.to_string(),
        name: parts.name.to_string(),
        version: parts.version,
        model: SourceModel::new(columns),
        bindings,
        tables,
        joins,
        root,
        filters: def.filters.clone(),
        progressive: def.progressive,
    })
}
