-- +goose Up
-- The events that name a bulk request in their parameters (its bulk.*
-- events and its members' change.created), so that the audit filter
-- bulk=N is an index lookup. An index only: audit rows are never changed.
CREATE INDEX audit_events_bulk ON audit_events (json_extract(params, '$.bulk_id'), seq)
    WHERE json_extract(params, '$.bulk_id') IS NOT NULL;

-- +goose Down
DROP INDEX audit_events_bulk;
