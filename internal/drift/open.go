package drift

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Drift is an open drift of one cluster.
type Drift struct {
	ID          int64
	Key         Key
	BaselineSeq int64
	DetectedSeq int64
	DetectedAt  time.Time
	Diff        Diff
	// Who is what CloudTrail said of who made it; nil when it was not
	// asked.
	Who *Who
}

// ErrNoDrift is returned by Open for a cluster without an open drift.
var ErrNoDrift = errors.New("no open drift")

// Open is the cluster's open drift, or ErrNoDrift.
func (s *Service) Open(ctx context.Context, k Key) (*Drift, error) {
	d := Drift{Key: k}
	var at, diff string
	var who sql.NullString
	err := s.o.DB.Reader().QueryRowContext(ctx, `SELECT id, baseline_seq, detected_seq, detected_at, diff, who FROM drifts
		WHERE account = ? AND region = ? AND cluster = ? AND resolved_at IS NULL`, k.Account, k.Region, k.Cluster).
		Scan(&d.ID, &d.BaselineSeq, &d.DetectedSeq, &at, &diff, &who)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoDrift
	}
	if err != nil {
		return nil, fmt.Errorf("open drift of %s: %w", k.Cluster, err)
	}
	d.DetectedAt, _ = time.Parse(time.RFC3339Nano, at)
	if err := json.Unmarshal([]byte(diff), &d.Diff); err != nil {
		return nil, fmt.Errorf("open drift of %s: %w", k.Cluster, err)
	}
	if who.Valid {
		d.Who = &Who{}
		if err := json.Unmarshal([]byte(who.String), d.Who); err != nil {
			return nil, fmt.Errorf("open drift of %s: who: %w", k.Cluster, err)
		}
	}
	return &d, nil
}

// OpenKeys are the clusters with an open drift, for the list's badge and
// filter.
func (s *Service) OpenKeys(ctx context.Context) (map[Key]bool, error) {
	rows, err := s.o.DB.Reader().QueryContext(ctx, `SELECT account, region, cluster FROM drifts WHERE resolved_at IS NULL`)
	if err != nil {
		return nil, fmt.Errorf("open drifts: %w", err)
	}
	defer rows.Close()
	out := map[Key]bool{}
	for rows.Next() {
		var k Key
		if err := rows.Scan(&k.Account, &k.Region, &k.Cluster); err != nil {
			return nil, err
		}
		out[k] = true
	}
	return out, rows.Err()
}
