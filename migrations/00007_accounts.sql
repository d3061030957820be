-- +goose Up
-- The AWS accounts whose clusters Rolegate manages. With no row Rolegate
-- works in the account of its own credentials, as it always has. An
-- account with an empty role_arn is that account (no role to assume).
-- Regions is a JSON array, empty for the dashboard's -regions; an empty
-- production_tag means the dashboard's -production-tag. Accounts are
-- disabled, never deleted, so that the audit log and old requests keep
-- naming them.
CREATE TABLE accounts (
    id             TEXT    PRIMARY KEY CHECK (length(id) = 12 AND id NOT GLOB '*[^0-9]*'),
    name           TEXT    NOT NULL UNIQUE,
    role_arn       TEXT    NOT NULL DEFAULT '',
    external_id    TEXT    NOT NULL DEFAULT '',
    regions        TEXT    NOT NULL DEFAULT '[]',
    production_tag TEXT    NOT NULL DEFAULT '',
    disabled       INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
) STRICT;

-- At most one account is the one Rolegate runs in.
CREATE UNIQUE INDEX accounts_home ON accounts (role_arn) WHERE role_arn = '';

-- +goose Down
DROP TABLE accounts;
