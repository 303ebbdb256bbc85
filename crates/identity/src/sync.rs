//! `user/sync`: make the server's users and groups match an external system's list.
//!
//! The pipeline has three steps, so that a dry run reports exactly what an apply does:
//!
//! 1. **read**: parse and validate the `principals` JSON (every problem is a 400 that names
//!    the principal; nothing has been touched yet);
//! 2. **diff → plan** ([`plan`]): compare with the store's principals and memberships and
//!    decide every insert, update, delete and membership change, then check the resulting
//!    group graph for unknown parents and cycles;
//! 3. **apply** ([`SyncPlan::into_changes_with`] + the store): hash the new users' passwords
//!    ([`hash_passwords`]) and write everything in one transaction.
//!
//! An apply is planned on the directory as its transaction sees it, under the store's
//! directory lock, so that concurrent syncs (two administrators, or two servers sharing a
//! store) run one after the other: each leaves the directory exactly as its list says, and
//! the later one is checked (cycles, unknown parents) against what the earlier one wrote.
//! [`crate::Identity::sync`] plans once before taking the lock to hash the passwords the
//! plan needs (Argon2id is slow) and keeps that plan when the directory has not changed by
//! the time the lock is taken; otherwise it plans again inside the transaction.
//!
//! Identity is (name, kind). Built-in principals are never changed or deleted. Membership in
//! All is implicit for users. A deleted user's objects go to tsadmin.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use futures::stream::{self, StreamExt, TryStreamExt};
use serde::Serialize;
use serde_json::Value;

use searchlight_errors::{Error, Result};
use searchlight_store::{EpochMillis, Membership, Principal, PrincipalChanges, PrincipalKind};

use crate::builtin::{self, ADMIN_USER_ID, ALL_GROUP};
use crate::password;

/// The parameters of a user/sync call.
#[derive(Debug, Clone)]
pub struct SyncRequest {
    /// The `principals` part: a JSON array of principal objects.
    pub principals: String,
    /// `applyChanges`: false is a dry run.
    pub apply: bool,
    /// `removeDeleted`: delete principals that are not in the list.
    pub remove_deleted: bool,
    /// `password`: for new users that carry none.
    pub password: Option<String>,
}

/// What a sync changes (or would change), by principal name, each list sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "usersAdded": ["mlee"], "usersDeleted": [], "usersUpdated": [],
    "groupsAdded": ["Finance"], "groupsDeleted": [], "groupsUpdated": []
}))]
pub struct SyncReport {
    pub users_added: Vec<String>,
    pub users_deleted: Vec<String>,
    pub users_updated: Vec<String>,
    pub groups_added: Vec<String>,
    pub groups_deleted: Vec<String>,
    pub groups_updated: Vec<String>,
}

const USER_TYPES: &[&str] = &[
    "LOCAL_USER",
    "LDAP_USER",
    "SAML_USER",
    "OIDC_USER",
    "REMOTE_USER",
];
const GROUP_TYPES: &[&str] = &["LOCAL_GROUP", "LDAP_GROUP", "TENANT_GROUP"];

/// One validated entry of `principals`.
#[derive(Debug, Clone)]
struct Incoming {
    kind: PrincipalKind,
    name: String,
    display_name: String,
    description: Option<String>,
    mail: Option<String>,
    principal_type: String,
    visibility: String,
    /// Parent group names, canonical (`ALL_GROUP` → `All`), All removed for users.
    parents: BTreeSet<String>,
    password: Option<String>,
}

fn optional_string(
    object: &serde_json::Map<String, Value>,
    principal: &str,
    field: &str,
) -> Result<Option<String>> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) if s.contains('\0') => Err(nul_in_field(principal, field)),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(Error::SyncInvalidField {
            principal: principal.to_string(),
            field: field.to_string(),
            reason: format!("expected a string, got {other}"),
        }),
    }
}

/// A NUL character in a text field: no store can keep it (PostgreSQL rejects it in TEXT).
fn nul_in_field(principal: &str, field: &str) -> Error {
    Error::SyncInvalidField {
        principal: principal.replace('\0', "\\0"),
        field: field.to_string(),
        reason: "contains a NUL character".into(),
    }
}

fn read_principal(index: usize, value: &Value) -> Result<Incoming> {
    let object = value
        .as_object()
        .ok_or_else(|| Error::SyncPrincipalsNotJson {
            reason: format!("entry #{index} is {value}, not an object"),
        })?;
    let name = match object.get("name") {
        Some(Value::String(name)) if !name.trim().is_empty() => name.trim().to_string(),
        _ => return Err(Error::SyncMissingName { index }),
    };
    if name.contains('\0') {
        return Err(nul_in_field(&name, "name"));
    }
    let type_value = match object.get("principalTypeEnum") {
        Some(Value::String(value)) => value.trim().to_ascii_uppercase(),
        None | Some(Value::Null) => {
            return Err(Error::SyncInvalidField {
                principal: name,
                field: "principalTypeEnum".into(),
                reason: "missing; expected LOCAL_USER or LOCAL_GROUP".into(),
            });
        }
        Some(other) => {
            return Err(Error::SyncUnknownType {
                principal: name,
                value: other.to_string(),
            });
        }
    };
    let kind = if USER_TYPES.contains(&type_value.as_str()) {
        PrincipalKind::User
    } else if GROUP_TYPES.contains(&type_value.as_str()) {
        PrincipalKind::Group
    } else {
        return Err(Error::SyncUnknownType {
            principal: name,
            value: type_value,
        });
    };
    let visibility = match optional_string(object, &name, "visibility")? {
        None => "DEFAULT".to_string(),
        Some(v) => match v.to_ascii_uppercase().as_str() {
            "DEFAULT" | "SHARABLE" => "DEFAULT".to_string(),
            "NON_SHARABLE" => "NON_SHARABLE".to_string(),
            _ => {
                return Err(Error::SyncInvalidField {
                    principal: name,
                    field: "visibility".into(),
                    reason: format!("'{v}' is not DEFAULT or NON_SHARABLE"),
                });
            }
        },
    };
    let mut parents = BTreeSet::new();
    match object.get("groupNames") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for item in items {
                let Some(group) = item.as_str().map(str::trim).filter(|g| !g.is_empty()) else {
                    return Err(Error::SyncInvalidField {
                        principal: name,
                        field: "groupNames".into(),
                        reason: format!("{item} is not a group name"),
                    });
                };
                if group.contains('\0') {
                    return Err(nul_in_field(&name, "groupNames"));
                }
                let group = builtin::canonical_group_name(group);
                if !(kind == PrincipalKind::User && group == ALL_GROUP) {
                    parents.insert(group.to_string());
                }
            }
        }
        Some(other) => {
            return Err(Error::SyncInvalidField {
                principal: name,
                field: "groupNames".into(),
                reason: format!("expected an array of group names, got {other}"),
            });
        }
    }
    Ok(Incoming {
        kind,
        display_name: optional_string(object, &name, "displayName")?
            .unwrap_or_else(|| name.clone()),
        description: optional_string(object, &name, "description")?,
        mail: if kind == PrincipalKind::User {
            optional_string(object, &name, "mail")?
        } else {
            None
        },
        password: if kind == PrincipalKind::User {
            optional_string(object, &name, "password")?
        } else {
            None
        },
        principal_type: type_value,
        visibility,
        parents,
        name,
    })
}

/// Parses and validates the `principals` JSON.
fn read_principals(json: &str) -> Result<Vec<Incoming>> {
    let values: Vec<Value> =
        serde_json::from_str(json).map_err(|err| Error::SyncPrincipalsNotJson {
            reason: err.to_string(),
        })?;
    let mut seen = HashSet::new();
    let mut incoming = Vec::with_capacity(values.len());
    for (index, value) in values.iter().enumerate() {
        let principal = read_principal(index + 1, value)?;
        if !seen.insert((principal.kind, principal.name.clone())) {
            return Err(Error::SyncDuplicatePrincipal {
                kind: principal.kind.to_string(),
                name: principal.name,
            });
        }
        incoming.push(principal);
    }
    Ok(incoming)
}

/// The decided changes of one sync.
#[derive(Debug)]
pub struct SyncPlan {
    /// What the plan does, as the response reports it.
    pub report: SyncReport,
    /// New principals, with the plain password each new user gets (if any).
    inserts: Vec<(Principal, Option<String>)>,
    updates: Vec<Principal>,
    deletes: Vec<String>,
    memberships: Vec<(String, Vec<String>)>,
}

/// The store changes of a plan, ready to apply.
#[derive(Debug)]
pub struct PlannedChanges {
    pub changes: PrincipalChanges,
    pub report: SyncReport,
}

/// Decides what a sync does. Pure: reads the current principals and memberships, writes
/// nothing.
pub fn plan(
    request: &SyncRequest,
    principals: &[Principal],
    memberships: &[Membership],
    now: EpochMillis,
) -> Result<SyncPlan> {
    let incoming = read_principals(&request.principals)?;
    let existing: HashMap<(PrincipalKind, &str), &Principal> = principals
        .iter()
        .map(|p| ((p.kind, p.name.as_str()), p))
        .collect();
    let by_id: HashMap<&str, &Principal> = principals.iter().map(|p| (p.id.as_str(), p)).collect();
    let mut current_parents: HashMap<&str, BTreeSet<String>> = HashMap::new();
    for m in memberships {
        if let Some(group) = by_id.get(m.group_id.as_str()) {
            current_parents
                .entry(m.member_id.as_str())
                .or_default()
                .insert(group.name.clone());
        }
    }
    let listed: HashSet<(PrincipalKind, &str)> =
        incoming.iter().map(|p| (p.kind, p.name.as_str())).collect();

    // Deletions: everything not listed, unless built in or removeDeleted is off.
    let deleted: Vec<&Principal> = if request.remove_deleted {
        principals
            .iter()
            .filter(|p| !p.builtin && !listed.contains(&(p.kind, p.name.as_str())))
            .collect()
    } else {
        Vec::new()
    };
    let deleted_ids: HashSet<&str> = deleted.iter().map(|p| p.id.as_str()).collect();

    // The group graph after the sync, by name: parents of every group that will exist.
    let mut final_group_parents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in principals.iter().filter(|p| p.kind == PrincipalKind::Group) {
        if !deleted_ids.contains(p.id.as_str()) {
            final_group_parents.insert(
                p.name.clone(),
                current_parents
                    .get(p.id.as_str())
                    .cloned()
                    .unwrap_or_default(),
            );
        }
    }
    for p in incoming.iter().filter(|p| p.kind == PrincipalKind::Group) {
        if !builtin::is_builtin(p.kind, &p.name) {
            final_group_parents.insert(p.name.clone(), p.parents.clone());
        }
    }
    // Groups that are not listed and stay keep their parents, minus deleted ones.
    let final_groups: BTreeSet<String> = final_group_parents.keys().cloned().collect();
    for parents in final_group_parents.values_mut() {
        parents.retain(|parent| final_groups.contains(parent));
    }
    for p in &incoming {
        if builtin::is_builtin(p.kind, &p.name) {
            continue;
        }
        if let Some(unknown) = p.parents.iter().find(|g| !final_groups.contains(*g)) {
            return Err(Error::SyncUnknownParent {
                principal: p.name.clone(),
                group: unknown.clone(),
            });
        }
    }
    if let Some(cycle) = find_cycle(&final_group_parents) {
        return Err(Error::SyncMembershipCycle {
            cycle: cycle.join(" → "),
        });
    }

    let mut report = SyncReport::default();
    let mut inserts = Vec::new();
    let mut updates = Vec::new();
    let mut membership_names: Vec<(String, PrincipalKind, BTreeSet<String>)> = Vec::new();

    for p in &incoming {
        if builtin::is_builtin(p.kind, &p.name) {
            continue;
        }
        match existing.get(&(p.kind, p.name.as_str())) {
            None => {
                let principal = Principal {
                    id: uuid::Uuid::new_v4().to_string(),
                    kind: p.kind,
                    name: p.name.clone(),
                    display_name: p.display_name.clone(),
                    description: p.description.clone(),
                    mail: p.mail.clone(),
                    principal_type: p.principal_type.clone(),
                    visibility: p.visibility.clone(),
                    password_hash: None,
                    builtin: false,
                    can_login: p.kind == PrincipalKind::User,
                    created: now,
                    modified: now,
                };
                if !p.parents.is_empty() {
                    membership_names.push((principal.id.clone(), p.kind, p.parents.clone()));
                }
                let added = match p.kind {
                    PrincipalKind::User => &mut report.users_added,
                    PrincipalKind::Group => &mut report.groups_added,
                };
                added.push(p.name.clone());
                inserts.push((principal, p.password.clone()));
            }
            Some(current) => {
                let parents = current_parents
                    .get(current.id.as_str())
                    .cloned()
                    .unwrap_or_default();
                let parents_changed = parents != p.parents;
                let fields_changed = current.display_name != p.display_name
                    || current.description.as_deref().filter(|d| !d.is_empty())
                        != p.description.as_deref()
                    || (p.kind == PrincipalKind::User
                        && current.mail.as_deref().filter(|m| !m.is_empty()) != p.mail.as_deref())
                    || current.visibility != p.visibility
                    || current.principal_type != p.principal_type;
                if parents_changed {
                    membership_names.push((current.id.clone(), p.kind, p.parents.clone()));
                }
                if fields_changed || parents_changed {
                    updates.push(Principal {
                        display_name: p.display_name.clone(),
                        description: p.description.clone(),
                        mail: p.mail.clone(),
                        principal_type: p.principal_type.clone(),
                        visibility: p.visibility.clone(),
                        modified: now,
                        ..(*current).clone()
                    });
                    let updated = match p.kind {
                        PrincipalKind::User => &mut report.users_updated,
                        PrincipalKind::Group => &mut report.groups_updated,
                    };
                    updated.push(p.name.clone());
                }
            }
        }
    }
    for p in &deleted {
        let list = match p.kind {
            PrincipalKind::User => &mut report.users_deleted,
            PrincipalKind::Group => &mut report.groups_deleted,
        };
        list.push(p.name.clone());
    }

    // Group names → ids, including the groups this plan creates.
    let mut group_ids: HashMap<&str, &str> = principals
        .iter()
        .filter(|p| p.kind == PrincipalKind::Group)
        .map(|p| (p.name.as_str(), p.id.as_str()))
        .collect();
    for (principal, _) in &inserts {
        if principal.kind == PrincipalKind::Group {
            group_ids.insert(principal.name.as_str(), principal.id.as_str());
        }
    }
    let memberships = membership_names
        .iter()
        .map(|(member, _, parents)| {
            // Every parent was checked against the final groups above.
            let ids = parents
                .iter()
                .filter_map(|name| group_ids.get(name.as_str()).map(|id| id.to_string()))
                .collect();
            (member.clone(), ids)
        })
        .collect();

    for list in [
        &mut report.users_added,
        &mut report.users_deleted,
        &mut report.users_updated,
        &mut report.groups_added,
        &mut report.groups_deleted,
        &mut report.groups_updated,
    ] {
        list.sort();
    }
    Ok(SyncPlan {
        report,
        inserts,
        updates,
        deletes: deleted.iter().map(|p| p.id.clone()).collect(),
        memberships,
    })
}

/// A cycle in a parent graph (group → its parent groups), as the names along it with the
/// first repeated at the end.
fn find_cycle(parents: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    let mut marks: HashMap<&str, Mark> = HashMap::new();
    for start in parents.keys() {
        if marks.contains_key(start.as_str()) {
            continue;
        }
        // Iterative depth-first search; `path` holds the groups being visited.
        let mut path: Vec<&str> = Vec::new();
        let mut stack: Vec<(&str, Vec<&str>)> = vec![(start, neighbours(parents, start))];
        marks.insert(start, Mark::Visiting);
        path.push(start);
        while let Some((node, pending)) = stack.last_mut() {
            match pending.pop() {
                Some(next) => match marks.get(next) {
                    Some(Mark::Visiting) => {
                        let from = path.iter().position(|n| *n == next).unwrap_or(0);
                        let mut cycle: Vec<String> =
                            path[from..].iter().map(|n| n.to_string()).collect();
                        cycle.push(next.to_string());
                        return Some(cycle);
                    }
                    Some(Mark::Done) => {}
                    None => {
                        marks.insert(next, Mark::Visiting);
                        path.push(next);
                        stack.push((next, neighbours(parents, next)));
                    }
                },
                None => {
                    marks.insert(node, Mark::Done);
                    path.pop();
                    stack.pop();
                }
            }
        }
    }
    None
}

fn neighbours<'a>(parents: &'a BTreeMap<String, BTreeSet<String>>, node: &str) -> Vec<&'a str> {
    parents
        .get(node)
        .map(|p| p.iter().rev().map(String::as_str).collect())
        .unwrap_or_default()
}

impl SyncPlan {
    /// The plain passwords the new users of this plan get (each once): their own, or
    /// `default_password` (the request's `password`).
    pub fn passwords_needed(&self, default_password: Option<&str>) -> BTreeSet<String> {
        let default_password = default_password.filter(|p| !p.is_empty());
        self.inserts
            .iter()
            .filter(|(p, _)| p.kind == PrincipalKind::User)
            .filter_map(|(_, own)| own.as_deref().or(default_password))
            .map(str::to_string)
            .collect()
    }

    /// Hashes the new users' passwords (each distinct password once, in parallel) and
    /// returns the store changes. `default_password` is the request's `password`.
    pub async fn into_changes(self, default_password: Option<&str>) -> Result<PlannedChanges> {
        let mut hashes = HashMap::new();
        let hasher = password::Hasher::default();
        hash_passwords(
            &hasher,
            &mut hashes,
            self.passwords_needed(default_password),
        )
        .await?;
        Ok(self.into_changes_with(default_password, &hashes))
    }

    /// The store changes, the new users' passwords hashed as `hashes` says (plain → PHC
    /// string; see [`hash_passwords`]). Pure: a sync hashes before it locks the directory.
    pub fn into_changes_with(
        self,
        default_password: Option<&str>,
        hashes: &HashMap<String, String>,
    ) -> PlannedChanges {
        let default_password = default_password.filter(|p| !p.is_empty());
        let insert = self
            .inserts
            .iter()
            .map(|(principal, own)| {
                let mut principal = principal.clone();
                if principal.kind == PrincipalKind::User {
                    principal.password_hash = own
                        .as_deref()
                        .or(default_password)
                        .and_then(|plain| hashes.get(plain).cloned());
                }
                principal
            })
            .collect();
        PlannedChanges {
            changes: PrincipalChanges {
                insert,
                update: self.updates,
                delete: self.deletes,
                heir_id: Some(ADMIN_USER_ID.to_string()),
                memberships: self.memberships,
            },
            report: self.report,
        }
    }
}

/// Hashes each of `plain` that `hashes` does not hold yet (in parallel, Argon2id being slow)
/// and adds it.
pub async fn hash_passwords(
    hasher: &password::Hasher,
    hashes: &mut HashMap<String, String>,
    plain: BTreeSet<String>,
) -> Result<()> {
    let wanted: Vec<String> = plain
        .into_iter()
        .filter(|p| !hashes.contains_key(p))
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let hashed: Vec<(String, String)> = stream::iter(wanted)
        .map(|plain| async move {
            // Through the server's hasher, so a sync's hashes count against the same bound
            // as logins'.
            let hash = hasher.hash(&plain).await?;
            Ok::<_, Error>((plain, hash))
        })
        .buffer_unordered(workers)
        .try_collect()
        .await?;
    hashes.extend(hashed);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: &str, remove_deleted: bool) -> SyncRequest {
        SyncRequest {
            principals: json.to_string(),
            apply: false,
            remove_deleted,
            password: None,
        }
    }

    fn state() -> (Vec<Principal>, Vec<Membership>) {
        let (principals, memberships) = builtin::builtins();
        let memberships = memberships
            .into_iter()
            .map(|(m, g)| Membership {
                member_id: m.into(),
                group_id: g.into(),
            })
            .collect();
        (principals, memberships)
    }

    #[test]
    fn plans_additions_with_sorted_names() {
        let (principals, memberships) = state();
        let json = r#"[
            {"name":"zed","principalTypeEnum":"LOCAL_USER","groupNames":["Sales","All"]},
            {"name":"amy","principalTypeEnum":"LOCAL_USER","groupNames":[]},
            {"name":"Sales","principalTypeEnum":"LOCAL_GROUP","groupNames":["ALL_GROUP"]}
        ]"#;
        let plan = plan(&request(json, true), &principals, &memberships, 1).unwrap();
        assert_eq!(plan.report.users_added, vec!["amy", "zed"]);
        assert_eq!(plan.report.groups_added, vec!["Sales"]);
        assert!(
            plan.report.users_deleted.is_empty(),
            "built-ins are never deleted"
        );
        // zed → Sales (All is implicit for users), Sales → All.
        assert_eq!(plan.memberships.len(), 2);
    }

    #[test]
    fn rejects_cycles_and_unknown_parents() {
        let (principals, memberships) = state();
        let cycle = r#"[
            {"name":"A","principalTypeEnum":"LOCAL_GROUP","groupNames":["B"]},
            {"name":"B","principalTypeEnum":"LOCAL_GROUP","groupNames":["C"]},
            {"name":"C","principalTypeEnum":"LOCAL_GROUP","groupNames":["A"]}
        ]"#;
        let err = plan(&request(cycle, true), &principals, &memberships, 1).unwrap_err();
        assert_eq!(err.name(), "SyncMembershipCycle");
        assert!(err.to_string().contains("A → B → C → A"), "{err}");

        let unknown = r#"[{"name":"u","principalTypeEnum":"LOCAL_USER","groupNames":["Nope"]}]"#;
        let err = plan(&request(unknown, true), &principals, &memberships, 1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Principal 'u' names group 'Nope' in groupNames, but no such group exists or is in 'principals'"
        );
    }

    #[test]
    fn validates_each_principal() {
        let (principals, memberships) = state();
        let cases = [
            ("not json", "SyncPrincipalsNotJson"),
            (r#"{"name":"x"}"#, "SyncPrincipalsNotJson"),
            (r#"[{"principalTypeEnum":"LOCAL_USER"}]"#, "SyncMissingName"),
            (
                r#"[{"name":"x","principalTypeEnum":"ROBOT"}]"#,
                "SyncUnknownType",
            ),
            (r#"[{"name":"x"}]"#, "SyncInvalidField"),
            (
                r#"[{"name":"a\u0000b","principalTypeEnum":"LOCAL_USER"}]"#,
                "SyncInvalidField",
            ),
            (
                r#"[{"name":"x","principalTypeEnum":"LOCAL_USER","mail":"\u0000"}]"#,
                "SyncInvalidField",
            ),
            (
                r#"[{"name":"x","principalTypeEnum":"LOCAL_USER"},{"name":"x","principalTypeEnum":"LOCAL_USER"}]"#,
                "SyncDuplicatePrincipal",
            ),
            (
                r#"[{"name":"x","principalTypeEnum":"LOCAL_USER","groupNames":"g"}]"#,
                "SyncInvalidField",
            ),
            (
                r#"[{"name":"x","principalTypeEnum":"LOCAL_USER","visibility":"PUBLIC"}]"#,
                "SyncInvalidField",
            ),
        ];
        for (json, expected) in cases {
            let err = plan(&request(json, true), &principals, &memberships, 1).unwrap_err();
            assert_eq!(err.name(), expected, "{json}: {err}");
        }
    }

    #[test]
    fn a_user_and_a_group_may_share_a_name() {
        let (principals, memberships) = state();
        let json = r#"[
            {"name":"ops","principalTypeEnum":"LOCAL_USER"},
            {"name":"ops","principalTypeEnum":"LOCAL_GROUP"}
        ]"#;
        let plan = plan(&request(json, false), &principals, &memberships, 1).unwrap();
        assert_eq!(plan.report.users_added, vec!["ops"]);
        assert_eq!(plan.report.groups_added, vec!["ops"]);
    }

    #[test]
    fn passwords_are_hashed_before_and_applied_after() {
        let (principals, memberships) = state();
        let json = r#"[
            {"name":"own","principalTypeEnum":"LOCAL_USER","password":"mine"},
            {"name":"plain","principalTypeEnum":"LOCAL_USER"},
            {"name":"G","principalTypeEnum":"LOCAL_GROUP"}
        ]"#;
        let plan = plan(&request(json, false), &principals, &memberships, 1).unwrap();
        let needed = plan.passwords_needed(Some("default"));
        assert_eq!(needed.iter().collect::<Vec<_>>(), ["default", "mine"]);
        assert_eq!(
            plan.passwords_needed(Some("")).len(),
            1,
            "an empty default is none"
        );

        // Only what `hashes` holds is applied: a sync hashes before it takes the lock.
        let hashes = HashMap::from([("mine".to_string(), "hash of mine".to_string())]);
        let changes = plan.into_changes_with(Some("default"), &hashes).changes;
        let hash_of = |name: &str| {
            let user = changes.insert.iter().find(|p| p.name == name).unwrap();
            user.password_hash.clone()
        };
        assert_eq!(hash_of("own").as_deref(), Some("hash of mine"));
        assert_eq!(hash_of("plain"), None);
        assert_eq!(hash_of("G"), None);
        assert_eq!(changes.heir_id.as_deref(), Some(ADMIN_USER_ID));
    }
}
