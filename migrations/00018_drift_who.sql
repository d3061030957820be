-- +goose Up
-- Who made each drift, from CloudTrail: who is the JSON of the lookup's
-- outcome (looked up or why not, and the events naming the caller);
-- who_next_at is when to look again for a drift nobody is named for yet
-- (CloudTrail delivers events up to 15 minutes late), NULL once someone
-- is named or the time to look has run out.
ALTER TABLE drifts ADD COLUMN who TEXT;
ALTER TABLE drifts ADD COLUMN who_next_at TEXT;

-- +goose Down
ALTER TABLE drifts DROP COLUMN who_next_at;
ALTER TABLE drifts DROP COLUMN who;
