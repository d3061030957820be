package handlers_test

import (
	"log/slog"
	"testing"

	"rolegate/handlers"
)

type changeTest struct{}

type changeTestOptions struct{}

func (a *testApp) setupChangeTest(t *testing.T, o *testOptions, ho *handlers.Options, log *slog.Logger) {
}
