-- Catalog: metadata objects (connections, tables, worksheets and models, answers, pinboards,
-- their columns, tags), visualizations, sharing and tags.

CREATE TABLE metadata_objects (
    id              TEXT   PRIMARY KEY,
    -- v1 type: DATA_SOURCE, LOGICAL_TABLE, LOGICAL_COLUMN, QUESTION_ANSWER_BOOK,
    -- PINBOARD_ANSWER_BOOK, TAG.
    object_type     TEXT   NOT NULL,
    -- v1 subtype for LOGICAL_TABLE (ONE_TO_ONE_LOGICAL, WORKSHEET); the TML kind otherwise.
    subtype         TEXT,
    name            TEXT   NOT NULL,
    -- Lower-cased name: sorting and pattern matching are case-insensitive.
    name_key        TEXT   NOT NULL,
    description     TEXT,
    -- The owning user; a header's author and owner are both this user.
    owner_id        TEXT   NOT NULL REFERENCES principals (id),
    created         BIGINT NOT NULL,
    modified        BIGINT NOT NULL,
    modified_by     TEXT   NOT NULL,
    is_auto_created BIGINT NOT NULL CHECK (is_auto_created IN (0, 1)),
    -- Columns belong to their table or worksheet; sharing follows the parent.
    parent_id       TEXT   REFERENCES metadata_objects (id) ON DELETE CASCADE,
    position        BIGINT NOT NULL,
    -- The resolved definition (JSON) and the TML document as imported.
    definition      TEXT,
    tml             TEXT
);
CREATE INDEX metadata_objects_type_name ON metadata_objects (object_type, name_key);
CREATE INDEX metadata_objects_owner ON metadata_objects (owner_id);
CREATE INDEX metadata_objects_parent ON metadata_objects (parent_id);

CREATE TABLE visualizations (
    id          TEXT   PRIMARY KEY,
    parent_id   TEXT   NOT NULL REFERENCES metadata_objects (id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    -- The visualization's id inside its pinboard's TML (`Viz_1`).
    tml_id      TEXT   NOT NULL,
    name        TEXT   NOT NULL,
    viz_type    TEXT   NOT NULL,
    created     BIGINT NOT NULL,
    modified    BIGINT NOT NULL,
    modified_by TEXT   NOT NULL,
    definition  TEXT   NOT NULL
);
CREATE INDEX visualizations_parent ON visualizations (parent_id, position);

-- Who else may see an object. The owner always may; administrators see everything.
CREATE TABLE object_shares (
    object_id    TEXT NOT NULL REFERENCES metadata_objects (id) ON DELETE CASCADE,
    principal_id TEXT NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    permission   TEXT NOT NULL CHECK (permission IN ('READ_ONLY', 'MODIFY')),
    PRIMARY KEY (object_id, principal_id)
);
CREATE INDEX object_shares_principal ON object_shares (principal_id);

CREATE TABLE object_tags (
    object_id TEXT NOT NULL REFERENCES metadata_objects (id) ON DELETE CASCADE,
    tag_id    TEXT NOT NULL REFERENCES metadata_objects (id) ON DELETE CASCADE,
    PRIMARY KEY (object_id, tag_id)
);
CREATE INDEX object_tags_tag ON object_tags (tag_id);
