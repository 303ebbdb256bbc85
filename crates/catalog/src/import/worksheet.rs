//! Planning worksheets (legacy layout: `tables`, `joins`, `table_paths`,
//! `worksheet_columns`) and models (`model_tables` with in-place `joins`, `columns`).

use std::collections::{BTreeSet, HashMap};

use searchlight_search::{DataType, bind_row_filters};

use super::{Batch, Planned, Resolved, derived_guid, filter_text, search_context, semantics};
use crate::Catalog;
use crate::join_on::{self, ColumnRef};
use crate::model::*;
use crate::source::JoinType;
use crate::tml::*;

/// A table instance of the worksheet being planned.
struct Instance {
    alias: String,
    table_id: String,
    table_name: String,
    def: TableDef,
}

impl Instance {
    /// Whether a `[X::col]` reference's `X` means this instance.
    fn is_named(&self, name: &str) -> bool {
        self.alias.eq_ignore_ascii_case(name) || self.table_name.eq_ignore_ascii_case(name)
    }

    fn column<'a>(&'a self, name: &str) -> Result<&'a ColumnDef, String> {
        self.def
            .column(name)
            .ok_or_else(|| format!("table '{}' has no column '{name}'", self.table_name))
    }
}

/// Orients parsed equalities as `(left column, right column)` and checks the columns exist.
fn orient(
    pairs: Vec<(ColumnRef, ColumnRef)>,
    left: &Instance,
    right: &Instance,
    on: &str,
) -> Result<Vec<(String, String)>, String> {
    pairs
        .into_iter()
        .map(|(a, b)| {
            let (l, r) = if left.is_named(&a.table) && right.is_named(&b.table) {
                (a, b)
            } else if right.is_named(&a.table) && left.is_named(&b.table) {
                (b, a)
            } else {
                return Err(format!(
                    "'{on}' must compare columns of '{}' and '{}'",
                    left.alias, right.alias
                ));
            };
            Ok((
                left.column(&l.column)?.name.clone(),
                right.column(&r.column)?.name.clone(),
            ))
        })
        .collect()
}

/// The join between `left` and `right` a table declares (`joins_with`), by name or (without a
/// name) by destination, oriented as `(left column, right column)`.
fn declared_join(
    left: &Instance,
    right: &Instance,
    name: Option<&str>,
) -> Result<(Vec<(String, String)>, JoinType), String> {
    let matches = |join: &&TableJoinDef, destination: &str| {
        join.destination_id == destination
            && name.is_none_or(|n| {
                join.name
                    .as_deref()
                    .is_some_and(|jn| jn.eq_ignore_ascii_case(n))
            })
    };
    if let Some(join) = left.def.joins.iter().find(|j| matches(j, &right.table_id)) {
        return Ok((join.on.clone(), join.join_type));
    }
    if let Some(join) = right.def.joins.iter().find(|j| matches(j, &left.table_id)) {
        let flipped = join
            .on
            .iter()
            .map(|(a, b)| (b.clone(), a.clone()))
            .collect();
        return Ok((flipped, join.join_type.flipped()));
    }
    Err(match name {
        Some(name) => format!(
            "no join named '{name}' between '{}' and '{}' is declared on either table (joins_with); give the join an 'on' condition",
            left.table_name, right.table_name
        ),
        None => format!(
            "no join between '{}' and '{}' is declared on either table (joins_with); give the join an 'on' condition",
            left.table_name, right.table_name
        ),
    })
}

fn join_type(value: Option<&str>, path: &str) -> Result<Option<JoinType>, String> {
    match value {
        None => Ok(None),
        Some(v) => JoinType::from_tml(Some(v)).map(Some).ok_or_else(|| {
            format!("{path}.type: '{v}' is not INNER, LEFT_OUTER, RIGHT_OUTER or OUTER")
        }),
    }
}

impl Catalog {
    pub(super) async fn plan_worksheet(
        &self,
        batch: &Batch<'_>,
        doc_index: usize,
        doc: &Document,
    ) -> Result<Planned, String> {
        let tml: WorksheetTml = doc.body()?;
        let key = doc.kind.key();
        let model_tables: &[ModelTableTml] = if !tml.model_tables.is_empty() {
            &tml.model_tables
        } else {
            tml.schema
                .as_ref()
                .map(|s| s.tables.as_slice())
                .unwrap_or(&[])
        };
        let (instances, joins) = if model_tables.is_empty() {
            self.legacy_layout(batch, &tml, key).await?
        } else {
            self.model_layout(batch, model_tables, key).await?
        };
        if instances.is_empty() {
            return Err(format!("{key}: names no tables"));
        }

        let (id, created, existing) = batch.assign_id(doc, &tml.name).await?;
        let (columns_field, columns_tml) = if !tml.worksheet_columns.is_empty() {
            ("worksheet_columns", &tml.worksheet_columns)
        } else {
            ("columns", &tml.columns)
        };
        let mut names = BTreeSet::new();
        let mut columns = Vec::with_capacity(columns_tml.len());
        let mut warnings = Vec::new();
        for (i, c) in columns_tml.iter().enumerate() {
            let path = format!("{key}.{columns_field}[{i}]");
            if c.name.trim().is_empty() {
                return Err(format!("{path}.name: empty"));
            }
            if !names.insert(c.name.to_lowercase()) {
                return Err(format!(
                    "{path}.name: the {key} already has a column named '{}' (names are case-insensitive)",
                    c.name
                ));
            }
            let column_id = derived_guid(&id, &format!("column/{}", c.name.to_lowercase()));
            if let Some(formula_id) = &c.formula_id {
                let expr = tml
                    .formulas
                    .iter()
                    .find(|f| {
                        f.id.as_deref() == Some(formula_id) || f.name.as_deref() == Some(formula_id)
                    })
                    .and_then(|f| f.expr.clone());
                warnings.push(format!(
                    "{path}: formula column '{}' is kept but cannot be searched yet",
                    c.name
                ));
                columns.push(WorksheetColumnDef {
                    id: column_id,
                    name: c.name.clone(),
                    description: c.description.clone(),
                    source: WorksheetColumnSource::Formula {
                        formula_id: formula_id.clone(),
                        expr,
                    },
                    semantics: semantics(&c.properties, None, None, &path)?,
                });
                continue;
            }
            let reference = c.column_id.as_deref().ok_or_else(|| {
                format!("{path}: needs a column_id (table::column) or a formula_id")
            })?;
            let (table_part, column_part) = reference.split_once("::").ok_or_else(|| {
                format!("{path}.column_id: '{reference}' is not of the form table::column")
            })?;
            let instance = instances
                .iter()
                .find(|inst| inst.alias == table_part)
                .or_else(|| instances.iter().find(|inst| inst.is_named(table_part)))
                .ok_or_else(|| {
                    format!("{path}.column_id: '{table_part}' is not a table of this {key}")
                })?;
            let table_column = instance
                .column(column_part)
                .map_err(|e| format!("{path}.column_id: {e}"))?;
            let data_type = DataType::from_tml(&table_column.data_type);
            columns.push(WorksheetColumnDef {
                id: column_id,
                name: c.name.clone(),
                description: c.description.clone(),
                source: WorksheetColumnSource::Table {
                    alias: instance.alias.clone(),
                    column: table_column.name.clone(),
                },
                semantics: semantics(
                    &c.properties,
                    data_type,
                    Some(&table_column.semantics),
                    &path,
                )?,
            });
        }
        if columns.is_empty() {
            return Err(format!(
                "{key}.{columns_field}: a {key} needs at least one column"
            ));
        }

        let mut filters = Vec::with_capacity(tml.filters.len());
        for (i, f) in tml.filters.iter().enumerate() {
            let path = format!("{key}.filters[{i}]");
            let named = f
                .column
                .first()
                .ok_or_else(|| format!("{path}.column: names no column"))?;
            let column = columns
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(named))
                .or_else(|| {
                    columns.iter().find(|c| match &c.source {
                        WorksheetColumnSource::Table { alias, column } => {
                            format!("{alias}::{column}").eq_ignore_ascii_case(named)
                        }
                        WorksheetColumnSource::Formula { .. } => false,
                    })
                })
                .ok_or_else(|| format!("{path}.column: '{named}' is not a column of this {key}"))?;
            let numeric = match &column.source {
                WorksheetColumnSource::Table {
                    alias,
                    column: name,
                } => instances
                    .iter()
                    .find(|inst| &inst.alias == alias)
                    .and_then(|inst| inst.def.column(name))
                    .and_then(|c| DataType::from_tml(&c.data_type))
                    .is_some_and(|t| t.is_numeric()),
                WorksheetColumnSource::Formula { .. } => false,
            };
            filters.push(filter_text(f, &column.name, numeric, &path)?);
        }

        let definition = WorksheetDef {
            tables: instances
                .iter()
                .map(|i| WorksheetTableDef {
                    alias: i.alias.clone(),
                    table_id: i.table_id.clone(),
                })
                .collect(),
            joins,
            columns,
            filters,
            progressive: tml.properties.join_progressive.unwrap_or(true),
        };

        // The worksheet must resolve into a searchable source, and its filters must bind.
        let mut tables = HashMap::new();
        let mut connections = HashMap::new();
        for inst in &instances {
            tables.insert(
                inst.table_id.clone(),
                (inst.table_name.clone(), inst.def.clone()),
            );
            if !connections.contains_key(&inst.def.connection_id) {
                let connection = batch.connection(&inst.def.connection_id).await?;
                connections.insert(inst.def.connection_id.clone(), connection);
            }
        }
        let parts = SourceParts {
            id: &id,
            name: &tml.name,
            version: batch.now,
            tables: &tables,
            connections: &connections,
        };
        let source = worksheet_source(&definition, &parts).map_err(|e| format!("{key}: {e}"))?;
        for (i, text) in definition.filters.iter().enumerate() {
            bind_row_filters(&source.model, text, &search_context())
                .map_err(|e| format!("{key}.filters[{i}]: {e}"))?;
        }

        let definition = Definition::Worksheet(definition);
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
                warnings,
            },
        ))
    }

    async fn instance(
        &self,
        batch: &Batch<'_>,
        reference: &Reference,
        alias: String,
        path: &str,
    ) -> Result<Instance, String> {
        let found = batch
            .find(reference, "TABLE", "table")
            .await
            .map_err(|e| format!("{path}: {e}"))?;
        let (table_name, def) = batch.table(&found.id).await?;
        Ok(Instance {
            alias,
            table_id: found.id,
            table_name,
            def,
        })
    }

    /// Models: `model_tables` (or `schema.tables`) with joins declared in place.
    async fn model_layout(
        &self,
        batch: &Batch<'_>,
        model_tables: &[ModelTableTml],
        key: &str,
    ) -> Result<(Vec<Instance>, Vec<WorksheetJoinDef>), String> {
        let mut instances: Vec<Instance> = Vec::with_capacity(model_tables.len());
        for (i, t) in model_tables.iter().enumerate() {
            let path = format!("{key}.model_tables[{i}]");
            let alias = t
                .alias
                .clone()
                .or_else(|| t.id.clone())
                .unwrap_or_else(|| t.name.clone());
            if instances
                .iter()
                .any(|inst| inst.alias.eq_ignore_ascii_case(&alias))
            {
                return Err(format!(
                    "{path}: the {key} already has a table '{alias}'; give one an alias"
                ));
            }
            let reference = Reference {
                id: None,
                name: Some(t.name.clone()),
                fqn: t.fqn.clone(),
            };
            instances.push(self.instance(batch, &reference, alias, &path).await?);
        }
        let mut joins = Vec::new();
        for (i, t) in model_tables.iter().enumerate() {
            for (j, join) in t.joins.iter().enumerate() {
                let path = format!("{key}.model_tables[{i}].joins[{j}]");
                let with = join
                    .with
                    .as_deref()
                    .ok_or_else(|| format!("{path}.with: names no table"))?;
                let right = instances
                    .iter()
                    .position(|inst| inst.alias.eq_ignore_ascii_case(with))
                    .or_else(|| instances.iter().position(|inst| inst.is_named(with)))
                    .ok_or_else(|| format!("{path}.with: '{with}' is not a table of this {key}"))?;
                let (left, right_inst) = (&instances[i], &instances[right]);
                let explicit_type = join_type(join.join_type.as_deref(), &path)?;
                let (on, declared_type) = match &join.on {
                    Some(on) => {
                        let pairs = join_on::parse(on).map_err(|e| format!("{path}.on: {e}"))?;
                        (
                            orient(pairs, left, right_inst, on)
                                .map_err(|e| format!("{path}.on: {e}"))?,
                            None,
                        )
                    }
                    None => {
                        let (on, t) =
                            declared_join(left, right_inst, join.referencing_join.as_deref())
                                .map_err(|e| format!("{path}: {e}"))?;
                        (on, Some(t))
                    }
                };
                joins.push(WorksheetJoinDef {
                    left: left.alias.clone(),
                    right: right_inst.alias.clone(),
                    on,
                    join_type: explicit_type.or(declared_type).unwrap_or(JoinType::Inner),
                });
            }
        }
        Ok((instances, joins))
    }

    /// Legacy worksheets: `tables`, named `joins`, and `table_paths` (table instances reached
    /// through chains of joins).
    async fn legacy_layout(
        &self,
        batch: &Batch<'_>,
        tml: &WorksheetTml,
        key: &str,
    ) -> Result<(Vec<Instance>, Vec<WorksheetJoinDef>), String> {
        // The tables the worksheet lists, by the name it uses for them.
        let mut listed: Vec<(String, Instance)> = Vec::with_capacity(tml.tables.len());
        for (i, t) in tml.tables.iter().enumerate() {
            let path = format!("{key}.tables[{i}]");
            let local = t
                .name
                .clone()
                .or_else(|| t.id.clone())
                .ok_or_else(|| format!("{path}: needs a name"))?;
            listed.push((local.clone(), self.instance(batch, t, local, &path).await?));
        }
        let listed_named = |name: &str| {
            listed
                .iter()
                .find(|(local, inst)| local.eq_ignore_ascii_case(name) || inst.is_named(name))
        };
        let join_named = |name: &str| {
            tml.joins.iter().find(|j| {
                j.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
        };

        // One join definition between two instances, from the worksheet's join entry.
        let build = |entry: &WorksheetJoinTml,
                     left: &Instance,
                     right: &Instance,
                     path: &str|
         -> Result<WorksheetJoinDef, String> {
            let explicit_type = join_type(entry.join_type.as_deref(), path)?;
            let (on, declared_type) = if entry.on.is_empty() {
                let (on, t) = declared_join(left, right, entry.name.as_deref())
                    .map_err(|e| format!("{path}: {e}"))?;
                (on, Some(t))
            } else {
                let text = entry.on.join(" AND ");
                let pairs = join_on::parse(&text).map_err(|e| format!("{path}.on: {e}"))?;
                (
                    orient(pairs, left, right, &text).map_err(|e| format!("{path}.on: {e}"))?,
                    None,
                )
            };
            Ok(WorksheetJoinDef {
                left: left.alias.clone(),
                right: right.alias.clone(),
                on,
                join_type: explicit_type.or(declared_type).unwrap_or(JoinType::Inner),
            })
        };

        if tml.table_paths.is_empty() {
            let mut joins = Vec::new();
            for (j, entry) in tml.joins.iter().enumerate() {
                let path = format!("{key}.joins[{j}]");
                let source = entry
                    .source
                    .as_deref()
                    .ok_or_else(|| format!("{path}.source: missing"))?;
                let destination = entry
                    .destination
                    .as_deref()
                    .ok_or_else(|| format!("{path}.destination: missing"))?;
                let (_, left) = listed_named(source)
                    .ok_or_else(|| format!("{path}.source: '{source}' is not in {key}.tables"))?;
                let (_, right) = listed_named(destination).ok_or_else(|| {
                    format!("{path}.destination: '{destination}' is not in {key}.tables")
                })?;
                joins.push(build(entry, left, right, &path)?);
            }
            return Ok((listed.into_iter().map(|(_, inst)| inst).collect(), joins));
        }

        let mut instances = Vec::with_capacity(tml.table_paths.len());
        let mut chains = Vec::with_capacity(tml.table_paths.len());
        for (p, table_path) in tml.table_paths.iter().enumerate() {
            let path = format!("{key}.table_paths[{p}]");
            let (_, inst) = listed_named(&table_path.table).ok_or_else(|| {
                format!(
                    "{path}.table: '{}' is not in {key}.tables",
                    table_path.table
                )
            })?;
            if instances
                .iter()
                .any(|i: &Instance| i.alias == table_path.id)
            {
                return Err(format!("{path}.id: '{}' is used twice", table_path.id));
            }
            instances.push(Instance {
                alias: table_path.id.clone(),
                table_id: inst.table_id.clone(),
                table_name: inst.table_name.clone(),
                def: inst.def.clone(),
            });
            let chain: Vec<String> = table_path
                .join_path
                .iter()
                .find(|jp| !jp.join.is_empty())
                .map(|jp| jp.join.clone())
                .unwrap_or_default();
            chains.push(chain);
        }
        let mut joins = Vec::new();
        for (p, chain) in chains.iter().enumerate() {
            let Some((last, prefix)) = chain.split_last() else {
                continue;
            };
            let path = format!("{key}.table_paths[{p}].join_path");
            let entry = join_named(last)
                .ok_or_else(|| format!("{path}: join '{last}' is not in {key}.joins"))?;
            let source = entry
                .source
                .as_deref()
                .ok_or_else(|| format!("{key}.joins: join '{last}' has no source"))?;
            let parent = (0..instances.len())
                .find(|&q| chains[q].as_slice() == prefix && instances[q].is_named(source))
                .or_else(|| {
                    (0..instances.len()).find(|&q| {
                        chains[q].as_slice() == prefix
                            && listed_named(source)
                                .is_some_and(|(_, l)| l.table_id == instances[q].table_id)
                    })
                })
                .ok_or_else(|| {
                    format!("{path}: no table path reaches '{source}', where join '{last}' starts")
                })?;
            joins.push(build(entry, &instances[parent], &instances[p], &path)?);
        }
        Ok((instances, joins))
    }
}
