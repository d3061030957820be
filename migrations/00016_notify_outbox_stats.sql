-- +goose Up
-- The metrics read the outbox at every scrape: its notifications counted
-- by channel and state, and the oldest one still pending. The outbox
-- keeps every row, so without these indexes each scrape read every row
-- whole; with them the counts read one narrow index and the oldest
-- pending row is found at once.
CREATE INDEX notify_outbox_channel_state ON notify_outbox (channel_id, state);
CREATE INDEX notify_outbox_pending_since ON notify_outbox (created_at) WHERE state = 'pending';

-- +goose Down
DROP INDEX notify_outbox_pending_since;
DROP INDEX notify_outbox_channel_state;
