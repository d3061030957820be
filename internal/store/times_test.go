package store_test

import (
	"testing"
	"time"

	"rolegate/internal/store"
)

func TestStoredTimesRoundTripAndRefuseOtherForms(t *testing.T) {
	at := time.Date(2026, 12, 6, 21, 3, 4, 5, time.FixedZone("CET", 3600))
	got, err := store.ParseTime(store.FormatTime(at))
	if err != nil || !got.Equal(at) {
		t.Fatalf("round trip of %v: %v, %v", at, got, err)
	}
	if z, err := store.ParseTime(store.FormatTime(time.Time{})); err != nil || !z.IsZero() {
		t.Fatalf("the zero time: %v, %v", z, err)
	}
	for _, bad := range []string{"yesterday", "2026-12-06T21:03:04Z", "2026-12-06 21:03:04.000000000"} {
		if _, err := store.ParseTime(bad); err == nil {
			t.Errorf("ParseTime(%q) accepted a time in another form", bad)
		}
	}
}
