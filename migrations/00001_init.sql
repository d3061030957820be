-- +goose Up
-- One row that names this installation; the audit anchors and exports
-- carry its id so that files from two installations cannot be mixed up.
CREATE TABLE instance (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    uuid       TEXT    NOT NULL,
    created_at TEXT    NOT NULL
) STRICT;

INSERT INTO instance (id, uuid, created_at)
VALUES (1, lower(hex(randomblob(16))), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- +goose Down
DROP TABLE instance;
