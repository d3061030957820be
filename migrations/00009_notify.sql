-- +goose Up
-- Channels the administrators configure. target and secret hold what the
-- sender needs in clear (a webhook URL carries its own token, an HMAC
-- secret, an SMTP password); no page shows them again and no log or audit
-- event carries them. topics is a JSON array of approvals, decisions,
-- alerts.
CREATE TABLE notify_channels (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    kind       TEXT    NOT NULL CHECK (kind IN ('slack', 'webhook', 'email')),
    target     TEXT    NOT NULL DEFAULT '',  -- webhook URL, or SMTP host:port
    secret     TEXT    NOT NULL DEFAULT '',  -- HMAC secret, or SMTP password
    username   TEXT    NOT NULL DEFAULT '',  -- SMTP user
    sender     TEXT    NOT NULL DEFAULT '',  -- SMTP From address
    topics     TEXT    NOT NULL DEFAULT '[]',
    enabled    INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
) STRICT;

-- Each user's choice: an address, email on or off, and whether they hear
-- of every failure and drift (alerts).
CREATE TABLE notify_prefs (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    email      TEXT    NOT NULL DEFAULT '',
    email_on   INTEGER NOT NULL DEFAULT 0 CHECK (email_on IN (0, 1)),
    alerts     INTEGER NOT NULL DEFAULT 0 CHECK (alerts IN (0, 1)),
    updated_at TEXT    NOT NULL
) STRICT;

-- The outbox: one row per notification and destination, written in the
-- transaction of the audit event that causes it (audit_seq). The worker
-- delivers rows in id order per change request and destination. idem_key
-- goes with every delivery, so that a receiver can drop the duplicate a
-- crash between sending and recording can cause. payload is the message
-- (no secret: the channel's are read when sending).
CREATE TABLE notify_outbox (
    id         INTEGER PRIMARY KEY,
    idem_key   TEXT    NOT NULL UNIQUE,
    audit_seq  INTEGER NOT NULL,
    change_id  INTEGER NOT NULL DEFAULT 0,
    kind       TEXT    NOT NULL,
    dest       TEXT    NOT NULL,             -- 'channel<id>' or 'mail<user id>'
    channel_id INTEGER NOT NULL REFERENCES notify_channels (id),
    user_id    INTEGER NOT NULL DEFAULT 0,
    address    TEXT    NOT NULL DEFAULT '',
    label      TEXT    NOT NULL,             -- '#dba-approvals', 'arno'
    payload    TEXT    NOT NULL,
    state      TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    TEXT    NOT NULL,
    last_error TEXT    NOT NULL DEFAULT '',
    created_at TEXT    NOT NULL,
    sent_at    TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX notify_outbox_due    ON notify_outbox (next_at, id) WHERE state = 'pending';
CREATE INDEX notify_outbox_change ON notify_outbox (change_id, id);

-- Pending requests whose requester was told they are about to expire.
CREATE TABLE notify_expiry_warnings (
    change_id INTEGER PRIMARY KEY REFERENCES change_requests (id),
    warned_at TEXT    NOT NULL
) STRICT;

-- +goose Down
DROP TABLE notify_expiry_warnings;
DROP TABLE notify_outbox;
DROP TABLE notify_prefs;
DROP TABLE notify_channels;
