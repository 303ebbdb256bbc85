//! `metadata/tml/export`: the TML of objects, as imported, with their GUIDs filled in, so
//! that importing an export updates the same objects. A connection's password (and any other
//! secret) shows as [`crate::secrets::PLACEHOLDER`], which an import of the export keeps.

use serde::Serialize;
use serde_json::Value;

use searchlight_errors::{Error, Result};

use crate::tml::{Document, DocumentKind, TmlFormat};
use crate::{Actor, Catalog};

/// One exported document.
#[derive(Debug, Clone, Serialize)]
pub struct Exported {
    pub id: String,
    pub name: String,
    /// The TML kind (`table`, `worksheet`, …).
    pub kind: String,
    pub text: String,
}

impl Catalog {
    /// The TML of each object, in request order (each once). Unknown or unreadable ids are
    /// a 400; so are more than [`crate::MAX_LIST_ENTRIES`] of them.
    pub async fn export(
        &self,
        actor: &Actor,
        ids: &[String],
        format: TmlFormat,
    ) -> Result<Vec<Exported>> {
        let ids = crate::distinct_ids("export_ids", ids)?;
        let mut exported = Vec::with_capacity(ids.len());
        for id in &ids {
            let object = self.readable(actor, id, "object").await?;
            let tml = object.tml.as_deref().ok_or_else(|| Error::UnknownObject {
                kind: "object with TML".into(),
                id: id.clone(),
            })?;
            let tree: Value = serde_json::from_str(tml).map_err(Error::internal)?;
            let mut doc = Document::from_tree(tree).map_err(Error::internal)?;
            if let Some(root) = doc.tree.as_object_mut() {
                root.insert("guid".into(), Value::String(object.id.clone()));
            }
            // Stored TML holds no secret; this also covers rows an older release stored.
            if doc.kind == DocumentKind::Connection {
                crate::secrets::redact_connection_tree(&mut doc.tree);
            }
            self.fill_viz_guids(&mut doc, id).await?;
            exported.push(Exported {
                id: object.id,
                name: object.name,
                kind: doc.kind.key().to_string(),
                text: doc.render(format).map_err(Error::internal)?,
            });
        }
        Ok(exported)
    }

    /// Writes each visualization's GUID into a pinboard document, so re-importing the export
    /// keeps them.
    async fn fill_viz_guids(&self, doc: &mut Document, id: &str) -> Result<()> {
        let key = doc.kind.key();
        let Some(vizzes) = doc
            .tree
            .get_mut(key)
            .and_then(|b| b.get_mut("visualizations"))
            .and_then(Value::as_array_mut)
        else {
            return Ok(());
        };
        let stored = self.store.visualizations(id).await?;
        for viz in vizzes {
            let tml_id = viz.get("id").and_then(Value::as_str).map(str::to_string);
            if let (Some(tml_id), Some(object)) = (tml_id, viz.as_object_mut())
                && let Some(record) = stored.iter().find(|r| r.tml_id == tml_id)
            {
                object.insert("viz_guid".into(), Value::String(record.id.clone()));
            }
        }
        Ok(())
    }
}
