package components

import (
	"strconv"
	"time"
)

// TimeLayout is how every page writes a moment: to the second, with its
// zone.
const TimeLayout = "2006-01-02 15:04:05 MST"

// FormatTime is the one way a moment becomes text for people: in the zone
// loc (UTC when nil), to the second, with the zone's name; "" for the zero
// time. A per-user zone is passed as loc.
func FormatTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(TimeLayout)
}

// Moment is a time as a page shows it: Text in the reader's zone
// (FormatTime), UTC the same moment in UTC (shown on hover), ISO the
// RFC 3339 UTC value for <time datetime>. The zero Moment shows nothing.
type Moment struct {
	Text, UTC, ISO string
}

// At is t as a Moment for a reader in loc (UTC when nil).
func At(t time.Time, loc *time.Location) Moment {
	if t.IsZero() {
		return Moment{}
	}
	return Moment{Text: FormatTime(t, loc), UTC: FormatTime(t, time.UTC), ISO: t.UTC().Format(time.RFC3339)}
}

// String is the moment's text in the reader's zone.
func (m Moment) String() string { return m.Text }

// Relative says how far t is from now, in words: "just now", "5 min ago",
// "in 3 h". It is the hint shown beside an absolute time where the
// distance matters (when a request expires, how old the data is).
func Relative(t, now time.Time) string {
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < 2*time.Second:
		return "just now"
	case d < time.Minute:
		s = strconv.Itoa(int(d.Seconds())) + " s"
	case d < time.Hour:
		s = strconv.Itoa(int(d.Minutes())) + " min"
	case d < 48*time.Hour:
		s = strconv.Itoa(int(d.Hours())) + " h"
	default:
		s = strconv.Itoa(int(d.Hours()/24)) + " days"
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}
