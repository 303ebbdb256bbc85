//! Who is acting on the catalog, and what they may read and change.

use searchlight_errors::{Error, Result};
use searchlight_store::{ObjectRecord, SharePermission, Viewer};

use crate::Catalog;

/// The caller of a catalog operation.
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: String,
    /// Visibility: the user, its groups, and whether it sees everything (administrators).
    pub viewer: Viewer,
    /// Holds ADMINISTRATION or DATAMANAGEMENT: may import TML.
    pub manages_data: bool,
}

impl Actor {
    pub fn user_id(&self) -> &str {
        &self.viewer.user_id
    }

    pub fn is_admin(&self) -> bool {
        self.viewer.sees_everything
    }
}

impl Catalog {
    /// The object, if it exists and the actor may read it; otherwise the same 400 either way,
    /// so ids of invisible objects cannot be probed.
    pub async fn readable(&self, actor: &Actor, id: &str, kind: &str) -> Result<ObjectRecord> {
        let unknown = || Error::UnknownObject {
            kind: kind.to_string(),
            id: id.to_string(),
        };
        let object = self.store.object(id).await?.ok_or_else(unknown)?;
        if object.parent_id.is_none() && self.store.can_read(id, &actor.viewer).await? {
            Ok(object)
        } else {
            Err(unknown())
        }
    }

    /// The object, if the actor may change it (tag it): an unknown or unreadable id is the
    /// same 400 as in [`Catalog::readable`]; a readable object the actor may not change is a
    /// 403 that names it.
    pub async fn modifiable(&self, actor: &Actor, id: &str, kind: &str) -> Result<ObjectRecord> {
        let object = self.readable(actor, id, kind).await?;
        if self.may_modify(&actor.viewer, &object).await? {
            Ok(object)
        } else {
            Err(Error::ObjectNotModifiable {
                user: actor.name.clone(),
                object: object.name,
            })
        }
    }

    /// Whether `viewer` may change a stored object: administrators and its owner may, and
    /// principals it is shared with MODIFY (directly or through a group).
    pub(crate) async fn may_modify(&self, viewer: &Viewer, object: &ObjectRecord) -> Result<bool> {
        if viewer.sees_everything || viewer.user_id == object.owner_id {
            return Ok(true);
        }
        Ok(self
            .store
            .shares(&object.id)
            .await?
            .iter()
            .any(|(principal, permission)| {
                *permission == SharePermission::Modify && viewer.principal_ids.contains(principal)
            }))
    }
}
