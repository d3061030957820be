package handlers_test

import (
	"testing"
	"time"

	"rolegate/internal/app"
	"rolegate/internal/config"
	"rolegate/internal/notify"
)

// notifyTest is the app's notification service, for what the tests look at.
type notifyTest struct {
	notify *notify.Service
}

// setupNotifyTest makes failed deliveries retry within milliseconds.
func (a *testApp) setupNotifyTest(t *testing.T, _ *testOptions, _ *config.Config, ao *app.Options) {
	t.Helper()
	ao.Pace.NotifyBackoff, ao.Pace.NotifyMaxBackoff = 5*time.Millisecond, 20*time.Millisecond
}
