-- +goose Up
-- The audit log: append-only and hash-chained. seq is assigned by
-- audit.Append as the previous seq + 1, so a gap means a deleted row.
CREATE TABLE audit_events (
    seq            INTEGER PRIMARY KEY,
    ts             TEXT    NOT NULL,            -- UTC, RFC 3339 with nanoseconds
    actor_id       INTEGER,                     -- NULL for the system and unknown users
    actor_username TEXT    NOT NULL DEFAULT '',
    actor_role     TEXT    NOT NULL DEFAULT '',
    session_hash   TEXT    NOT NULL DEFAULT '',
    client_ip      TEXT    NOT NULL DEFAULT '',
    user_agent     TEXT    NOT NULL DEFAULT '',
    request_id     TEXT    NOT NULL DEFAULT '',
    action         TEXT    NOT NULL,
    region         TEXT    NOT NULL DEFAULT '',
    cluster        TEXT    NOT NULL DEFAULT '',
    change_id      INTEGER,
    params         TEXT    NOT NULL DEFAULT '{}', -- JSON object
    outcome        TEXT    NOT NULL CHECK (outcome IN ('success', 'failure', 'unknown')),
    aws_request_id TEXT    NOT NULL DEFAULT '',
    error_code     TEXT    NOT NULL DEFAULT '',
    error_message  TEXT    NOT NULL DEFAULT '',
    snapshot       TEXT,                        -- JSON of the Cluster the API returned
    prev_hash      TEXT    NOT NULL,
    hash           TEXT    NOT NULL UNIQUE
) STRICT;

CREATE INDEX audit_events_ts      ON audit_events (ts);
CREATE INDEX audit_events_actor   ON audit_events (actor_username, seq);
CREATE INDEX audit_events_action  ON audit_events (action, seq);
CREATE INDEX audit_events_cluster ON audit_events (cluster, region, seq);
CREATE INDEX audit_events_region  ON audit_events (region, seq);
CREATE INDEX audit_events_change  ON audit_events (change_id, seq) WHERE change_id IS NOT NULL;
CREATE INDEX audit_events_outcome ON audit_events (outcome, seq);

-- Every IAM role ARN mentioned in an event's parameters or snapshot, so that
-- "role ARN anywhere" is an index lookup. Written with the event, never after.
CREATE TABLE audit_event_arns (
    arn TEXT    NOT NULL,
    seq INTEGER NOT NULL REFERENCES audit_events (seq),
    PRIMARY KEY (arn, seq)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END;
CREATE TRIGGER audit_event_arns_no_update BEFORE UPDATE ON audit_event_arns
BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END;
CREATE TRIGGER audit_event_arns_no_delete BEFORE DELETE ON audit_event_arns
BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END;

-- +goose Down
DROP TABLE audit_event_arns;
DROP TABLE audit_events;
