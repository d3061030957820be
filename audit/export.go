package audit

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Format is an export format.
type Format string

// Export formats.
const (
	CSV   Format = "csv"
	JSONL Format = "jsonl"
)

// CSVHeader is the first row of a CSV export.
var CSVHeader = []string{
	"seq", "time", "actor_id", "actor_username", "actor_role", "session_hash", "client_ip", "user_agent",
	"request_id", "action", "region", "cluster", "change_id", "outcome", "params", "aws_request_id",
	"error_code", "error_message", "snapshot", "prev_hash", "hash", "account",
}

// Fields describes f for the exported event and for people: only the
// fields set.
func (f Filter) Fields() map[string]string {
	m := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	if !f.From.IsZero() {
		m["from"] = f.From.UTC().Format(time.RFC3339)
	}
	if !f.To.IsZero() {
		m["to"] = f.To.UTC().Format(time.RFC3339)
	}
	set("actor", f.Actor)
	set("action", string(f.Action))
	set("account", f.Account)
	set("region", f.Region)
	set("cluster", f.Cluster)
	if f.ChangeID != 0 {
		m["change_id"] = strconv.FormatInt(f.ChangeID, 10)
	}
	if f.BulkID != 0 {
		m["bulk_id"] = strconv.FormatInt(f.BulkID, 10)
	}
	set("outcome", string(f.Outcome))
	set("role_arn", f.RoleARN)
	return m
}

// Export streams the events matching f, oldest first, to w in the format,
// in constant memory, and then records an audit.exported event by the
// actor with the filter, the format and the count (outcome failure when
// the export broke off). It returns the number of events written.
func (l *Log) Export(ctx context.Context, w io.Writer, format Format, f Filter, by Actor, from Origin) (int64, error) {
	n, err := l.WriteExport(ctx, w, format, f)
	outcome, msg := Success, ""
	if err != nil {
		outcome, msg = Failure, "the export broke off before the end"
	}
	_, rerr := l.Record(context.WithoutCancel(ctx), Event{
		Actor: by, Origin: from, Action: AuditExported, Outcome: outcome, ErrorMessage: msg,
		Params: Params(map[string]any{"filter": f.Fields(), "format": format, "events": n}),
	})
	return n, errors.Join(err, rerr)
}

// WriteExport streams the events matching f to w without recording
// anything; Export is what users reach.
func (l *Log) WriteExport(ctx context.Context, w io.Writer, format Format, f Filter) (int64, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	var n int64
	var err error
	switch format {
	case CSV:
		cw := csv.NewWriter(bw)
		if err := cw.Write(CSVHeader); err != nil {
			return 0, err
		}
		n, err = l.eachCSVRow(ctx, f, func(row []string) error {
			for i := range row {
				row[i] = guardCell(row[i])
			}
			return cw.Write(row)
		})
		cw.Flush()
		err = errors.Join(err, cw.Error())
	case JSONL:
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		err = l.each(ctx, f, func(e Event) error {
			n++
			return enc.Encode(e)
		})
	default:
		return 0, fmt.Errorf("export: unknown format %q", format)
	}
	if err != nil {
		return n, fmt.Errorf("export: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("export: %w", err)
	}
	return n, nil
}

// csvColumns select the stored text of each CSV column, in CSVHeader's
// order: the export copies what is stored, byte for byte.
const csvColumns = `e.seq, e.ts, ifnull(e.actor_id, ''), e.actor_username, e.actor_role, e.session_hash, e.client_ip,
	e.user_agent, e.request_id, e.action, e.region, e.cluster, ifnull(e.change_id, ''), e.outcome, e.params,
	e.aws_request_id, e.error_code, e.error_message, ifnull(e.snapshot, ''), e.prev_hash, e.hash, e.account`

// eachCSVRow streams the stored text of the events matching f, oldest
// first, without decoding them into Events.
func (l *Log) eachCSVRow(ctx context.Context, f Filter, fn func([]string) error) (int64, error) {
	q, seqCol, args, err := l.selectFrom(ctx, f, 1, maxSeq, csvColumns)
	if err != nil {
		return 0, err
	}
	rows, err := l.db.Reader().QueryContext(ctx, q+` ORDER BY `+seqCol, args...)
	if err != nil {
		return 0, fmt.Errorf("read audit events: %w", err)
	}
	defer rows.Close()
	row := make([]string, len(CSVHeader))
	dest := make([]any, len(row))
	for i := range row {
		dest[i] = &row[i]
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return n, fmt.Errorf("read audit events: %w", err)
		}
		n++
		if err := fn(row); err != nil {
			return n, err
		}
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("read audit events: %w", err)
	}
	return n, nil
}

// ReadCSV parses a CSV export back into events, calling fn for each.
func ReadCSV(r io.Reader, fn func(Event) error) error {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return fmt.Errorf("csv header: %w", err)
	}
	// Exports made before accounts have every column but the last.
	if (len(head) != len(CSVHeader) && len(head) != len(CSVHeader)-1) || head[0] != "seq" {
		return errors.New("csv header: not a Rolegate audit export")
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("csv: %w", err)
		}
		e, err := eventFromCSV(rec)
		if err != nil {
			return fmt.Errorf("csv line %d: %w", line, err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
}

// A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage
// return before one) as a formula, and usernames, user agents and error
// messages come from outside. guardCell puts a quote in front of such a
// cell, and of any cell that already starts with a quote, so that
// unguardCell can take exactly one off again: the export still reads back
// byte for byte and hashes verify.
func guardCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r'", rune(s[0])) {
		return "'" + s
	}
	return s
}

func unguardCell(s string) string {
	if strings.HasPrefix(s, "'") {
		return s[1:]
	}
	return s
}

func eventFromCSV(rec []string) (Event, error) {
	for i := range rec {
		rec[i] = unguardCell(rec[i])
	}
	var e Event
	var err error
	num := func(s string) int64 {
		if s == "" || err != nil {
			return 0
		}
		var v int64
		v, err = strconv.ParseInt(s, 10, 64)
		return v
	}
	e.Seq = num(rec[0])
	if e.Time, err = time.Parse(TimeFormat, rec[1]); err != nil {
		return e, err
	}
	e.Actor = Actor{UserID: num(rec[2]), Username: rec[3], Role: rec[4]}
	e.Origin = Origin{SessionHash: rec[5], ClientIP: rec[6], UserAgent: rec[7], RequestID: rec[8]}
	e.Action = Action(rec[9])
	e.Target = Target{Region: rec[10], Cluster: rec[11], ChangeID: num(rec[12])}
	e.Outcome = Outcome(rec[13])
	e.Params = json.RawMessage(rec[14])
	e.AWSRequestID, e.ErrorCode, e.ErrorMessage = rec[15], rec[16], rec[17]
	if rec[18] != "" {
		e.Snapshot = json.RawMessage(rec[18])
	}
	e.PrevHash, e.Hash = rec[19], rec[20]
	if len(rec) > 21 {
		e.Target.Account = rec[21]
	}
	return e, err
}

// ReadJSONL parses a JSON Lines export back into events, calling fn for
// each.
func ReadJSONL(r io.Reader, fn func(Event) error) error {
	dec := json.NewDecoder(bufio.NewReader(r))
	for i := 1; ; i++ {
		var e Event
		err := dec.Decode(&e)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("jsonl event %d: %w", i, err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
}

// HashOK reports whether e's hash is the hash of its contents, so that an
// exported event can be checked on its own.
func (e Event) HashOK() bool { return e.computeHash() == e.Hash }
