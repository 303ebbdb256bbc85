//! Turning stored objects into what searches run against: a worksheet or table into a
//! [`SearchSource`], a pinboard into its visualizations.

use std::collections::HashMap;

use searchlight_errors::{Error, Result};

use crate::model::*;
use crate::source::SearchSource;
use crate::{Actor, Catalog};

/// A visualization ready to run: its answer and where it belongs.
#[derive(Debug, Clone)]
pub struct VisualizationPlan {
    pub id: String,
    pub name: String,
    pub viz_type: VizType,
    pub answer: AnswerDef,
}

/// A pinboard (or an answer, which has one visualization) and its visualizations in order.
#[derive(Debug, Clone)]
pub struct PinboardPlan {
    pub id: String,
    pub name: String,
    pub visualizations: Vec<VisualizationPlan>,
}

impl Catalog {
    /// The searchable source with this GUID (a worksheet, model or table the actor may read).
    /// Unknown and unreadable ids get the same 400.
    pub async fn search_source(&self, actor: &Actor, id: &str) -> Result<SearchSource> {
        let object = self.readable(actor, id, "worksheet or table").await?;
        self.source_of(
            &object.id,
            &object.name,
            object.modified,
            object.definition.as_deref(),
        )
        .await
    }

    /// The GUID of the worksheet or table named `name_or_id` (a GUID, or a name matched
    /// case-insensitively) that the actor may read.
    pub async fn find_source(&self, actor: &Actor, name_or_id: &str) -> Result<String> {
        if let Ok(object) = self.readable(actor, name_or_id, "worksheet or table").await
            && object.object_type == "LOGICAL_TABLE"
        {
            return Ok(object.id);
        }
        let mut readable = Vec::new();
        for object in self
            .store
            .objects_named("LOGICAL_TABLE", name_or_id)
            .await?
        {
            if self.store.can_read(&object.id, &actor.viewer).await? {
                readable.push(object);
            }
        }
        match readable.len() {
            1 => Ok(readable.remove(0).id),
            0 => Err(Error::UnknownObject {
                kind: "worksheet or table".into(),
                id: name_or_id.to_string(),
            }),
            _ => Err(Error::invalid_parameter(
                "source",
                name_or_id,
                format!(
                    "one worksheet or table, but several have that name; use a GUID: {}",
                    readable
                        .iter()
                        .map(|o| o.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    /// The source of an answer or visualization, for an actor who may read the answer or
    /// pinboard (it needs no access of its own to the worksheet).
    pub async fn answer_source(&self, answer: &AnswerDef) -> Result<SearchSource> {
        let object =
            self.store
                .object(&answer.source_id)
                .await?
                .ok_or_else(|| Error::UnknownObject {
                    kind: "worksheet or table".into(),
                    id: answer.source_id.clone(),
                })?;
        self.source_of(
            &object.id,
            &object.name,
            object.modified,
            object.definition.as_deref(),
        )
        .await
    }

    async fn source_of(
        &self,
        id: &str,
        name: &str,
        version: i64,
        definition: Option<&str>,
    ) -> Result<SearchSource> {
        let unknown = || Error::UnknownObject {
            kind: "worksheet or table".into(),
            id: id.to_string(),
        };
        let definition =
            Definition::from_json(definition.ok_or_else(unknown)?).map_err(Error::internal)?;
        let table_ids: Vec<String> = match &definition {
            Definition::Table(_) => vec![id.to_string()],
            Definition::Worksheet(ws) => ws.tables.iter().map(|t| t.table_id.clone()).collect(),
            _ => return Err(unknown()),
        };
        let mut tables = HashMap::new();
        let mut connections = HashMap::new();
        let mut version = version;
        for record in self.store.objects_by_ids(&table_ids).await? {
            version = version.max(record.modified);
            if let Some(Ok(Definition::Table(def))) =
                record.definition.as_deref().map(Definition::from_json)
            {
                if !connections.contains_key(&def.connection_id)
                    && let Some(connection) = self.store.object(&def.connection_id).await?
                    && let Some(Ok(Definition::Connection(c))) =
                        connection.definition.as_deref().map(Definition::from_json)
                {
                    version = version.max(connection.modified);
                    connections.insert(def.connection_id.clone(), (connection.name.clone(), c));
                }
                tables.insert(record.id.clone(), (record.name.clone(), def));
            }
        }
        let parts = SourceParts {
            id,
            name,
            version,
            tables: &tables,
            connections: &connections,
        };
        let built = match &definition {
            Definition::Worksheet(ws) => worksheet_source(ws, &parts),
            _ => table_source(&parts),
        };
        // A definition that no longer resolves (a table it used was re-imported without a
        // column) is the model's problem, reported to whoever searches.
        let source = built
            .map(|source| source.with_file_roots(&self.roots))
            .map_err(|reason| {
                Error::invalid_parameter(
                    "data_source_guid",
                    id,
                    format!("a searchable source, but '{name}' is broken: {reason}"),
                )
            })?;
        // A sealed password that does not open is the server's fault (the log says why).
        source
            .with_passwords(&self.secrets)
            .map_err(Error::internal)
    }

    /// A pinboard's (or answer's) visualizations, in order, for an actor who may read it.
    pub async fn pinboard(&self, actor: &Actor, id: &str) -> Result<PinboardPlan> {
        let object = self.readable(actor, id, "pinboard").await?;
        if !matches!(
            object.object_type.as_str(),
            "PINBOARD_ANSWER_BOOK" | "QUESTION_ANSWER_BOOK"
        ) {
            return Err(Error::UnknownObject {
                kind: "pinboard".into(),
                id: id.to_string(),
            });
        }
        let visualizations = self
            .store
            .visualizations(id)
            .await?
            .into_iter()
            .map(|v| {
                let answer: AnswerDef =
                    serde_json::from_str(&v.definition).map_err(Error::internal)?;
                Ok(VisualizationPlan {
                    id: v.id,
                    name: v.name,
                    viz_type: answer.viz_type,
                    answer,
                })
            })
            .collect::<Result<_>>()?;
        Ok(PinboardPlan {
            id: object.id,
            name: object.name,
            visualizations,
        })
    }
}
