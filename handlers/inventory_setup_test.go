package handlers_test

import (
	"log/slog"
	"testing"

	"rolegate/handlers"
)

type inventoryTest struct{}

type inventoryTestOptions struct{}

func (a *testApp) setupInventoryTest(t *testing.T, o *testOptions, ho *handlers.Options, log *slog.Logger) {
}
