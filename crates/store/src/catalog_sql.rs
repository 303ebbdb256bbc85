//! The catalog's statements: metadata objects, visualizations, shares, tags and header
//! listings. [`crate::SqlStore`] delegates its catalog methods here.

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, AssertSqlSafe, Row, Transaction};

use crate::model::*;
use crate::sql::{Backend, INSERT_CHUNK, db_error, flag, list_placeholders, values_placeholders};
use crate::{Error, Result};

const OBJECT_COLUMNS: &str = "o.id, o.object_type, o.subtype, o.name, o.description, o.owner_id, \
     o.created, o.modified, o.modified_by, o.is_auto_created, o.parent_id, o.position, \
     o.definition, o.tml";

fn object_from_row(row: &AnyRow) -> Result<ObjectRecord> {
    Ok(ObjectRecord {
        id: row.try_get("id").map_err(db_error)?,
        object_type: row.try_get("object_type").map_err(db_error)?,
        subtype: row.try_get("subtype").map_err(db_error)?,
        name: row.try_get("name").map_err(db_error)?,
        description: row.try_get("description").map_err(db_error)?,
        owner_id: row.try_get("owner_id").map_err(db_error)?,
        created: row.try_get("created").map_err(db_error)?,
        modified: row.try_get("modified").map_err(db_error)?,
        modified_by: row.try_get("modified_by").map_err(db_error)?,
        is_auto_created: flag(row, "is_auto_created")?,
        parent_id: row.try_get("parent_id").map_err(db_error)?,
        position: row.try_get("position").map_err(db_error)?,
        definition: row.try_get("definition").map_err(db_error)?,
        tml: row.try_get("tml").map_err(db_error)?,
    })
}

fn visualization_from_row(row: &AnyRow) -> Result<VisualizationRecord> {
    Ok(VisualizationRecord {
        id: row.try_get("id").map_err(db_error)?,
        parent_id: row.try_get("parent_id").map_err(db_error)?,
        position: row.try_get("position").map_err(db_error)?,
        tml_id: row.try_get("tml_id").map_err(db_error)?,
        name: row.try_get("name").map_err(db_error)?,
        viz_type: row.try_get("viz_type").map_err(db_error)?,
        created: row.try_get("created").map_err(db_error)?,
        modified: row.try_get("modified").map_err(db_error)?,
        modified_by: row.try_get("modified_by").map_err(db_error)?,
        definition: row.try_get("definition").map_err(db_error)?,
    })
}

/// A value bound to a dynamically built statement.
#[derive(Debug, Clone)]
enum Bind {
    Text(String),
    Int(i64),
}

/// A statement built piece by piece, numbering its `$n` placeholders.
#[derive(Default)]
struct Statement {
    sql: String,
    binds: Vec<Bind>,
}

impl Statement {
    fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    fn bind_text(&mut self, value: impl Into<String>) -> &mut Self {
        self.binds.push(Bind::Text(value.into()));
        self.sql.push_str(&format!("${}", self.binds.len()));
        self
    }

    fn bind_int(&mut self, value: i64) -> &mut Self {
        self.binds.push(Bind::Int(value));
        self.sql.push_str(&format!("${}", self.binds.len()));
        self
    }

    /// `$a, $b, …` for a list of texts.
    fn bind_list(&mut self, values: &[String]) -> &mut Self {
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.bind_text(value.clone());
        }
        self
    }

    /// Runs the statement unprepared (`persistent(false)`): its text varies with every
    /// list's length, so caching it would only crowd out the fixed statements, and
    /// PostgreSQL plans an unprepared statement for its actual values. A cached one gets a
    /// generic plan after five runs, and for `object_tags` by 100 object ids that plan
    /// scanned the table: 45 ms instead of under 1 ms per listing page.
    async fn fetch_all(self, pool: &AnyPool) -> Result<Vec<AnyRow>> {
        let mut query = sqlx::query(AssertSqlSafe(self.sql)).persistent(false);
        for bind in self.binds {
            query = match bind {
                Bind::Text(text) => query.bind(text),
                Bind::Int(int) => query.bind(int),
            };
        }
        query.fetch_all(pool).await.map_err(db_error)
    }
}

/// Appends the visibility condition on `o` for a viewer who does not see everything: the
/// owner, or a share with the user or one of its groups (columns follow their parent).
fn push_visibility(statement: &mut Statement, viewer: &Viewer) {
    if viewer.sees_everything {
        return;
    }
    statement
        .push(" AND (o.owner_id = ")
        .bind_text(viewer.user_id.clone());
    if !viewer.principal_ids.is_empty() {
        statement.push(
            " OR EXISTS (SELECT 1 FROM object_shares s \
             WHERE s.object_id = COALESCE(o.parent_id, o.id) AND s.principal_id IN (",
        );
        statement.bind_list(&viewer.principal_ids).push("))");
    }
    statement.push(")");
}

/// Escapes `_` and `\` so that only `%` is a wildcard in a LIKE pattern.
pub(crate) fn like_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    for c in pattern.to_lowercase().chars() {
        if c == '_' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub(crate) async fn object(pool: &AnyPool, id: &str) -> Result<Option<ObjectRecord>> {
    let sql = format!("SELECT {OBJECT_COLUMNS} FROM metadata_objects o WHERE o.id = $1");
    sqlx::query(AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(pool)
        .await
        .map_err(db_error)?
        .as_ref()
        .map(object_from_row)
        .transpose()
}

pub(crate) async fn objects_named(
    pool: &AnyPool,
    object_type: &str,
    name: &str,
) -> Result<Vec<ObjectRecord>> {
    let sql = format!(
        "SELECT {OBJECT_COLUMNS} FROM metadata_objects o \
         WHERE o.object_type = $1 AND o.name_key = $2 ORDER BY o.created, o.id"
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(object_type)
        .bind(name.to_lowercase())
        .fetch_all(pool)
        .await
        .map_err(db_error)?
        .iter()
        .map(object_from_row)
        .collect()
}

/// Ids bound per `IN (…)` list: far below SQLite's 32,766 bound variables, however long
/// the list a caller asks about (a page of `listobjectheaders` may hold every object).
const IDS_PER_STATEMENT: usize = 500;

pub(crate) async fn objects_by_ids(pool: &AnyPool, ids: &[String]) -> Result<Vec<ObjectRecord>> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        let mut statement = Statement::default();
        statement
            .push(&format!(
                "SELECT {OBJECT_COLUMNS} FROM metadata_objects o WHERE o.id IN ("
            ))
            .bind_list(chunk)
            .push(")");
        for row in statement.fetch_all(pool).await? {
            found.push(object_from_row(&row)?);
        }
    }
    Ok(found)
}

pub(crate) async fn child_objects(pool: &AnyPool, parent_id: &str) -> Result<Vec<ObjectRecord>> {
    let sql = format!(
        "SELECT {OBJECT_COLUMNS} FROM metadata_objects o WHERE o.parent_id = $1 ORDER BY o.position"
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(parent_id)
        .fetch_all(pool)
        .await
        .map_err(db_error)?
        .iter()
        .map(object_from_row)
        .collect()
}

/// `INSERT INTO metadata_objects … VALUES …` (every column), then `$conflict`.
macro_rules! insert_object_sql {
    ($conflict:literal) => {
        concat!(
            "INSERT INTO metadata_objects (id, object_type, subtype, name, name_key, description, \
             owner_id, created, modified, modified_by, is_auto_created, parent_id, position, \
             definition, tml) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ",
            $conflict
        )
    };
}

async fn upsert_object(tx: &mut Transaction<'static, Any>, o: &ObjectRecord) -> Result<()> {
    insert_object(tx, o, true).await?;
    Ok(())
}

/// Inserts an object; one whose id exists is updated (`update_existing`), keeping its owner
/// and `created`, or left alone. Returns whether a row was written.
async fn insert_object(
    tx: &mut Transaction<'static, Any>,
    o: &ObjectRecord,
    update_existing: bool,
) -> Result<bool> {
    let statement = if update_existing {
        insert_object_sql!(
            "ON CONFLICT (id) DO UPDATE SET object_type = excluded.object_type, \
             subtype = excluded.subtype, name = excluded.name, name_key = excluded.name_key, \
             description = excluded.description, modified = excluded.modified, \
             modified_by = excluded.modified_by, is_auto_created = excluded.is_auto_created, \
             parent_id = excluded.parent_id, position = excluded.position, \
             definition = excluded.definition, tml = excluded.tml"
        )
    } else {
        insert_object_sql!("ON CONFLICT (id) DO NOTHING")
    };
    let written = sqlx::query(statement)
        .bind(o.id.as_str())
        .bind(o.object_type.as_str())
        .bind(o.subtype.as_deref())
        .bind(o.name.as_str())
        .bind(o.name.to_lowercase())
        .bind(o.description.as_deref())
        .bind(o.owner_id.as_str())
        .bind(o.created)
        .bind(o.modified)
        .bind(o.modified_by.as_str())
        .bind(o.is_auto_created as i64)
        .bind(o.parent_id.as_deref())
        .bind(o.position)
        .bind(o.definition.as_deref())
        .bind(o.tml.as_deref())
        .execute(&mut **tx)
        .await
        .map_err(db_error)?
        .rows_affected();
    Ok(written > 0)
}

/// Deletes the rows of `table` under `parent_id` whose id is not in `keep`.
async fn delete_other_children(
    tx: &mut Transaction<'static, Any>,
    table: &str,
    parent_id: &str,
    keep: &[&str],
) -> Result<()> {
    let mut sql = format!("DELETE FROM {table} WHERE parent_id = $1");
    if !keep.is_empty() {
        sql.push_str(&format!(
            " AND id NOT IN ({})",
            list_placeholders(2, keep.len())
        ));
    }
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(parent_id);
    for id in keep {
        query = query.bind(*id);
    }
    query.execute(&mut **tx).await.map_err(db_error)?;
    Ok(())
}

/// Gives `principal` a read row on one object (none for a column, which follows its
/// parent; none twice). One object per statement, by primary key: the plan cannot go
/// wrong on a table whose statistics lag behind a bulk import.
async fn add_reader(
    tx: &mut Transaction<'static, Any>,
    object_id: &str,
    principal: &str,
) -> Result<()> {
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO object_readers \
         (object_id, principal_id, object_type, name_key, created, modified) \
         SELECT id, $2, object_type, name_key, created, modified FROM metadata_objects \
         WHERE id = $1 AND object_type <> '{CHILD_OBJECT_TYPE}' ON CONFLICT DO NOTHING",
    )))
    .bind(object_id)
    .bind(principal)
    .execute(&mut **tx)
    .await
    .map_err(db_error)?;
    Ok(())
}

/// The ids of every object (columns included) these users own, read before an ownership
/// change so that [`refresh_readers`] can follow it.
pub(crate) async fn ids_owned_by(
    tx: &mut Transaction<'static, Any>,
    owner_ids: &[&str],
) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    for chunk in owner_ids.chunks(IDS_PER_STATEMENT) {
        let sql = format!(
            "SELECT id FROM metadata_objects WHERE owner_id IN ({})",
            list_placeholders(1, chunk.len())
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).persistent(false);
        for owner in chunk {
            query = query.bind(*owner);
        }
        for row in query.fetch_all(&mut **tx).await.map_err(db_error)? {
            ids.push(row.try_get("id").map_err(db_error)?);
        }
    }
    Ok(ids)
}

/// Rewrites the `object_readers` rows of many objects from their owner and shares (after
/// their owner changed), in chunks.
pub(crate) async fn refresh_readers(
    tx: &mut Transaction<'static, Any>,
    object_ids: &[String],
) -> Result<()> {
    for chunk in object_ids.chunks(IDS_PER_STATEMENT) {
        let ids = list_placeholders(1, chunk.len());
        let statements = [
            format!("DELETE FROM object_readers WHERE object_id IN ({ids})"),
            format!(
                "INSERT INTO object_readers \
                 (object_id, principal_id, object_type, name_key, created, modified) \
                 SELECT id, owner_id, object_type, name_key, created, modified \
                 FROM metadata_objects WHERE id IN ({ids}) \
                 AND object_type <> '{CHILD_OBJECT_TYPE}'"
            ),
            format!(
                "INSERT INTO object_readers \
                 (object_id, principal_id, object_type, name_key, created, modified) \
                 SELECT o.id, s.principal_id, o.object_type, o.name_key, o.created, o.modified \
                 FROM object_shares s JOIN metadata_objects o ON o.id = s.object_id \
                 WHERE o.id IN ({ids}) AND o.object_type <> '{CHILD_OBJECT_TYPE}' \
                 AND s.principal_id <> o.owner_id"
            ),
        ];
        for sql in statements {
            // Unprepared, like `Statement::fetch_all`: planned for these ids.
            let mut query = sqlx::query(AssertSqlSafe(sql)).persistent(false);
            for id in chunk {
                query = query.bind(id.as_str());
            }
            query.execute(&mut **tx).await.map_err(db_error)?;
        }
    }
    Ok(())
}

/// Inserts the `object_readers` rows of new objects, `(object, principal)` pairs, in
/// multi-row statements.
async fn insert_readers(
    backend: Backend,
    tx: &mut Transaction<'static, Any>,
    rows: &[(&ObjectRecord, &str)],
) -> Result<()> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        let sql = format!(
            "INSERT INTO object_readers \
             (object_id, principal_id, object_type, name_key, created, modified) VALUES {} \
             ON CONFLICT DO NOTHING",
            values_placeholders(backend, chunk.len(), 6)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (object, principal) in chunk {
            query = query
                .bind(object.id.as_str())
                .bind(*principal)
                .bind(object.object_type.as_str())
                .bind(object.name.to_lowercase())
                .bind(object.created)
                .bind(object.modified);
        }
        query.execute(&mut **tx).await.map_err(db_error)?;
    }
    Ok(())
}

/// The `modified` time of a stored object (`None`: there is none). With `lock`, on
/// PostgreSQL, its row stays locked until the transaction ends.
async fn stored_modified(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    id: &str,
    lock: bool,
) -> Result<Option<EpochMillis>> {
    let statement = if lock && backend == Backend::Postgres {
        "SELECT modified FROM metadata_objects WHERE id = $1 FOR UPDATE"
    } else {
        "SELECT modified FROM metadata_objects WHERE id = $1"
    };
    let row = sqlx::query(statement)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db_error)?;
    row.map(|row| row.try_get("modified").map_err(db_error))
        .transpose()
}

/// Writes objects in `tx` and commits it, if each is as its writer expected: a write that
/// expects no object finds none (its insert adds the row), and one that expects an object
/// finds it with the `modified` time it read (locked until the commit, on PostgreSQL).
/// Otherwise nothing is written and the answer is [`Error::ConcurrentChange`].
pub(crate) async fn write_objects(
    backend: Backend,
    mut tx: Transaction<'static, Any>,
    writes: &[(&ObjectWrite, ExpectedObject)],
) -> Result<()> {
    let changed = |id: &str| Error::concurrent_change(format!("the object '{id}'"));
    let mut new_readers: Vec<(&ObjectRecord, &str)> = Vec::new();
    for &(write, expected) in writes {
        let id = write.object.id.as_str();
        let existed = match expected {
            ExpectedObject::Anything => {
                let stored = stored_modified(&mut tx, backend, id, false).await?;
                upsert_object(&mut tx, &write.object).await?;
                stored.is_some()
            }
            ExpectedObject::Absent => {
                // On PostgreSQL the insert waits for another transaction inserting this id.
                if !insert_object(&mut tx, &write.object, false).await? {
                    return Err(changed(id));
                }
                false
            }
            ExpectedObject::Modified(modified) => {
                if stored_modified(&mut tx, backend, id, true).await? != Some(modified) {
                    return Err(changed(id));
                }
                upsert_object(&mut tx, &write.object).await?;
                true
            }
        };

        let keep: Vec<&str> = write.columns.iter().map(|c| c.id.as_str()).collect();
        delete_other_children(&mut tx, "metadata_objects", &write.object.id, &keep).await?;
        for column in &write.columns {
            upsert_object(&mut tx, column).await?;
        }

        if let Some(visualizations) = &write.visualizations {
            let keep: Vec<&str> = visualizations.iter().map(|v| v.id.as_str()).collect();
            delete_other_children(&mut tx, "visualizations", &write.object.id, &keep).await?;
            for v in visualizations {
                sqlx::query(
                    "INSERT INTO visualizations (id, parent_id, position, tml_id, name, viz_type, \
                     created, modified, modified_by, definition) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                     ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, \
                     position = excluded.position, tml_id = excluded.tml_id, name = excluded.name, \
                     viz_type = excluded.viz_type, modified = excluded.modified, \
                     modified_by = excluded.modified_by, definition = excluded.definition",
                )
                .bind(v.id.as_str())
                .bind(v.parent_id.as_str())
                .bind(v.position)
                .bind(v.tml_id.as_str())
                .bind(v.name.as_str())
                .bind(v.viz_type.as_str())
                .bind(v.created)
                .bind(v.modified)
                .bind(v.modified_by.as_str())
                .bind(v.definition.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
            }
        }

        if existed {
            // Owner, shares and `created` stay (as `upsert_object` keeps them); the other
            // sort keys follow the object.
            let o = &write.object;
            sqlx::query(
                "UPDATE object_readers SET object_type = $2, name_key = $3, modified = $4 \
                 WHERE object_id = $1",
            )
            .bind(o.id.as_str())
            .bind(o.object_type.as_str())
            .bind(o.name.to_lowercase())
            .bind(o.modified)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        } else {
            let o = &write.object;
            if o.object_type != CHILD_OBJECT_TYPE {
                new_readers.push((o, o.owner_id.as_str()));
                for (principal, _) in &write.initial_shares {
                    if *principal != o.owner_id {
                        new_readers.push((o, principal.as_str()));
                    }
                }
            }
            for (principal, permission) in &write.initial_shares {
                sqlx::query(
                    "INSERT INTO object_shares (object_id, principal_id, permission) \
                     VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(write.object.id.as_str())
                .bind(principal.as_str())
                .bind(permission.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
            }
        }
    }
    insert_readers(backend, &mut tx, &new_readers).await?;
    tx.commit().await.map_err(db_error)
}

pub(crate) async fn visualizations(
    pool: &AnyPool,
    parent_id: &str,
) -> Result<Vec<VisualizationRecord>> {
    sqlx::query(
        "SELECT id, parent_id, position, tml_id, name, viz_type, created, modified, modified_by, \
         definition FROM visualizations WHERE parent_id = $1 ORDER BY position",
    )
    .bind(parent_id)
    .fetch_all(pool)
    .await
    .map_err(db_error)?
    .iter()
    .map(visualization_from_row)
    .collect()
}

pub(crate) async fn visualization(pool: &AnyPool, id: &str) -> Result<Option<VisualizationRecord>> {
    sqlx::query(
        "SELECT id, parent_id, position, tml_id, name, viz_type, created, modified, modified_by, \
         definition FROM visualizations WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
    .map_err(db_error)?
    .as_ref()
    .map(visualization_from_row)
    .transpose()
}

pub(crate) async fn can_read(pool: &AnyPool, object_id: &str, viewer: &Viewer) -> Result<bool> {
    let mut statement = Statement::default();
    statement
        .push("SELECT o.id FROM metadata_objects o WHERE o.id = ")
        .bind_text(object_id);
    push_visibility(&mut statement, viewer);
    Ok(!statement.fetch_all(pool).await?.is_empty())
}

/// ` ORDER BY key, id` for a header sort; `prefix` qualifies the columns (`"o."` or `""`).
fn order_clause(
    sort: HeaderSort,
    ascending: bool,
    prefix: &str,
    name: &str,
    author: &str,
) -> String {
    let direction = if ascending { "ASC" } else { "DESC" };
    let key = match sort {
        HeaderSort::Name | HeaderSort::DisplayName => format!("{prefix}{name}"),
        HeaderSort::Author => author.to_string(),
        HeaderSort::Created => format!("{prefix}created"),
        HeaderSort::Modified => format!("{prefix}modified"),
    };
    format!(" ORDER BY {key} {direction}, {prefix}id {direction}")
}

/// ` LIMIT n OFFSET m` (no limit: the largest the backends take).
fn push_page(statement: &mut Statement, offset: usize, limit: Option<usize>) {
    let limit = limit.map_or(i64::MAX, |l| i64::try_from(l).unwrap_or(i64::MAX));
    let offset = i64::try_from(offset).unwrap_or(i64::MAX);
    statement
        .push(" LIMIT ")
        .bind_int(limit)
        .push(" OFFSET ")
        .bind_int(offset);
}

fn push_id_filters(statement: &mut Statement, column: &str, query: &HeaderQuery) {
    if let Some(ids) = &query.fetch_ids {
        if ids.is_empty() {
            statement.push(" AND 1 = 0");
        } else {
            statement
                .push(&format!(" AND {column} IN ("))
                .bind_list(ids)
                .push(")");
        }
    }
    if !query.skip_ids.is_empty() {
        statement
            .push(&format!(" AND {column} NOT IN ("))
            .bind_list(&query.skip_ids)
            .push(")");
    }
}

/// The owner's lower-cased name: the author sort key (`pattern` matches it too).
const OWNER_KEY: &str = "LOWER(COALESCE(u.name, ''))";

/// The most principals (a user and its groups) whose `object_readers` rows one listing
/// merges; a viewer in more groups is served by testing each object's visibility instead
/// (SQLite allows 500 terms in a compound SELECT).
const MAX_MERGED_PRINCIPALS: usize = 64;

/// The `object_readers` column a sort reads in order, when the table holds it.
fn readers_sort_column(sort: HeaderSort) -> Option<&'static str> {
    match sort {
        HeaderSort::Name | HeaderSort::DisplayName => Some("name_key"),
        HeaderSort::Created => Some("created"),
        HeaderSort::Modified => Some("modified"),
        HeaderSort::Author => None,
    }
}

/// The principals whose readable objects a viewer sees: the user and its groups, once each.
fn viewer_principals(viewer: &Viewer) -> Vec<String> {
    let mut principals = vec![viewer.user_id.clone()];
    for id in &viewer.principal_ids {
        if !principals.contains(id) {
            principals.push(id.clone());
        }
    }
    principals
}

/// Whether a listing's page comes from merging the viewer's `object_readers` rows: for a
/// viewer who does not see everything, over top-level objects (columns follow their
/// parent and have no rows there), in a sort the table holds, and without id lists (each
/// merged principal would bind the whole list again).
fn pages_from_readers(query: &HeaderQuery) -> bool {
    !query.viewer.sees_everything
        && query.object_type != CHILD_OBJECT_TYPE
        && readers_sort_column(query.sort).is_some()
        && query.fetch_ids.is_none()
        && query.skip_ids.is_empty()
        && viewer_principals(&query.viewer).len() <= MAX_MERGED_PRINCIPALS
}

/// The one object type whose objects have a parent (columns, which follow its sharing);
/// `object_readers` holds no rows for it.
const CHILD_OBJECT_TYPE: &str = "LOGICAL_COLUMN";

/// Whether the listing filters on more than type and visibility.
fn has_object_filters(query: &HeaderQuery) -> bool {
    !query.subtypes.is_empty()
        || query.owner_id.is_some()
        || query.pattern.is_some()
        || !query.tag_names.is_empty()
        || query.fetch_ids.is_some()
        || !query.skip_ids.is_empty()
        || query.auto_created.is_some()
}

/// Appends the listing's filters on the object `o`, each as ` AND …`.
fn push_object_filters(statement: &mut Statement, query: &HeaderQuery) {
    if !query.subtypes.is_empty() {
        statement
            .push(" AND o.subtype IN (")
            .bind_list(&query.subtypes)
            .push(")");
    }
    if let Some(owner) = &query.owner_id {
        statement
            .push(" AND o.owner_id = ")
            .bind_text(owner.clone());
    }
    if let Some(pattern) = &query.pattern {
        // The matching owners are found once, not joined to every object: a pattern page
        // then walks the name index alone (PostgreSQL: 68 ms → 3 ms at 11,000 matches).
        let pattern = like_pattern(pattern);
        statement
            .push(" AND (o.name_key LIKE ")
            .bind_text(pattern.clone());
        statement
            .push(
                " ESCAPE '\\' OR o.owner_id IN (SELECT p.id FROM principals p \
                 WHERE LOWER(p.name) LIKE ",
            )
            .bind_text(pattern);
        statement.push(" ESCAPE '\\'))");
    }
    if !query.tag_names.is_empty() {
        let names: Vec<String> = query.tag_names.iter().map(|t| t.to_lowercase()).collect();
        // From the tags to their objects (a tag holds few of a catalog's objects).
        statement.push(
            " AND o.id IN (SELECT t.object_id FROM object_tags t \
             JOIN metadata_objects g ON g.id = t.tag_id \
             WHERE g.object_type = 'TAG' AND g.name_key IN (",
        );
        statement.bind_list(&names).push("))");
    }
    push_id_filters(statement, "o.id", query);
    if let Some(auto) = query.auto_created {
        statement
            .push(" AND o.is_auto_created = ")
            .bind_int(auto as i64);
    }
}

/// The page's ids (`page_id`) read from `metadata_objects` in the order of an
/// `(object_type, key, id)` index, visibility tested on each object: what administrators
/// get, and everything [`pages_from_readers`] does not cover.
fn push_page_from_objects(statement: &mut Statement, query: &HeaderQuery) {
    statement.push("SELECT o.id AS page_id FROM metadata_objects o ");
    if query.sort == HeaderSort::Author {
        statement.push("LEFT JOIN principals u ON u.id = o.owner_id ");
    }
    statement
        .push("WHERE o.object_type = ")
        .bind_text(query.object_type.clone());
    push_visibility(statement, &query.viewer);
    push_object_filters(statement, query);
    statement.push(&order_clause(
        query.sort,
        query.ascending,
        "o.",
        "name_key",
        OWNER_KEY,
    ));
    push_page(statement, query.offset, query.limit);
}

/// The page's ids (`page_id`) as a merge of the viewer's principals' `object_readers` rows,
/// each principal's read in index order, duplicates (an object shared with two of them)
/// dropped, then cut by the OFFSET. Each backend needs its own spelling to merge rather
/// than sort: SQLite merges a compound `UNION … ORDER BY`; PostgreSQL merges a `UNION ALL`
/// of ordered arms (Merge Append) and drops duplicates with `DISTINCT` as they pass.
fn push_page_from_readers(statement: &mut Statement, backend: Backend, query: &HeaderQuery) {
    // Checked by `pages_from_readers`; Name is the harmless fallback.
    let key = readers_sort_column(query.sort).unwrap_or("name_key");
    let direction = if query.ascending { "ASC" } else { "DESC" };
    let order = format!(" ORDER BY page_key {direction}, page_id {direction}");
    let filtered = has_object_filters(query);
    let arms: Vec<String> = viewer_principals(&query.viewer);
    if backend == Backend::Postgres {
        statement.push("SELECT DISTINCT page_key, page_id FROM (");
    }
    for (i, principal) in arms.iter().enumerate() {
        if i > 0 {
            statement.push(match backend {
                Backend::Sqlite => " UNION ",
                Backend::Postgres => " UNION ALL ",
            });
        }
        if backend == Backend::Postgres {
            statement.push("(");
        }
        statement.push(&format!(
            "SELECT r.object_id AS page_id, r.{key} AS page_key FROM object_readers r"
        ));
        if filtered {
            statement.push(" JOIN metadata_objects o ON o.id = r.object_id");
        }
        statement
            .push(" WHERE r.principal_id = ")
            .bind_text(principal.clone())
            .push(" AND r.object_type = ")
            .bind_text(query.object_type.clone());
        if filtered {
            push_object_filters(statement, query);
        }
        if backend == Backend::Postgres {
            statement.push(&order).push(")");
        }
    }
    if backend == Backend::Postgres {
        statement.push(") merged");
    }
    statement.push(&order);
    push_page(statement, query.offset, query.limit);
}

pub(crate) async fn list_headers(
    pool: &AnyPool,
    backend: Backend,
    query: &HeaderQuery,
) -> Result<Vec<HeaderRow>> {
    // Two steps in one statement: the page's ids first, without reading the rows an
    // OFFSET skips; then the headers of those ids only.
    let mut statement = Statement::default();
    statement.push(
        "SELECT o.id AS id, o.object_type AS object_type, o.subtype AS subtype, \
         o.name AS name, o.description AS description, \
         o.owner_id AS owner_id, COALESCE(u.name, '') AS owner_name, o.created AS created, \
         o.modified AS modified, o.modified_by AS modified_by, \
         o.is_auto_created AS is_auto_created FROM (",
    );
    if pages_from_readers(query) {
        push_page_from_readers(&mut statement, backend, query);
    } else {
        push_page_from_objects(&mut statement, query);
    }
    statement.push(
        ") page JOIN metadata_objects o ON o.id = page.page_id \
         LEFT JOIN principals u ON u.id = o.owner_id",
    );
    statement.push(&order_clause(
        query.sort,
        query.ascending,
        "o.",
        "name_key",
        OWNER_KEY,
    ));

    let rows = statement.fetch_all(pool).await?;
    let mut headers = Vec::with_capacity(rows.len());
    for row in &rows {
        headers.push(HeaderRow {
            id: row.try_get("id").map_err(db_error)?,
            object_type: row.try_get("object_type").map_err(db_error)?,
            subtype: row.try_get("subtype").map_err(db_error)?,
            name: row.try_get("name").map_err(db_error)?,
            display_name: None,
            description: row.try_get("description").map_err(db_error)?,
            owner_id: row.try_get("owner_id").map_err(db_error)?,
            owner_name: row.try_get("owner_name").map_err(db_error)?,
            created: row.try_get("created").map_err(db_error)?,
            modified: row.try_get("modified").map_err(db_error)?,
            modified_by: row.try_get("modified_by").map_err(db_error)?,
            is_auto_created: flag(row, "is_auto_created")?,
            tags: Vec::new(),
        });
    }
    attach_tags(pool, &mut headers).await?;
    Ok(headers)
}

/// Fills in each header's tags, with one query per [`IDS_PER_STATEMENT`] headers.
async fn attach_tags(pool: &AnyPool, headers: &mut [HeaderRow]) -> Result<()> {
    let positions: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(position, header)| (header.id.clone(), position))
        .collect();
    let ids: Vec<String> = headers.iter().map(|h| h.id.clone()).collect();
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        let mut statement = Statement::default();
        statement
            .push(
                "SELECT t.object_id AS object_id, g.id AS tag_id, g.name AS tag_name \
                 FROM object_tags t JOIN metadata_objects g ON g.id = t.tag_id \
                 WHERE t.object_id IN (",
            )
            .bind_list(chunk)
            .push(") ORDER BY g.name_key");
        for row in statement.fetch_all(pool).await? {
            let object_id: String = row.try_get("object_id").map_err(db_error)?;
            let tag = (
                row.try_get("tag_id").map_err(db_error)?,
                row.try_get("tag_name").map_err(db_error)?,
            );
            if let Some(&position) = positions.get(&object_id) {
                headers[position].tags.push(tag);
            }
        }
    }
    Ok(())
}

pub(crate) async fn list_principal_headers(
    pool: &AnyPool,
    kind: PrincipalKind,
    query: &HeaderQuery,
) -> Result<Vec<HeaderRow>> {
    let mut statement = Statement::default();
    statement
        .push(
            "SELECT * FROM (SELECT p.id AS id, p.name AS name, LOWER(p.name) AS name_key, \
             p.display_name AS display_name, LOWER(p.display_name) AS display_key, \
             p.description AS description, p.created AS created, p.modified AS modified \
             FROM principals p WHERE p.kind = ",
        )
        .bind_text(kind.as_str());
    if let Some(pattern) = &query.pattern {
        let pattern = like_pattern(pattern);
        statement
            .push(" AND (LOWER(p.name) LIKE ")
            .bind_text(pattern.clone());
        statement
            .push(" ESCAPE '\\' OR LOWER(p.display_name) LIKE ")
            .bind_text(pattern);
        statement.push(" ESCAPE '\\')");
    }
    push_id_filters(&mut statement, "p.id", query);
    statement.push(") listed");
    let name_key = if query.sort == HeaderSort::DisplayName {
        "display_key"
    } else {
        "name_key"
    };
    statement.push(&order_clause(
        query.sort,
        query.ascending,
        "",
        name_key,
        "name_key",
    ));
    push_page(&mut statement, query.offset, query.limit);
    let rows = statement.fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            let id: String = row.try_get("id").map_err(db_error)?;
            Ok(HeaderRow {
                object_type: match kind {
                    PrincipalKind::User => "USER".into(),
                    PrincipalKind::Group => "USER_GROUP".into(),
                },
                subtype: None,
                name: row.try_get("name").map_err(db_error)?,
                display_name: Some(row.try_get("display_name").map_err(db_error)?),
                description: row.try_get("description").map_err(db_error)?,
                owner_id: id.clone(),
                owner_name: String::new(),
                created: row.try_get("created").map_err(db_error)?,
                modified: row.try_get("modified").map_err(db_error)?,
                modified_by: id.clone(),
                is_auto_created: false,
                tags: Vec::new(),
                id,
            })
        })
        .collect()
}

pub(crate) async fn shares(
    pool: &AnyPool,
    object_id: &str,
) -> Result<Vec<(String, SharePermission)>> {
    sqlx::query(
        "SELECT principal_id, permission FROM object_shares WHERE object_id = $1 ORDER BY principal_id",
    )
    .bind(object_id)
    .fetch_all(pool)
    .await
    .map_err(db_error)?
    .iter()
    .map(|row| {
        let permission: String = row.try_get("permission").map_err(db_error)?;
        Ok((row.try_get("principal_id").map_err(db_error)?, SharePermission::from_db(&permission)))
    })
    .collect()
}

pub(crate) async fn set_shares(
    mut tx: Transaction<'static, Any>,
    object_ids: &[String],
    changes: &[(String, Option<SharePermission>)],
) -> Result<()> {
    for object_id in object_ids {
        for (principal, permission) in changes {
            sqlx::query("DELETE FROM object_shares WHERE object_id = $1 AND principal_id = $2")
                .bind(object_id.as_str())
                .bind(principal.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
            // The owner reads its object whatever its shares say.
            sqlx::query(
                "DELETE FROM object_readers WHERE object_id = $1 AND principal_id = $2 \
                 AND NOT EXISTS (SELECT 1 FROM metadata_objects o \
                 WHERE o.id = $1 AND o.owner_id = $2)",
            )
            .bind(object_id.as_str())
            .bind(principal.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
            if let Some(permission) = permission {
                add_reader(&mut tx, object_id, principal).await?;
                sqlx::query(
                    "INSERT INTO object_shares (object_id, principal_id, permission) VALUES ($1, $2, $3)",
                )
                .bind(object_id.as_str())
                .bind(principal.as_str())
                .bind(permission.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
            }
        }
    }
    tx.commit().await.map_err(db_error)
}

pub(crate) async fn assign_tags(
    mut tx: Transaction<'static, Any>,
    object_ids: &[String],
    tag_names: &[String],
    owner_id: &str,
    now: EpochMillis,
) -> Result<Vec<String>> {
    let mut tag_ids = Vec::with_capacity(tag_names.len());
    for name in tag_names {
        let existing = sqlx::query(
            "SELECT id FROM metadata_objects WHERE object_type = 'TAG' AND name_key = $1 \
             ORDER BY created LIMIT 1",
        )
        .bind(name.to_lowercase())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        let id = match existing {
            Some(row) => row.try_get::<String, _>("id").map_err(db_error)?,
            None => {
                let id = uuid::Uuid::new_v4().to_string();
                let tag = ObjectRecord {
                    id: id.clone(),
                    object_type: "TAG".into(),
                    subtype: None,
                    name: name.clone(),
                    description: None,
                    owner_id: owner_id.to_string(),
                    created: now,
                    modified: now,
                    modified_by: owner_id.to_string(),
                    is_auto_created: false,
                    parent_id: None,
                    position: 0,
                    definition: None,
                    tml: None,
                };
                upsert_object(&mut tx, &tag).await?;
                add_reader(&mut tx, &id, owner_id).await?;
                id
            }
        };
        for object_id in object_ids {
            sqlx::query(
                "INSERT INTO object_tags (object_id, tag_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(object_id.as_str())
            .bind(id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(|err| match &err {
                sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                    Error::invalid_parameter("id", object_id.clone(), "ids of existing objects")
                }
                _ => db_error(err),
            })?;
        }
        tag_ids.push(id);
    }
    tx.commit().await.map_err(db_error)?;
    Ok(tag_ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_percent_is_a_wildcard() {
        assert_eq!(like_pattern("Sales_%"), "sales\\_%");
        assert_eq!(like_pattern("a\\b"), "a\\\\b");
    }
}
