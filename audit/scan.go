package audit

import (
	"database/sql"
	"strings"
	"time"
)

// eventColumns are the audit_events columns in the order scanEvent reads.
const eventColumns = `seq, ts, actor_id, actor_username, actor_role, session_hash, client_ip, user_agent, request_id,
	action, region, cluster, change_id, params, outcome, aws_request_id, error_code, error_message,
	snapshot, prev_hash, hash, account, actor_token`

// qualifiedColumns are eventColumns of the table aliased e.
var qualifiedColumns = "e." + strings.Join(strings.Split(strings.Join(strings.Fields(eventColumns), " "), ", "), ", e.")

type scanner interface {
	Scan(dest ...any) error
}

// scanEvent reads one row selected with eventColumns.
func scanEvent(s scanner) (Event, error) {
	var (
		e                 Event
		ts, action, out   string
		params            string
		actorID, changeID sql.NullInt64
		tokenID           sql.NullInt64
		snapshot          sql.NullString
	)
	err := s.Scan(&e.Seq, &ts, &actorID, &e.Actor.Username, &e.Actor.Role, &e.Origin.SessionHash,
		&e.Origin.ClientIP, &e.Origin.UserAgent, &e.Origin.RequestID, &action, &e.Target.Region,
		&e.Target.Cluster, &changeID, &params, &out, &e.AWSRequestID, &e.ErrorCode, &e.ErrorMessage,
		&snapshot, &e.PrevHash, &e.Hash, &e.Target.Account, &tokenID)
	if err != nil {
		return e, err
	}
	// A time that does not parse stays zero: the row then fails its hash,
	// and Verify names it, instead of the walk stopping on it.
	t, _ := time.Parse(TimeFormat, ts)
	e.Time = t.UTC()
	e.Actor.UserID = actorID.Int64
	e.Actor.TokenID = tokenID.Int64
	e.Target.ChangeID = changeID.Int64
	e.Action = Action(action)
	e.Outcome = Outcome(out)
	e.Params = []byte(params)
	if snapshot.Valid {
		e.Snapshot = []byte(snapshot.String)
	}
	return e, nil
}
