-- +goose Up
-- Change requests are never deleted: every state, terminal ones included,
-- stays in history. Lists of ARNs are JSON arrays, sorted.
CREATE TABLE change_requests (
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

CREATE INDEX change_requests_state     ON change_requests (state, id);
CREATE INDEX change_requests_cluster   ON change_requests (region, cluster, id);
CREATE INDEX change_requests_requester ON change_requests (requester_id, id);
CREATE INDEX change_requests_due       ON change_requests (next_at) WHERE state IN ('applying', 'applied');

-- One approval per approver and request, bound to the hash they saw.
CREATE TABLE change_approvals (
    change_id         INTEGER NOT NULL REFERENCES change_requests (id),
    approver_id       INTEGER NOT NULL,
    approver_username TEXT    NOT NULL,
    approver_name     TEXT    NOT NULL DEFAULT '',
    change_hash       TEXT    NOT NULL,
    comment           TEXT    NOT NULL DEFAULT '',
    created_at        TEXT    NOT NULL,
    PRIMARY KEY (change_id, approver_id)
) STRICT;

-- +goose Down
DROP TABLE change_approvals;
DROP TABLE change_requests;
