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
