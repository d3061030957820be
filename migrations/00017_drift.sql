-- +goose Up
-- Drift: changes made to a cluster's IAM roles outside Rolegate.
-- drift_baselines is, per cluster, the last state the audit log holds for
-- it (a finished change, a first-sight baseline or an accepted drift):
-- the audit event it comes from and the roles and default read out of its
-- snapshot, so that a sweep compares without reading the log. It is a
-- cache of the log, rebuilt from it whenever a newer audited state exists.
CREATE TABLE drift_baselines (
    account      TEXT    NOT NULL,
    region       TEXT    NOT NULL,
    cluster      TEXT    NOT NULL,
    seq          INTEGER NOT NULL,
    roles        TEXT    NOT NULL DEFAULT '[]',
    default_role TEXT    NOT NULL DEFAULT '',
    -- state_hash is a hash of roles and default: a sweep reads only it.
    state_hash   TEXT    NOT NULL,
    PRIMARY KEY (account, region, cluster)
) STRICT;

-- drifts holds each distinct drift seen, open until the cluster is back
-- at its audited state or the drift is accepted as the new baseline.
-- fingerprint identifies the difference, so that the same drift seen
-- again is not recorded again.
CREATE TABLE drifts (
    id           INTEGER PRIMARY KEY,
    account      TEXT    NOT NULL,
    region       TEXT    NOT NULL,
    cluster      TEXT    NOT NULL,
    fingerprint  TEXT    NOT NULL,
    baseline_seq INTEGER NOT NULL,
    detected_seq INTEGER NOT NULL,
    detected_at  TEXT    NOT NULL,
    diff         TEXT    NOT NULL,
    resolved_seq INTEGER,
    resolved_at  TEXT,
    resolution   TEXT    CHECK (resolution IN ('returned', 'accepted', 'superseded'))
) STRICT;

-- At most one open drift per cluster.
CREATE UNIQUE INDEX drifts_open ON drifts (account, region, cluster) WHERE resolved_at IS NULL;
CREATE INDEX drifts_cluster ON drifts (account, region, cluster, id);

-- +goose Down
DROP TABLE drifts;
DROP TABLE drift_baselines;
