//! `security/share` and `metadata/assigntag`.
//!
//! Both check every object before the store changes anything, and refuse long lists first
//! ([`crate::MAX_LIST_ENTRIES`] entries per list, [`crate::MAX_CHANGED_PAIRS`] changed pairs
//! per call): each call is one transaction, which holds the store's write lock.

use std::collections::BTreeMap;

use serde_json::Value;

use searchlight_errors::{Error, Result};
use searchlight_store::SharePermission;

use crate::{Actor, Catalog};

/// Parses the `permission` parameter: `{"permissions": {"<principal id>": {"shareMode":
/// "READ_ONLY"}}}` as documented, or the shorter `{"<principal id>": "READ_ONLY"}`.
/// `NO_ACCESS` removes access.
pub fn parse_permissions(text: &str) -> Result<Vec<(String, Option<SharePermission>)>> {
    let invalid = |reason: String| Error::InvalidSharePermission { reason };
    let value: Value = serde_json::from_str(text).map_err(|e| invalid(format!("not JSON: {e}")))?;
    let map = value
        .get("permissions")
        .unwrap_or(&value)
        .as_object()
        .ok_or_else(|| invalid("expected an object of principal ids to share modes".into()))?;
    let mut changes = BTreeMap::new();
    for (principal, mode) in map {
        let mode = mode
            .get("shareMode")
            .unwrap_or(mode)
            .as_str()
            .ok_or_else(|| {
                invalid(format!(
                    "the share mode for {principal} must be READ_ONLY, MODIFY or NO_ACCESS"
                ))
            })?;
        let permission = match mode.trim().to_ascii_uppercase().as_str() {
            "READ_ONLY" => Some(SharePermission::ReadOnly),
            "MODIFY" | "EDIT" => Some(SharePermission::Modify),
            "NO_ACCESS" => None,
            other => {
                return Err(invalid(format!(
                    "share mode '{other}' for {principal}: expected READ_ONLY, MODIFY or NO_ACCESS"
                )));
            }
        };
        changes.insert(principal.clone(), permission);
    }
    if changes.is_empty() {
        return Err(invalid("it names no principal".into()));
    }
    Ok(changes.into_iter().collect())
}

impl Catalog {
    /// Changes who may see objects. The actor must own every object (or be an
    /// administrator); every principal must exist. All or nothing. (Whether the actor may
    /// share with the All group is the caller's check: it knows the actor's privileges.)
    pub async fn share(
        &self,
        actor: &Actor,
        object_type: &str,
        ids: &[String],
        changes: &[(String, Option<SharePermission>)],
    ) -> Result<()> {
        let ids = crate::distinct_ids("id", ids)?;
        if ids.is_empty() {
            return Err(Error::missing_parameter("id"));
        }
        if changes.len() > crate::MAX_LIST_ENTRIES {
            return Err(Error::InvalidSharePermission {
                reason: format!(
                    "it names {} principals; at most {} may be named in one call",
                    changes.len(),
                    crate::MAX_LIST_ENTRIES
                ),
            });
        }
        crate::check_pairs(ids.len(), changes.len(), "principals")?;
        let object_type = object_type.trim().to_ascii_uppercase();
        for id in &ids {
            let object = self.readable(actor, id, "object").await?;
            if object.object_type != object_type {
                return Err(Error::UnknownObject {
                    kind: object_type.to_lowercase().replace('_', " "),
                    id: id.clone(),
                });
            }
            if !actor.is_admin() && object.owner_id != actor.user_id() {
                return Err(Error::NotObjectOwner {
                    user: actor.name.clone(),
                    object: object.name,
                });
            }
        }
        for (principal, _) in changes {
            if self.store.principal_by_id(principal).await?.is_none() {
                return Err(Error::UnknownPrincipalId {
                    id: principal.clone(),
                });
            }
        }
        self.store.set_shares(&ids, changes).await
    }

    /// Attaches tags to objects, as ThoughtSpot allows: the actor must be allowed to change
    /// every object (its owner, an administrator, or a user or group it is shared with
    /// MODIFY), and only administrators create tags that do not exist yet. An object the
    /// actor cannot read is the same 400 as one that does not exist. All or nothing.
    pub async fn assign_tags(
        &self,
        actor: &Actor,
        ids: &[String],
        tag_names: &[String],
    ) -> Result<Vec<String>> {
        let ids = crate::distinct_ids("id", ids)?;
        // Tags are matched by name in any case: `Finance` and `finance` are one tag.
        let tag_names = crate::distinct("tagname", tag_names, str::to_lowercase)?;
        if ids.is_empty() {
            return Err(Error::missing_parameter("id"));
        }
        if tag_names.is_empty() {
            return Err(Error::missing_parameter("tagname"));
        }
        crate::check_pairs(ids.len(), tag_names.len(), "tags")?;
        for id in &ids {
            self.modifiable(actor, id, "object").await?;
        }
        if !actor.is_admin() {
            for name in &tag_names {
                if self.store.objects_named("TAG", name).await?.is_empty() {
                    return Err(Error::PrivilegeRequired {
                        user: actor.name.clone(),
                        privilege: "ADMINISTRATION".into(),
                        action: format!(
                            "create the tag '{name}' (only administrators create tags; anyone \
                             who may change an object may attach existing ones)"
                        ),
                    });
                }
            }
        }
        self.store
            .assign_tags(&ids, &tag_names, actor.user_id(), crate::now_millis())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_permission_shapes_parse() {
        let documented = parse_permissions(r#"{"permissions": {"g1": {"shareMode": "READ_ONLY"}, "u2": {"shareMode": "NO_ACCESS"}}}"#).unwrap();
        assert_eq!(
            documented,
            vec![
                ("g1".into(), Some(SharePermission::ReadOnly)),
                ("u2".into(), None)
            ]
        );
        let short = parse_permissions(r#"{"g1": "MODIFY"}"#).unwrap();
        assert_eq!(short, vec![("g1".into(), Some(SharePermission::Modify))]);
        assert_eq!(
            parse_permissions(r#"{"g1": "OWNER"}"#).unwrap_err().name(),
            "InvalidSharePermission"
        );
        assert!(parse_permissions("{}").is_err());
        assert!(parse_permissions("[1]").is_err());
    }
}
