//! The records the store keeps. They are plain data: the rules about them live in the
//! identity and catalog layers.

use std::fmt;

/// Milliseconds since the Unix epoch, as in every v1 `created`/`modified` field.
pub type EpochMillis = i64;

/// Whether a principal is a user or a group. Names are unique per kind: a user and a group
/// may share a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrincipalKind {
    User,
    Group,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "USER",
            Self::Group => "GROUP",
        }
    }

    pub(crate) fn from_db(value: &str) -> Option<Self> {
        match value {
            "USER" => Some(Self::User),
            "GROUP" => Some(Self::Group),
            _ => None,
        }
    }
}

impl fmt::Display for PrincipalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::User => "user",
            Self::Group => "group",
        })
    }
}

/// A user or a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub id: String,
    pub kind: PrincipalKind,
    pub name: String,
    pub display_name: String,
    pub description: Option<String>,
    pub mail: Option<String>,
    /// The v1 `principalTypeEnum` (`LOCAL_USER`, `LOCAL_GROUP`, `LDAP_USER`, …).
    pub principal_type: String,
    /// `DEFAULT` or `NON_SHARABLE`.
    pub visibility: String,
    /// Argon2id PHC string; `None` for users that cannot log in with a password.
    pub password_hash: Option<String>,
    /// Created by the server itself; never deleted or changed by user/sync.
    pub builtin: bool,
    pub can_login: bool,
    pub created: EpochMillis,
    pub modified: EpochMillis,
}

/// A direct membership: `member_id` (user or group) is inside `group_id`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Membership {
    pub member_id: String,
    pub group_id: String,
}

/// A privilege granted to a group.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupPrivilege {
    pub group_id: String,
    pub privilege: String,
}

/// A login session. Its id is the `JSESSIONID` cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub created: EpochMillis,
    pub last_seen: EpochMillis,
    pub persistent: bool,
    pub expires: EpochMillis,
}

/// A complete set of principal changes, applied atomically (user/sync, first start).
#[derive(Debug, Clone, Default)]
pub struct PrincipalChanges {
    pub insert: Vec<Principal>,
    /// Existing principals whose descriptive fields change (name, kind, password, builtin
    /// and created are left as they are).
    pub update: Vec<Principal>,
    /// Ids of principals to delete; their metadata objects go to `heir_id`.
    pub delete: Vec<String>,
    /// The user who receives the objects of deleted users.
    pub heir_id: Option<String>,
    /// Principals whose direct group memberships are replaced by the given group ids.
    pub memberships: Vec<(String, Vec<String>)>,
}

impl PrincipalChanges {
    pub fn is_empty(&self) -> bool {
        self.insert.is_empty()
            && self.update.is_empty()
            && self.delete.is_empty()
            && self.memberships.is_empty()
    }
}

/// A metadata object as stored (tables, worksheets, answers, pinboards, connections, tags,
/// and columns, which have a parent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRecord {
    pub id: String,
    /// The v1 type (`LOGICAL_TABLE`, `QUESTION_ANSWER_BOOK`, …).
    pub object_type: String,
    pub subtype: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub owner_id: String,
    pub created: EpochMillis,
    pub modified: EpochMillis,
    pub modified_by: String,
    pub is_auto_created: bool,
    pub parent_id: Option<String>,
    pub position: i64,
    /// The resolved definition (JSON).
    pub definition: Option<String>,
    /// The TML document as imported.
    pub tml: Option<String>,
}

/// A visualization of a pinboard (or the single one of an answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisualizationRecord {
    pub id: String,
    pub parent_id: String,
    pub position: i64,
    /// Its id inside the pinboard's TML (`Viz_1`).
    pub tml_id: String,
    pub name: String,
    /// `TABLE`, `CHART` or `HEADLINE`.
    pub viz_type: String,
    pub created: EpochMillis,
    pub modified: EpochMillis,
    pub modified_by: String,
    pub definition: String,
}

/// Access granted to a principal on an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SharePermission {
    ReadOnly,
    Modify,
}

impl SharePermission {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadOnly => "READ_ONLY",
            Self::Modify => "MODIFY",
        }
    }

    pub(crate) fn from_db(value: &str) -> Self {
        if value == "MODIFY" {
            Self::Modify
        } else {
            Self::ReadOnly
        }
    }
}

/// One object written by an import: the object, its columns (replacing the old set) and,
/// for pinboards and answers, its visualizations (replacing the old set).
#[derive(Debug, Clone)]
pub struct ObjectWrite {
    pub object: ObjectRecord,
    pub columns: Vec<ObjectRecord>,
    pub visualizations: Option<Vec<VisualizationRecord>>,
    /// Shares added when the object is created (an update keeps the existing shares).
    pub initial_shares: Vec<(String, SharePermission)>,
}

/// What a writer found of an object before it planned the object's [`ObjectWrite`]. The
/// store writes only if the object is still so when the write's transaction reaches it, so
/// that two imports racing on one GUID never both believe they created it, nor overwrite an
/// update they did not see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedObject {
    /// Write whatever is stored (an operator's bulk load).
    Anything,
    /// The object did not exist: the write creates it.
    Absent,
    /// The object existed with this `modified` time: the write updates it.
    Modified(EpochMillis),
}

/// Who is asking, for visibility: the user and every group it is in.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user_id: String,
    /// The user id and every group id (transitive, including All).
    pub principal_ids: Vec<String>,
    /// Administrators see everything.
    pub sees_everything: bool,
}

/// The sort keys of `metadata/listobjectheaders`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderSort {
    Name,
    DisplayName,
    Author,
    Created,
    Modified,
}

/// A header listing: every filter of `metadata/listobjectheaders`.
#[derive(Debug, Clone)]
pub struct HeaderQuery {
    pub object_type: String,
    /// Only these subtypes (empty: all).
    pub subtypes: Vec<String>,
    pub viewer: Viewer,
    /// Only objects owned by this user (category MY).
    pub owner_id: Option<String>,
    /// A case-insensitive LIKE pattern (`%` wildcard) on the name or the author's name.
    pub pattern: Option<String>,
    /// Only objects carrying one of these tags (by name, case-insensitive).
    pub tag_names: Vec<String>,
    pub fetch_ids: Option<Vec<String>>,
    pub skip_ids: Vec<String>,
    pub auto_created: Option<bool>,
    pub sort: HeaderSort,
    pub ascending: bool,
    pub offset: usize,
    pub limit: Option<usize>,
}

/// A listed header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderRow {
    pub id: String,
    pub object_type: String,
    pub subtype: Option<String>,
    pub name: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub owner_id: String,
    pub owner_name: String,
    pub created: EpochMillis,
    pub modified: EpochMillis,
    pub modified_by: String,
    pub is_auto_created: bool,
    /// `(id, name)` of the object's tags.
    pub tags: Vec<(String, String)>,
}
