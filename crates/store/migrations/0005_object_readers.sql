-- Who may read each object except columns (a column follows its parent's sharing): its
-- owner and every principal it is shared with, one row each, with the object's sort keys
-- copied in.
--
-- Why: a non-administrator's listobjectheaders page used to walk the type's objects in
-- order and test each one's visibility (owner, or a share with the viewer or a group), so a
-- page at offset 50,000 tested 100,000 objects. From this table the page is a merge of the
-- viewer's principals' rows, each read in the order of an index below, and an OFFSET skips
-- index entries. The store rewrites an object's rows in the transaction that changes its
-- owner, shares, name or dates.
CREATE TABLE object_readers (
    object_id    TEXT   NOT NULL REFERENCES metadata_objects (id) ON DELETE CASCADE,
    principal_id TEXT   NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    object_type  TEXT   NOT NULL,
    name_key     TEXT   NOT NULL,
    created      BIGINT NOT NULL,
    modified     BIGINT NOT NULL,
    PRIMARY KEY (object_id, principal_id)
);
CREATE INDEX object_readers_name ON object_readers (principal_id, object_type, name_key, object_id);
CREATE INDEX object_readers_modified ON object_readers (principal_id, object_type, modified, object_id);
CREATE INDEX object_readers_created ON object_readers (principal_id, object_type, created, object_id);

INSERT INTO object_readers (object_id, principal_id, object_type, name_key, created, modified)
SELECT id, owner_id, object_type, name_key, created, modified
FROM metadata_objects
WHERE object_type <> 'LOGICAL_COLUMN';

INSERT INTO object_readers (object_id, principal_id, object_type, name_key, created, modified)
SELECT o.id, s.principal_id, o.object_type, o.name_key, o.created, o.modified
FROM object_shares s JOIN metadata_objects o ON o.id = s.object_id
WHERE o.object_type <> 'LOGICAL_COLUMN' AND s.principal_id <> o.owner_id;
