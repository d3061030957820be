-- +goose Up
-- One row per audit anchor written: its number, the chain head it signs
-- and its own hash. The anchors themselves live in a file outside the
-- database; this record lets verification tell "no anchor written yet"
-- from "the anchor file was deleted or cut short". Written by package
-- audit only, and append-only like the log.
CREATE TABLE audit_anchors (
    n         INTEGER PRIMARY KEY,          -- the anchor's number, from 1
    seq       INTEGER NOT NULL,             -- the chain seq it signs
    hash      TEXT    NOT NULL,             -- the chain hash at seq
    anchor_id TEXT    NOT NULL,             -- SHA-256 of the signed anchor
    at        TEXT    NOT NULL              -- UTC, when it was written
) STRICT;

CREATE TRIGGER audit_anchors_no_update BEFORE UPDATE ON audit_anchors
BEGIN SELECT RAISE(ABORT, 'audit anchors are append-only: UPDATE refused'); END;
CREATE TRIGGER audit_anchors_no_delete BEFORE DELETE ON audit_anchors
BEGIN SELECT RAISE(ABORT, 'audit anchors are append-only: DELETE refused'); END;

-- +goose Down
DROP TABLE audit_anchors;
