-- A counter that every change to principals or memberships bumps in the same transaction,
-- so that a reader may cache what it built from the directory (user/list) and know when it
-- is stale, also when several servers share one store.
CREATE TABLE directory_version (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO directory_version (id, version) VALUES (1, 0);
