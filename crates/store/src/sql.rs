//! [`SqlStore`]: the [`Store`] on SQLite or PostgreSQL through sqlx's `Any` driver.
//!
//! All statements use `$n` placeholders, which both backends accept. Bulk writes are sent as
//! multi-row statements of bounded size so that a 10,000-user sync is a few dozen round trips,
//! not tens of thousands.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, AssertSqlSafe, Executor, Row, Transaction};

use crate::catalog_sql;
use crate::model::*;
use crate::{DirectoryTx, Error, Result, Store};

/// The database behind a [`SqlStore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Picks the backend from a database URL.
    pub fn from_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Self::Postgres)
        } else {
            Err(Error::invalid_parameter(
                "database_url",
                url,
                "a sqlite://PATH or postgres://… URL",
            ))
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        })
    }
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Rows per multi-row INSERT: well below SQLite's 32,766 bound variables at 13 columns.
pub(crate) const INSERT_CHUNK: usize = 500;

/// The SQL implementation of [`Store`].
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
}

pub(crate) fn db_error(err: sqlx::Error) -> Error {
    Error::internal(err)
}

/// How long a writer waits for a lock another writer holds: PostgreSQL's `lock_timeout` in
/// write transactions, as SQLite's busy timeout (`PRAGMA busy_timeout = 10000`).
const PG_LOCK_TIMEOUT: &str = "SET LOCAL lock_timeout = '10s'";

/// What [`Error::ConcurrentChange`] names for the writes of the directory.
const DIRECTORY: &str = "the users and groups";
/// … for an ownership transfer.
const OWNERSHIP: &str = "the users or the objects to transfer";
/// … for imported objects.
const OBJECTS: &str = "the imported objects";
/// … for sharing and tags.
const SHARING: &str = "the objects or their sharing";

/// Whether a database error means another writer got in the way rather than a fault: a
/// unique or foreign-key violation (a row another transaction added or removed since this
/// one read), a serialization failure, a deadlock, or a lock wait that timed out.
fn is_contention(backend: Backend, err: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = err else {
        return false;
    };
    if db.is_unique_violation() || db.is_foreign_key_violation() {
        return true;
    }
    let Some(code) = db.code() else {
        return false;
    };
    match backend {
        // serialization_failure, deadlock_detected, lock_not_available (`lock_timeout`).
        Backend::Postgres => matches!(&*code, "40001" | "40P01" | "55P03"),
        // SQLITE_BUSY and SQLITE_LOCKED (extended codes keep them in the low byte).
        Backend::Sqlite => code
            .parse::<i32>()
            .is_ok_and(|code| matches!(code & 0xff, 5 | 6)),
    }
}

/// `err` as [`Error::ConcurrentChange`] about `what` when it is contention with another
/// writer ([`is_contention`]); as it is otherwise.
pub(crate) fn contention(backend: Backend, what: &str, err: Error) -> Error {
    let contended = match &err {
        Error::Internal(source) => source
            .downcast_ref::<sqlx::Error>()
            .is_some_and(|err| is_contention(backend, err)),
        _ => false,
    };
    if contended {
        Error::concurrent_change(what)
    } else {
        err
    }
}

/// The error of a failed statement in a directory write.
fn directory_error(backend: Backend) -> impl Fn(sqlx::Error) -> Error + Copy {
    move |err| contention(backend, DIRECTORY, db_error(err))
}

impl SqlStore {
    /// Connects to `url`, creating the SQLite file (and its folder) if needed, and brings
    /// the schema up to date.
    pub async fn connect(url: &str) -> Result<Self> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);

        let backend = Backend::from_url(url)?;
        let mut url = url.to_string();
        let options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        let options = match backend {
            Backend::Sqlite => {
                if let Some(parent) = sqlite_path(&url)
                    .and_then(|p| p.parent())
                    .filter(|parent| !parent.as_os_str().is_empty())
                {
                    std::fs::create_dir_all(parent).map_err(Error::internal)?;
                }
                if !url.contains("mode=") {
                    url.push_str(if url.contains('?') {
                        "&mode=rwc"
                    } else {
                        "?mode=rwc"
                    });
                }
                // WAL lets readers run beside the single writer; the busy timeout makes a
                // second writer wait instead of failing.
                options.max_connections(8).after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                        )
                        .await?;
                        Ok(())
                    })
                })
            }
            // No JIT: it compiles for tens of milliseconds to speed up scans that, in a
            // metadata store, take less (a user's listing page spent 31 ms compiling).
            Backend::Postgres => options.max_connections(16).after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("SET jit = off").await?;
                    Ok(())
                })
            }),
        };
        // Servers starting together on one new SQLite file would race to switch it to WAL
        // (which takes a lock SQLite does not wait for) and to migrate it: the first to lock
        // the file beside it does both while the others wait. On PostgreSQL the migrator
        // holds an advisory lock.
        let startup_lock = match sqlite_path(&url) {
            Some(path) if backend == Backend::Sqlite => Some(lock_beside(path).await?),
            _ => None,
        };
        let pool = options.connect(&url).await.map_err(|err| {
            Error::internal(format!(
                "cannot open the {backend} store at {}: {err}",
                crate::redact_url(&url)
            ))
        })?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|err| Error::internal(format!("cannot migrate the {backend} store: {err}")))?;
        drop(startup_lock);
        Ok(Self { pool, backend })
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once, so that two
    /// writers queue on the busy timeout instead of one failing half-way; on PostgreSQL its
    /// statements wait as long for a row another transaction holds.
    async fn begin_write(&self) -> Result<Transaction<'static, Any>> {
        match self.backend {
            Backend::Sqlite => self
                .pool
                .begin_with("BEGIN IMMEDIATE")
                .await
                .map_err(db_error),
            Backend::Postgres => {
                let mut tx = self.pool.begin().await.map_err(db_error)?;
                sqlx::raw_sql(PG_LOCK_TIMEOUT)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                Ok(tx)
            }
        }
    }

    /// Starts a write transaction that holds the directory lock (see the crate
    /// documentation) and reads the directory version. Waiting too long is
    /// [`Error::ConcurrentChange`].
    async fn lock_directory(&self) -> Result<(Transaction<'static, Any>, i64)> {
        let fail = directory_error(self.backend);
        let mut tx = self
            .begin_write()
            .await
            .map_err(|err| contention(self.backend, DIRECTORY, err))?;
        let statement = match self.backend {
            // The transaction holds SQLite's write lock already.
            Backend::Sqlite => "SELECT version FROM directory_version WHERE id = 1",
            Backend::Postgres => "SELECT version FROM directory_version WHERE id = 1 FOR UPDATE",
        };
        let version = sqlx::query(statement)
            .fetch_one(&mut *tx)
            .await
            .map_err(fail)?
            .try_get("version")
            .map_err(db_error)?;
        Ok((tx, version))
    }

    /// Writes objects if each is as expected, in one transaction.
    async fn write_checked(&self, writes: &[(&ObjectWrite, ExpectedObject)]) -> Result<()> {
        if writes.is_empty() {
            return Ok(());
        }
        let tx = self
            .begin_write()
            .await
            .map_err(|err| contention(self.backend, OBJECTS, err))?;
        catalog_sql::write_objects(self.backend, tx, writes)
            .await
            .map_err(|err| contention(self.backend, OBJECTS, err))
    }

    /// "SQLite" or "PostgreSQL", for messages.
    pub fn backend_name(&self) -> String {
        self.backend.to_string()
    }

    /// The pool, for the catalog's queries.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes every connection (at shutdown).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Takes an exclusive lock on `<database file>.lock` (creating it), waiting while another
/// server holds it. The lock goes with the returned file.
async fn lock_beside(database: &Path) -> Result<std::fs::File> {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    let path = PathBuf::from(name);
    let shown = path.display().to_string();
    tokio::task::spawn_blocking(move || {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        file.lock()?;
        Ok::<_, std::io::Error>(file)
    })
    .await
    .map_err(Error::internal)?
    .map_err(|err| Error::internal(format!("cannot lock {shown} to open the store: {err}")))
}

/// The file path of a `sqlite://` URL.
fn sqlite_path(url: &str) -> Option<&Path> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| Path::new(path))
}

const PRINCIPAL_COLUMNS: &str = "id, kind, name, display_name, description, mail, principal_type, \
     visibility, password_hash, builtin, can_login, created, modified";

fn principal_from_row(row: &AnyRow) -> Result<Principal> {
    let kind: String = row.try_get("kind").map_err(db_error)?;
    Ok(Principal {
        id: row.try_get("id").map_err(db_error)?,
        kind: PrincipalKind::from_db(&kind)
            .ok_or_else(|| Error::internal(format!("principal kind '{kind}' in the store")))?,
        name: row.try_get("name").map_err(db_error)?,
        display_name: row.try_get("display_name").map_err(db_error)?,
        description: row.try_get("description").map_err(db_error)?,
        mail: row.try_get("mail").map_err(db_error)?,
        principal_type: row.try_get("principal_type").map_err(db_error)?,
        visibility: row.try_get("visibility").map_err(db_error)?,
        password_hash: row.try_get("password_hash").map_err(db_error)?,
        builtin: flag(row, "builtin")?,
        can_login: flag(row, "can_login")?,
        created: row.try_get("created").map_err(db_error)?,
        modified: row.try_get("modified").map_err(db_error)?,
    })
}

/// A 0/1 flag column.
pub(crate) fn flag(row: &AnyRow, column: &str) -> Result<bool> {
    Ok(row.try_get::<i64, _>(column).map_err(db_error)? != 0)
}

/// `($1, $2, …), ($n+1, …)` for `rows` rows of `columns` placeholders, for a statement
/// whose only parameters these are.
///
/// On SQLite they are anonymous `?` (bound in the same order): sqlx looks up the name of
/// every numbered parameter before binding it, and SQLite finds it by a linear scan, so a
/// statement of n `$n` parameters costs O(n²). A 500-row insert of 13 columns took ~60 ms
/// that way and takes ~2 ms with `?`.
pub(crate) fn values_placeholders(backend: Backend, rows: usize, columns: usize) -> String {
    if backend == Backend::Sqlite {
        let row = format!("({})", vec!["?"; columns].join(", "));
        return vec![row.as_str(); rows].join(", ");
    }
    let mut sql = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            sql.push('$');
            sql.push_str(&(row * columns + column + 1).to_string());
        }
        sql.push(')');
    }
    sql
}

/// `$first, $first+1, …` for an IN list of `count` items.
pub(crate) fn list_placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Bumps [`Store::directory_version`] inside a transaction that changes the directory.
async fn bump_directory_version(tx: &mut Transaction<'static, Any>) -> Result<()> {
    sqlx::query("UPDATE directory_version SET version = version + 1 WHERE id = 1")
        .execute(&mut **tx)
        .await
        .map_err(db_error)?;
    Ok(())
}

async fn insert_memberships(
    backend: Backend,
    tx: &mut Transaction<'static, Any>,
    rows: &[(&str, &str)],
) -> Result<()> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        let sql = format!(
            "INSERT INTO memberships (member_id, group_id) VALUES {} ON CONFLICT DO NOTHING",
            values_placeholders(backend, chunk.len(), 2)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (member, group) in chunk {
            query = query.bind(*member).bind(*group);
        }
        query.execute(&mut **tx).await.map_err(db_error)?;
    }
    Ok(())
}

async fn delete_by_ids(
    tx: &mut Transaction<'static, Any>,
    statement: &str,
    ids: &[&str],
) -> Result<()> {
    for chunk in ids.chunks(INSERT_CHUNK) {
        let sql = format!("{statement} ({})", list_placeholders(1, chunk.len()));
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        query.execute(&mut **tx).await.map_err(db_error)?;
    }
    Ok(())
}

fn session_from_row(row: &AnyRow) -> Result<Session> {
    Ok(Session {
        id: row.try_get("id").map_err(db_error)?,
        user_id: row.try_get("user_id").map_err(db_error)?,
        created: row.try_get("created").map_err(db_error)?,
        last_seen: row.try_get("last_seen").map_err(db_error)?,
        persistent: flag(row, "persistent")?,
        expires: row.try_get("expires").map_err(db_error)?,
    })
}

async fn fetch_principals<'c, E>(executor: E) -> Result<Vec<Principal>>
where
    E: Executor<'c, Database = Any>,
{
    let sql = format!("SELECT {PRINCIPAL_COLUMNS} FROM principals");
    sqlx::query(AssertSqlSafe(sql))
        .fetch_all(executor)
        .await
        .map_err(db_error)?
        .iter()
        .map(principal_from_row)
        .collect()
}

async fn fetch_memberships<'c, E>(executor: E) -> Result<Vec<Membership>>
where
    E: Executor<'c, Database = Any>,
{
    sqlx::query("SELECT member_id, group_id FROM memberships")
        .fetch_all(executor)
        .await
        .map_err(db_error)?
        .iter()
        .map(|row| {
            Ok(Membership {
                member_id: row.try_get("member_id").map_err(db_error)?,
                group_id: row.try_get("group_id").map_err(db_error)?,
            })
        })
        .collect()
}

async fn fetch_principal_by_name<'c, E>(
    executor: E,
    kind: PrincipalKind,
    name: &str,
) -> Result<Option<Principal>>
where
    E: Executor<'c, Database = Any>,
{
    let sql = format!("SELECT {PRINCIPAL_COLUMNS} FROM principals WHERE kind = $1 AND name = $2");
    sqlx::query(AssertSqlSafe(sql))
        .bind(kind.as_str())
        .bind(name)
        .fetch_optional(executor)
        .await
        .map_err(db_error)?
        .as_ref()
        .map(principal_from_row)
        .transpose()
}

async fn fetch_principal_by_id<'c, E>(executor: E, id: &str) -> Result<Option<Principal>>
where
    E: Executor<'c, Database = Any>,
{
    let sql = format!("SELECT {PRINCIPAL_COLUMNS} FROM principals WHERE id = $1");
    sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(executor)
        .await
        .map_err(db_error)?
        .as_ref()
        .map(principal_from_row)
        .transpose()
}

/// Writes a set of principal changes and bumps the directory version, inside `tx`.
async fn apply_changes(
    backend: Backend,
    tx: &mut Transaction<'static, Any>,
    changes: &PrincipalChanges,
) -> Result<()> {
    if !changes.delete.is_empty() {
        let deleted: Vec<&str> = changes.delete.iter().map(String::as_str).collect();
        if let Some(heir) = &changes.heir_id {
            let inherited = catalog_sql::ids_owned_by(tx, &deleted).await?;
            for chunk in deleted.chunks(INSERT_CHUNK) {
                let sql = format!(
                    "UPDATE metadata_objects SET owner_id = $1 WHERE owner_id IN ({})",
                    list_placeholders(2, chunk.len())
                );
                let mut query = sqlx::query(AssertSqlSafe(sql)).bind(heir.as_str());
                for id in chunk {
                    query = query.bind(*id);
                }
                query.execute(&mut **tx).await.map_err(db_error)?;
            }
            catalog_sql::refresh_readers(tx, &inherited).await?;
        }
        delete_by_ids(tx, "DELETE FROM principals WHERE id IN", &deleted).await?;
    }

    for chunk in changes.insert.chunks(INSERT_CHUNK) {
        let sql = format!(
            "INSERT INTO principals ({PRINCIPAL_COLUMNS}) VALUES {}",
            values_placeholders(backend, chunk.len(), 13)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for p in chunk {
            query = query
                .bind(p.id.as_str())
                .bind(p.kind.as_str())
                .bind(p.name.as_str())
                .bind(p.display_name.as_str())
                .bind(p.description.as_deref())
                .bind(p.mail.as_deref())
                .bind(p.principal_type.as_str())
                .bind(p.visibility.as_str())
                .bind(p.password_hash.as_deref())
                .bind(p.builtin as i64)
                .bind(p.can_login as i64)
                .bind(p.created)
                .bind(p.modified);
        }
        query.execute(&mut **tx).await.map_err(db_error)?;
    }

    for p in &changes.update {
        sqlx::query(
            "UPDATE principals SET display_name = $1, description = $2, mail = $3, \
             principal_type = $4, visibility = $5, modified = $6 WHERE id = $7",
        )
        .bind(p.display_name.as_str())
        .bind(p.description.as_deref())
        .bind(p.mail.as_deref())
        .bind(p.principal_type.as_str())
        .bind(p.visibility.as_str())
        .bind(p.modified)
        .bind(p.id.as_str())
        .execute(&mut **tx)
        .await
        .map_err(db_error)?;
    }

    if !changes.memberships.is_empty() {
        let members: Vec<&str> = changes
            .memberships
            .iter()
            .map(|(m, _)| m.as_str())
            .collect();
        delete_by_ids(tx, "DELETE FROM memberships WHERE member_id IN", &members).await?;
        let rows: Vec<(&str, &str)> = changes
            .memberships
            .iter()
            .flat_map(|(member, groups)| {
                groups
                    .iter()
                    .map(move |group| (member.as_str(), group.as_str()))
            })
            .collect();
        insert_memberships(backend, tx, &rows).await?;
    }

    bump_directory_version(tx).await
}

/// Grants (`granted = true`) or revokes a privilege on several groups, inside `tx`.
async fn write_group_privilege(
    tx: &mut Transaction<'static, Any>,
    group_ids: &[String],
    privilege: &str,
    granted: bool,
) -> Result<()> {
    for group_id in group_ids {
        let statement = if granted {
            "INSERT INTO group_privileges (group_id, privilege) VALUES ($1, $2) \
             ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM group_privileges WHERE group_id = $1 AND privilege = $2"
        };
        sqlx::query(statement)
            .bind(group_id.as_str())
            .bind(privilege)
            .execute(&mut **tx)
            .await
            .map_err(db_error)?;
    }
    Ok(())
}

/// Moves objects from one user to another inside `tx`, which holds the directory lock.
/// Both users must still exist, and each of `object_ids` must still be `from_id`'s (as the
/// caller checked before): otherwise another writer got in between and nothing moves.
async fn transfer_objects(
    tx: &mut Transaction<'static, Any>,
    from_id: &str,
    to_id: &str,
    object_ids: Option<&[String]>,
    modified: EpochMillis,
) -> Result<u64> {
    let users: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM principals WHERE kind = $1 AND (id = $2 OR id = $3)",
    )
    .bind(PrincipalKind::User.as_str())
    .bind(from_id)
    .bind(to_id)
    .fetch_one(&mut **tx)
    .await
    .map_err(db_error)?
    .try_get("n")
    .map_err(db_error)?;
    if users != 2 {
        return Err(Error::concurrent_change(OWNERSHIP));
    }
    if let Some(ids) = object_ids {
        let wanted: Vec<&str> = ids
            .iter()
            .map(String::as_str)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut owned = 0;
        for chunk in wanted.chunks(INSERT_CHUNK) {
            let sql = format!(
                "SELECT COUNT(*) AS n FROM metadata_objects \
                 WHERE owner_id = $1 AND parent_id IS NULL AND id IN ({})",
                list_placeholders(2, chunk.len())
            );
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(from_id);
            for id in chunk {
                query = query.bind(*id);
            }
            let n: i64 = query
                .fetch_one(&mut **tx)
                .await
                .map_err(db_error)?
                .try_get("n")
                .map_err(db_error)?;
            owned += n;
        }
        if usize::try_from(owned).ok() != Some(wanted.len()) {
            return Err(Error::concurrent_change(OWNERSHIP));
        }
    }

    let mut moved = 0;
    // The objects whose `object_readers` rows change with their owner.
    let touched = match object_ids {
        None => catalog_sql::ids_owned_by(tx, &[from_id]).await?,
        Some(ids) => ids.to_vec(),
    };
    match object_ids {
        None => {
            moved += sqlx::query(
                "UPDATE metadata_objects SET owner_id = $1, modified = $2, modified_by = $1 \
                 WHERE owner_id = $3",
            )
            .bind(to_id)
            .bind(modified)
            .bind(from_id)
            .execute(&mut **tx)
            .await
            .map_err(db_error)?
            .rows_affected();
        }
        Some(ids) => {
            for chunk in ids.chunks(INSERT_CHUNK) {
                let sql = format!(
                    "UPDATE metadata_objects SET owner_id = $1, modified = $2, modified_by = $1 \
                     WHERE owner_id = $3 AND (id IN ({list}) OR parent_id IN ({list}))",
                    list = list_placeholders(4, chunk.len())
                );
                let mut query = sqlx::query(AssertSqlSafe(sql))
                    .bind(to_id)
                    .bind(modified)
                    .bind(from_id);
                for id in chunk {
                    query = query.bind(id.as_str());
                }
                moved += query
                    .execute(&mut **tx)
                    .await
                    .map_err(db_error)?
                    .rows_affected();
            }
        }
    }
    catalog_sql::refresh_readers(tx, &touched).await?;
    Ok(moved)
}

/// [`DirectoryTx`] on a transaction of `SqlStore::lock_directory`.
struct SqlDirectoryTx {
    tx: Transaction<'static, Any>,
    backend: Backend,
    version: i64,
}

#[async_trait]
impl DirectoryTx for SqlDirectoryTx {
    fn version(&self) -> i64 {
        self.version
    }

    async fn principals(&mut self) -> Result<Vec<Principal>> {
        fetch_principals(&mut *self.tx).await
    }

    async fn memberships(&mut self) -> Result<Vec<Membership>> {
        fetch_memberships(&mut *self.tx).await
    }

    async fn principal_by_id(&mut self, id: &str) -> Result<Option<Principal>> {
        fetch_principal_by_id(&mut *self.tx, id).await
    }

    async fn principal_by_name(
        &mut self,
        kind: PrincipalKind,
        name: &str,
    ) -> Result<Option<Principal>> {
        fetch_principal_by_name(&mut *self.tx, kind, name).await
    }

    async fn apply(&mut self, changes: &PrincipalChanges) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        apply_changes(self.backend, &mut self.tx, changes)
            .await
            .map_err(|err| contention(self.backend, DIRECTORY, err))
    }

    async fn set_group_privilege(
        &mut self,
        group_ids: &[String],
        privilege: &str,
        granted: bool,
    ) -> Result<()> {
        write_group_privilege(&mut self.tx, group_ids, privilege, granted)
            .await
            .map_err(|err| contention(self.backend, DIRECTORY, err))
    }

    async fn commit(self: Box<Self>) -> Result<()> {
        let Self { tx, backend, .. } = *self;
        tx.commit().await.map_err(directory_error(backend))
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn principals(&self) -> Result<Vec<Principal>> {
        fetch_principals(&self.pool).await
    }

    async fn memberships(&self) -> Result<Vec<Membership>> {
        fetch_memberships(&self.pool).await
    }

    async fn directory_version(&self) -> Result<i64> {
        sqlx::query("SELECT version FROM directory_version WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(db_error)?
            .try_get("version")
            .map_err(db_error)
    }

    async fn group_privileges(&self) -> Result<Vec<GroupPrivilege>> {
        sqlx::query("SELECT group_id, privilege FROM group_privileges")
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?
            .iter()
            .map(|row| {
                Ok(GroupPrivilege {
                    group_id: row.try_get("group_id").map_err(db_error)?,
                    privilege: row.try_get("privilege").map_err(db_error)?,
                })
            })
            .collect()
    }

    async fn principal_by_name(
        &self,
        kind: PrincipalKind,
        name: &str,
    ) -> Result<Option<Principal>> {
        fetch_principal_by_name(&self.pool, kind, name).await
    }

    async fn principal_by_id(&self, id: &str) -> Result<Option<Principal>> {
        fetch_principal_by_id(&self.pool, id).await
    }

    async fn ancestor_groups(&self, principal_id: &str) -> Result<Vec<String>> {
        // UNION (not UNION ALL) ends the recursion even if the data ever held a cycle.
        sqlx::query(
            "WITH RECURSIVE ancestors (id) AS ( \
                 SELECT group_id FROM memberships WHERE member_id = $1 \
                 UNION \
                 SELECT m.group_id FROM memberships m JOIN ancestors a ON m.member_id = a.id \
             ) SELECT id FROM ancestors",
        )
        .bind(principal_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?
        .iter()
        .map(|row| row.try_get("id").map_err(db_error))
        .collect()
    }

    async fn privileges_of_groups(&self, group_ids: &[String]) -> Result<Vec<String>> {
        if group_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT DISTINCT privilege FROM group_privileges WHERE group_id IN ({})",
            list_placeholders(1, group_ids.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in group_ids {
            query = query.bind(id.as_str());
        }
        query
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?
            .iter()
            .map(|row| row.try_get("privilege").map_err(db_error))
            .collect()
    }

    async fn apply_principal_changes(&self, changes: &PrincipalChanges) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut directory = self.begin_directory().await?;
        directory.apply(changes).await?;
        directory.commit().await
    }

    async fn begin_directory(&self) -> Result<Box<dyn DirectoryTx>> {
        let (tx, version) = self.lock_directory().await?;
        Ok(Box::new(SqlDirectoryTx {
            tx,
            backend: self.backend,
            version,
        }))
    }

    async fn set_password_hash(
        &self,
        user_id: &str,
        hash: &str,
        modified: EpochMillis,
    ) -> Result<()> {
        let fail = directory_error(self.backend);
        let (mut tx, _) = self.lock_directory().await?;
        sqlx::query("UPDATE principals SET password_hash = $1, modified = $2 WHERE id = $3")
            .bind(hash)
            .bind(modified)
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        bump_directory_version(&mut tx)
            .await
            .map_err(|err| contention(self.backend, DIRECTORY, err))?;
        tx.commit().await.map_err(fail)
    }

    async fn set_group_privilege(
        &self,
        group_ids: &[String],
        privilege: &str,
        granted: bool,
    ) -> Result<()> {
        let mut directory = self.begin_directory().await?;
        directory
            .set_group_privilege(group_ids, privilege, granted)
            .await?;
        directory.commit().await
    }

    async fn insert_session(&self, session: &Session) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (id, user_id, created, last_seen, persistent, expires) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(session.id.as_str())
        .bind(session.user_id.as_str())
        .bind(session.created)
        .bind(session.last_seen)
        .bind(session.persistent as i64)
        .bind(session.expires)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn session(&self, id: &str) -> Result<Option<Session>> {
        sqlx::query(
            "SELECT id, user_id, created, last_seen, persistent, expires FROM sessions WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?
        .as_ref()
        .map(session_from_row)
        .transpose()
    }

    async fn touch_session(&self, id: &str, last_seen: EpochMillis) -> Result<()> {
        sqlx::query("UPDATE sessions SET last_seen = $1 WHERE id = $2")
            .bind(last_seen)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn delete_session(&self, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn delete_user_sessions(&self, user_id: &str, keep: Option<&str>) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
            .bind(user_id)
            .bind(keep.unwrap_or(""))
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn delete_expired_sessions(
        &self,
        now: EpochMillis,
        idle_cutoff: EpochMillis,
    ) -> Result<u64> {
        let result = sqlx::query(
            "DELETE FROM sessions WHERE expires <= $1 OR (persistent = $2 AND last_seen < $3)",
        )
        .bind(now)
        .bind(0_i64)
        .bind(idle_cutoff)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(result.rows_affected())
    }

    async fn object(&self, id: &str) -> Result<Option<ObjectRecord>> {
        catalog_sql::object(&self.pool, id).await
    }

    async fn objects_named(&self, object_type: &str, name: &str) -> Result<Vec<ObjectRecord>> {
        catalog_sql::objects_named(&self.pool, object_type, name).await
    }

    async fn objects_by_ids(&self, ids: &[String]) -> Result<Vec<ObjectRecord>> {
        catalog_sql::objects_by_ids(&self.pool, ids).await
    }

    async fn child_objects(&self, parent_id: &str) -> Result<Vec<ObjectRecord>> {
        catalog_sql::child_objects(&self.pool, parent_id).await
    }

    async fn write_objects(&self, writes: &[ObjectWrite]) -> Result<()> {
        let writes: Vec<(&ObjectWrite, ExpectedObject)> = writes
            .iter()
            .map(|write| (write, ExpectedObject::Anything))
            .collect();
        self.write_checked(&writes).await
    }

    async fn write_objects_expecting(
        &self,
        writes: &[(ObjectWrite, ExpectedObject)],
    ) -> Result<()> {
        let writes: Vec<(&ObjectWrite, ExpectedObject)> = writes
            .iter()
            .map(|(write, expected)| (write, *expected))
            .collect();
        self.write_checked(&writes).await
    }

    async fn visualizations(&self, parent_id: &str) -> Result<Vec<VisualizationRecord>> {
        catalog_sql::visualizations(&self.pool, parent_id).await
    }

    async fn visualization(&self, id: &str) -> Result<Option<VisualizationRecord>> {
        catalog_sql::visualization(&self.pool, id).await
    }

    async fn can_read(&self, object_id: &str, viewer: &Viewer) -> Result<bool> {
        catalog_sql::can_read(&self.pool, object_id, viewer).await
    }

    async fn list_headers(&self, query: &HeaderQuery) -> Result<Vec<HeaderRow>> {
        catalog_sql::list_headers(&self.pool, self.backend, query).await
    }

    async fn list_principal_headers(
        &self,
        kind: PrincipalKind,
        query: &HeaderQuery,
    ) -> Result<Vec<HeaderRow>> {
        catalog_sql::list_principal_headers(&self.pool, kind, query).await
    }

    async fn shares(&self, object_id: &str) -> Result<Vec<(String, SharePermission)>> {
        catalog_sql::shares(&self.pool, object_id).await
    }

    async fn set_shares(
        &self,
        object_ids: &[String],
        changes: &[(String, Option<SharePermission>)],
    ) -> Result<()> {
        let tx = self
            .begin_write()
            .await
            .map_err(|err| contention(self.backend, SHARING, err))?;
        catalog_sql::set_shares(tx, object_ids, changes)
            .await
            .map_err(|err| contention(self.backend, SHARING, err))
    }

    async fn object_counts(&self) -> Result<Vec<(String, Option<String>, i64)>> {
        sqlx::query(
            "SELECT object_type, subtype, COUNT(*) AS n FROM metadata_objects \
             WHERE parent_id IS NULL GROUP BY object_type, subtype ORDER BY object_type, subtype",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?
        .iter()
        .map(|row| {
            Ok((
                row.try_get("object_type").map_err(db_error)?,
                row.try_get("subtype").map_err(db_error)?,
                row.try_get("n").map_err(db_error)?,
            ))
        })
        .collect()
    }

    async fn assign_tags(
        &self,
        object_ids: &[String],
        tag_names: &[String],
        owner_id: &str,
        now: EpochMillis,
    ) -> Result<Vec<String>> {
        let tx = self
            .begin_write()
            .await
            .map_err(|err| contention(self.backend, SHARING, err))?;
        catalog_sql::assign_tags(tx, object_ids, tag_names, owner_id, now)
            .await
            .map_err(|err| contention(self.backend, SHARING, err))
    }

    async fn objects_owned_by(&self, owner_id: &str) -> Result<Vec<String>> {
        sqlx::query(
            "SELECT id FROM metadata_objects WHERE owner_id = $1 AND parent_id IS NULL ORDER BY id",
        )
        .bind(owner_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?
        .iter()
        .map(|row| row.try_get("id").map_err(db_error))
        .collect()
    }

    async fn transfer_ownership(
        &self,
        from_id: &str,
        to_id: &str,
        object_ids: Option<&[String]>,
        modified: EpochMillis,
    ) -> Result<u64> {
        let (mut tx, _) = self.lock_directory().await?;
        let moved = transfer_objects(&mut tx, from_id, to_id, object_ids, modified)
            .await
            .map_err(|err| contention(self.backend, OWNERSHIP, err))?;
        tx.commit().await.map_err(directory_error(self.backend))?;
        Ok(moved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_rows_consecutively() {
        assert_eq!(
            values_placeholders(Backend::Postgres, 2, 2),
            "($1, $2), ($3, $4)"
        );
        assert_eq!(values_placeholders(Backend::Sqlite, 2, 2), "(?, ?), (?, ?)");
        assert_eq!(list_placeholders(3, 2), "$3, $4");
    }

    #[test]
    fn sqlite_urls_yield_their_file() {
        assert_eq!(
            sqlite_path("sqlite://data/x.db?mode=rwc"),
            Some(Path::new("data/x.db"))
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(
            crate::redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
    }
}
