//! TML documents: reading YAML or JSON into typed documents, and writing them back.
//!
//! Field names follow the PyPI package `thoughtspot-tml` (ThoughtSpot's own schema). Fields
//! Searchlight does not use are accepted and kept in the stored document, so an export gives
//! back what was imported. Every deserialisation error names the path inside the document
//! (`table.columns[2].db_column_name`).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// The kinds of TML document Searchlight imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentKind {
    // Declaration order is import order: what a document refers to is imported first.
    Connection,
    Table,
    Worksheet,
    Model,
    Answer,
    Liveboard,
    Pinboard,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 7] = [
        Self::Connection,
        Self::Table,
        Self::Worksheet,
        Self::Model,
        Self::Answer,
        Self::Liveboard,
        Self::Pinboard,
    ];

    /// The document's top-level key (and the `<kind>` of `NAME.<kind>.tml`).
    pub fn key(self) -> &'static str {
        match self {
            Self::Connection => "connection",
            Self::Table => "table",
            Self::Worksheet => "worksheet",
            Self::Model => "model",
            Self::Answer => "answer",
            Self::Liveboard => "liveboard",
            Self::Pinboard => "pinboard",
        }
    }

    /// The v1 metadata type of objects of this kind.
    pub fn object_type(self) -> &'static str {
        match self {
            Self::Connection => "DATA_SOURCE",
            Self::Table | Self::Worksheet | Self::Model => "LOGICAL_TABLE",
            Self::Answer => "QUESTION_ANSWER_BOOK",
            Self::Liveboard | Self::Pinboard => "PINBOARD_ANSWER_BOOK",
        }
    }

    /// The v1 subtype of objects of this kind.
    pub fn subtype(self) -> Option<&'static str> {
        match self {
            Self::Table => Some("ONE_TO_ONE_LOGICAL"),
            Self::Worksheet | Self::Model => Some("WORKSHEET"),
            _ => None,
        }
    }

    /// The kind a file name declares (`Sales.table.tml` → table).
    pub fn from_file_name(name: &str) -> Option<Self> {
        let stem = name.strip_suffix(".tml")?;
        let kind = stem.rsplit('.').next()?.to_ascii_lowercase();
        Self::ALL.into_iter().find(|k| k.key() == kind)
    }
}

impl std::fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

/// Refuses a NUL character in any key or text of the tree (YAML's `\0` and JSON's `\u0000`
/// escapes decode to it): no name holds one, and PostgreSQL can store none.
fn reject_nul(tree: &Value) -> Result<(), String> {
    // The text is not echoed: it may be a password.
    let nul = |text: &str| {
        text.contains('\0')
            .then(|| "a value holds a NUL character, which TML text may not contain".to_string())
    };
    let mut pending = vec![tree];
    while let Some(value) = pending.pop() {
        match value {
            Value::String(text) => nul(text).map_or(Ok(()), Err)?,
            Value::Array(items) => pending.extend(items),
            Value::Object(map) => {
                for (key, item) in map {
                    nul(key).map_or(Ok(()), Err)?;
                    pending.push(item);
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// A TML document read from text: its kind, its `guid` (if any) and the whole tree.
#[derive(Debug, Clone)]
pub struct Document {
    pub kind: DocumentKind,
    pub guid: Option<String>,
    /// The whole document (`guid`, the kind's key, and anything else it holds).
    pub tree: Value,
}

impl Document {
    /// Reads a document from YAML or JSON text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let tree: Value = if text.trim_start().starts_with('{') {
            serde_json::from_str(text).map_err(|err| format!("not valid JSON: {err}"))?
        } else {
            serde_yaml_ng::from_str(text).map_err(|err| format!("not valid YAML: {err}"))?
        };
        Self::from_tree(tree)
    }

    /// A document from an already parsed tree (TML sent as a JSON object).
    pub fn from_tree(tree: Value) -> Result<Self, String> {
        reject_nul(&tree)?;
        let object = tree.as_object().ok_or("a TML document must be a mapping")?;
        let kinds: Vec<DocumentKind> = DocumentKind::ALL
            .into_iter()
            .filter(|k| object.contains_key(k.key()))
            .collect();
        let kind = match kinds.as_slice() {
            [kind] => *kind,
            [] => {
                let keys: Vec<&str> = object.keys().map(String::as_str).collect();
                return Err(format!(
                    "no document kind found (top-level keys: {}); expected one of: {}",
                    keys.join(", "),
                    DocumentKind::ALL
                        .iter()
                        .map(|k| k.key())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            several => {
                return Err(format!(
                    "several document kinds in one document: {}",
                    several
                        .iter()
                        .map(|k| k.key())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        };
        let guid = match object.get("guid") {
            None | Some(Value::Null) => None,
            Some(Value::String(g)) if g.trim().is_empty() => None,
            Some(Value::String(g)) => Some(g.trim().to_string()),
            Some(other) => return Err(format!("guid: expected a string, got {other}")),
        };
        Ok(Self { kind, guid, tree })
    }

    /// The body under the kind's key, typed.
    pub fn body<T: DeserializeOwned>(&self) -> Result<T, String> {
        let body = self
            .tree
            .get(self.kind.key())
            .cloned()
            .unwrap_or(Value::Null);
        serde_path_to_error::deserialize(body).map_err(|err| {
            let path = err.path().to_string();
            let path = if path == "." {
                self.kind.key().to_string()
            } else {
                format!("{}.{path}", self.kind.key())
            };
            format!("{path}: {}", err.into_inner())
        })
    }

    /// The body's `name`.
    pub fn name(&self) -> Option<&str> {
        self.tree.get(self.kind.key())?.get("name")?.as_str()
    }

    /// The document as text: YAML or JSON.
    pub fn render(&self, format: TmlFormat) -> Result<String, String> {
        match format {
            TmlFormat::Yaml => to_yaml(&self.tree).map_err(|e| e.to_string()),
            TmlFormat::Json => serde_json::to_string_pretty(&self.tree).map_err(|e| e.to_string()),
        }
    }
}

/// Text formats of TML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TmlFormat {
    Yaml,
    Json,
}

/// Accepts a string, number or boolean as text (YAML writes `values: [2020]`).
fn text_like<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected text, got {other}"
        ))),
    }
}

fn text_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    struct Text(#[serde(deserialize_with = "text_like")] String);
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .into_iter()
            .map(|item| {
                Text::deserialize(item)
                    .map(|t| t.0)
                    .map_err(serde::de::Error::custom)
            })
            .collect(),
        single => Text::deserialize(single)
            .map(|t| vec![t.0])
            .map_err(serde::de::Error::custom),
    }
}

fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A reference to another object: by `name`, `id` (a table path id or alias), or `fqn` (its
/// GUID).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Reference {
    pub id: Option<String>,
    pub name: Option<String>,
    pub fqn: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct KeyValue {
    pub key: String,
    #[serde(default, deserialize_with = "text_like")]
    pub value: String,
}

// ---- connection ----------------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize)]
pub struct ConnectionTml {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub properties: Vec<KeyValue>,
}

impl ConnectionTml {
    /// A property's value by key, case-insensitively.
    pub fn property(&self, key: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|p| p.key.eq_ignore_ascii_case(key))
            .map(|p| p.value.as_str())
            .filter(|v| !v.is_empty())
    }
}

// ---- table ---------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ColumnProperties {
    pub column_type: Option<String>,
    pub aggregation: Option<String>,
    #[serde(default, deserialize_with = "text_list")]
    pub synonyms: Vec<String>,
    pub default_date_bucket: Option<String>,
    pub is_hidden: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DbColumnProperties {
    pub data_type: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TableColumnTml {
    pub name: String,
    pub description: Option<String>,
    pub db_column_name: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub properties: ColumnProperties,
    #[serde(default, deserialize_with = "null_as_default")]
    pub db_column_properties: DbColumnProperties,
}

/// A join declared on a table (`joins_with`).
#[derive(Debug, Clone, Deserialize)]
pub struct RelationTml {
    pub name: Option<String>,
    pub destination: Reference,
    pub on: Option<String>,
    #[serde(rename = "type")]
    pub join_type: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TableTml {
    pub name: String,
    pub description: Option<String>,
    pub db: Option<String>,
    pub schema: Option<String>,
    pub db_table: Option<String>,
    pub connection: Option<Reference>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub columns: Vec<TableColumnTml>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub joins_with: Vec<RelationTml>,
}

// ---- worksheet and model -------------------------------------------------------------------

/// A join of a legacy worksheet (`joins`).
#[derive(Debug, Clone, Deserialize)]
pub struct WorksheetJoinTml {
    pub name: Option<String>,
    pub source: Option<String>,
    pub destination: Option<String>,
    #[serde(default, deserialize_with = "text_list")]
    pub on: Vec<String>,
    #[serde(rename = "type")]
    pub join_type: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct JoinPathTml {
    #[serde(default, deserialize_with = "text_list")]
    pub join: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TablePathTml {
    pub id: String,
    pub table: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub join_path: Vec<JoinPathTml>,
}

/// A join declared in place on a model table.
#[derive(Debug, Clone, Deserialize)]
pub struct InPlaceJoinTml {
    pub with: Option<String>,
    pub referencing_join: Option<String>,
    pub on: Option<String>,
    #[serde(rename = "type")]
    pub join_type: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ModelTableTml {
    pub name: String,
    pub alias: Option<String>,
    pub id: Option<String>,
    pub fqn: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub joins: Vec<InPlaceJoinTml>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SchemaTml {
    #[serde(default, deserialize_with = "null_as_default")]
    pub tables: Vec<ModelTableTml>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FormulaTml {
    pub id: Option<String>,
    pub name: Option<String>,
    pub expr: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WorksheetColumnTml {
    pub name: String,
    pub description: Option<String>,
    pub column_id: Option<String>,
    pub formula_id: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub properties: ColumnProperties,
}

/// A date filter of a model filter (`date_filter`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DateFilterTml {
    #[serde(rename = "type")]
    pub filter_type: Option<String>,
    pub number: Option<i64>,
    pub date_period: Option<String>,
    pub date: Option<String>,
    pub oper: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FilterTml {
    #[serde(default, deserialize_with = "text_list")]
    pub column: Vec<String>,
    pub oper: Option<String>,
    #[serde(default, deserialize_with = "text_list")]
    pub values: Vec<String>,
    pub date_filter: Option<DateFilterTml>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct WorksheetProperties {
    pub join_progressive: Option<bool>,
}

/// A worksheet (legacy) or a model: the same schema, two layouts for tables and joins.
#[derive(Debug, Clone, Deserialize)]
pub struct WorksheetTml {
    pub name: String,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tables: Vec<Reference>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub joins: Vec<WorksheetJoinTml>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub table_paths: Vec<TablePathTml>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub model_tables: Vec<ModelTableTml>,
    pub schema: Option<SchemaTml>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub formulas: Vec<FormulaTml>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub filters: Vec<FilterTml>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub worksheet_columns: Vec<WorksheetColumnTml>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub columns: Vec<WorksheetColumnTml>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub properties: WorksheetProperties,
}

// ---- answer and pinboard -------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize)]
pub struct AnswerColumnTml {
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ChartTml {
    #[serde(rename = "type")]
    pub chart_type: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AnswerTml {
    pub name: String,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tables: Vec<Reference>,
    pub search_query: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub answer_columns: Vec<AnswerColumnTml>,
    pub chart: Option<ChartTml>,
    pub display_mode: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct VisualizationTml {
    pub id: String,
    pub answer: Option<AnswerTml>,
    pub viz_guid: Option<String>,
    /// Set on visualizations shown as a headline (one big number).
    pub display_headline_column: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PinboardTml {
    pub name: String,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub visualizations: Vec<VisualizationTml>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_yaml_and_json_and_names_paths_in_errors() {
        let doc = Document::parse(
            "guid: 7fd39fdb\ntable:\n  name: t\n  db_table: t.parquet\n  columns:\n  - name: a\n    db_column_name: a\n",
        )
        .unwrap();
        assert_eq!(doc.kind, DocumentKind::Table);
        assert_eq!(doc.guid.as_deref(), Some("7fd39fdb"));
        let table: TableTml = doc.body().unwrap();
        assert_eq!(table.columns[0].db_column_name.as_deref(), Some("a"));

        let doc = Document::parse(r#"{"answer": {"name": "x", "search_query": "[a]"}}"#).unwrap();
        assert_eq!(doc.kind, DocumentKind::Answer);

        let bad =
            Document::parse("table:\n  name: t\n  columns:\n  - name: 5\n    properties: [1]\n")
                .unwrap()
                .body::<TableTml>()
                .unwrap_err();
        assert!(bad.starts_with("table.columns[0]"), "{bad}");

        assert!(
            Document::parse("foo: {}")
                .unwrap_err()
                .contains("no document kind")
        );
        assert!(Document::parse(": :").is_err());
    }

    #[test]
    fn kinds_from_file_names() {
        assert_eq!(
            DocumentKind::from_file_name("Retail Sales.worksheet.tml"),
            Some(DocumentKind::Worksheet)
        );
        assert_eq!(
            DocumentKind::from_file_name("x.liveboard.tml"),
            Some(DocumentKind::Liveboard)
        );
        assert_eq!(DocumentKind::from_file_name("x.tml"), None);
        assert_eq!(DocumentKind::from_file_name("x.yaml"), None);
    }

    #[test]
    fn numbers_are_read_as_text_where_text_is_expected() {
        let doc = Document::parse(
            "worksheet:\n  name: w\n  filters:\n  - column: [Year]\n    oper: in\n    values: [2020, 2021]\n",
        )
        .unwrap();
        let ws: WorksheetTml = doc.body().unwrap();
        assert_eq!(ws.filters[0].values, vec!["2020", "2021"]);
    }
}

/// A TML tree as YAML that YAML 1.1 readers also read back as written.
///
/// ThoughtSpot's tools (the PyPI `thoughtspot-tml`, through PyYAML) read YAML 1.1, where a
/// plain `on`, `off`, `yes`, `no`, `y` or `n` is a boolean; a join's `on:` key would come back
/// as `True`. serde_yaml_ng writes YAML 1.2 and leaves such keys plain, so they are quoted
/// here. Lines inside block scalars (multi-line text) are left alone.
pub fn to_yaml<T: serde::Serialize + ?Sized>(tree: &T) -> Result<String, serde_yaml_ng::Error> {
    const YAML11_BOOLEAN_WORDS: [&str; 6] = ["on", "off", "yes", "no", "y", "n"];
    let plain = serde_yaml_ng::to_string(tree)?;
    let mut out = String::with_capacity(plain.len() + 16);
    // The indentation of the key that opened the block scalar we are inside, if any.
    let mut block_scalar_indent: Option<usize> = None;
    for line in plain.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if let Some(opener) = block_scalar_indent {
            if line.trim().is_empty() || indent > opener {
                out.push_str(line);
                continue;
            }
            block_scalar_indent = None;
        }
        // A key may follow the indentation and any number of sequence dashes.
        let mut key_start = indent;
        while line[key_start..].starts_with("- ") {
            key_start += 2;
        }
        let rest = &line[key_start..];
        let quoted = YAML11_BOOLEAN_WORDS.iter().find(|word| {
            rest.strip_prefix(**word)
                .is_some_and(|after| after.starts_with(':'))
        });
        match quoted {
            Some(word) => {
                out.push_str(&line[..key_start]);
                out.push_str(&format!("\"{word}\""));
                out.push_str(&rest[word.len()..]);
            }
            None => out.push_str(line),
        }
        let content = line.trim_end();
        if content.ends_with('|')
            || content.ends_with("|-")
            || content.ends_with("|+")
            || content.ends_with('>')
            || content.ends_with(">-")
            || content.ends_with(">+")
        {
            block_scalar_indent = Some(indent);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod yaml_tests {
    use super::to_yaml;

    #[test]
    fn yaml_11_boolean_keys_are_quoted_and_read_back_as_written() {
        let tree = serde_json::json!({
            "table": {"joins_with": [{"name": "j", "on": "[a::x] = [b::x]", "type": "INNER"}],
                      "description": "first line\non: not a key\nlast", "no": 1}
        });
        let yaml = to_yaml(&tree).unwrap();
        assert!(yaml.contains("\"on\": '[a::x] = [b::x]'"), "{yaml}");
        assert!(yaml.contains("\"no\": 1"), "{yaml}");
        // Inside the multi-line description nothing changes.
        assert!(yaml.contains("  on: not a key"), "{yaml}");
        let back: serde_json::Value = serde_yaml_ng::from_str(&yaml).unwrap();
        assert_eq!(back, tree);
    }
}
