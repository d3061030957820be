package main

import (
	"context"

	"rolegate/handlers"
)

func (w *wiring) access(ctx context.Context, o *handlers.Options) error { return nil }
