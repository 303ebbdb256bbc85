-- Identity: principals (users and groups), nested memberships, group privileges, sessions.
-- Written in the SQL both backends share (SQLite and PostgreSQL): TEXT ids (GUIDs), BIGINT
-- epoch-millisecond timestamps, and flags as BIGINT 0/1 (sqlx's Any driver cannot decode
-- SQLite booleans).

CREATE TABLE principals (
    id             TEXT    PRIMARY KEY,
    kind           TEXT    NOT NULL CHECK (kind IN ('USER', 'GROUP')),
    name           TEXT    NOT NULL,
    display_name   TEXT    NOT NULL,
    description    TEXT,
    mail           TEXT,
    principal_type TEXT    NOT NULL,
    visibility     TEXT    NOT NULL,
    password_hash  TEXT,
    builtin        BIGINT  NOT NULL CHECK (builtin IN (0, 1)),
    can_login      BIGINT  NOT NULL CHECK (can_login IN (0, 1)),
    created        BIGINT  NOT NULL,
    modified       BIGINT  NOT NULL,
    UNIQUE (kind, name)
);

-- A user or group (member) directly inside a group. Membership in the All group is implicit
-- for every user and never stored.
CREATE TABLE memberships (
    member_id TEXT NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    group_id  TEXT NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    PRIMARY KEY (member_id, group_id)
);
CREATE INDEX memberships_group ON memberships (group_id);

CREATE TABLE group_privileges (
    group_id  TEXT NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    privilege TEXT NOT NULL,
    PRIMARY KEY (group_id, privilege)
);

CREATE TABLE sessions (
    id         TEXT    PRIMARY KEY,
    user_id    TEXT    NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    created    BIGINT  NOT NULL,
    last_seen  BIGINT  NOT NULL,
    -- A remember-me session lives until `expires`; the others also end after an idle period.
    persistent BIGINT  NOT NULL CHECK (persistent IN (0, 1)),
    expires    BIGINT  NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
