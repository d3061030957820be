-- +goose Up
-- The account of an event's cluster, now that clusters live in several
-- accounts. Events recorded before keep '' (and their hash, which never
-- covered an account); adding a column is not an UPDATE, so the
-- append-only triggers stay as they are.
ALTER TABLE audit_events ADD COLUMN account TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_events_account ON audit_events (account, cluster, region, seq) WHERE account <> '';

-- +goose Down
DROP INDEX audit_events_account;
ALTER TABLE audit_events DROP COLUMN account;
