//! Persistence for Searchlight's metadata: principals, memberships, privileges, sessions and
//! metadata objects.
//!
//! Everything above this crate talks to [`Store`], a trait of coarse, domain-shaped operations
//! (each one a single statement or a single transaction). One implementation, [`SqlStore`],
//! runs the same SQL on two backends chosen by the database URL:
//!
//! - **SQLite** (`sqlite://path/to/file.db`), the embedded default: one file in the data
//!   directory, in WAL mode so readers never wait for the writer;
//! - **PostgreSQL** (`postgres://…`), for several server replicas sharing one store
//!   (sessions live here too, so any replica accepts any session).
//!
//! Migrations are embedded in the binary and run at connect time. They are written in the SQL
//! both backends share, so the schema cannot drift between them. Statements are shared too,
//! except where a backend plans a spelling badly: a non-administrator's listing page merges
//! per-principal index scans, which each backend does only for its own form of the query.
//!
//! **Concurrent writers.** Several servers may share one store and start together: on SQLite
//! the first to open a file migrates it while the others wait on a lock file beside it; on
//! PostgreSQL sqlx's migrator holds an advisory lock. Every writer of the directory
//! (principals, memberships, group privileges, ownership) first takes the *directory lock*
//! (SQLite's write lock, `BEGIN IMMEDIATE`; on PostgreSQL the `directory_version` row,
//! `FOR UPDATE`), so a [`DirectoryTx`] reads a directory that stays as read until it commits.
//! Imports write only if each object is still as they found it ([`ExpectedObject`]). A
//! writer that waits longer than the lock timeout (10 s), or that finds its rows changed under
//! it (a unique or foreign-key violation, a deadlock), fails with [`Error::ConcurrentChange`]
//! and changes nothing; the services above try such a request once more.

mod catalog_sql;
mod model;
mod redact;
mod sql;

use async_trait::async_trait;

pub use model::*;
pub use redact::{REDACTED, redact_url};
pub use searchlight_errors::{Error, Result};
pub use sql::{Backend, SqlStore};

/// The metadata store. See the crate documentation.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which database this store runs on.
    fn backend(&self) -> Backend;

    // ---- principals -------------------------------------------------------------------

    /// Every user and group.
    async fn principals(&self) -> Result<Vec<Principal>>;
    /// Every direct membership.
    async fn memberships(&self) -> Result<Vec<Membership>>;
    /// A number that changes whenever a principal or a membership changes (in the same
    /// transaction), for caches built from [`Store::principals`] and [`Store::memberships`].
    async fn directory_version(&self) -> Result<i64>;
    /// Every privilege granted to any group.
    async fn group_privileges(&self) -> Result<Vec<GroupPrivilege>>;
    async fn principal_by_name(&self, kind: PrincipalKind, name: &str)
    -> Result<Option<Principal>>;
    async fn principal_by_id(&self, id: &str) -> Result<Option<Principal>>;
    /// The groups `principal_id` is in, directly or through nested groups (not including the
    /// implicit All group).
    async fn ancestor_groups(&self, principal_id: &str) -> Result<Vec<String>>;
    /// Privileges granted to any of `group_ids`.
    async fn privileges_of_groups(&self, group_ids: &[String]) -> Result<Vec<String>>;
    /// Applies a set of principal changes in one transaction: all of it or nothing. The
    /// changes were planned on what was read before: to plan on what the transaction sees,
    /// use [`Store::begin_directory`].
    async fn apply_principal_changes(&self, changes: &PrincipalChanges) -> Result<()>;
    /// Starts a transaction that holds the directory lock (see the crate documentation):
    /// what it reads stays true until it commits, on every server sharing the store. Waiting
    /// longer than the lock timeout is [`Error::ConcurrentChange`].
    async fn begin_directory(&self) -> Result<Box<dyn DirectoryTx>>;
    async fn set_password_hash(
        &self,
        user_id: &str,
        hash: &str,
        modified: EpochMillis,
    ) -> Result<()>;
    /// Grants (`granted = true`) or revokes a privilege on several groups in one transaction.
    async fn set_group_privilege(
        &self,
        group_ids: &[String],
        privilege: &str,
        granted: bool,
    ) -> Result<()>;

    // ---- sessions ---------------------------------------------------------------------

    async fn insert_session(&self, session: &Session) -> Result<()>;
    async fn session(&self, id: &str) -> Result<Option<Session>>;
    async fn touch_session(&self, id: &str, last_seen: EpochMillis) -> Result<()>;
    async fn delete_session(&self, id: &str) -> Result<()>;
    /// Ends every session of a user except `keep` (the caller's own, when it changes its
    /// password).
    async fn delete_user_sessions(&self, user_id: &str, keep: Option<&str>) -> Result<()>;
    /// Removes sessions that have passed their absolute expiry or have been idle since
    /// before `idle_cutoff` (non-persistent ones). Returns how many went.
    async fn delete_expired_sessions(
        &self,
        now: EpochMillis,
        idle_cutoff: EpochMillis,
    ) -> Result<u64>;

    // ---- catalog ----------------------------------------------------------------------

    async fn object(&self, id: &str) -> Result<Option<ObjectRecord>>;
    /// Objects of a type with this name (case-insensitive), oldest first.
    async fn objects_named(&self, object_type: &str, name: &str) -> Result<Vec<ObjectRecord>>;
    /// The objects among `ids` (in no particular order; unknown ids are left out).
    async fn objects_by_ids(&self, ids: &[String]) -> Result<Vec<ObjectRecord>>;
    /// The children (columns) of an object, in position order.
    async fn child_objects(&self, parent_id: &str) -> Result<Vec<ObjectRecord>>;
    /// Writes imported objects in one transaction: all of them or none.
    async fn write_objects(&self, writes: &[ObjectWrite]) -> Result<()>;
    /// Writes imported objects in one transaction if each is still as its writer found it;
    /// otherwise nothing is written and the answer is [`Error::ConcurrentChange`].
    async fn write_objects_expecting(&self, writes: &[(ObjectWrite, ExpectedObject)])
    -> Result<()>;
    async fn visualizations(&self, parent_id: &str) -> Result<Vec<VisualizationRecord>>;
    async fn visualization(&self, id: &str) -> Result<Option<VisualizationRecord>>;
    /// Whether `viewer` may read the object (its owner, an administrator, or a principal it
    /// is shared with; columns follow their parent).
    async fn can_read(&self, object_id: &str, viewer: &Viewer) -> Result<bool>;
    /// One page of headers, and how many match in all.
    async fn list_headers(&self, query: &HeaderQuery) -> Result<Vec<HeaderRow>>;
    /// Principals as headers (types USER and USER_GROUP).
    async fn list_principal_headers(
        &self,
        kind: PrincipalKind,
        query: &HeaderQuery,
    ) -> Result<Vec<HeaderRow>>;
    /// The shares of an object: `(principal id, permission)`.
    async fn shares(&self, object_id: &str) -> Result<Vec<(String, SharePermission)>>;
    /// Sets (`Some`) or removes (`None`) principals' access to objects, in one transaction.
    async fn set_shares(
        &self,
        object_ids: &[String],
        changes: &[(String, Option<SharePermission>)],
    ) -> Result<()>;
    /// How many top-level objects there are of each (type, subtype).
    async fn object_counts(&self) -> Result<Vec<(String, Option<String>, i64)>>;
    /// Creates the tags that do not exist (by name, case-insensitive) and attaches all of
    /// them to the objects, in one transaction. Returns the tag ids.
    async fn assign_tags(
        &self,
        object_ids: &[String],
        tag_names: &[String],
        owner_id: &str,
        now: EpochMillis,
    ) -> Result<Vec<String>>;

    // ---- ownership --------------------------------------------------------------------

    /// Ids of the objects `owner_id` owns.
    async fn objects_owned_by(&self, owner_id: &str) -> Result<Vec<String>>;
    /// Moves the objects of `from_id` (all, or only `object_ids`) to `to_id`.
    async fn transfer_ownership(
        &self,
        from_id: &str,
        to_id: &str,
        object_ids: Option<&[String]>,
        modified: EpochMillis,
    ) -> Result<u64>;
}

/// A transaction of [`Store::begin_directory`]: it holds the directory lock until it is
/// committed, or dropped (which rolls it back).
#[async_trait]
pub trait DirectoryTx: Send {
    /// The directory version when the lock was taken (see [`Store::directory_version`]).
    fn version(&self) -> i64;
    /// Every user and group.
    async fn principals(&mut self) -> Result<Vec<Principal>>;
    /// Every direct membership.
    async fn memberships(&mut self) -> Result<Vec<Membership>>;
    async fn principal_by_id(&mut self, id: &str) -> Result<Option<Principal>>;
    async fn principal_by_name(
        &mut self,
        kind: PrincipalKind,
        name: &str,
    ) -> Result<Option<Principal>>;
    /// Applies a set of principal changes (bumping the directory version).
    async fn apply(&mut self, changes: &PrincipalChanges) -> Result<()>;
    /// Grants (`granted = true`) or revokes a privilege on several groups.
    async fn set_group_privilege(
        &mut self,
        group_ids: &[String],
        privilege: &str,
        granted: bool,
    ) -> Result<()>;
    /// Makes the changes permanent and releases the lock.
    async fn commit(self: Box<Self>) -> Result<()>;
}
