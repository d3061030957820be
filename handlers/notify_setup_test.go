package handlers_test

import (
	"log/slog"
	"testing"
	"time"

	"rolegate/handlers"
	"rolegate/internal/notify"
)

// testExternalURL is the external URL the test app's messages link to.
const testExternalURL = "https://rolegate.test"

// newNotifyTest builds the notification service on the app's database and
// audit log; setupChangeTest runs its worker next to the apply worker.
func (a *testApp) newNotifyTest(t *testing.T, _ *testOptions, ho *handlers.Options, log *slog.Logger) *notify.Service {
	t.Helper()
	a.notify = notify.New(notify.Options{DB: a.db, Audit: a.audit, Logger: log.With("component", "notify"), BaseURL: testExternalURL,
		Backoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	ho.NotifyOptions.Notify = a.notify
	return a.notify
}
