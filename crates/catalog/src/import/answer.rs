//! Planning answers and pinboards (liveboards): each visualization is an answer, bound
//! against its worksheet or table at import so a query that cannot run is refused now,
//! not when someone opens the pinboard.

use std::collections::{BTreeSet, HashMap};

use searchlight_search::compile;
use searchlight_store::VisualizationRecord;

use super::{Batch, Planned, Resolved, derived_guid, search_context};
use crate::Catalog;
use crate::model::*;
use crate::source::SearchSource;
use crate::tml::*;

/// Where a visualization sits: its GUID, position, id in the TML and name.
struct VizSlot<'a> {
    id: String,
    position: usize,
    tml_id: &'a str,
    name: &'a str,
}

impl Catalog {
    /// Resolves an answer's source and binds its search.
    async fn bind_answer(
        &self,
        batch: &Batch<'_>,
        answer: &AnswerTml,
        headline: bool,
        path: &str,
    ) -> Result<AnswerDef, String> {
        let reference = answer
            .tables
            .first()
            .ok_or_else(|| format!("{path}.tables: names no worksheet or table"))?;
        let found = batch
            .find(reference, "SOURCE", "worksheet or table")
            .await
            .map_err(|e| format!("{path}.tables[0]: {e}"))?;
        let source = self
            .source_for_binding(batch, &found.id, &found.name, &found.definition)
            .await
            .map_err(|e| format!("{path}.tables[0]: {e}"))?;
        let query = answer
            .search_query
            .as_deref()
            .filter(|q| !q.trim().is_empty())
            .ok_or_else(|| format!("{path}.search_query: missing"))?;
        compile(&source.model, query, &search_context())
            .map_err(|e| format!("{path}.search_query: {e}"))?;
        let chart_type = answer.chart.as_ref().and_then(|c| c.chart_type.clone());
        let viz_type = if headline
            || chart_type
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case("KPI"))
        {
            VizType::Headline
        } else if answer
            .display_mode
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case("CHART_MODE"))
        {
            VizType::Chart
        } else {
            VizType::Table
        };
        Ok(AnswerDef {
            source_id: found.id,
            search_query: query.to_string(),
            viz_type,
            chart_type,
        })
    }

    async fn source_for_binding(
        &self,
        batch: &Batch<'_>,
        id: &str,
        name: &str,
        definition: &Definition,
    ) -> Result<SearchSource, String> {
        let mut tables = HashMap::new();
        let mut connections = HashMap::new();
        let table_ids: Vec<String> = match definition {
            Definition::Table(_) => vec![id.to_string()],
            Definition::Worksheet(ws) => ws.tables.iter().map(|t| t.table_id.clone()).collect(),
            _ => return Err(format!("'{name}' is not a worksheet or table")),
        };
        for table_id in table_ids {
            if tables.contains_key(&table_id) {
                continue;
            }
            let (table_name, def) = batch.table(&table_id).await?;
            if !connections.contains_key(&def.connection_id) {
                connections.insert(
                    def.connection_id.clone(),
                    batch.connection(&def.connection_id).await?,
                );
            }
            tables.insert(table_id, (table_name, def));
        }
        let parts = SourceParts {
            id,
            name,
            version: batch.now,
            tables: &tables,
            connections: &connections,
        };
        match definition {
            Definition::Worksheet(ws) => worksheet_source(ws, &parts),
            _ => table_source(&parts),
        }
    }

    fn visualization(
        &self,
        batch: &Batch<'_>,
        parent_id: &str,
        slot: VizSlot<'_>,
        def: &AnswerDef,
    ) -> VisualizationRecord {
        let VizSlot {
            id,
            position,
            tml_id,
            name,
        } = slot;
        VisualizationRecord {
            id,
            parent_id: parent_id.to_string(),
            position: position as i64,
            tml_id: tml_id.to_string(),
            name: name.to_string(),
            viz_type: def.viz_type.as_str().to_string(),
            created: batch.now,
            modified: batch.now,
            modified_by: batch.request.importer_id.clone(),
            // An AnswerDef always serialises.
            definition: serde_json::to_string(def).expect("answer definitions serialise"),
        }
    }

    pub(super) async fn plan_answer(
        &self,
        batch: &Batch<'_>,
        doc_index: usize,
        doc: &Document,
    ) -> Result<Planned, String> {
        let tml: AnswerTml = doc.body()?;
        let def = self.bind_answer(batch, &tml, false, "answer").await?;
        let (id, created, existing) = batch.assign_id(doc, &tml.name).await?;
        let definition = Definition::Answer(def.clone());
        let viz = self.visualization(
            batch,
            &id,
            VizSlot {
                id: derived_guid(&id, "viz/answer"),
                position: 0,
                tml_id: "answer",
                name: &tml.name,
            },
            &def,
        );
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
                visualizations: Some(vec![viz]),
                warnings: Vec::new(),
            },
        ))
    }

    pub(super) async fn plan_pinboard(
        &self,
        batch: &Batch<'_>,
        doc_index: usize,
        doc: &Document,
    ) -> Result<Planned, String> {
        let tml: PinboardTml = doc.body()?;
        let key = doc.kind.key();
        let (id, created, existing) = batch.assign_id(doc, &tml.name).await?;
        let mut seen_ids = BTreeSet::new();
        let mut seen_guids = BTreeSet::new();
        let mut visualizations = Vec::with_capacity(tml.visualizations.len());
        let mut warnings = Vec::new();
        for (i, viz) in tml.visualizations.iter().enumerate() {
            let path = format!("{key}.visualizations[{i}]");
            if !seen_ids.insert(viz.id.clone()) {
                return Err(format!(
                    "{path}.id: '{}' is used by two visualizations",
                    viz.id
                ));
            }
            let Some(answer) = &viz.answer else {
                warnings.push(format!(
                    "{path}: '{}' has no answer (a note tile?) and is left out",
                    viz.id
                ));
                continue;
            };
            let def = self
                .bind_answer(
                    batch,
                    answer,
                    viz.display_headline_column.is_some(),
                    &format!("{path}.answer"),
                )
                .await?;
            let viz_id = match &viz.viz_guid {
                Some(guid) if !batch.request.force_create => {
                    if let Some(other) = self
                        .store
                        .visualization(guid)
                        .await
                        .map_err(|e| e.to_string())?
                        && other.parent_id != id
                    {
                        return Err(format!(
                            "{path}.viz_guid: {guid} already belongs to a visualization of another pinboard"
                        ));
                    }
                    guid.clone()
                }
                _ => derived_guid(&id, &format!("viz/{}", viz.id)),
            };
            if !seen_guids.insert(viz_id.clone()) {
                return Err(format!(
                    "{path}.viz_guid: {viz_id} is used by two visualizations"
                ));
            }
            visualizations.push(self.visualization(
                batch,
                &id,
                VizSlot {
                    id: viz_id,
                    position: visualizations.len(),
                    tml_id: &viz.id,
                    name: &answer.name,
                },
                &def,
            ));
        }
        let definition = Definition::Pinboard;
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
                visualizations: Some(visualizations),
                warnings,
            },
        ))
    }
}
