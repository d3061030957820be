package audit

import (
	"context"
	"database/sql"
)

// RewriteAndRechain changes the request ID of the event at seq in the
// database file at path and recomputes every hash from there to the
// head, as someone who can write the file (but holds no anchor key)
// would: the chain itself then checks.
func RewriteAndRechain(ctx context.Context, path string, seq int64, requestID string) error {
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer raw.Close()
	for _, s := range []string{`DROP TRIGGER IF EXISTS audit_events_no_update`, `DROP TRIGGER IF EXISTS audit_events_no_delete`} {
		if _, err := raw.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	rows, err := raw.QueryContext(ctx, `SELECT `+eventColumns+` FROM audit_events WHERE seq >= ? ORDER BY seq`, seq)
	if err != nil {
		return err
	}
	var events []Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			rows.Close()
			return err
		}
		events = append(events, e)
	}
	rows.Close()
	prev := ""
	for i := range events {
		e := &events[i]
		if i == 0 {
			e.Origin.RequestID = requestID
		} else {
			e.PrevHash = prev
		}
		e.Hash = e.computeHash()
		prev = e.Hash
		if _, err := raw.ExecContext(ctx, `UPDATE audit_events SET request_id = ?, prev_hash = ?, hash = ? WHERE seq = ?`,
			e.Origin.RequestID, e.PrevHash, e.Hash, e.Seq); err != nil {
			return err
		}
	}
	return nil
}
