-- +goose NO TRANSACTION
-- A request whose cluster AWS reports as not found ends in its own terminal
-- state, cluster_gone. SQLite cannot change a CHECK constraint in place, so
-- change_requests is rebuilt the way sqlite.org/lang_altertable.html says:
-- foreign keys off (they cannot be switched inside a transaction), then one
-- transaction that copies the rows into the new table and renames it. Rows,
-- ids and the approvals that refer to them are kept as they are.

-- +goose Up
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE change_requests_new (
    id                 INTEGER PRIMARY KEY,
    account            TEXT    NOT NULL DEFAULT '',
    region             TEXT    NOT NULL,
    cluster            TEXT    NOT NULL,
    add_roles          TEXT    NOT NULL DEFAULT '[]',
    remove_roles       TEXT    NOT NULL DEFAULT '[]',
    default_role       TEXT    NOT NULL DEFAULT '',
    reason             TEXT    NOT NULL,
    ticket             TEXT    NOT NULL DEFAULT '',
    requester_id       INTEGER NOT NULL,
    requester_username TEXT    NOT NULL,
    requester_name     TEXT    NOT NULL DEFAULT '',
    base_roles         TEXT    NOT NULL DEFAULT '[]',
    base_default       TEXT    NOT NULL DEFAULT '',
    change_hash        TEXT    NOT NULL,
    risk               TEXT    NOT NULL CHECK (risk IN ('normal', 'high')),
    risk_reasons       TEXT    NOT NULL DEFAULT '[]',
    approvals_required INTEGER NOT NULL CHECK (approvals_required >= 1),
    state              TEXT    NOT NULL CHECK (state IN ('pending', 'approved', 'applying', 'applied', 'in_sync',
                                                         'failed', 'rejected', 'cancelled', 'expired', 'stale', 'superseded',
                                                         'cluster_gone')),
    state_reason       TEXT    NOT NULL DEFAULT '',
    phase              TEXT    NOT NULL DEFAULT '' CHECK (phase IN ('', 'calling', 'waiting', 'following')),
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_at            TEXT    NOT NULL DEFAULT '',
    reissued           INTEGER NOT NULL DEFAULT 0,
    aws_request_id     TEXT    NOT NULL DEFAULT '',
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    expires_at         TEXT    NOT NULL,
    decided_at         TEXT    NOT NULL DEFAULT '',
    decider_username   TEXT    NOT NULL DEFAULT '',
    decision_comment   TEXT    NOT NULL DEFAULT '',
    resubmitted_from   INTEGER REFERENCES change_requests (id),
    superseded_by      INTEGER REFERENCES change_requests (id),
    version            INTEGER NOT NULL DEFAULT 1
) STRICT;
INSERT INTO change_requests_new SELECT * FROM change_requests;
DROP TABLE change_requests;
ALTER TABLE change_requests_new RENAME TO change_requests;
CREATE INDEX change_requests_state     ON change_requests (state, id);
CREATE INDEX change_requests_cluster   ON change_requests (region, cluster, id);
CREATE INDEX change_requests_requester ON change_requests (requester_id, id);
CREATE INDEX change_requests_due       ON change_requests (next_at) WHERE state IN ('applying', 'applied');
COMMIT;
PRAGMA foreign_keys = ON;

-- +goose Down
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE change_requests_old (
    id                 INTEGER PRIMARY KEY,
    account            TEXT    NOT NULL DEFAULT '',
    region             TEXT    NOT NULL,
    cluster            TEXT    NOT NULL,
    add_roles          TEXT    NOT NULL DEFAULT '[]',
    remove_roles       TEXT    NOT NULL DEFAULT '[]',
    default_role       TEXT    NOT NULL DEFAULT '',
    reason             TEXT    NOT NULL,
    ticket             TEXT    NOT NULL DEFAULT '',
    requester_id       INTEGER NOT NULL,
    requester_username TEXT    NOT NULL,
    requester_name     TEXT    NOT NULL DEFAULT '',
    base_roles         TEXT    NOT NULL DEFAULT '[]',
    base_default       TEXT    NOT NULL DEFAULT '',
    change_hash        TEXT    NOT NULL,
    risk               TEXT    NOT NULL CHECK (risk IN ('normal', 'high')),
    risk_reasons       TEXT    NOT NULL DEFAULT '[]',
    approvals_required INTEGER NOT NULL CHECK (approvals_required >= 1),
    state              TEXT    NOT NULL CHECK (state IN ('pending', 'approved', 'applying', 'applied', 'in_sync',
                                                         'failed', 'rejected', 'cancelled', 'expired', 'stale', 'superseded')),
    state_reason       TEXT    NOT NULL DEFAULT '',
    phase              TEXT    NOT NULL DEFAULT '' CHECK (phase IN ('', 'calling', 'waiting', 'following')),
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_at            TEXT    NOT NULL DEFAULT '',
    reissued           INTEGER NOT NULL DEFAULT 0,
    aws_request_id     TEXT    NOT NULL DEFAULT '',
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    expires_at         TEXT    NOT NULL,
    decided_at         TEXT    NOT NULL DEFAULT '',
    decider_username   TEXT    NOT NULL DEFAULT '',
    decision_comment   TEXT    NOT NULL DEFAULT '',
    resubmitted_from   INTEGER REFERENCES change_requests (id),
    superseded_by      INTEGER REFERENCES change_requests (id),
    version            INTEGER NOT NULL DEFAULT 1
) STRICT;
INSERT INTO change_requests_old SELECT id, account, region, cluster, add_roles, remove_roles, default_role, reason, ticket,
    requester_id, requester_username, requester_name, base_roles, base_default, change_hash, risk, risk_reasons,
    approvals_required, CASE state WHEN 'cluster_gone' THEN 'failed' ELSE state END, state_reason, phase, attempts,
    next_at, reissued, aws_request_id, created_at, updated_at, expires_at, decided_at, decider_username,
    decision_comment, resubmitted_from, superseded_by, version FROM change_requests;
DROP TABLE change_requests;
ALTER TABLE change_requests_old RENAME TO change_requests;
CREATE INDEX change_requests_state     ON change_requests (state, id);
CREATE INDEX change_requests_cluster   ON change_requests (region, cluster, id);
CREATE INDEX change_requests_requester ON change_requests (requester_id, id);
CREATE INDEX change_requests_due       ON change_requests (next_at) WHERE state IN ('applying', 'applied');
COMMIT;
PRAGMA foreign_keys = ON;
