package components_test

import (
	"testing"
	"time"

	"rolegate/views/components"
)

func TestFormatTimeIsAbsoluteWithSecondsAndZone(t *testing.T) {
	at := time.Date(2026, 11, 26, 9, 30, 5, 0, time.FixedZone("CET", 3600))
	if got := components.FormatTime(at, nil); got != "2026-11-26 08:30:05 UTC" {
		t.Errorf("UTC: %q", got)
	}
	berlin := time.FixedZone("CET", 3600)
	if got := components.FormatTime(at, berlin); got != "2026-11-26 09:30:05 CET" {
		t.Errorf("a user's zone: %q", got)
	}
	if got := components.FormatTime(time.Time{}, nil); got != "" {
		t.Errorf("zero time: %q", got)
	}
}

func TestRelative(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{now, "just now"},
		{now.Add(-30 * time.Second), "30 s ago"},
		{now.Add(-5 * time.Minute), "5 min ago"},
		{now.Add(3 * time.Hour), "in 3 h"},
		{now.Add(-72 * time.Hour), "3 days ago"},
	} {
		if got := components.Relative(tc.t, now); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.t, got, tc.want)
		}
	}
}
