package main

import (
	"context"

	"rolegate/handlers"
)

func (w *wiring) auditLog(ctx context.Context, o *handlers.Options) error { return nil }
