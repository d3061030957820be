package audit

import (
	"errors"
	"time"
)

// timeLayouts are the forms ParseTime accepts, all read as UTC (or the
// zone given to ParseTimeIn) unless they carry an offset.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"}

// ErrBadTime is returned by ParseTime.
var ErrBadTime = errors.New("enter a date like 2026-11-26 or 2026-11-26T09:30 (UTC)")

// ParseTime reads a filter bound typed by a person: a date, a date and
// time (UTC), or RFC 3339.
func ParseTime(s string) (time.Time, error) { return ParseTimeIn(s, time.UTC) }

// ParseTimeIn is ParseTime for a person who reads times in loc: a date, or
// a date and time, is read as the wall clock of loc; RFC 3339 keeps its
// own offset. The result is in UTC.
func ParseTimeIn(s string, loc *time.Location) (time.Time, error) {
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, ErrBadTime
}
