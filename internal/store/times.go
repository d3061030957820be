package store

import (
	"context"
	"database/sql"
	"time"
)

// TimeFormat is how the domains store a time: UTC to the nanosecond, so
// that the text sorts as the times do.
const TimeFormat = "2006-01-02T15:04:05.000000000Z"

// FormatTime is t as stored; the zero time is "" (never set).
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeFormat)
}

// ParseTime reads a stored time; "" is the zero time. A value in any other
// form is an error, never a zero time.
func ParseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(TimeFormat, s)
}

// Querier is what a domain's store functions run on: the reader pool, the
// writer, or a transaction (*sql.DB and *sql.Tx both are one).
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}
