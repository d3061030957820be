-- +goose Up
-- A bulk request is one change (roles to add, roles to remove, a default)
-- over a frozen set of clusters, reviewed and approved as a whole. Each
-- changed member is an ordinary change request (change_requests.bulk_id)
-- that keeps its own approvals, apply, audit events and follow-up; the
-- members where the change is a no-op are frozen in members with no
-- request. bulk_hash binds the approval to every member's planned change
-- and captured state. state is the decision (pending, approved, rejected,
-- stale, superseded); how far the apply got is read from the members.
CREATE TABLE bulk_requests (
    id                 INTEGER PRIMARY KEY,
    requester_id       INTEGER NOT NULL,
    requester_username TEXT    NOT NULL,
    requester_name     TEXT    NOT NULL DEFAULT '',
    reason             TEXT    NOT NULL,
    ticket             TEXT    NOT NULL DEFAULT '',
    add_roles          TEXT    NOT NULL DEFAULT '[]',
    remove_roles       TEXT    NOT NULL DEFAULT '[]',
    default_role       TEXT    NOT NULL DEFAULT '',
    members            TEXT    NOT NULL DEFAULT '[]',
    bulk_hash          TEXT    NOT NULL,
    risk               TEXT    NOT NULL,
    approvals_required INTEGER NOT NULL,
    state              TEXT    NOT NULL,
    state_reason       TEXT    NOT NULL DEFAULT '',
    decided_at         TEXT    NOT NULL DEFAULT '',
    decider_username   TEXT    NOT NULL DEFAULT '',
    decision_comment   TEXT    NOT NULL DEFAULT '',
    resubmitted_from   INTEGER REFERENCES bulk_requests (id),
    superseded_by      INTEGER REFERENCES bulk_requests (id),
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX bulk_requests_state ON bulk_requests (state, id);

ALTER TABLE change_requests ADD COLUMN bulk_id INTEGER REFERENCES bulk_requests (id);
CREATE INDEX change_requests_bulk ON change_requests (bulk_id) WHERE bulk_id IS NOT NULL;

-- +goose Down
DROP INDEX change_requests_bulk;
ALTER TABLE change_requests DROP COLUMN bulk_id;
DROP TABLE bulk_requests;
